"""DOCX-to-PDF converters behind one small interface.

`settings.DOCUMENT_CONVERTER` picks one: `html` (mammoth to HTML, WeasyPrint
to PDF; the default, no system service) or `libreoffice` (headless soffice,
full fidelity when installed). Both raise `ConversionError` on failure.
"""

from typing import Protocol

from django.conf import settings


class ConversionError(Exception):
    """The DOCX could not be converted to PDF; the request may be retried."""


class Converter(Protocol):
    name: str

    def convert(self, docx: bytes) -> bytes: ...


def get_converter(name: str | None = None) -> Converter:
    """Return the converter named `name`, or the one the settings choose."""
    name = name or settings.DOCUMENT_CONVERTER
    if name == "html":
        from contracts.documents.converters.html import HtmlConverter

        return HtmlConverter()
    if name == "libreoffice":
        from contracts.documents.converters.libreoffice import LibreOfficeConverter

        return LibreOfficeConverter()
    raise ConversionError(f"Unknown DOCUMENT_CONVERTER {name!r}.")
