"""The statistics counted directly from the rows: what the counters must equal.

These are the queries the statistics ran before the counters existed; they
stay here as the reference the counters are tested against.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from contracts.models import Contract
from signatures.models import Signature
from stats.charts import almaty_day_bounds
from stats.counting import ALMATY
from stats.selectors import almaty_month_start


def direct_counts(*, company_id: int, now: datetime) -> dict:
    signed = Q(status=Contract.Status.SIGNED)
    return Contract.objects.filter(company_id=company_id).aggregate(
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


def direct_signatures_per_day(
    *, company_id: int, now: datetime, days: int
) -> dict[str, list[int]]:
    start, end = almaty_day_bounds(now=now, days=days)
    all_days = [start.date() + timedelta(days=offset) for offset in range(days)]
    counts = {method: [0] * days for method in Signature.Method.values}
    rows = (
        Signature.objects.filter(
            contract__company_id=company_id, signed_at__gte=start, signed_at__lt=end
        )
        .annotate(day=TruncDate("signed_at", tzinfo=ALMATY))
        .values("day", "method")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["method"]][all_days.index(row["day"])] += row["count"]
    return counts
