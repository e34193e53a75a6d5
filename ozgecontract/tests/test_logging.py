import logging
import sys

from ozgecontract.logging import MaskTokensFilter, QuietRefusalsFilter

TOKEN = "8c3ed5d6-3aef-4b1a-8f06-7684f15b3705"


def _record(msg, *args):
    return logging.LogRecord("django.request", logging.WARNING, "", 0, msg, args, None)


def test_tokens_in_logged_paths_are_masked():
    record = _record("Not Found: %s", f"/sign/{TOKEN}/")

    assert MaskTokensFilter().filter(record)

    assert record.getMessage() == "Not Found: /sign/<token>/"


def test_messages_without_tokens_are_left_alone():
    record = _record("contract signed contract=%s", 12)

    MaskTokensFilter().filter(record)

    assert record.getMessage() == "contract signed contract=12"
    assert record.args == (12,)


def _refusal(status_code):
    try:
        raise PermissionError("refused")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Forbidden: %s", ("/x/",), exc_info
    )
    record.status_code = status_code
    return record


def test_an_expected_refusal_is_logged_without_its_traceback():
    record = _refusal(403)

    assert QuietRefusalsFilter().filter(record)

    assert record.exc_info is None
    assert record.getMessage() == "Forbidden: /x/"


def test_a_server_error_keeps_its_traceback():
    record = _refusal(500)

    QuietRefusalsFilter().filter(record)

    assert record.exc_info is not None


def test_django_records_are_printed_once(client, db):
    # Only the root handler prints them; Django's own console handler is gone.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate
