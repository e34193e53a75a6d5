"""Who signs: validating the signer's details and naming the expected signer."""

import logging
import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from contracts import selectors as contract_selectors
from contracts.models import Contract, refresh_signers
from ozgecontract.errors import InvalidInputError, StateConflictError
from ozgecontract.validators import is_valid_iin, normalize_phone
from signatures import selectors
from signatures.models import Signature

logger = logging.getLogger(__name__)

_METHOD_ALIASES = {"sms": "sms", "ecp": "ecp", "esp": "ecp"}


def normalize_method(value: str) -> str:
    """Return `sms` or `ecp`; the seed's spelling `esp` is read as `ecp`."""
    method = _METHOD_ALIASES.get(str(value or "").strip().lower())
    if method is None:
        raise ValidationError(
            {"method": [_("Choose a signing method: sms or ecp.")]}, code="invalid"
        )
    return method


def clean_signer(
    *, client_name: str, client_iin: str, client_phone: str, method: str
) -> tuple[str, str, str, str]:
    """Validate who signs and how; return the normalised name, IIN, phone, method."""
    errors = {}
    name = " ".join(str(client_name or "").split())
    if not name:
        errors["client_name"] = [_("Enter the signer's full name.")]
    elif any(unicodedata.category(char) == "Cc" for char in name):
        errors["client_name"] = [_("The name may not contain control characters.")]
    elif len(name) > 255:
        errors["client_name"] = [_("The name is longer than 255 characters.")]
    iin = str(client_iin or "").strip()
    if not is_valid_iin(iin):
        errors["client_iin"] = [
            _("Enter a valid IIN/BIN: 12 digits with a correct check digit.")
        ]
    try:
        phone = normalize_phone(str(client_phone or ""), mobile_only=True)
    except ValidationError as exc:
        errors["client_phone"] = exc.messages
        phone = ""
    try:
        method = normalize_method(method)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return name, iin, phone, method


def ensure_signable(contract: Contract) -> None:
    """Refuse (409) a contract that is signed, cancelled or past its deadline."""
    if contract.status == Contract.Status.SIGNED:
        raise StateConflictError(
            _("The contract is already signed."), code="contract_signed"
        )
    if contract.status == Contract.Status.CANCELLED:
        raise StateConflictError(
            _("The contract was cancelled and cannot be signed."),
            code="contract_cancelled",
        )
    if contract.status == Contract.Status.EXPIRED or contract.is_expired:
        raise StateConflictError(
            _("The contract's signing deadline has passed."), code="contract_expired"
        )


_TICKED = ("true", "1", "yes", "on")


def missing_required_fields(contract: Contract) -> list[str]:
    """Name the required contract fields still empty (or a required box unticked)."""
    missing = []
    for field in contract_selectors.list_contract_fields(contract=contract):
        value = field.value.strip()
        if field.field_type == field.FieldType.CHECKBOX:
            filled = value.lower() in _TICKED
        else:
            filled = bool(value)
        if field.required and not filled:
            missing.append(field.label or field.field_name)
    return missing


def ensure_fields_complete(contract: Contract) -> None:
    """Refuse a code or a signature while a required contract field is empty.

    The signing page asks the client for them first; through the API the
    company fills them with `PUT /contract-fields/{id}` before signing.
    """
    missing = missing_required_fields(contract)
    if missing:
        raise InvalidInputError(
            _("Fill in the required contract fields first: %(fields)s.")
            % {"fields": ", ".join(missing)},
            code="fields_missing",
        )


def lock_contract(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update()
        .select_related("company")
        .get(pk=contract.pk)
    )


@transaction.atomic
def create_expected_signer(
    *,
    contract: Contract,
    client_name: str,
    client_iin: str,
    client_phone: str,
    method: str,
) -> Signature:
    """Record who is to sign `contract`; a second expected signer is a 409.

    To name someone else, the company deletes the expected signer first.
    """
    name, iin, phone, method = clean_signer(
        client_name=client_name,
        client_iin=client_iin,
        client_phone=client_phone,
        method=method,
    )
    locked = lock_contract(contract)
    ensure_signable(locked)
    if selectors.get_expected_signer(contract=locked) is not None:
        raise StateConflictError(
            _(
                "The contract already has an expected signer; "
                "delete it to name another."
            ),
            code="signer_exists",
        )
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                contract=locked,
                client_name=name,
                client_iin=iin,
                client_phone=phone,
                method=method,
            )
    except IntegrityError as exc:
        raise StateConflictError(
            _("The contract already has an expected signer."), code="signer_exists"
        ) from exc
    refresh_signers(contract_ids=[locked.pk])
    logger.info(
        "expected signer recorded signature=%s contract=%s", signature.pk, locked.pk
    )
    return signature


@transaction.atomic
def delete_expected_signer(*, signature: Signature) -> None:
    """Delete a signer who has not signed yet; a completed signature is a 409."""
    locked = Signature.objects.select_for_update().get(pk=signature.pk)
    if locked.is_signed:
        raise StateConflictError(
            _("A completed signature is evidence and cannot be deleted."),
            code="signature_completed",
        )
    locked.delete()
    refresh_signers(contract_ids=[locked.contract_id])
    logger.info(
        "expected signer deleted signature=%s contract=%s",
        signature.pk,
        signature.contract_id,
    )


def check_expected_signer(
    expected: Signature | None, *, client_iin: str, client_phone: str, method: str
) -> None:
    if expected is None:
        return
    if expected.client_iin != client_iin:
        raise InvalidInputError(
            _("The IIN differs from the one the company gave for the signer."),
            code="iin_mismatch",
            fields={"client_iin": [_("This is not the expected signer's IIN.")]},
        )
    if expected.method != method:
        raise InvalidInputError(
            _("This contract is to be signed with %(method)s.")
            % {"method": expected.get_method_display()},
            code="method_mismatch",
            fields={"method": [_("Use %(method)s.") % {"method": expected.method}]},
        )
    if method == Signature.Method.SMS and expected.client_phone != client_phone:
        raise InvalidInputError(
            _("The phone number differs from the one the company gave for the signer."),
            code="phone_mismatch",
            fields={"client_phone": [_("This is not the signer's phone number.")]},
        )
