"""Reads behind the dashboard chart: completed signatures per Almaty day and method."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from signatures.models import Signature

# People read days in Almaty time, whatever the server's or database's zone.
ALMATY = ZoneInfo("Asia/Almaty")
CHART_DAYS = 30
METHODS = tuple(Signature.Method.values)


@dataclass(frozen=True)
class SignaturesPerDay:
    """Counts for each of `days` (oldest first), one list per signature method."""

    days: list[date]
    counts: dict[str, list[int]]

    @property
    def totals(self) -> dict[str, int]:
        return {method: sum(values) for method, values in self.counts.items()}


def almaty_day_bounds(*, now: datetime, days: int) -> tuple[datetime, datetime]:
    """Return the aware start of the oldest day and the end of today, in Almaty."""
    today = now.astimezone(ALMATY).date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, ALMATY)
    end = datetime.combine(today + timedelta(days=1), time.min, ALMATY)
    return start, end


def signatures_per_day(
    *, company_id: int, days: int = CHART_DAYS, now: datetime | None = None
) -> SignaturesPerDay:
    """Count the company's completed signatures per Almaty day, in one query."""
    start, end = almaty_day_bounds(now=now or timezone.now(), days=days)
    rows = (
        Signature.objects.filter(
            contract__company_id=company_id, signed_at__gte=start, signed_at__lt=end
        )
        .annotate(day=TruncDate("signed_at", tzinfo=ALMATY))
        .values("day", "method")
        .annotate(count=Count("id"))
        .order_by()
    )

    all_days = [start.date() + timedelta(days=offset) for offset in range(days)]
    index = {day: position for position, day in enumerate(all_days)}
    counts = {method: [0] * days for method in METHODS}
    for row in rows:
        if row["method"] in counts and row["day"] in index:
            counts[row["method"]][index[row["day"]]] += row["count"]
    return SignaturesPerDay(days=all_days, counts=counts)
