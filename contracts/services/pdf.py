"""The contract PDF: render, attach, record a failure, serve.

The PDF is rendered after the data is committed (a conversion can take
seconds and must not hold row locks). It is attached only if the values it
was made from are still the contract's values, so a slow render never
overwrites a newer one. A failed render leaves `document_status="failed"` and
is retried by the next request for the document. A signed contract's PDF is
evidence and is never made again.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import field_values
from contracts.documents import ConversionError, TemplateFillError, render_pdf
from contracts.documents.docx import TemplateRenderError, render_docx
from contracts.models import Contract, contract_pdf_upload_to
from contracts.services.guards import lock_contract
from ozgecontract.errors import NotFoundError, StateConflictError, UpstreamError

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


class DocumentUnavailableError(UpstreamError):
    code = "document_failed"
    default_detail = gettext_lazy(
        "The contract document could not be generated; try again in a moment."
    )


class DocumentUnfillableError(StateConflictError):
    """The contract's values cannot fill its template: trying again changes nothing.

    The detail says which placeholder and why, in the reader's language; the
    template or the values must change. It quotes the template's text, so a
    client holding only the link reads `public_detail` instead.
    """

    code = "document_unfillable"
    public_detail = gettext_lazy(
        "The contract cannot be made with these values. Please contact the "
        "company that sent you the link."
    )


def _fingerprint(contract: Contract, fields) -> str:
    """Identify what a PDF is made from: the template file and the field values."""
    digest = hashlib.sha256(contract.template.file.name.encode())
    for field in sorted(fields, key=lambda f: f.field_name):
        for part in (field.field_name, field.field_type, field.value):
            digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def delete_pdf_if_unused(name: str) -> None:
    if name and not Contract.objects.filter(generated_pdf=name).exists():
        default_storage.delete(name)


def forget_document(contract: Contract, *, status: str, error: str = "") -> None:
    """Detach the contract's PDF (deleted after commit if nothing else uses it)."""
    old = contract.generated_pdf.name
    contract.generated_pdf.name = ""
    contract.document_sha256 = ""
    contract.document_status = status
    contract.document_error = error
    if old:
        transaction.on_commit(lambda: delete_pdf_if_unused(old))


def attach_existing_pdf(contract: Contract, path: str) -> None:
    with default_storage.open(path, "rb") as handle:
        pdf = handle.read()
    old = contract.generated_pdf.name
    contract.generated_pdf.name = path
    contract.document_sha256 = hashlib.sha256(pdf).hexdigest()
    contract.document_status = Contract.DocumentStatus.READY
    contract.document_error = ""
    contract.save()
    if old and old != path:
        transaction.on_commit(lambda: delete_pdf_if_unused(old))


def _record_failure(contract: Contract, fingerprint: str, message: str) -> None:
    with transaction.atomic():
        locked = lock_contract(contract)
        if locked.status == Contract.Status.SIGNED:
            return
        if _fingerprint(locked, locked.fields.all()) != fingerprint:
            return
        forget_document(
            locked,
            status=Contract.DocumentStatus.FAILED,
            error=message[:MAX_ERROR_LENGTH],
        )
        locked.save(
            update_fields=[
                "generated_pdf",
                "document_sha256",
                "document_status",
                "document_error",
                "updated_at",
            ]
        )


def _attach_pdf(contract: Contract, fingerprint: str, pdf: bytes) -> None:
    """Store `pdf` as the contract's document unless the values changed meanwhile."""
    name = default_storage.save(
        contract_pdf_upload_to(contract, "contract.pdf"), ContentFile(pdf)
    )
    with transaction.atomic():
        locked = lock_contract(contract)
        stale = locked.status == Contract.Status.SIGNED or (
            _fingerprint(locked, locked.fields.all()) != fingerprint
        )
        if stale:
            transaction.on_commit(lambda: default_storage.delete(name))
            return
        forget_document(locked, status=Contract.DocumentStatus.READY)
        locked.generated_pdf.name = name
        locked.document_sha256 = hashlib.sha256(pdf).hexdigest()
        locked.save(
            update_fields=[
                "generated_pdf",
                "document_sha256",
                "document_status",
                "document_error",
                "updated_at",
            ]
        )
    for attr in ("generated_pdf", "document_sha256", "document_status"):
        setattr(contract, attr, getattr(locked, attr))
    contract.document_error = ""


def _render_context(fields) -> dict:
    """Return what the template is filled in with, from (name, type, value)."""
    return {
        name: field_values.render_value(kind, value) for name, kind, value in fields
    }


def ensure_template_takes(*, template, values: dict[str, tuple[str, str]]) -> None:
    """Refuse values the template cannot be filled in with, before any is saved.

    `values` maps every field name to (field type, stored value), as the
    contract's fields would hold them. Only the DOCX is filled in (a tenth of
    the PDF's time for the sample); the PDF is made afterwards, as before. A
    template file that cannot be read is left to that render to report.
    """
    context = _render_context(
        (name, kind, value) for name, (kind, value) in values.items()
    )
    try:
        # Its own file object: `template.file` may be shared with other
        # threads, and opening it there would close it under them.
        with template.file.storage.open(template.file.name, "rb") as handle:
            data = handle.read()
    except OSError:
        return
    try:
        render_docx(data, context)
    except TemplateRenderError as exc:
        raise DocumentUnfillableError(str(exc)) from exc


def render_contract_document(contract: Contract) -> bytes:
    """Render the PDF from the current values and attach it.

    Raise 409 when the values cannot fill the template in (the detail says
    why), 502 when the converter fails.
    """
    contract_row = Contract.objects.select_related("template").get(pk=contract.pk)
    fields = list(contract_row.fields.all())
    fingerprint = _fingerprint(contract_row, fields)
    context = _render_context((f.field_name, f.field_type, f.value) for f in fields)
    try:
        try:
            with contract_row.template.file.open("rb") as handle:
                template_bytes = handle.read()
        except OSError as exc:
            raise ConversionError("The template file is missing.") from exc
        pdf = render_pdf(template_bytes, context)
    except TemplateFillError as exc:
        # The company's template or values, not the machine: a warning, and the
        # reason (which quotes the template's text) is not logged.
        logger.warning(
            "contract document cannot be filled in contract=%s company=%s",
            contract.pk,
            contract_row.company_id,
        )
        _record_failure(contract_row, fingerprint, str(exc))
        contract.document_status = Contract.DocumentStatus.FAILED
        raise DocumentUnfillableError(str(exc)) from exc
    except ConversionError as exc:
        logger.error(
            "contract document failed contract=%s company=%s error=%s",
            contract.pk,
            contract_row.company_id,
            exc,
        )
        _record_failure(contract_row, fingerprint, str(exc))
        contract.document_status = Contract.DocumentStatus.FAILED
        raise DocumentUnavailableError() from exc
    _attach_pdf(contract, fingerprint, pdf)
    logger.info(
        "contract document rendered contract=%s company=%s bytes=%s",
        contract.pk,
        contract_row.company_id,
        len(pdf),
    )
    return pdf


def ensure_contract_document(*, contract: Contract) -> bytes:
    """Return the contract's current PDF, rendering it when missing or failed.

    Raise 409 when the values cannot fill the template in, 502 when the
    converter fails, 404 when a signed contract's PDF is gone
    (a signed document is evidence and is never made again).
    """
    current = Contract.objects.get(pk=contract.pk)
    if (
        current.document_status == Contract.DocumentStatus.READY
        and current.generated_pdf
    ):
        try:
            with current.generated_pdf.open("rb") as handle:
                pdf = handle.read()
        except OSError:
            pdf = None
        if (
            pdf is not None
            and hashlib.sha256(pdf).hexdigest() == current.document_sha256
        ):
            for attr in ("generated_pdf", "document_sha256", "document_status"):
                setattr(contract, attr, getattr(current, attr))
            return pdf
        logger.warning("contract document missing or changed contract=%s", contract.pk)
    if current.status == Contract.Status.SIGNED:
        raise NotFoundError(_("The signed contract's document is missing."))
    return render_contract_document(contract)
