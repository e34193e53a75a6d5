"""Reads behind the company statistics (`GET /stats/company/{id}`, the dashboard)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from contracts.models import Contract
from signatures.models import Signature

ALMATY = ZoneInfo("Asia/Almaty")
LAST_SIGNED_COUNT = 5
# The seed shows a signed contract's status in Russian.
SIGNED_LABEL = "Подписан"


def almaty_month_start(now: datetime) -> datetime:
    """Return the aware start of the Almaty calendar month that holds `now`."""
    local = now.astimezone(ALMATY)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def company_stats(*, company_id: int, now: datetime | None = None) -> dict:
    """Count the company's contracts and list its newest signed ones in two queries.

    Active contracts are those still awaiting a signature and not past their
    deadline; "this month" is the Almaty calendar month.
    """
    now = now or timezone.now()
    contracts = Contract.objects.filter(company_id=company_id)
    signed = Q(status=Contract.Status.SIGNED)
    counts = contracts.aggregate(
        total_signed=Count("id", filter=signed),
        active_contracts=Count(
            "id",
            filter=Q(status=Contract.Status.PENDING)
            & (Q(expires_at__isnull=True) | Q(expires_at__gt=now)),
        ),
        signed_this_month=Count(
            "id", filter=signed & Q(signed_at__gte=almaty_month_start(now))
        ),
    )

    signer_name = Signature.objects.filter(
        contract=OuterRef("pk"), signed_at__isnull=False
    ).values("client_name")[:1]
    last_signed = (
        contracts.filter(signed)
        .annotate(client_name=Subquery(signer_name), template_name=F("template__name"))
        .order_by(F("signed_at").desc(nulls_last=True), "-id")
        .values("id", "client_name", "template_name", "signed_at")[:LAST_SIGNED_COUNT]
    )
    return {
        "company_id": company_id,
        **counts,
        "last_signed_contracts": [
            {
                "contract_id": row["id"],
                "client_name": row["client_name"] or "",
                "template_name": row["template_name"],
                "signed_at": row["signed_at"],
                "status": SIGNED_LABEL,
            }
            for row in last_signed
        ],
    }
