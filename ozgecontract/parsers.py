"""Request parsers of the API: DRF's own, hardened against hostile bodies."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """Parse a JSON body; one nested too deep for Python's decoder is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # DRF catches only ValueError: `[[[[...` a few thousand deep would
            # otherwise escape as a 500.
            raise ParseError(
                _("JSON parse error - the body is nested too deeply.")
            ) from exc
