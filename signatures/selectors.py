"""Reads for signatures: company-scoped look-ups and the contract's evidence."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contracts import selectors as contract_selectors
from contracts.models import Contract
from ozgecontract.errors import NotFoundError
from ozgecontract.tenancy import scope_to_company
from signatures.models import AuditEvent, Signature, SigningCode


def signatures_for_user(user) -> QuerySet[Signature]:
    """Return the signatures `user` may see: its company's, or all for an admin."""
    return scope_to_company(
        Signature.objects.select_related("contract"), user, field="contract__company"
    )


def get_signature_for_user(*, user, signature_id: int) -> Signature:
    """Return one visible signature; another company's is a 404."""
    try:
        return signatures_for_user(user).get(pk=signature_id)
    except Signature.DoesNotExist as exc:
        raise NotFoundError(_("Signature not found.")) from exc


def get_contract_for_user(*, user, contract_id: int) -> Contract:
    """Return one contract of the caller's company; another company's is a 404."""
    try:
        return scope_to_company(Contract.objects.all(), user).get(pk=contract_id)
    except Contract.DoesNotExist as exc:
        raise NotFoundError(_("Contract not found.")) from exc


def list_signatures_for_contract(*, contract: Contract) -> QuerySet[Signature]:
    return Signature.objects.filter(contract=contract).select_related("contract")


def get_contract_by_token(token) -> Contract:
    """Return the contract behind a signing link; a bad or unknown token is a 404."""
    return contract_selectors.get_contract_by_token(token)


def get_expected_signer(*, contract: Contract) -> Signature | None:
    """Return the signer recorded ahead of signing, if the company named one."""
    return Signature.objects.filter(contract=contract, signed_at__isnull=True).first()


def get_expected_signer_contact(*, contract: Contract) -> dict | None:
    """Return the expected signer's name and phone only, to prefill the page."""
    return (
        Signature.objects.filter(contract=contract, signed_at__isnull=True)
        .values("client_name", "client_phone")
        .first()
    )


def get_completed_signature(*, contract: Contract) -> Signature | None:
    return (
        Signature.objects.filter(contract=contract, signed_at__isnull=False)
        .select_related("contract")
        .first()
    )


def get_latest_signing_code(*, contract: Contract) -> SigningCode | None:
    """Return the newest code of `contract`; a newer code makes older ones void."""
    return (
        SigningCode.objects.filter(contract=contract)
        .order_by("-created_at", "-id")
        .first()
    )


def audit_trail(*, signature: Signature) -> list[AuditEvent]:
    """Return the contract's audit events up to and including this signing."""
    events = AuditEvent.objects.filter(contract_id=signature.contract_id)
    signed_event = (
        events.filter(signature=signature, kind=AuditEvent.Kind.SIGNED)
        .values_list("id", flat=True)
        .first()
    )
    if signed_event is not None:
        events = events.filter(id__lte=signed_event)
    return list(events.order_by("created_at", "id"))
