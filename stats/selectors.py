"""Reads behind the company statistics (`GET /stats/company/{id}`, the dashboard).

The numbers come from the counters that `stats.services` keeps (a row per
company, a row per Almaty day and method), not from counting every contract;
`stats.tests.oracle` counts the rows directly and the tests hold both equal.
"""

from datetime import datetime

from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from contracts.models import Contract
from signatures.models import Signature
from stats.counting import ALMATY
from stats.models import CompanyContractCounts, DailySignatureCount
from templates_app.models import Template

LAST_SIGNED_COUNT = 5
# The seed shows a signed contract's status in Russian.
SIGNED_LABEL = "Подписан"


def almaty_month_start(now: datetime) -> datetime:
    """Return the aware start of the Almaty calendar month that holds `now`."""
    local = now.astimezone(ALMATY)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _counts(*, company_id: int, now: datetime) -> dict:
    """Read the counters: signed, active and signed this month, in one query.

    A pending contract with a deadline is active until the deadline, so those
    are counted at reading time, and only when the company has any.
    """
    this_month = (
        DailySignatureCount.objects.filter(
            company_id=OuterRef("company_id"),
            day__gte=almaty_month_start(now).date(),
        )
        .values("company_id")
        .annotate(total=Sum("count"))
        .values("total")
    )
    row = next(
        iter(
            CompanyContractCounts.objects.filter(company_id=company_id)
            .annotate(this_month=Subquery(this_month))
            .values_list("signed", "pending_open", "pending_dated", "this_month")
        ),
        (0, 0, 0, 0),
    )
    signed, pending_open, pending_dated, this_month = row
    active = pending_open
    if pending_dated:
        # TODO(#5): bounded by the company's pending contracts until Contract
        # has an index on (company, status, expires_at).
        active += Contract.objects.filter(
            company_id=company_id,
            status=Contract.Status.PENDING,
            expires_at__gt=now,
        ).count()
    return {
        "total_signed": signed,
        "active_contracts": active,
        "signed_this_month": this_month or 0,
    }


def last_signed_contracts(*, company_id: int) -> list[dict]:
    """List the company's newest signed contracts, signer and template included."""
    signer_name = Signature.objects.filter(
        contract=OuterRef("pk"), signed_at__isnull=False
    ).values("client_name")[:1]
    # Subqueries, not joins: they run for the five rows answered only, and a
    # join lets SQLite's planner sort every signed contract of the company.
    template_name = Template.objects.filter(pk=OuterRef("template_id")).values("name")[
        :1
    ]
    # TODO(#5): an index on Contract (company, status, signed_at) makes this a
    # walk of five index entries; without it the planner walks `signed_at`
    # (fast with planner statistics) or sorts every signed contract.
    rows = (
        Contract.objects.filter(
            company_id=company_id,
            status=Contract.Status.SIGNED,
            signed_at__isnull=False,
        )
        .annotate(
            client_name=Subquery(signer_name), template_name=Subquery(template_name)
        )
        .order_by("-signed_at", "-id")
        .values("id", "number", "client_name", "template_name", "signed_at")
    )
    return [
        {
            "contract_id": row["id"],
            "number": row["number"],
            "client_name": row["client_name"] or "",
            "template_name": row["template_name"],
            "signed_at": row["signed_at"],
            "status": SIGNED_LABEL,
        }
        for row in rows[:LAST_SIGNED_COUNT]
    ]


def company_stats(*, company_id: int, now: datetime | None = None) -> dict:
    """Count the company's contracts and list its newest signed ones.

    Active contracts are those still awaiting a signature and not past their
    deadline; "this month" is the Almaty calendar month.
    """
    now = now or timezone.now()
    return {
        "company_id": company_id,
        **_counts(company_id=company_id, now=now),
        "last_signed_contracts": last_signed_contracts(company_id=company_id),
    }
