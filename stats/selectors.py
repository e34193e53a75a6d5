"""Reads behind the company statistics (`GET /stats/company/{id}`, the dashboard).

The numbers come from the counters that `stats.services` keeps (a row per
company, a row per Almaty day and method), not from counting every contract;
`stats.tests.oracle` counts the rows directly and the tests hold both equal.
"""

from datetime import date, datetime

from django.utils import timezone

from contracts.models import Contract
from ozgecontract.prepared import PreparedRead
from stats.counting import ALMATY
from stats.models import CompanyContractCounts, DailySignatureCount

LAST_SIGNED_COUNT = 5
# The seed shows a signed contract's status in Russian.
SIGNED_LABEL = "Подписан"


def almaty_month_start(now: datetime) -> datetime:
    """Return the aware start of the Almaty calendar month that holds `now`."""
    local = now.astimezone(ALMATY)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# The dashboard's home page and the stats API make these reads on every
# request; each is prepared once (see `ozgecontract.prepared`).
_COMPANY = Contract._meta.get_field("company")
_STAND_IN_COMPANY = -7_265_301
_daily_rows = PreparedRead(
    lambda company_id, since: DailySignatureCount.objects.filter(
        company_id=company_id, day__gte=since
    ).values_list("day", "method", "count"),
    company_id=(_COMPANY, _STAND_IN_COMPANY),
    since=(DailySignatureCount._meta.get_field("day"), date(1901, 2, 3)),
)
_counters = PreparedRead(
    lambda company_id: CompanyContractCounts.objects.filter(
        company_id=company_id
    ).values_list("signed", "pending_open", "pending_dated"),
    company_id=(_COMPANY, _STAND_IN_COMPANY),
)
# The (company, status, signed_at) index makes this a walk of five entries.
_last_signed = PreparedRead(
    lambda company_id: (
        Contract.objects.filter(
            company_id=company_id,
            status=Contract.Status.SIGNED,
            signed_at__isnull=False,
        )
        .order_by("-signed_at", "-id")
        # `signer_name` is kept on the contract: for a signed one, who signed.
        .values_list("id", "number", "signer_name", "template__name", "signed_at")[
            :LAST_SIGNED_COUNT
        ]
    ),
    company_id=(_COMPANY, _STAND_IN_COMPANY),
)


def daily_signature_rows(*, company_id: int, since: date) -> list[tuple]:
    """Return the company's (day, method, count) signature counters from `since`."""
    return _daily_rows.rows(company_id=company_id, since=since)


def _contract_counts(*, company_id: int, now: datetime) -> dict:
    """Read the signed and active counts from the company's counters.

    A pending contract with a deadline is active until the deadline, so those
    are counted at reading time, and only when the company has any.
    """
    signed, pending_open, pending_dated = next(
        iter(_counters.rows(company_id=company_id)), (0, 0, 0)
    )
    active = pending_open
    if pending_dated:
        # One range of the (company, status, expires_at) index.
        active += Contract.objects.filter(
            company_id=company_id,
            status=Contract.Status.PENDING,
            expires_at__gt=now,
        ).count()
    return {"total_signed": signed, "active_contracts": active}


def last_signed_contracts(*, company_id: int) -> list[dict]:
    """List the company's newest signed contracts, signer and template included."""
    return [
        {
            "contract_id": pk,
            "number": number,
            "client_name": client_name,
            "template_name": template_name,
            "signed_at": signed_at,
            "status": SIGNED_LABEL,
        }
        for pk, number, client_name, template_name, signed_at in _last_signed.rows(
            company_id=company_id
        )
    ]


def company_stats(
    *,
    company_id: int,
    now: datetime | None = None,
    daily_rows: list[tuple] | None = None,
) -> dict:
    """Count the company's contracts and list its newest signed ones.

    Active contracts are those still awaiting a signature and not past their
    deadline; "this month" is the Almaty calendar month. `daily_rows` are
    `daily_signature_rows` from the month's start or earlier, when the caller
    has read them already (the dashboard's chart).
    """
    now = now or timezone.now()
    month = almaty_month_start(now).date()
    if daily_rows is None:
        daily_rows = daily_signature_rows(company_id=company_id, since=month)
    return {
        "company_id": company_id,
        **_contract_counts(company_id=company_id, now=now),
        "signed_this_month": sum(count for day, _, count in daily_rows if day >= month),
        "last_signed_contracts": last_signed_contracts(company_id=company_id),
    }
