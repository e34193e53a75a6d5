"""Reads behind the dashboard's contract list: status filter and search."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tenancy import scope_to_company
from ozgecontract.validators import normalize_phone
from signatures.models import Signature

STATUSES = [choice for choice, _label in Contract.Status.choices]


def _signer_of(field: str) -> Subquery:
    # The completed signature first (one at most), else the expected signer.
    return Subquery(
        Signature.objects.filter(contract=OuterRef("pk"))
        .order_by(F("signed_at").desc(nulls_last=True), "-id")
        .values(field)[:1]
    )


def list_dashboard_contracts(*, user, status: str = "", query: str = "") -> QuerySet:
    """Return the caller's contracts, newest first, with the signer's name."""
    contracts = (
        scope_to_company(Contract.objects.all(), user)
        .select_related("template")
        .annotate(client_name=_signer_of("client_name"))
        .order_by("-id")
    )
    now = timezone.now()
    if status == Contract.Status.EXPIRED:
        contracts = contracts.filter(
            Q(status=Contract.Status.EXPIRED)
            | Q(status=Contract.Status.PENDING, expires_at__lte=now)
        )
    elif status == Contract.Status.PENDING:
        contracts = contracts.filter(status=Contract.Status.PENDING).exclude(
            expires_at__lte=now
        )
    elif status in STATUSES:
        contracts = contracts.filter(status=status)

    query = " ".join((query or "").split())
    if query:
        contracts = contracts.filter(_matches(query))
    return contracts


def _matches(query: str) -> Q:
    """Match a contract number, or a signer's name, IIN or phone."""
    signers = Signature.objects.filter(contract=OuterRef("pk"))
    condition = Q(number__icontains=query) | Exists(
        signers.filter(client_name__icontains=query)
    )
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) - 2:
        condition |= Exists(signers.filter(client_iin__contains=digits))
        try:
            phone = normalize_phone(query)
        except ValidationError:
            condition |= Exists(signers.filter(client_phone__contains=digits))
        else:
            condition |= Exists(signers.filter(client_phone=phone))
    return condition
