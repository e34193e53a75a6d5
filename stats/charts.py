"""Reads behind the dashboard chart: completed signatures per Almaty day and method."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from signatures.models import Signature
from stats.counting import ALMATY
from stats.selectors import daily_signature_rows

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


def first_chart_day(*, now: datetime, days: int = CHART_DAYS) -> date:
    return almaty_day_bounds(now=now, days=days)[0].date()


def signatures_per_day(
    *,
    company_id: int,
    days: int = CHART_DAYS,
    now: datetime | None = None,
    rows: list[tuple] | None = None,
) -> SignaturesPerDay:
    """Read the company's completed signatures per Almaty day from its counters.

    `rows` are `daily_signature_rows` from the first day or earlier, when the
    caller has read them already.
    """
    first = first_chart_day(now=now or timezone.now(), days=days)
    all_days = [first + timedelta(days=offset) for offset in range(days)]
    if rows is None:
        rows = daily_signature_rows(company_id=company_id, since=first)

    index = {day: position for position, day in enumerate(all_days)}
    counts = {method: [0] * days for method in METHODS}
    for day, method, count in rows:
        if method in counts and day in index:
            counts[method][index[day]] += count
    return SignaturesPerDay(days=all_days, counts=counts)
