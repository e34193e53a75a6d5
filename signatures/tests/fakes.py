"""Fake SMS gateways and a fake NCANode, served on 127.0.0.1 by the test itself.

Each fake is an HTTP server on a free port in a background thread. It records
every request and answers from a script of behaviours, one per request, then
`default`:

- `"ok"`: the real service's success answer (the NCANode fake really checks
  the CMS, see `FakeNcaNode`);
- `"refuse"`: the service's error answer (SMS gateways);
- `"hang"`: no answer until the test ends (drives client timeouts);
- `"drop"`: close the connection without an answer (a network error);
- `"error500"`: an HTML 500 page.

Use as a context manager; point the settings at `fake.url`::

    with FakeMobizon() as gateway:
        settings.MOBIZON_BASE_URL = gateway.url
        gateway.script = ["drop", "ok"]
"""

import base64
import hashlib
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone

_HANG_SECONDS = 30


@dataclass
class Recorded:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    form: dict = field(default_factory=dict)
    json: dict | None = None


def _single_values(pairs: dict) -> dict:
    return {key: values[-1] for key, values in pairs.items()}


class FakeServer:
    """An HTTP server on 127.0.0.1 that answers from a script of behaviours."""

    default = "ok"

    def __init__(self):
        self.requests: list[Recorded] = []
        self.script: list[str] = []
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        # A short poll keeps shutdown (once per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def next_behaviour(self) -> str:
        return self.script.pop(0) if self.script else self.default

    def answer(self, behaviour: str, request: Recorded) -> tuple[int, dict]:
        """Return (status, JSON body) for `request`; subclasses speak the API."""
        raise NotImplementedError

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                """Keep the test output quiet."""

            def do_GET(self):
                self._serve()

            def do_POST(self):
                self._serve()

            def _serve(self):
                request = self._record()
                fake.requests.append(request)
                behaviour = fake.next_behaviour()
                if behaviour == "hang":
                    fake._release.wait(_HANG_SECONDS)
                if behaviour in ("hang", "drop"):
                    self.close_connection = True
                    return
                if behaviour == "error500":
                    self._send(500, b"<html>Internal Server Error</html>", "text/html")
                    return
                status, body = fake.answer(behaviour, request)
                payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
                self._send(status, payload, "application/json; charset=utf-8")

            def _record(self) -> Recorded:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                request = Recorded(
                    method=self.command,
                    path=parsed.path,
                    query=_single_values(urllib.parse.parse_qs(parsed.query)),
                    headers=dict(self.headers.items()),
                    body=body,
                )
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/x-www-form-urlencoded"):
                    text = body.decode("utf-8")
                    request.form = _single_values(urllib.parse.parse_qs(text))
                elif content_type.startswith("application/json"):
                    request.json = json.loads(body or b"null")
                return request

            def _send(self, status: int, payload: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


class FakeMobizon(FakeServer):
    """Mobizon's `POST /service/message/sendsmsmessage` (form fields, JSON)."""

    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []
        self._ids = itertools.count(41000001)

    def answer(self, behaviour, request):
        if request.path.lower() != "/service/message/sendsmsmessage":
            return 404, {"code": 2, "data": "", "message": "Not found"}
        if behaviour == "refuse":
            return 200, {
                "code": 1,
                "data": {"recipient": "Неверный номер получателя"},
                "message": "Validation error",
            }
        message_id = str(next(self._ids))
        self.messages.append(
            {"to": request.form.get("recipient"), "text": request.form.get("text")}
        )
        return 200, {
            "code": 0,
            "data": {"campaignId": "9001", "messageId": message_id, "status": 1},
            "message": "",
        }


class FakeSmsc(FakeServer):
    """SMSC.kz's `/sys/send.php` with `fmt=3` (JSON answers)."""

    def __init__(self):
        super().__init__()
        self.messages: list[dict] = []
        self._ids = itertools.count(501)

    def answer(self, behaviour, request):
        fields = {**request.query, **request.form}
        if request.path != "/sys/send.php":
            return 404, {"error": "not found", "error_code": 1}
        if behaviour == "refuse":
            return 200, {"error": "invalid number", "error_code": 7}
        self.messages.append({"to": fields.get("phones"), "text": fields.get("mes")})
        return 200, {"id": next(self._ids), "cnt": 1}


# --- NCANode ----------------------------------------------------------------

_NCANODE_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}
_DN_LABELS = {
    NameOID.COMMON_NAME: "CN",
    NameOID.SURNAME: "SURNAME",
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.COUNTRY_NAME: "C",
    NameOID.GIVEN_NAME: "G",
    NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU",
}


def _java_time(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


def _first(name: x509.Name, oid) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _subject_info(name: x509.Name) -> dict:
    dn = ", ".join(
        f"{_DN_LABELS.get(attribute.oid, attribute.oid.dotted_string)}="
        f"{attribute.value}"
        for attribute in name
    )
    info = {
        "commonName": _first(name, NameOID.COMMON_NAME),
        "surName": _first(name, NameOID.SURNAME),
        "country": _first(name, NameOID.COUNTRY_NAME),
        "dn": dn,
    }
    serial = _first(name, NameOID.SERIAL_NUMBER) or ""
    if serial.startswith("IIN"):
        info["iin"] = serial[3:]
    unit = _first(name, NameOID.ORGANIZATIONAL_UNIT_NAME) or ""
    if unit.startswith("BIN"):
        info["bin"] = unit[3:]
    return {key: value for key, value in info.items() if value is not None}


class FakeNcaNode(FakeServer):
    """NCANode 3.x's `POST /cms/verify`, answering in NCANode's JSON shapes.

    It really checks RSA/ECDSA CMS signatures: the message digest against the
    `data` sent (a mismatch is NCANode's 400), the signature, the path to one
    of `trusted` and the validity at the current time. A GOST signature (the
    CMS's or a CA's on a GOST certificate) is taken as correct: the fake
    stands in for Kalkan there. Set `canned` to a
    dict to send that answer instead.
    """

    def __init__(self, trusted=()):
        super().__init__()
        self.trusted = [getattr(ca, "certificate", ca) for ca in trusted]
        self.canned: dict | None = None

    def answer(self, behaviour, request):
        if request.path != "/cms/verify":
            return 404, {"status": 404, "message": "Not Found"}
        if self.canned is not None:
            return 200, self.canned
        try:
            return self._verify(request.json or {})
        except (ValueError, TypeError, KeyError, StopIteration) as exc:
            return 400, {"status": 400, "message": f"Invalid CMS: {exc}"}

    def _verify(self, payload: dict) -> tuple[int, dict]:
        signed_data = cms.ContentInfo.load(base64.b64decode(payload["cms"]))["content"]
        content = signed_data["encap_content_info"]["content"].native
        if content is None:
            content = base64.b64decode(payload.get("data") or "")
        pool = [
            x509.load_der_x509_certificate(choice.chosen.dump())
            for choice in signed_data["certificates"]
        ]
        signers, all_valid = [], True
        for signer_info in signed_data["signer_infos"]:
            certificate = self._signer(signer_info, pool)
            digest_oid = signer_info["digest_algorithm"]["algorithm"]
            gost = digest_oid.dotted.startswith("1.2.398.3.10.")
            if not gost and not self._digest_matches(signer_info, content):
                return 400, {
                    "status": 400,
                    "message": "message-digest attribute value does not match "
                    "calculated value",
                }
            signature_ok = gost or self._signature_ok(signer_info, certificate)
            certificate_ok = self._chains(certificate, pool) and self._in_time(
                certificate
            )
            all_valid = all_valid and signature_ok and certificate_ok
            signers.append(
                {"certificates": [self._certificate_info(certificate, certificate_ok)]}
            )
        return 200, {
            "status": 200,
            "message": "OK",
            "valid": all_valid,
            "signers": signers,
        }

    @staticmethod
    def _signer(signer_info, pool):
        wanted = signer_info["sid"].chosen["serial_number"].native
        return next(c for c in pool if c.serial_number == wanted)

    @staticmethod
    def _digest_matches(signer_info, content: bytes) -> bool:
        name = signer_info["digest_algorithm"]["algorithm"].native
        for attribute in signer_info["signed_attrs"]:
            if attribute["type"].native == "message_digest":
                expected = hashlib.new(name, content).digest()
                return attribute["values"][0].native == expected
        return False

    @staticmethod
    def _signature_ok(signer_info, certificate) -> bool:
        signed = b"\x31" + signer_info["signed_attrs"].dump()[1:]
        name = signer_info["digest_algorithm"]["algorithm"].native
        algorithm = _NCANODE_HASHES[name]()
        signature = signer_info["signature"].native
        key = certificate.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(signature, signed, padding.PKCS1v15(), algorithm)
            else:
                key.verify(signature, signed, ec.ECDSA(algorithm))
        except InvalidSignature:
            return False
        return True

    def _chains(self, certificate, pool) -> bool:
        trusted_der = {c.public_bytes(serialization.Encoding.DER) for c in self.trusted}
        current = certificate
        for _ in range(5):
            issuers = [
                c
                for c in [*self.trusted, *pool]
                if c.subject == current.issuer and c != current
            ]
            issuer = next((c for c in issuers if _issued_by(current, c)), None)
            if issuer is None and _is_gost(current) and issuers:
                # Kalkan's part: the fake takes a GOST issuer signature as valid.
                issuer = issuers[0]
            if issuer is None:
                return False
            if issuer.public_bytes(serialization.Encoding.DER) in trusted_der:
                return True
            current = issuer
        return False

    @staticmethod
    def _in_time(certificate) -> bool:
        now = timezone.now()
        return (
            certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc
        )

    @staticmethod
    def _certificate_info(certificate, valid: bool) -> dict:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        if usage.content_commitment:
            key_usage = "SIGN"
        elif usage.digital_signature:
            key_usage = "AUTH"
        else:
            key_usage = "UNKNOWN"
        if _is_gost(certificate):
            sign_alg, public_key = "ECGOST34310", b""
        else:
            sign_alg = "SHA256withRSA"
            public_key = certificate.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
        return {
            "valid": valid,
            "revocations": [],
            "notBefore": _java_time(certificate.not_valid_before_utc),
            "notAfter": _java_time(certificate.not_valid_after_utc),
            "keyUsage": key_usage,
            "serialNumber": f"{certificate.serial_number:x}",
            "signAlg": sign_alg,
            "keyUser": ["INDIVIDUAL"],
            "publicKey": base64.b64encode(public_key).decode("ascii"),
            "signature": base64.b64encode(certificate.signature).decode("ascii"),
            "subject": _subject_info(certificate.subject),
            "issuer": _subject_info(certificate.issuer),
        }


def _is_gost(certificate) -> bool:
    return certificate.signature_algorithm_oid.dotted_string.startswith("1.2.398.3.10.")


def _issued_by(certificate, issuer) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True
