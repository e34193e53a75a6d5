"""The dashboard home: the company's statistics and a chart of its signatures."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from companies.decorators import company_required
from signatures.models import Signature
from stats.charts import (
    CHART_DAYS,
    METHODS,
    SignaturesPerDay,
    first_chart_day,
    signatures_per_day,
)
from stats.selectors import almaty_month_start, company_stats, daily_signature_rows

# A context of their own keeps these labels apart from the signing page's.
METHOD_LABELS = {
    Signature.Method.SMS: pgettext_lazy("chart series", "SMS code"),
    Signature.Method.ECP: pgettext_lazy("chart series", "ЭЦП"),
}


def _chart_data(per_day: SignaturesPerDay) -> dict:
    """Shape the per-day counts for Chart.js, with labels in the user's language."""
    totals = per_day.totals
    return {
        "labels": [day.strftime("%d.%m.%Y") for day in per_day.days],
        "datasets": [
            {
                "method": method,
                "label": str(METHOD_LABELS[method]),
                "data": per_day.counts[method],
                "total": totals[method],
            }
            for method in METHODS
        ],
    }


def _last_signed_rows(contracts: list[dict]) -> list[dict]:
    """Give each row its link and its time as shown (dd.mm.yyyy, HH:MM, Almaty).

    Done once here rather than by `{% url %}` and `|date` for each row: a
    contract's page is `<id>/` under the contract list (`contracts.urls`).
    """
    prefix = reverse("contracts:contract-list")
    zone = timezone.get_current_timezone()
    return [
        {
            **row,
            "url": f"{prefix}{row['contract_id']}/",
            "signed_at_shown": row["signed_at"]
            .astimezone(zone)
            .strftime("%d.%m.%Y, %H:%M"),
        }
        for row in contracts
    ]


@company_required
def overview(request):
    company_id = request.user.company_id
    now = timezone.now()
    # One read of the daily counters serves the chart and "this month".
    rows = daily_signature_rows(
        company_id=company_id,
        since=min(first_chart_day(now=now), almaty_month_start(now).date()),
    )
    chart = _chart_data(signatures_per_day(company_id=company_id, now=now, rows=rows))
    stats = company_stats(company_id=company_id, now=now, daily_rows=rows)
    context = {
        "stats": stats,
        "last_signed": _last_signed_rows(stats["last_signed_contracts"]),
        "chart": chart,
        "chart_total": sum(dataset["total"] for dataset in chart["datasets"]),
        "chart_days": CHART_DAYS,
    }
    return render(request, "stats/overview.html", context)
