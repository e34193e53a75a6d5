"""DOCX templates: placeholder discovery and rendering, and why either failed.

Before docxtpl (python-docx) ever opens an upload, `check_docx_package`
(`contracts.documents.package`) proves it is a Word document that is safe to
open. A template that cannot be read or filled in is refused with a message in
the reader's language that names the part of the document, the text around
the problem and, where it can be found, the placeholder.
"""

import html
import io
import logging
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import meta, nodes
from jinja2.exceptions import (
    SecurityError,
    TemplateAssertionError,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
)
from lxml import etree

from contracts.documents.package import (
    TemplateRejectedError,
    check_docx_package,
    main_part_type,
)
from contracts.documents.sandbox import (
    ContractTemplateEnvironment,
    TemplateForbiddenError,
    TemplateLimitError,
)

logger = logging.getLogger(__name__)

MAX_PLACEHOLDER_LENGTH = 100
# Placeholders and tags a template may hold (see package.MAX_TEMPLATED_XML_BYTES).
MAX_TEMPLATE_TAGS = 2000
_CONTEXT_CHARS = 60


class TemplateRenderError(ValueError):
    """A stored template could not be rendered with the given values."""


@dataclass(frozen=True)
class _Source:
    label: str
    text: str


# python-docx reads parts whose XML has an unexpected shape by attribute access,
# so a well-formed but wrong part surfaces as any of these.
_STRUCTURE_ERRORS = (
    PackageNotFoundError,
    KeyError,
    ValueError,
    AttributeError,
    TypeError,
    IndexError,
    etree.LxmlError,
)


# Main-part content types of Word files that are not a .docx; python-docx
# opens none of them, so the upload is told what it is and how to save it.
_OTHER_WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml"
    ".template.main+xml": ".dotx",
    "application/vnd.ms-word.document.macroEnabled.main+xml": ".docm",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": ".dotm",
}


def _not_a_valid_docx(data: bytes, exc: Exception) -> TemplateRejectedError:
    """Refuse a zip that passed the package checks but python-docx cannot read."""
    logger.info("template refused: not a valid docx: %s: %s", type(exc).__name__, exc)
    extension = _OTHER_WORD_TYPES.get(main_part_type(data))
    if extension:
        return TemplateRejectedError(
            _(
                "The file is saved as %(extension)s, not as a Word document "
                "(.docx); in Word, choose «Save As» → «Word Document (.docx)»."
            )
            % {"extension": extension}
        )
    return TemplateRejectedError(
        _(
            "The file is not a valid Word document (.docx): its parts do not fit "
            "together. Open it in Word and save it again as .docx."
        )
    )


def _open_template(data: bytes) -> DocxTemplate:
    template = DocxTemplate(io.BytesIO(data))
    try:
        template.init_docx()
    except _STRUCTURE_ERRORS as exc:
        raise _not_a_valid_docx(data, exc) from exc
    return template


def _template_sources(template: DocxTemplate) -> list[_Source]:
    """Return the Jinja sources docxtpl renders, headers first, in page order."""
    sources = [
        _Source("header", template.patch_xml(template.get_part_xml(part)))
        for _key, part in template.get_headers_footers(template.HEADER_URI)
    ]
    sources.append(_Source("body", template.patch_xml(template.get_xml())))
    sources += [
        _Source("footer", template.patch_xml(template.get_part_xml(part)))
        for _key, part in template.get_headers_footers(template.FOOTER_URI)
    ]
    footnotes_type = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    )
    for part in template.docx.part.package.parts:
        if part.content_type == footnotes_type:
            blob = part.blob.decode("utf-8") if isinstance(part.blob, bytes) else ""
            sources.append(_Source("footnotes", template.patch_xml(blob)))
    core = template.docx.core_properties
    for prop in ("author", "comments", "identifier", "language", "subject", "title"):
        sources.append(_Source("document properties", getattr(core, prop) or ""))
    return sources


def _nearby_text(source: str, lineno: int | None) -> str:
    if not lineno:
        return ""
    lines = source.splitlines()
    window = lines[max(lineno - 2, 0) : lineno + 1]
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in window)
    text = " ".join(text.split())
    if len(text) > 2 * _CONTEXT_CHARS:
        text = text[: 2 * _CONTEXT_CHARS] + "…"
    return text


def _paragraph_lines(xml: str) -> str:
    # One line per paragraph, as docxtpl renders, so a line number names a
    # paragraph of the document.
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _syntax_error_message(label: str, error: str) -> str:
    """Name the part of the document a Jinja syntax error is in."""
    # One whole sentence per part, so each language can inflect the part's name.
    messages = {
        "header": _("Template error in the header: %(error)s"),
        "body": _("Template error in the body: %(error)s"),
        "footer": _("Template error in the footer: %(error)s"),
        "footnotes": _("Template error in the footnotes: %(error)s"),
        "document properties": _(
            "Template error in the document properties: %(error)s"
        ),
    }
    template = messages.get(label, _("Template error: %(error)s"))
    return template % {"error": error}


def _check_filters_exist(env: ContractTemplateEnvironment, tree: nodes.Template):
    """Raise TemplateAssertionError for a filter or test the sandbox lacks."""
    # Jinja defers an unknown filter inside {% if %} to run time, where the
    # upload's empty values never reach it and a contract's values would.
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        known = env.filters if isinstance(node, nodes.Filter) else env.tests
        if node.name not in known:
            kind = "filter" if isinstance(node, nodes.Filter) else "test"
            raise TemplateAssertionError(f"No {kind} named {node.name!r}.", node.lineno)


def _ordered_placeholders(tree: nodes.Template) -> list[str]:
    undeclared = meta.find_undeclared_variables(tree)
    ordered = []
    for node in tree.find_all(nodes.Name):
        if node.name in undeclared and node.name not in ordered:
            ordered.append(node.name)
    return ordered


def find_placeholders(data: bytes) -> list[str]:
    """Parse a checked DOCX once and return its placeholders in document order.

    Raise TemplateRejectedError for a Jinja syntax error, naming the problem
    and the text around it, or for a reach for Python internals.
    """
    template = _open_template(data)
    env = ContractTemplateEnvironment()
    found: list[str] = []
    try:
        sources = _template_sources(template)
    except _STRUCTURE_ERRORS as exc:
        raise _not_a_valid_docx(data, exc) from exc
    tags = sum(s.text.count("{{") + s.text.count("{%") for s in sources)
    if tags > MAX_TEMPLATE_TAGS:
        raise TemplateRejectedError(
            _(
                "The template holds %(count)s placeholders and tags; at most "
                "%(limit)s are allowed."
            )
            % {"count": tags, "limit": MAX_TEMPLATE_TAGS}
        )
    for source in sources:
        text = _paragraph_lines(source.text)
        try:
            tree = env.parse(text)
            env.compile(tree)
            _check_filters_exist(env, tree)
        except TemplateSyntaxError as exc:
            if exc.source is None:
                # compile() reports against the tree it was given, without the
                # text; the text lets the message say where the mistake is.
                exc.source = text
            near = _nearby_text(text, exc.lineno)
            message = _syntax_error_message(source.label, exc.message or "")
            if near:
                message += _(" near «%(text)s»") % {"text": near}
            raise TemplateRejectedError(message) from exc
        for name in _ordered_placeholders(tree):
            if len(name) > MAX_PLACEHOLDER_LENGTH:
                raise TemplateRejectedError(
                    _("The placeholder %(name)s… is longer than %(limit)s characters.")
                    % {"name": name[:20], "limit": MAX_PLACEHOLDER_LENGTH}
                )
            if name not in found:
                found.append(name)
    return found


def inspect_template(data: bytes) -> list[str]:
    """Check an uploaded DOCX and return its placeholders, or raise a rejection.

    The template is also filled in once with empty values, so a structure
    docxtpl cannot render (a `{%tr %}` outside a table row, say) is refused
    at upload instead of failing every contract made from it.
    """
    check_docx_package(data)
    placeholders = find_placeholders(data)
    try:
        render_docx(data, dict.fromkeys(placeholders, ""))
    except TemplateRenderError as exc:
        raise TemplateRejectedError(str(exc)) from exc
    return placeholders


# docxtpl and python-docx report a template whose XML they cannot rebuild
# with any of these; each means "this template cannot be filled in". Jinja's
# arithmetic and a macro calling itself fail with Python's own errors.
_RENDER_ERRORS = (
    TemplateError,
    etree.LxmlError,
    ArithmeticError,
    RecursionError,
    ValueError,
    KeyError,
    AttributeError,
    TypeError,
    IndexError,
)
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_NEAR_CHARS = 100
_EXPRESSION_CHARS = 60
_LOGGED_ERROR_CHARS = 300
_DOCXTPL_TAGS = "«{%p %}», «{%tr %}», «{%tc %}», «{%r %}»"

# Jinja's English is parsed here only to find the name involved; the reader
# is told in their own language.
_NO_ATTRIBUTE = re.compile(r"has no (?:attribute|element) '?([^']+?)'?$")
_UNDEFINED = re.compile(r"^'([^']+)' is undefined$")
_NO_FILTER = re.compile(r"^No (filter|test) named '([^']+)'")
_UNSAFE = re.compile(r"^access to attribute '([^']+)'")


@dataclass(frozen=True)
class _RenderFailure:
    """Where a render fails: the part, its paragraph's text, the tag, the error."""

    label: str
    paragraph: str
    tag: str
    error: BaseException


def _part_phrase(label: str) -> str:
    # The same words as the upload's syntax-error messages (templates_app).
    phrases = {
        "header": pgettext("template part", "in the page header"),
        "body": pgettext("template part", "in the document text"),
        "footer": pgettext("template part", "in the page footer"),
        "footnotes": pgettext("template part", "in the footnotes"),
        "document properties": pgettext(
            "template part", "in the document properties (File → Info)"
        ),
    }
    return phrases.get(label, "")


def _plain_text(xml_line: str) -> str:
    """Return a paragraph's XML as the text Word shows, tags included."""
    text = re.sub(r"</w:p>|<w:(?:tab|br|cr)\b[^>]*>", " ", xml_line)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _template_line(error: BaseException) -> int | None:
    """Return the template line a render error was raised on, if Jinja kept it."""
    if isinstance(error, TemplateSyntaxError):
        return error.lineno
    lineno = None
    trace = error.__traceback__
    while trace is not None:
        # Jinja rewrites tracebacks so that template frames carry the
        # template's own line numbers under this file name.
        if trace.tb_frame.f_code.co_filename == "<template>":
            lineno = trace.tb_lineno
        trace = trace.tb_next
    return lineno


def _name_in_error(error: BaseException) -> str:
    message = getattr(error, "message", None) or str(error)
    for pattern in (_NO_ATTRIBUTE, _UNDEFINED, _UNSAFE):
        found = pattern.search(message)
        if found:
            return found[1]
    found = _NO_FILTER.match(message)
    return found[2] if found else ""


def _failing_tag(
    paragraph: str,
    error: BaseException,
    context: dict,
    env: ContractTemplateEnvironment,
) -> str:
    """Return the `{{ }}` or `{% %}` of `paragraph` that raised `error`, or ""."""
    tags = _TAG.findall(paragraph)
    for tag in tags:
        if not tag.startswith("{{"):
            continue
        try:
            env.from_string(tag).render(context)
        except _RENDER_ERRORS:
            return tag
    # A loop's variable or a filter inside {% if %} fails only in its block.
    name = _name_in_error(error)
    if name:
        mention = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        for tag in tags:
            if mention.search(tag):
                return tag
    return tags[0] if len(tags) == 1 else ""


def _locate_failure(data: bytes, context: dict) -> _RenderFailure | None:
    """Render each part of the template alone to find where filling it fails."""
    env = ContractTemplateEnvironment()
    try:
        sources = _template_sources(_open_template(data))
    except (TemplateRejectedError, *_STRUCTURE_ERRORS):
        return None
    for source in sources:
        text = _paragraph_lines(source.text)
        try:
            env.from_string(text).render(context)
        except _RENDER_ERRORS as exc:
            lineno = _template_line(exc)
            lines = text.splitlines()
            line = lines[lineno - 1] if lineno and lineno <= len(lines) else ""
            paragraph = _plain_text(line)
            tag = _failing_tag(paragraph, exc, context, env)
            return _RenderFailure(source.label, paragraph, tag, exc)
    return None


def _shorten(text: str, limit: int, *, around: str = "") -> str:
    if len(text) <= limit:
        return text
    start = max(text.find(around) - limit // 3, 0) if around else 0
    end = start + limit
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _render_problem(error: BaseException) -> str:
    """Say in the reader's language why a value or tag cannot be filled in."""
    message = getattr(error, "message", None) or str(error)
    name = _name_in_error(error)
    if isinstance(error, TemplateLimitError | TemplateForbiddenError):
        return message
    if isinstance(error, UndefinedError) and _NO_ATTRIBUTE.search(message):
        return _(
            "The value has no part «%(name)s»: a field holds plain text, so write "
            "its name without dots or brackets, for example «{{ client_name }}»."
        ) % {"name": name}
    if isinstance(error, UndefinedError) and name:
        return _("«%(name)s» has no value at that point of the template.") % {
            "name": name
        }
    # At run time inside {% if %}, or at compile time for a stored template
    # that the upload's checks did not see.
    no_filter = _NO_FILTER.match(message)
    if isinstance(error, TemplateError) and no_filter:
        if no_filter[1] == "test":
            return _(
                "The test «%(name)s» does not exist or is not allowed in contract "
                "templates; look for «is %(name)s» in the document."
            ) % {"name": name}
        return _(
            "The filter «%(name)s» does not exist or is not allowed in contract "
            "templates; look for «|%(name)s» in the document."
        ) % {"name": name}
    if isinstance(error, SecurityError) and name:
        return _("It uses «%(name)s», which contract templates may not use.") % {
            "name": name
        }
    if isinstance(error, SecurityError):
        return _("It uses something contract templates may not use.")
    if isinstance(error, TemplateSyntaxError):
        return _("A field «{{ }}» or a tag «%(tag)s» is written incorrectly.") % {
            "tag": "{% %}"
        }
    if isinstance(error, ZeroDivisionError):
        return _(
            "It divides by zero with these values (an empty field is 0 after «|int»)."
        )
    if isinstance(error, ArithmeticError):
        return _("The calculation gives a number too large.")
    if isinstance(error, RecursionError):
        return _("A macro calls itself without end.")
    if isinstance(error, TypeError | ValueError):
        return _(
            "The values do not fit the calculation: field values are text, so "
            "turn them into numbers with «|int» or «|float» first."
        )
    return _("A field or tag there cannot be filled in with these values.")


def _render_error_message(failure: _RenderFailure | None) -> str:
    if failure is None:
        # Every part fills in alone, so docxtpl failed putting the XML back
        # together: a {%tr %} or {%p %} tag where its element cannot go.
        return _(
            "The filled-in document could not be put back together; check the "
            "tags %(tags)s: each must stand alone in its paragraph, table row, "
            "cell or text run."
        ) % {"tags": _DOCXTPL_TAGS}
    place = _part_phrase(failure.label)
    tag = _shorten(failure.tag, _EXPRESSION_CHARS)
    near = _shorten(failure.paragraph, _NEAR_CHARS, around=failure.tag)
    if tag and near == failure.tag and place:
        where = _("Cannot fill in «%(expression)s» %(place)s.")
    elif tag and near and place:
        where = _("Cannot fill in «%(expression)s» %(place)s, near «%(text)s».")
    elif near and place:
        where = _("Filling in the template fails %(place)s, near «%(text)s».")
    elif place:
        where = _("Filling in the template fails %(place)s.")
    else:
        where = _("The template cannot be filled in.")
    where %= {"expression": tag, "place": place, "text": near}
    return f"{where} {_render_problem(failure.error)}"


def _render_error(data: bytes, context: dict, exc: Exception) -> TemplateRenderError:
    """Tell why the template cannot be filled in; Python's words go to the log."""
    failure = _locate_failure(data, context)
    logger.info(
        "template render failed part=%s expression=%s: %s: %s",
        failure.label if failure else "-",
        failure.tag[:_EXPRESSION_CHARS] if failure else "-",
        type(exc).__name__,
        str(exc)[:_LOGGED_ERROR_CHARS],
    )
    return TemplateRenderError(_render_error_message(failure))


def render_docx(data: bytes, context: dict) -> bytes:
    """Fill the template with `context` in the sandbox; return the DOCX bytes.

    Raise TemplateRenderError with a message in the reader's language that
    names the part, the paragraph and, when it can be found, the placeholder.
    """
    try:
        template = _open_template(data)
    except TemplateRejectedError as exc:
        raise TemplateRenderError(str(exc)) from exc
    # TODO(#3): the render runs in the request's process with no deadline;
    # the sandbox caps ranges, repetition and the template's size, but nested
    # loops can still cost seconds. A worker with a time limit would bound it.
    try:
        template.render(context, jinja_env=ContractTemplateEnvironment())
        output = io.BytesIO()
        template.save(output)
    except _RENDER_ERRORS as exc:
        raise _render_error(data, context, exc) from exc
    return output.getvalue()
