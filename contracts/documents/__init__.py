"""Contract documents: a company's DOCX template becomes the client's PDF.

`inspect_template` checks an upload and finds its placeholders; `render_pdf`
fills a stored template with a contract's values in the sandbox and converts
the result with the configured converter. Nothing here touches the database.
"""

from contracts.documents.converters import ConversionError, get_converter
from contracts.documents.docx import (
    TemplateRejectedError,
    TemplateRenderError,
    inspect_template,
    render_docx,
)

__all__ = [
    "ConversionError",
    "TemplateFillError",
    "TemplateRejectedError",
    "inspect_template",
    "render_pdf",
]


class TemplateFillError(ConversionError):
    """The template cannot be filled in with these values; the message says why.

    Unlike a converter's failure, trying again changes nothing: the template or
    the values must change. The message is in the reader's language.
    """


def render_pdf(
    template: bytes, context: dict, *, converter: str | None = None
) -> bytes:
    """Fill `template` with `context` and convert it; raise ConversionError.

    A template the values cannot fill in raises its subclass TemplateFillError.
    """
    try:
        docx = render_docx(template, context)
    except TemplateRenderError as exc:
        raise TemplateFillError(str(exc)) from exc
    return get_converter(converter).convert(docx)
