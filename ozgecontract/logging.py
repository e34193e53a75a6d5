"""Logging helpers: keep signing tokens out of the logs, and refusals short."""

import logging
import re

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


class MaskTokensFilter(logging.Filter):
    """Replace UUIDs (contract tokens) in a record's message with `<token>`.

    Django logs every 4xx and 5xx with its path, and a contract's token in a
    path such as `/sign/<token>/` is enough to sign it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _UUID.sub("<token>", message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


class QuietRefusalsFilter(logging.Filter):
    """Drop the traceback Django attaches to an expected refusal (a 4xx).

    A member opening an owner-only page is a 403 by design; its one-line
    warning says enough, and a traceback per refusal buries real errors.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
