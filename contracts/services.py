"""Write workflows for contracts, their fields and their PDF document.

A contract is made from a template: its fields are the template's
placeholders, its PDF is the template filled with the field values. The PDF
is rendered after the data is committed (a conversion can take seconds and
must not hold row locks); it is attached only if the values it was made from
are still the contract's values, so a slow render never overwrites a newer
one. A failed render leaves `document_status="failed"` and is retried by the
next request for the document. A signed contract is evidence: nothing here
changes it.
"""

import contextlib
import hashlib
import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone

from companies.models import Company
from contracts import field_values, selectors
from contracts.documents import ConversionError, render_pdf
from contracts.models import Contract, ContractField, contract_pdf_upload_to
from ozgecontract.errors import NotFoundError, StateConflictError, UpstreamError
from signatures.models import AuditEvent, Signature
from signatures.services import record_audit_event
from templates_app.fields import template_field_settings
from templates_app.models import Template

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "OC"
MAX_NUMBER_LENGTH = Contract._meta.get_field("number").max_length
MAX_ERROR_LENGTH = 2000
UNSET = object()


class DocumentUnavailableError(UpstreamError):
    code = "document_failed"
    default_detail = (
        "The contract document could not be generated; try again in a moment."
    )


# --- guards -----------------------------------------------------------------


def _lock(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def _ensure_not_signed(contract: Contract) -> None:
    if contract.status == Contract.Status.SIGNED:
        raise StateConflictError(
            "The contract is signed and can no longer be changed.",
            code="contract_signed",
        )


def _ensure_pending(contract: Contract) -> None:
    """Refuse (409) changes to the data of a contract no longer awaiting signature."""
    _ensure_not_signed(contract)
    status = contract.current_status
    if status != Contract.Status.PENDING:
        raise StateConflictError(
            f"The contract is {status} and can no longer be changed.",
            code=f"contract_{status}",
        )


# --- numbers ----------------------------------------------------------------


def _next_number(company: Company) -> str:
    """Return the company's next free number of this year, e.g. OC-2026-000123.

    The caller holds the company row lock, so two contracts never get one number.
    """
    prefix = f"{NUMBER_PREFIX}-{timezone.localdate().year}-"
    last = (
        Contract.objects.filter(company=company, number__regex=rf"^{prefix}[0-9]+$")
        .annotate(length=Length("number"))
        .order_by("-length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _clean_number(number) -> str:
    number = " ".join(str(number or "").split())
    if len(number) > MAX_NUMBER_LENGTH:
        raise ValidationError(
            {"number": [f"Use at most {MAX_NUMBER_LENGTH} characters."]}
        )
    try:
        field_values.clean_value("text", number)
    except ValidationError as exc:
        raise ValidationError({"number": exc.messages}) from exc
    return number


def _ensure_number_free(company_id: int, number: str, *, exclude_pk=None) -> None:
    taken = Contract.objects.filter(company_id=company_id, number=number)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"number": [f"The company already has a contract numbered {number}."]}
        )


# --- fields and values --------------------------------------------------------


def _field_specs(template: Template, field_types: dict | None) -> list[dict]:
    """Return the template's fields with the company's settings and overrides."""
    specs = template_field_settings(template)
    overrides = dict(field_types or {})
    known = {spec["name"] for spec in specs}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValidationError(
            {
                "fields": [
                    f"The template has no placeholder named {name}." for name in unknown
                ]
            }
        )
    for spec in specs:
        if spec["name"] in overrides:
            try:
                spec["type"] = field_values.clean_field_type(overrides[spec["name"]])
            except ValidationError as exc:
                raise ValidationError({f"fields.{spec['name']}": exc.messages}) from exc
    return specs


def _clean_values(types: dict[str, str], values: dict) -> dict[str, str]:
    """Return the stored form of each value; raise one ValidationError for all."""
    if not isinstance(values, dict):
        raise ValidationError({"values": ["Send an object of field names to values."]})
    errors = {}
    cleaned = {}
    for name, raw in values.items():
        if name not in types:
            errors[str(name)] = [f"The contract has no field named {name}."]
            continue
        try:
            cleaned[name] = field_values.clean_value(types[name], raw)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_expires_at(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": ["The deadline must be in the future."]})
    return expires_at


def _company_pdf(company_id: int, path) -> str:
    """Return `path` when it names a PDF of the company's contracts; else 400."""
    path = str(path or "")
    if not selectors.company_pdf_exists(company_id=company_id, path=path):
        raise ValidationError(
            {
                "generated_pdf_path": [
                    "Name a contract PDF that already belongs to the company."
                ]
            }
        )
    return path


# --- contracts ----------------------------------------------------------------


def create_contract(
    *,
    company: Company,
    template: Template,
    user,
    number: str | None = None,
    field_types: dict[str, str] | None = None,
    values: dict | None = None,
    expires_at: datetime | None = None,
    generated_pdf_path: str = "",
    client_filled: bool = False,
    render_document: bool = True,
) -> Contract:
    """Create a contract from `template` with its fields, audit event and PDF.

    The company row is locked while the number is chosen. A PDF that cannot be
    rendered does not undo the contract: it is marked failed and retried.
    """
    if template.company_id != company.pk:
        raise NotFoundError("Template not found.")
    specs = _field_specs(template, field_types)
    cleaned = _clean_values({s["name"]: s["type"] for s in specs}, values or {})
    expires_at = _clean_expires_at(expires_at)
    number = _clean_number(number)
    pdf_path = (
        _company_pdf(company.pk, generated_pdf_path) if generated_pdf_path else ""
    )

    with transaction.atomic():
        Company.objects.select_for_update().get(pk=company.pk)
        if number:
            _ensure_number_free(company.pk, number)
        contract = Contract.objects.create(
            company=company,
            template=template,
            number=number or _next_number(company),
            expires_at=expires_at,
            client_filled=bool(client_filled),
            created_by=user if getattr(user, "pk", None) else None,
        )
        ContractField.objects.bulk_create(
            ContractField(
                contract=contract,
                field_name=spec["name"],
                field_type=spec["type"],
                label=spec["label"],
                required=spec["required"],
                value=cleaned.get(spec["name"], ""),
                position=position,
            )
            for position, spec in enumerate(specs)
        )
        if pdf_path:
            _attach_existing_pdf(contract, pdf_path)
        record_audit_event(
            contract=contract,
            kind=AuditEvent.Kind.CREATED,
            detail={"by_user": getattr(user, "pk", None)},
        )
    logger.info(
        "contract created contract=%s company=%s template=%s",
        contract.pk,
        company.pk,
        template.pk,
    )

    if not pdf_path and render_document:
        # A failure is recorded on the contract and logged; the next request
        # for the document retries. Without `render_document` (bulk creation)
        # the first request for the document renders it.
        with contextlib.suppress(DocumentUnavailableError):
            _render_document(contract)
    return contract


def update_contract(
    *,
    contract: Contract,
    user,
    number=UNSET,
    client_filled=UNSET,
    generated_pdf_path=UNSET,
    expires_at=UNSET,
) -> Contract:
    """Change a contract's own data; a signed contract is 409."""
    if number is not UNSET:
        number = _clean_number(number)
        if not number:
            raise ValidationError({"number": ["Enter a contract number."]})
    if expires_at is not UNSET and expires_at is not None:
        _clean_expires_at(expires_at)

    with transaction.atomic():
        locked = _lock(contract)
        _ensure_not_signed(locked)
        if number is not UNSET:
            _ensure_number_free(locked.company_id, number, exclude_pk=locked.pk)
            locked.number = number
        if client_filled is not UNSET:
            locked.client_filled = bool(client_filled)
        if expires_at is not UNSET:
            locked.expires_at = expires_at
        if generated_pdf_path is not UNSET:
            if generated_pdf_path:
                path = _company_pdf(locked.company_id, generated_pdf_path)
                if path != locked.generated_pdf.name:
                    _attach_existing_pdf(locked, path)
            else:
                _forget_document(locked, status=Contract.DocumentStatus.NONE)
        try:
            locked.save()
        except IntegrityError as exc:
            raise ValidationError({"number": ["The number is already used."]}) from exc
    logger.info(
        "contract updated contract=%s company=%s by=%s",
        locked.pk,
        locked.company_id,
        getattr(user, "pk", None),
    )
    return locked


def cancel_contract(*, contract: Contract, user) -> Contract:
    """Cancel a pending contract; anything else is 409."""
    with transaction.atomic():
        locked = _lock(contract)
        _ensure_pending(locked)
        locked.status = Contract.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        record_audit_event(
            contract=locked,
            kind=AuditEvent.Kind.CANCELLED,
            detail={"by_user": getattr(user, "pk", None)},
        )
    contract.status = locked.status
    logger.info(
        "contract cancelled contract=%s company=%s by=%s",
        locked.pk,
        locked.company_id,
        getattr(user, "pk", None),
    )
    return locked


def delete_contract(*, contract: Contract, user) -> None:
    """Delete an unsigned contract with its fields, events and expected signer."""
    with transaction.atomic():
        locked = _lock(contract)
        _ensure_not_signed(locked)
        if locked.signatures.filter(signed_at__isnull=False).exists():
            raise StateConflictError(
                "The contract has a completed signature and cannot be deleted.",
                code="contract_signed",
            )
        pdf_name = locked.generated_pdf.name
        # Audit events point at signatures, which protect themselves: events go first.
        AuditEvent.objects.filter(contract=locked).delete()
        Signature.objects.filter(contract=locked, signed_at__isnull=True).delete()
        locked.delete()
        transaction.on_commit(lambda: _delete_pdf_if_unused(pdf_name))
    logger.info(
        "contract deleted contract=%s company=%s by=%s",
        contract.pk,
        contract.company_id,
        getattr(user, "pk", None),
    )


# --- contract fields ------------------------------------------------------------


def add_contract_field(
    *,
    contract: Contract,
    field_name: str,
    field_type: str = ContractField.FieldType.TEXT,
    label: str = "",
    required: bool = False,
    value=None,
    user=None,
) -> ContractField:
    """Add a field to a pending contract; a value re-renders the PDF if used."""
    errors = {}
    for key, check, raw in (
        ("field_name", field_values.clean_field_name, field_name),
        ("field_type", field_values.clean_field_type, field_type),
    ):
        try:
            check(raw)
        except ValidationError as exc:
            errors[key] = exc.messages
    label = " ".join(str(label or "").split())
    if len(label) > ContractField._meta.get_field("label").max_length:
        errors["label"] = ["Use at most 255 characters."]
    if errors:
        raise ValidationError(errors)
    try:
        stored = field_values.clean_value(field_type, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc

    with transaction.atomic():
        locked = _lock(contract)
        _ensure_pending(locked)
        fields = ContractField.objects.filter(contract=locked)
        if fields.filter(field_name=field_name).exists():
            raise ValidationError(
                {"field_name": [f"The contract already has a field {field_name}."]}
            )
        position = (fields.aggregate(last=Max("position"))["last"] or 0) + 1
        field = ContractField.objects.create(
            contract=locked,
            field_name=field_name,
            field_type=field_type,
            label=label,
            required=bool(required),
            value=stored,
            position=position,
        )
    logger.info(
        "contract field added contract=%s field=%s by=%s",
        locked.pk,
        field.pk,
        getattr(user, "pk", None),
    )
    if stored and field_name in (locked.template.fields or []):
        _render_document(locked)
    return field


def set_field_values(
    *,
    contract: Contract,
    values: dict,
    actor=None,
    ip: str | None = None,
    user_agent: str = "",
) -> Contract:
    """Set field values (checked by type) and re-render the PDF.

    `actor` is the company user, or None for the client on the signing page
    (which also marks the contract `client_filled`). Values are saved even if
    the PDF then fails to render: that raises a 502 and the next request for
    the document retries.
    """
    with transaction.atomic():
        locked = _lock(contract)
        _ensure_pending(locked)
        fields = {f.field_name: f for f in locked.fields.all()}
        cleaned = _clean_values(
            {name: f.field_type for name, f in fields.items()}, values
        )
        changed = [
            fields[name]
            for name, value in cleaned.items()
            if fields[name].value != value
        ]
        for field in changed:
            field.value = cleaned[field.field_name]
        ContractField.objects.bulk_update(changed, ["value"])
        if actor is None and not locked.client_filled:
            locked.client_filled = True
            locked.save(update_fields=["client_filled", "updated_at"])
        if changed:
            record_audit_event(
                contract=locked,
                kind=AuditEvent.Kind.FIELDS_FILLED,
                ip=ip,
                user_agent=user_agent,
                detail={
                    "fields": [f.field_name for f in changed],
                    "by_user": getattr(actor, "pk", None),
                },
            )
    contract.client_filled = locked.client_filled
    logger.info(
        "contract values set contract=%s changed=%s by=%s",
        locked.pk,
        len(changed),
        getattr(actor, "pk", None) or "client",
    )

    if changed or locked.document_status != Contract.DocumentStatus.READY:
        _render_document(contract)
    return contract


# --- the contract PDF -------------------------------------------------------------


def _fingerprint(contract: Contract, fields) -> str:
    """Identify what a PDF is made from: the template file and the field values."""
    digest = hashlib.sha256(contract.template.file.name.encode())
    for field in sorted(fields, key=lambda f: f.field_name):
        for part in (field.field_name, field.field_type, field.value):
            digest.update(b"\0" + part.encode())
    return digest.hexdigest()


def _delete_pdf_if_unused(name: str) -> None:
    if name and not Contract.objects.filter(generated_pdf=name).exists():
        default_storage.delete(name)


def _forget_document(contract: Contract, *, status: str, error: str = "") -> None:
    """Detach the contract's PDF (deleted after commit if nothing else uses it)."""
    old = contract.generated_pdf.name
    contract.generated_pdf.name = ""
    contract.document_sha256 = ""
    contract.document_status = status
    contract.document_error = error
    if old:
        transaction.on_commit(lambda: _delete_pdf_if_unused(old))


def _attach_existing_pdf(contract: Contract, path: str) -> None:
    with default_storage.open(path, "rb") as handle:
        pdf = handle.read()
    old = contract.generated_pdf.name
    contract.generated_pdf.name = path
    contract.document_sha256 = hashlib.sha256(pdf).hexdigest()
    contract.document_status = Contract.DocumentStatus.READY
    contract.document_error = ""
    contract.save()
    if old and old != path:
        transaction.on_commit(lambda: _delete_pdf_if_unused(old))


def _record_failure(contract: Contract, fingerprint: str, message: str) -> None:
    with transaction.atomic():
        locked = _lock(contract)
        if locked.status == Contract.Status.SIGNED:
            return
        if _fingerprint(locked, locked.fields.all()) != fingerprint:
            return
        _forget_document(
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
        locked = _lock(contract)
        stale = locked.status == Contract.Status.SIGNED or (
            _fingerprint(locked, locked.fields.all()) != fingerprint
        )
        if stale:
            transaction.on_commit(lambda: default_storage.delete(name))
            return
        _forget_document(locked, status=Contract.DocumentStatus.READY)
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


def _render_document(contract: Contract) -> bytes:
    """Render the PDF from the current values and attach it; 502 on failure."""
    contract_row = Contract.objects.select_related("template").get(pk=contract.pk)
    fields = list(contract_row.fields.all())
    fingerprint = _fingerprint(contract_row, fields)
    context = {
        f.field_name: field_values.render_value(f.field_type, f.value) for f in fields
    }
    try:
        try:
            with contract_row.template.file.open("rb") as handle:
                template_bytes = handle.read()
        except OSError as exc:
            raise ConversionError("The template file is missing.") from exc
        pdf = render_pdf(template_bytes, context)
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

    Raise 502 when rendering fails, 404 when a signed contract's PDF is gone
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
        raise NotFoundError("The signed contract's document is missing.")
    return _render_document(contract)
