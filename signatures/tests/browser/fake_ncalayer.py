"""A fake NCALayer: a WebSocket server on 127.0.0.1 that signs with the test PKI.

Real NCALayer listens on wss://127.0.0.1:13579 and, asked through
`kz.gov.pki.knca.commonUtils` `createCAdESFromBase64`, shows its key dialog
and answers `{"code": "200", "responseObject": "<base64 CMS>"}`. This fake
greets with `{"result": {"version": ...}}` like NCALayer does, then answers
each request from `behaviour`:

- `"sign"`: a detached CMS over the bytes it was given, by `signer`;
- `"cancel"`: NCALayer's answer when the person closes the key dialog.

It uses plain ws://, which a page served over http://127.0.0.1 may open.
"""

import asyncio
import base64
import json
import threading

from websockets.asyncio.server import serve

from signatures.tests import pki


class FakeNCALayer:
    def __init__(self, *, signer=None, behaviour: str = "sign"):
        self.signer = signer
        self.behaviour = behaviour
        self.requests: list[dict] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fake NCALayer did not start")
        return self

    def __exit__(self, *exc_info):
        self._loop.call_soon_threadsafe(self._stop.set_result, None)
        self._thread.join(10)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self):
        self._stop = self._loop.create_future()
        async with serve(self._handle, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}"
            self._ready.set()
            await self._stop

    async def _handle(self, websocket):
        await websocket.send(json.dumps({"result": {"version": "1.4"}}))
        async for message in websocket:
            request = json.loads(message)
            self.requests.append(request)
            await websocket.send(json.dumps(self._answer(request)))

    def _answer(self, request: dict) -> dict:
        if self.behaviour == "cancel":
            return {"code": "500", "message": "action.canceled"}
        _storage, _key_type, data_b64, _attach = request["args"]
        cms = pki.sign(base64.b64decode(data_b64), self.signer or pki.person())
        return {"code": "200", "responseObject": cms}

    def signed_bytes(self, number: int = 0) -> bytes:
        """Return the data the page asked to sign in request `number`."""
        return base64.b64decode(self.requests[number]["args"][2])
