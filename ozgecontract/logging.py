"""Logging helpers: keep signing tokens out of the logs."""

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
