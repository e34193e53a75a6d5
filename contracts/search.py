"""Reads behind the dashboard's contract list: status filter, search, one page."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from contracts.models import Contract
from contracts.selectors import filter_by_status
from ozgecontract.tenancy import scope_to_company
from ozgecontract.validators import normalize_phone
from signatures.models import Signature


@dataclass
class ContractRow:
    """What the list shows of one contract; `status` is the status shown."""

    pk: int
    number: str
    status: str
    created_at: datetime
    signed_at: datetime | None
    template_name: str
    client_name: str


def list_dashboard_contracts(*, user, status: str = "", query: str = "") -> QuerySet:
    """Return the caller's contracts, newest first, filtered and searched."""
    contracts = scope_to_company(Contract.objects.all(), user).order_by("-id")
    if status in Contract.Status.values:
        contracts = filter_by_status(contracts, status)

    query = " ".join((query or "").split())
    if query:
        contracts = contracts.filter(_matches(query))
    return contracts


def get_dashboard_page(
    *, user, status: str = "", query: str = "", number=None, per_page: int = 25
) -> tuple[Page, list[ContractRow]]:
    """Return one page of the caller's list and its rows, in two queries.

    The page is cut from the contract ids alone (the count and the OFFSET walk
    an index, never the rows); only the page's rows are then read, with the
    signer's name and the template's, so nothing is computed for skipped rows.
    """
    contracts = list_dashboard_contracts(user=user, status=status, query=query)
    page = Paginator(contracts.values_list("pk", flat=True), per_page).get_page(number)
    if not page.paginator.count:
        return page, []
    return page, _read_rows(page.object_list)


def _read_rows(page_ids: QuerySet) -> list[ContractRow]:
    # The completed signature's name wins over the expected signer's.
    signer = (
        Signature.objects.filter(contract=OuterRef("pk"))
        .order_by(F("signed_at").desc(nulls_last=True), "-id")
        .values("client_name")[:1]
    )
    values = (
        Contract.objects.filter(pk__in=page_ids)
        .order_by("-id")
        .values_list(
            "pk",
            "number",
            "status",
            "expires_at",
            "created_at",
            "signed_at",
            "template__name",
            Subquery(signer),
        )
    )
    now = timezone.now()
    rows = []
    for pk, number, status, expires_at, created, signed, template, client in values:
        if status == Contract.Status.PENDING and expires_at and expires_at <= now:
            status = Contract.Status.EXPIRED
        rows.append(
            ContractRow(pk, number, status, created, signed, template, client or "")
        )
    return rows


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
