"""Write workflows for DOCX templates: intake, renaming, deletion, preview.

An upload is checked in full (a real, bounded, self-contained DOCX whose Jinja
parses in the sandbox) before anything is stored; the file is kept under a
generated name and its placeholders become the template's suggested fields.
"""

import html
import logging
import os
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from jinja2.exceptions import TemplateSyntaxError
from rest_framework import status

from companies.models import Company
from contracts import field_values
from contracts.documents import (
    ConversionError,
    TemplateFillError,
    TemplateRejectedError,
    inspect_template,
    render_pdf,
)
from contracts.services import (
    UNSET,
    DocumentUnavailableError,
    DocumentUnfillableError,
)
from ozgecontract.errors import DomainError, InvalidInputError, StateConflictError
from templates_app import selectors
from templates_app.fields import template_field_settings
from templates_app.models import Template

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = Template._meta.get_field("name").max_length


class TemplateTooLargeError(DomainError):
    status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


def max_upload_bytes() -> int:
    return settings.TEMPLATE_MAX_UPLOAD_BYTES


def too_large_error() -> TemplateTooLargeError:
    limit = max_upload_bytes() // (1024 * 1024)
    return TemplateTooLargeError(
        _("The template is larger than %(limit)s MB.") % {"limit": limit},
        fields={
            "file": [_("Upload a DOCX of at most %(limit)s MB.") % {"limit": limit}]
        },
    )


def _clean_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError({"name": [_("Enter a template name.")]})
    if len(name) > MAX_NAME_LENGTH:
        message = _("Use at most %(limit)s characters.") % {"limit": MAX_NAME_LENGTH}
        raise ValidationError({"name": [message]})
    try:
        field_values.clean_value("text", name)
    except ValidationError as exc:
        raise ValidationError({"name": exc.messages}) from exc
    return name


def _read_upload(file) -> bytes:
    limit = max_upload_bytes()
    if file.size is not None and file.size > limit:
        raise too_large_error()
    file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise too_large_error()
    return data


def _inspect(data: bytes) -> list[str]:
    try:
        return inspect_template(data)
    except TemplateRejectedError as exc:
        message = str(exc)
        if isinstance(exc.__cause__, TemplateSyntaxError):
            message = _explain_syntax_error(exc.__cause__)
        raise InvalidInputError(
            message, code="invalid_template", fields={"file": [message]}
        ) from exc


# A template syntax error, told to the company employee who typed it in Word:
# which part of the document, the text around it, and what to fix, all in the
# reader's language. Jinja's own English (and its line numbers, which count
# XML paragraphs) goes to the log only.

# The sandbox's refusals are already in the reader's language. Their msgids
# sit in a variable so that makemessages leaves them to contracts' catalog.
_SANDBOX_REFUSALS = (
    "'%(keyword)s' is not allowed in contract templates.",
    "'%(name)s' reaches for Python internals; names starting with '_' are not "
    "allowed in contract templates.",
)
_PART_ROOT = re.compile(
    r"\s*(?:<\?xml[^>]*\?>\s*)?<w:(body|document|hdr|ftr|footnotes)\b"
)
_TAG_NAME = re.compile(r"\{%-?\s*(\w+)")
_BLOCK_TAGS = frozenset({"if", "for", "with", "filter", "macro", "call", "raw"})
_NEAR_CHARS = 100
_NEIGHBOUR_CHARS = 30
_PART_PHRASES = {
    "body": pgettext_lazy("template part", "in the document text"),
    "document": pgettext_lazy("template part", "in the document text"),
    "hdr": pgettext_lazy("template part", "in the page header"),
    "ftr": pgettext_lazy("template part", "in the page footer"),
    "footnotes": pgettext_lazy("template part", "in the footnotes"),
    "properties": pgettext_lazy(
        "template part", "in the document properties (File → Info)"
    ),
}


def _part_phrase(source: str | None) -> str:
    """Name the part of the document a Jinja source comes from, or ""."""
    if source is None:
        return ""
    found = _PART_ROOT.match(source)
    if found is not None:
        return str(_PART_PHRASES[found[1]])
    # docxtpl's other sources are the document properties, plain text.
    return "" if "<" in source else str(_PART_PHRASES["properties"])


def _paragraph_text(line: str) -> str:
    # docxtpl drops the paragraph of a `{%p %}` tag, so a paragraph's end, a
    # tab or a line break becomes a space, lest two texts run together.
    text = re.sub(r"</w:p>|<w:(?:tab|br|cr)\b[^>]*>", " ", line)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _shorten(text: str, limit: int, *, keep_end: bool = False) -> str:
    if len(text) <= limit:
        return text
    return "…" + text[-limit:] if keep_end else text[:limit] + "…"


def _text_near(source: str | None, lineno: int | None) -> str:
    """Return the paragraph at `lineno` with its neighbours, as Word shows them."""
    lines = (source or "").splitlines()
    if not lineno or lineno > len(lines):
        return ""
    before = _paragraph_text(lines[lineno - 2]) if lineno >= 2 else ""
    after = _paragraph_text(lines[lineno]) if lineno < len(lines) else ""
    parts = [
        _shorten(before, _NEIGHBOUR_CHARS, keep_end=True),
        _shorten(_paragraph_text(lines[lineno - 1]), _NEAR_CHARS),
        _shorten(after, _NEIGHBOUR_CHARS),
    ]
    return " / ".join(part for part in parts if part)


def _unclosed_block_line(source: str | None, tag: str) -> int | None:
    """Return the line of the last `{% tag %}` that no `{% endtag %}` closes."""
    open_blocks: list[tuple[str, int]] = []
    for number, line in enumerate((source or "").splitlines(), start=1):
        for name in _TAG_NAME.findall(line):
            if name in _BLOCK_TAGS:
                open_blocks.append((name, number))
            elif name.startswith("end"):
                _close_innermost(open_blocks, name[3:])
    lines = [number for name, number in open_blocks if name == tag]
    return lines[-1] if lines else None


def _close_innermost(open_blocks: list[tuple[str, int]], name: str) -> None:
    for index in range(len(open_blocks) - 1, -1, -1):
        if open_blocks[index][0] == name:
            del open_blocks[index]
            return


def _is_sandbox_refusal(message: str) -> bool:
    for msgid in _SANDBOX_REFUSALS:
        pieces = re.split(r"%\(\w+\)s", _(msgid))
        if re.fullmatch(".+".join(map(re.escape, pieces)), message):
            return True
    return False


def _syntax_problem(exc: TemplateSyntaxError) -> tuple[str, int | None]:
    """Say what is wrong in the reader's language, and on which line it starts."""
    message = exc.message or ""
    lineno = exc.lineno
    innermost = re.search(
        r"innermost block that needs to be closed is '(\w+)'", message
    )
    unknown_tag = re.match(r"Encountered unknown tag '(\w+)'", message)
    bad_char = re.match(r"unexpected char '(.)'", message)
    no_filter = re.match(r"No filter named '([^']+)'", message)
    no_test = re.match(r"No test named '([^']+)'", message)

    if _is_sandbox_refusal(message):
        return message, lineno
    if message.startswith("Unexpected end of template") and innermost:
        tag = innermost[1]
        problem = _(
            "The block «{%% %(tag)s %%}» is never closed: put «{%% end%(tag)s %%}» "
            "where it ends."
        ) % {"tag": tag}
        return problem, _unclosed_block_line(exc.source, tag) or lineno
    if unknown_tag and "nesting mistake" in message and innermost:
        problem = _(
            "«{%% %(tag)s %%}» comes before «{%% end%(open)s %%}»: close the "
            "blocks in the reverse order of opening them."
        ) % {"tag": unknown_tag[1], "open": innermost[1]}
    elif unknown_tag and unknown_tag[1].startswith(("end", "else", "elif")):
        problem = _("«{%% %(tag)s %%}» has no block opened before it.") % {
            "tag": unknown_tag[1]
        }
    elif unknown_tag:
        problem = _("The tag «{%% %(tag)s %%}» is unknown.") % {"tag": unknown_tag[1]}
    elif "'end of print statement'" in message and message.startswith("expected"):
        problem = _(
            "A field is not closed with «}}», or its name has a space in it "
            "(write «client_name», not «client name»)."
        )
    elif message.startswith("unexpected '}'"):
        problem = _(
            "The braces do not match: write a field as «{{ name }}» and a tag as "
            "«%(tag)s»."
        ) % {"tag": "{% if name %}"}
    elif bad_char:
        problem = _(
            "The character «%(char)s» cannot stand inside «{{ }}» or «{%% %%}»: "
            "a field name holds letters, digits and «_»."
        ) % {"char": bad_char[1]}
    elif no_filter:
        problem = _(
            "The filter «%(name)s» does not exist or is not allowed in contract "
            "templates; look for «|%(name)s» in the document."
        ) % {"name": no_filter[1]}
    elif no_test:
        problem = _(
            "The test «%(name)s» does not exist or is not allowed in contract "
            "templates; look for «is %(name)s» in the document."
        ) % {"name": no_test[1]}
    else:
        problem = _("A field «{{ }}» or a tag «%(tag)s» is written incorrectly.") % {
            "tag": "{% %}"
        }
    return problem, lineno


def _explain_syntax_error(exc: TemplateSyntaxError) -> str:
    """Tell the uploader where the template's syntax error is and what to fix."""
    logger.info("template refused: syntax error line=%s: %s", exc.lineno, exc.message)
    problem, lineno = _syntax_problem(exc)
    place = _part_phrase(exc.source)
    near = _text_near(exc.source, lineno)
    if place and near:
        where = _("The template has a mistake %(place)s, near «%(text)s».") % {
            "place": place,
            "text": near,
        }
    elif place:
        where = _("The template has a mistake %(place)s.") % {"place": place}
    else:
        where = _("The template has a mistake.")
    return f"{where} {problem}"


def _original_name(file) -> str:
    name = os.path.basename(str(getattr(file, "name", "") or ""))
    return "".join(ch for ch in name if ch.isprintable())[:255]


def upload_template(*, company: Company, name: str, file, user) -> Template:
    """Check an uploaded DOCX in full, then store it under a generated name."""
    name = _clean_name(name)
    data = _read_upload(file)
    placeholders = _inspect(data)

    template = Template(
        company=company,
        name=name,
        original_filename=_original_name(file),
        fields=placeholders,
    )
    template.file.save("template.docx", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            template.save()
    except Exception:
        # Nothing half-written: the stored file goes with the failed row.
        default_storage.delete(template.file.name)
        raise
    logger.info(
        "template uploaded template=%s company=%s fields=%s by=%s",
        template.pk,
        company.pk,
        len(placeholders),
        getattr(user, "pk", None),
    )
    return template


def _delete_file_if_unused(name: str) -> None:
    if name and not Template.objects.filter(file=name).exists():
        default_storage.delete(name)


def update_template(
    *, template: Template, user, name=UNSET, file_path=UNSET
) -> Template:
    """Rename a template, or point it at another template file of its company.

    Changing the file of a template that contracts use is 409: their
    documents must keep coming from the file they were made from.
    """
    if name is not UNSET:
        name = _clean_name(name)

    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        if name is not UNSET:
            locked.name = name
        old_file = locked.file.name
        if file_path is not UNSET and file_path != old_file:
            source = selectors.template_file_of_company(
                company_id=locked.company_id, path=str(file_path or "")
            )
            if source is None:
                raise ValidationError(
                    {
                        "file_path": [
                            _(
                                "Name a template file that already belongs "
                                "to the company."
                            )
                        ]
                    }
                )
            if locked.contracts.exists():
                raise StateConflictError(
                    _(
                        "Contracts are made from this template; upload a new template "
                        "instead of changing its file."
                    ),
                    code="template_in_use",
                )
            locked.file.name = source.file.name
            locked.fields = list(source.fields)
            locked.field_settings = {
                key: value
                for key, value in (locked.field_settings or {}).items()
                if key in locked.fields
            }
            transaction.on_commit(lambda: _delete_file_if_unused(old_file))
        locked.save()
    logger.info(
        "template updated template=%s company=%s by=%s",
        locked.pk,
        locked.company_id,
        getattr(user, "pk", None),
    )
    return locked


def delete_template(*, template: Template, user) -> None:
    """Delete a template no contract uses (409 otherwise) and, then, its file."""
    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        count = locked.contracts.count()
        if count:
            raise StateConflictError(
                _(
                    "%(count)s contract(s) are made from this template; it is kept "
                    "as their evidence and cannot be deleted."
                )
                % {"count": count},
                code="template_in_use",
            )
        file_name = locked.file.name
        locked.delete()
        transaction.on_commit(lambda: _delete_file_if_unused(file_name))
    logger.info(
        "template deleted template=%s company=%s by=%s",
        template.pk,
        template.company_id,
        getattr(user, "pk", None),
    )


def _preview_value(spec: dict):
    if spec["type"] == "checkbox":
        return True
    return f"[{spec['label'] or spec['name']}]"


def preview_template_pdf(*, template: Template) -> bytes:
    """Render the template with each placeholder shown as [its label].

    Raise 409 when the template cannot be filled in (the detail says why), 502
    when the converter fails.
    """
    context = {
        spec["name"]: _preview_value(spec) for spec in template_field_settings(template)
    }
    try:
        try:
            with template.file.open("rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise ConversionError("The template file is missing.") from exc
        return render_pdf(data, context)
    except ConversionError as exc:
        # A template its preview values cannot fill in is told as such: trying
        # again would not help. Its message quotes the document's text, so the
        # log keeps contracts.documents.docx's record (the placeholder only).
        if isinstance(exc, TemplateFillError):
            logger.info(
                "template preview refused template=%s company=%s",
                template.pk,
                template.company_id,
            )
            raise DocumentUnfillableError(str(exc)) from exc
        logger.error(
            "template preview failed template=%s company=%s error=%s",
            template.pk,
            template.company_id,
            exc,
        )
        raise DocumentUnavailableError(
            _("The template preview could not be generated; try again in a moment.")
        ) from exc
