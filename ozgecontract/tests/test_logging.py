import logging

from ozgecontract.logging import MaskTokensFilter

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
