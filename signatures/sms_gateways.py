"""SMS through Kazakhstan's gateways: Mobizon and SMSC.kz.

Each backend is a small HTTP client: one form POST with a timeout
(`SMS_GATEWAY_TIMEOUT_SECONDS`), retried only when the network fails before
the gateway answers (`SMS_GATEWAY_RETRIES`). A refusal or a timeout is not
retried: a gateway that timed out may already have taken the message. Every
failure is an `SmsSendError` whose `reason` says which kind it was. The
message text holds a signing code, so it is never logged.
"""

import http.client
import json
import logging
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from ozgecontract.validators import mask_phone
from signatures.sms import SmsBackend, SmsSendError

logger = logging.getLogger(__name__)

_MAX_ANSWER_BYTES = 64 * 1024


class _NetworkError(Exception):
    """The request failed before any answer came back; it is safe to retry."""


def _fail(reason: str, gateway: str, to: str, why: str) -> SmsSendError:
    logger.warning(
        "sms not sent gateway=%s to=%s reason=%s: %s",
        gateway,
        mask_phone(to),
        reason,
        why[:200],
    )
    error = SmsSendError()
    error.reason = reason
    return error


def _post_once(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - URL comes from settings
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Accept": "application/json",
        },
    )
    timeout = settings.SMS_GATEWAY_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(_MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(_MAX_ANSWER_BYTES)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError | ssl.SSLError):
            raise reason from exc
        raise _NetworkError(f"{type(reason).__name__}: {reason}") from exc
    except (ConnectionError, http.client.HTTPException) as exc:
        raise _NetworkError(f"{type(exc).__name__}: {exc}") from exc


def post_form(*, gateway: str, url: str, fields: dict, to: str) -> dict:
    """POST `fields` to a gateway and return its JSON answer (a dict).

    Retry after a network error; raise SmsSendError for a timeout, an
    unreachable gateway, or an answer that is not a JSON object.
    """
    body = urllib.parse.urlencode(fields).encode("utf-8")
    attempts = 1 + max(0, settings.SMS_GATEWAY_RETRIES)
    for attempt in range(1, attempts + 1):
        try:
            status, raw = _post_once(url, body)
            break
        except TimeoutError as exc:
            raise _fail("timeout", gateway, to, "no answer in time") from exc
        except ssl.SSLError as exc:
            raise _fail("tls", gateway, to, str(exc)) from exc
        except _NetworkError as exc:
            if attempt == attempts:
                raise _fail("network", gateway, to, str(exc)) from exc
            logger.warning(
                "sms gateway=%s network error, retrying attempt=%s/%s: %s",
                gateway,
                attempt,
                attempts,
                exc,
            )
            time.sleep(settings.SMS_GATEWAY_RETRY_DELAY_SECONDS * attempt)

    try:
        answer = json.loads(raw.decode("utf-8"))
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise _fail("bad_answer", gateway, to, f"HTTP {status}, not a JSON object")
    return answer


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


class MobizonBackend(SmsBackend):
    """Mobizon (mobizon.kz): `code` 0 in the JSON answer means accepted."""

    gateway = "mobizon"

    def send(self, *, to: str, text: str) -> None:
        if not settings.MOBIZON_API_KEY:
            raise _fail("not_configured", self.gateway, to, "MOBIZON_API_KEY unset")
        url = (
            settings.MOBIZON_BASE_URL.rstrip("/")
            + "/service/message/sendsmsmessage?output=json&api=v1"
        )
        fields = {
            "apiKey": settings.MOBIZON_API_KEY,
            "recipient": _digits(to),
            "text": text,
        }
        if settings.MOBIZON_SENDER:
            fields["from"] = settings.MOBIZON_SENDER
        answer = post_form(gateway=self.gateway, url=url, fields=fields, to=to)

        if str(answer.get("code")) != "0":
            why = f"code={answer.get('code')} {answer.get('message', '')}"
            raise _fail("refused", self.gateway, to, why)
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        logger.info(
            "sms sent gateway=%s to=%s message_id=%s",
            self.gateway,
            mask_phone(to),
            data.get("messageId"),
        )


class SmscBackend(SmsBackend):
    """SMSC.kz: an `error` field in the JSON answer (fmt=3) means refused."""

    gateway = "smsc"

    def send(self, *, to: str, text: str) -> None:
        if settings.SMSC_API_KEY:
            credentials = {"apikey": settings.SMSC_API_KEY}
        elif settings.SMSC_LOGIN and settings.SMSC_PASSWORD:
            credentials = {"login": settings.SMSC_LOGIN, "psw": settings.SMSC_PASSWORD}
        else:
            raise _fail(
                "not_configured",
                self.gateway,
                to,
                "set SMSC_API_KEY, or SMSC_LOGIN and SMSC_PASSWORD",
            )
        url = settings.SMSC_BASE_URL.rstrip("/") + "/sys/send.php"
        fields = {
            **credentials,
            "phones": _digits(to),
            "mes": text,
            "fmt": "3",
            "charset": "utf-8",
        }
        if settings.SMSC_SENDER:
            fields["sender"] = settings.SMSC_SENDER
        answer = post_form(gateway=self.gateway, url=url, fields=fields, to=to)

        if "error" in answer or "id" not in answer:
            why = f"error_code={answer.get('error_code')} {answer.get('error', '')}"
            raise _fail("refused", self.gateway, to, why)
        logger.info(
            "sms sent gateway=%s to=%s message_id=%s",
            self.gateway,
            mask_phone(to),
            answer.get("id"),
        )
