"""Contracts: create from a template, update, cancel, delete; their numbers."""

import contextlib
import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company
from contracts import field_values, selectors
from contracts.models import Contract, ContractField
from contracts.services.fields import clean_values
from contracts.services.guards import (
    ensure_not_signed,
    ensure_pending,
    lock_contract,
)
from contracts.services.pdf import (
    DocumentUnavailableError,
    DocumentUnfillableError,
    attach_existing_pdf,
    delete_pdf_if_unused,
    ensure_template_takes,
    forget_document,
    render_contract_document,
)
from ozgecontract.errors import NotFoundError, StateConflictError
from signatures.models import AuditEvent, Signature
from signatures.services import record_audit_event
from stats import services as stats_services
from templates_app.fields import template_field_settings
from templates_app.models import Template

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "OC"
MAX_NUMBER_LENGTH = Contract._meta.get_field("number").max_length
UNSET = object()


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
                    _("The template has no placeholder named %(name)s.")
                    % {"name": name}
                    for name in unknown
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


def _clean_expires_at(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(
            {"expires_at": [_("The deadline must be in the future.")]}
        )
    return expires_at


def _company_pdf(company_id: int, path) -> str:
    """Return `path` when it names a PDF of the company's contracts; else 400."""
    path = str(path or "")
    if not selectors.company_pdf_exists(company_id=company_id, path=path):
        raise ValidationError(
            {
                "generated_pdf_path": [
                    _("Name a contract PDF that already belongs to the company.")
                ]
            }
        )
    return path


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
    check_template: bool = True,
) -> Contract:
    """Create a contract from `template` with its fields, audit event and PDF.

    The company row is locked while the number is chosen. Values the template
    cannot be filled in with are refused (409 `document_unfillable`) before
    anything is saved, unless `check_template` is off (bulk creation, where the
    contract's document then says why). A PDF that fails for another reason
    does not undo the contract: it is marked failed and retried.
    """
    if template.company_id != company.pk:
        raise NotFoundError(_("Template not found."))
    specs = _field_specs(template, field_types)
    cleaned = clean_values({s["name"]: s["type"] for s in specs}, values or {})
    expires_at = _clean_expires_at(expires_at)
    number = _clean_number(number)
    pdf_path = (
        _company_pdf(company.pk, generated_pdf_path) if generated_pdf_path else ""
    )
    if check_template and not pdf_path:
        ensure_template_takes(
            template=template,
            values={s["name"]: (s["type"], cleaned.get(s["name"], "")) for s in specs},
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
        stats_services.count_contract_created(contract=contract)
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
            attach_existing_pdf(contract, pdf_path)
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
        with contextlib.suppress(DocumentUnavailableError, DocumentUnfillableError):
            render_contract_document(contract)
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
            raise ValidationError({"number": [_("Enter a contract number.")]})
    if expires_at is not UNSET and expires_at is not None:
        _clean_expires_at(expires_at)

    with transaction.atomic():
        locked = lock_contract(contract)
        ensure_not_signed(locked)
        if number is not UNSET:
            _ensure_number_free(locked.company_id, number, exclude_pk=locked.pk)
            locked.number = number
        if client_filled is not UNSET:
            locked.client_filled = bool(client_filled)
        if expires_at is not UNSET:
            stats_services.count_deadline_change(contract=locked, expires_at=expires_at)
            locked.expires_at = expires_at
        if generated_pdf_path is not UNSET:
            if generated_pdf_path:
                path = _company_pdf(locked.company_id, generated_pdf_path)
                if path != locked.generated_pdf.name:
                    attach_existing_pdf(locked, path)
            else:
                forget_document(locked, status=Contract.DocumentStatus.NONE)
        try:
            locked.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"number": [_("The number is already used.")]}
            ) from exc
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
        locked = lock_contract(contract)
        ensure_pending(locked)
        locked.status = Contract.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        stats_services.count_contract_left_pending(contract=locked)
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
        locked = lock_contract(contract)
        ensure_not_signed(locked)
        if locked.signatures.filter(signed_at__isnull=False).exists():
            raise StateConflictError(
                _("The contract has a completed signature and cannot be deleted."),
                code="contract_signed",
            )
        pdf_name = locked.generated_pdf.name
        # Audit events point at signatures, which protect themselves: events go first.
        AuditEvent.objects.filter(contract=locked).delete()
        Signature.objects.filter(contract=locked, signed_at__isnull=True).delete()
        stats_services.count_contract_deleted(contract=locked)
        locked.delete()
        transaction.on_commit(lambda: delete_pdf_if_unused(pdf_name))
    logger.info(
        "contract deleted contract=%s company=%s by=%s",
        contract.pk,
        contract.company_id,
        getattr(user, "pk", None),
    )
