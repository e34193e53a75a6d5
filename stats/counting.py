"""Counting the counters afresh from the contracts and signatures themselves.

The migration that creates the counters backfills them with this, and tests
and benchmarks that load rows directly (factories, `bulk_create`, which skip
the services) recount with it. It takes the models as arguments so that the
migration can pass its historical ones.
"""

from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

ALMATY = ZoneInfo("Asia/Almaty")


def recount(
    *,
    contract_model,
    signature_model,
    counts_model,
    daily_model,
    company_ids=None,
) -> None:
    """Replace the counters of `company_ids` (every company when None).

    Call it inside a transaction while no contract of those companies changes.
    """
    contracts = contract_model.objects.all()
    signatures = signature_model.objects.filter(signed_at__isnull=False)
    counts = counts_model.objects.all()
    daily = daily_model.objects.all()
    if company_ids is not None:
        contracts = contracts.filter(company__pk__in=company_ids)
        signatures = signatures.filter(contract__company__pk__in=company_ids)
        counts = counts.filter(company__pk__in=company_ids)
        daily = daily.filter(company__pk__in=company_ids)
    counts.delete()
    daily.delete()

    pending = Q(status="pending")
    counts_model.objects.bulk_create(
        counts_model(company_id=row.pop("company_id"), **row)
        for row in contracts.values("company_id")
        .annotate(
            signed=Count("id", filter=Q(status="signed")),
            pending_open=Count("id", filter=pending & Q(expires_at__isnull=True)),
            pending_dated=Count("id", filter=pending & Q(expires_at__isnull=False)),
        )
        .order_by()
    )
    daily_model.objects.bulk_create(
        daily_model(
            company_id=row["contract__company_id"],
            day=row["day"],
            method=row["method"],
            count=row["count"],
        )
        for row in signatures.annotate(day=TruncDate("signed_at", tzinfo=ALMATY))
        .values("contract__company_id", "day", "method")
        .annotate(count=Count("id"))
        .order_by()
    )
