"""Reads behind the dashboard's contract list: status filter and search."""

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from contracts.models import Contract
from contracts.selectors import filter_by_status
from ozgecontract.tenancy import scope_to_company
from ozgecontract.validators import normalize_phone
from signatures.models import Signature


def list_dashboard_contracts(*, user, status: str = "", query: str = "") -> QuerySet:
    """Return the caller's contracts, newest first, filtered and searched."""
    contracts = (
        scope_to_company(Contract.objects.all(), user)
        .select_related("template")
        .order_by("-id")
    )
    if status in Contract.Status.values:
        contracts = filter_by_status(contracts, status)

    query = " ".join((query or "").split())
    if query:
        contracts = contracts.filter(_matches(query))
    return contracts


def attach_signer_names(contracts) -> None:
    """Set `client_name` on each contract of one page, in one query.

    The completed signature's name wins over the expected signer's. Done per
    page rather than as a subquery: the database would compute a subquery for
    every row an OFFSET skips too.
    """
    names = {}
    signers = (
        Signature.objects.filter(contract__in=[c.pk for c in contracts])
        .order_by("contract_id", F("signed_at").desc(nulls_last=True), "-id")
        .values_list("contract_id", "client_name")
    )
    for contract_id, client_name in signers:
        names.setdefault(contract_id, client_name)
    for contract in contracts:
        contract.client_name = names.get(contract.pk, "")


def _matches(query: str) -> Q:
    """Match a contract number, or a signer's name, IIN or phone."""
    signers = Q(client_name__icontains=query)
    digits = "".join(ch for ch in query if ch.isdigit())
    # Mostly digits: an IIN or a phone, written whole or in part.
    if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) - 2:
        signers |= Q(client_iin__contains=digits)
        try:
            signers |= Q(client_phone=normalize_phone(query))
        except ValidationError:
            signers |= Q(client_phone__contains=digits)
    # One pass over the signatures, not one look-up per contract.
    signed_by = Signature.objects.filter(signers).values("contract_id")
    return Q(number__icontains=query) | Q(pk__in=signed_by)
