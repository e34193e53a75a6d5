"""The default converter: mammoth turns the DOCX into HTML, WeasyPrint prints it.

Mammoth keeps the structure (headings, lists, tables, bold, images as data
URIs) but not Word's page layout; headers and footers, which mammoth drops,
are read with python-docx and repeated on every page as running elements.
The project's DejaVu Sans covers Russian and every Kazakh letter. WeasyPrint
runs with the project's URL fetcher, so nothing outside `static/` is read.
"""

import io
import logging
from html import escape

import mammoth
from docx import Document

from contracts.documents.converters import ConversionError
from ozgecontract.pdf import html_to_pdf

logger = logging.getLogger(__name__)

STYLESHEET = """
@font-face { font-family: "DejaVu Sans"; src: url(fonts/DejaVuSans.ttf); }
@font-face {
  font-family: "DejaVu Sans"; font-weight: bold; src: url(fonts/DejaVuSans-Bold.ttf);
}
@page {
  size: A4; margin: 2cm 1.5cm 2cm 2.5cm;
  @top-center { content: element(page-header); }
  @bottom-center { content: element(page-footer); }
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; }
}
html { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.35; }
.page-header { position: running(page-header); font-size: 8pt; color: #444; }
.page-footer { position: running(page-footer); font-size: 8pt; color: #444; }
h1, h2, h3, h4 { font-size: 11pt; margin: 1em 0 0.5em; }
h1 { font-size: 13pt; text-align: center; }
p { margin: 0 0 0.45em; text-align: justify; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
td, th { border: 0.5pt solid #777; padding: 3pt 4pt; vertical-align: top; }
td p, th p { text-align: left; margin: 0; }
img { max-width: 100%; }
ol, ul { margin: 0 0 0.45em; padding-left: 1.6em; }
"""


def _running_text(docx: bytes) -> tuple[str, str]:
    """Return the first section's header and footer text as HTML paragraphs."""
    document = Document(io.BytesIO(docx))
    if not document.sections:
        return "", ""
    section = document.sections[0]
    parts = []
    for block in (section.header, section.footer):
        lines = [p.text for p in block.paragraphs if p.text.strip()]
        for table in block.tables:
            for row in table.rows:
                lines.append(" | ".join(cell.text for cell in row.cells))
        parts.append("".join(f"<p>{escape(line)}</p>" for line in lines))
    return parts[0], parts[1]


class HtmlConverter:
    name = "html"

    def convert(self, docx: bytes) -> bytes:
        try:
            result = mammoth.convert_to_html(io.BytesIO(docx))
            header, footer = _running_text(docx)
        except Exception as exc:
            # mammoth and python-docx raise many types for a damaged file;
            # any of them means this document cannot be converted.
            raise ConversionError(f"The document could not be read: {exc}") from exc
        html = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<style>{STYLESHEET}</style></head><body>"
            f"<div class='page-header'>{header}</div>"
            f"<div class='page-footer'>{footer}</div>"
            f"{result.value}</body></html>"
        )
        try:
            return html_to_pdf(html)
        except Exception as exc:
            raise ConversionError(f"WeasyPrint failed: {exc}") from exc
