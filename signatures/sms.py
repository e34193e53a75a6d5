"""Sending SMS: one small interface, backends chosen by the `SMS_BACKEND` setting.

`console` logs the message (development), `file` writes each message as a JSON
file `{"to", "text"}` into `SMS_FILE_PATH` (tests and demos read codes there),
`memory` keeps messages in `outbox` (unit tests). Real gateways live in
`signatures.sms_gateways` and are named here.
"""

import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from ozgecontract.errors import UpstreamError
from ozgecontract.validators import mask_phone

logger = logging.getLogger(__name__)

BACKENDS = {
    "console": "signatures.sms.ConsoleBackend",
    "file": "signatures.sms.FileBackend",
    "memory": "signatures.sms.MemoryBackend",
    "mobizon": "signatures.sms_gateways.MobizonBackend",
    "smsc": "signatures.sms_gateways.SmscBackend",
}


class SmsSendError(UpstreamError):
    code = "sms_failed"
    default_detail = _("The SMS could not be sent; try again in a minute.")


class SmsBackend:
    def send(self, *, to: str, text: str) -> None:
        """Send `text` to the E.164 number `to`; raise SmsSendError on failure."""
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, *, to: str, text: str) -> None:
        # Development only: the message text (with its code) goes to the log,
        # never in production, where the log is read by more people.
        if settings.DEBUG:
            logger.info("SMS to %s: %s", mask_phone(to), text)
        else:
            logger.warning(
                "SMS to %s not sent: SMS_BACKEND=console in production", mask_phone(to)
            )


class FileBackend(SmsBackend):
    def send(self, *, to: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False)
        path = folder / f"{uuid.uuid4().hex}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(path)


class MemoryBackend(SmsBackend):
    outbox: list[dict] = []

    def send(self, *, to: str, text: str) -> None:
        MemoryBackend.outbox.append({"to": to, "text": text})


def get_backend() -> SmsBackend:
    name = settings.SMS_BACKEND
    dotted = BACKENDS.get(name, name)
    return import_string(dotted)()


def send_sms(*, to: str, text: str) -> None:
    """Send one SMS through the configured backend."""
    get_backend().send(to=to, text=text)
