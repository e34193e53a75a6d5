"""Reads behind the dashboard chart: completed signatures per Almaty day and method."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F
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


class LocalDate(TruncDate):
    """The Almaty date of a UTC datetime column.

    On SQLite, TruncDate calls back into Python for every row, which costs
    most of the chart's time; when Almaty's UTC offset is the same all over
    the window (it has been +5 since 1 March 2024), SQLite's own `date()` with
    that fixed shift gives the same days natively. Other databases convert
    zones natively already.
    """

    def __init__(self, expression, *, fixed_offset: timedelta | None):
        super().__init__(expression, tzinfo=ALMATY)
        self.fixed_offset = fixed_offset

    def as_sqlite(self, compiler, connection, **extra_context):
        if self.fixed_offset is None:
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.lhs)
        shift = f"{int(self.fixed_offset.total_seconds()):+d} seconds"
        return f"date({sql}, %s)", (*params, shift)


def almaty_day_bounds(*, now: datetime, days: int) -> tuple[datetime, datetime]:
    """Return the aware start of the oldest day and the end of today, in Almaty."""
    today = now.astimezone(ALMATY).date()
    start = datetime.combine(today - timedelta(days=days - 1), time.min, ALMATY)
    end = datetime.combine(today + timedelta(days=1), time.min, ALMATY)
    return start, end


def _fixed_offset(days: list[date]) -> timedelta | None:
    """Return Almaty's UTC offset if no day of the window changes it, else None."""
    offsets = {
        datetime.combine(day, time.min, ALMATY).utcoffset()
        for day in [*days, days[-1] + timedelta(days=1)]
    }
    return offsets.pop() if len(offsets) == 1 else None


def signatures_per_day(
    *, company_id: int, days: int = CHART_DAYS, now: datetime | None = None
) -> SignaturesPerDay:
    """Count the company's completed signatures per Almaty day, in one query."""
    start, end = almaty_day_bounds(now=now or timezone.now(), days=days)
    all_days = [start.date() + timedelta(days=offset) for offset in range(days)]
    rows = (
        Signature.objects.filter(
            contract__company_id=company_id, signed_at__gte=start, signed_at__lt=end
        )
        .annotate(day=LocalDate(F("signed_at"), fixed_offset=_fixed_offset(all_days)))
        .values("day", "method")
        .annotate(count=Count("id"))
        .order_by()
    )

    index = {day: position for position, day in enumerate(all_days)}
    counts = {method: [0] * days for method in METHODS}
    for row in rows:
        if row["method"] in counts and row["day"] in index:
            counts[row["method"]][index[row["day"]]] += row["count"]
    return SignaturesPerDay(days=all_days, counts=counts)
