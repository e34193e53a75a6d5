"""Write workflows for DOCX templates: intake, renaming, deletion, preview.

An upload is checked in full (a real, bounded, self-contained DOCX whose Jinja
parses in the sandbox) before anything is stored; the file is kept under a
generated name and its placeholders become the template's suggested fields.
"""

import logging
import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import status

from companies.models import Company
from contracts import field_values
from contracts.documents import (
    ConversionError,
    TemplateRejectedError,
    inspect_template,
    render_pdf,
)
from contracts.services import UNSET, DocumentUnavailableError
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
        raise ValidationError({"name": ["Enter a template name."]})
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": [f"Use at most {MAX_NAME_LENGTH} characters."]})
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
        raise InvalidInputError(
            str(exc), code="invalid_template", fields={"file": [str(exc)]}
        ) from exc


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
    """Render the template with each placeholder shown as [its label]; 502 if not."""
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
        logger.error(
            "template preview failed template=%s company=%s error=%s",
            template.pk,
            template.company_id,
            exc,
        )
        raise DocumentUnavailableError(
            _("The template preview could not be generated; try again in a moment.")
        ) from exc
