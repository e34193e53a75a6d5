"""Contract fields: add one, set values (checked by type), re-render the PDF."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from contracts import field_values
from contracts.models import Contract, ContractField
from contracts.services.guards import ensure_pending, lock_contract
from contracts.services.pdf import ensure_template_takes, render_contract_document
from signatures.models import AuditEvent
from signatures.services import record_audit_event

logger = logging.getLogger(__name__)


def clean_values(types: dict[str, str], values: dict) -> dict[str, str]:
    """Return the stored form of each value; raise one ValidationError for all."""
    if not isinstance(values, dict):
        raise ValidationError(
            {"values": [_("Send an object of field names to values.")]}
        )
    errors = {}
    cleaned = {}
    for name, raw in values.items():
        if name not in types:
            errors[str(name)] = [
                _("The contract has no field named %(name)s.") % {"name": name}
            ]
            continue
        try:
            cleaned[name] = field_values.clean_value(types[name], raw)
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


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
        errors["label"] = [_("Use at most 255 characters.")]
    if errors:
        raise ValidationError(errors)
    try:
        stored = field_values.clean_value(field_type, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from exc
    in_template = field_name in (contract.template.fields or [])
    if stored and in_template and contract.status == Contract.Status.PENDING:
        current = {f.field_name: (f.field_type, f.value) for f in contract.fields.all()}
        ensure_template_takes(
            template=contract.template,
            values=current | {field_name: (field_type, stored)},
        )

    with transaction.atomic():
        locked = lock_contract(contract)
        ensure_pending(locked)
        fields = ContractField.objects.filter(contract=locked)
        if fields.filter(field_name=field_name).exists():
            message = _("The contract already has a field %(name)s.") % {
                "name": field_name
            }
            raise ValidationError({"field_name": [message]})
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
        render_contract_document(locked)
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
    (which also marks the contract `client_filled`). Values the template
    cannot be filled in with are refused (409 `document_unfillable`) before
    any is saved. Values are saved even if the PDF then fails for another
    reason: that raises a 502 and the next request for the document retries.
    """
    current = {f.field_name: (f.field_type, f.value) for f in contract.fields.all()}
    kinds = {name: kind for name, (kind, _value) in current.items()}
    try:
        new_values = clean_values(kinds, values)
    except ValidationError:
        # Refused below, after the contract's status (a signed contract's
        # refusal comes first).
        new_values = {}
    # Tried before the transaction, on the fields as they are now: a change
    # someone makes meanwhile is caught by the PDF's render, after the save.
    if new_values and contract.status == Contract.Status.PENDING:
        changes = {name: (kinds[name], v) for name, v in new_values.items()}
        ensure_template_takes(template=contract.template, values=current | changes)

    with transaction.atomic():
        locked = lock_contract(contract)
        ensure_pending(locked)
        fields = {f.field_name: f for f in locked.fields.all()}
        cleaned = clean_values(
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
        render_contract_document(contract)
    return contract
