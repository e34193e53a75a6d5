"""The chart selector: completed signatures per Almaty day and method.

Factories write rows without the services that keep the counters, so each
test recounts before reading (see `test_counters`).
"""

from datetime import UTC, date, datetime

from ozgecontract.tests.factories import (
    CompanyFactory,
    ContractFactory,
    SignatureFactory,
)
from stats.charts import signatures_per_day
from stats.services import recount_companies

# 08:00 on 2 June 2024 in Almaty (UTC+5): the window is 4 May to 2 June.
NOW = datetime(2024, 6, 2, 3, 0, tzinfo=UTC)


def signed(company, when, method="sms"):
    return SignatureFactory(
        contract=ContractFactory(company=company), signed_at=when, method=method
    )


def at(day, hour, minute=0, second=0):
    return datetime(2024, *day, hour, minute, second, tzinfo=UTC)


def test_window_is_the_last_30_almaty_days_oldest_first(company):
    result = signatures_per_day(company_id=company.pk, now=NOW)

    assert len(result.days) == 30
    assert result.days[0] == date(2024, 5, 4)
    assert result.days[-1] == date(2024, 6, 2)
    assert result.counts == {"sms": [0] * 30, "ecp": [0] * 30}
    assert result.totals == {"sms": 0, "ecp": 0}


def test_days_split_at_almaty_midnight_not_utc_midnight(company):
    signed(company, at((5, 3), 18, 59, 59))  # 3 May 23:59:59 Almaty: outside
    signed(company, at((5, 3), 19))  # 4 May 00:00 Almaty: the first day
    signed(company, at((6, 1), 18, 59, 59))  # 1 June 23:59:59 Almaty
    signed(company, at((6, 1), 19), method="ecp")  # 2 June 00:00 Almaty
    signed(company, at((6, 1), 23), method="ecp")  # still 2 June in Almaty
    signed(company, at((6, 2), 19))  # 3 June in Almaty: tomorrow, outside
    recount_companies()

    result = signatures_per_day(company_id=company.pk, now=NOW)

    sms, ecp = result.counts["sms"], result.counts["ecp"]
    assert sms[0] == 1
    assert sms[-2:] == [1, 0]
    assert ecp[-2:] == [0, 2]
    assert result.totals == {"sms": 2, "ecp": 2}


def test_only_the_companys_completed_signatures_count(company):
    other = CompanyFactory()
    signed(company, at((6, 1), 10))
    signed(other, at((6, 1), 10))
    SignatureFactory(contract=ContractFactory(company=company), signed_at=None)
    recount_companies()

    result = signatures_per_day(company_id=company.pk, now=NOW)

    assert result.totals == {"sms": 1, "ecp": 0}


def test_one_query_whatever_the_number_of_signatures(
    company, django_assert_num_queries
):
    for minute in range(24):
        signed(company, at((5, 20), 10, minute))
    recount_companies()

    with django_assert_num_queries(1):
        result = signatures_per_day(company_id=company.pk, now=NOW)

    assert result.totals["sms"] == 24


def test_a_shorter_window_can_be_asked_for(company):
    signed(company, at((5, 30), 10))
    recount_companies()

    result = signatures_per_day(company_id=company.pk, days=3, now=NOW)

    assert result.days == [date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2)]
    assert result.totals == {"sms": 0, "ecp": 0}


def test_window_across_almatys_change_to_utc_plus_5_keeps_local_days(company):
    # Almaty moved from UTC+6 to UTC+5 on 1 March 2024; a fixed shift would
    # put 00:30 on 21 February (UTC+6) on the 20th.
    signed(company, datetime(2024, 2, 20, 18, 30, tzinfo=UTC))
    signed(company, datetime(2024, 3, 5, 19, 30, tzinfo=UTC), method="ecp")
    recount_companies()

    result = signatures_per_day(
        company_id=company.pk, now=datetime(2024, 3, 10, 12, tzinfo=UTC)
    )

    assert result.days[0] == date(2024, 2, 10)
    assert result.counts["sms"][result.days.index(date(2024, 2, 21))] == 1
    assert result.counts["ecp"][result.days.index(date(2024, 3, 6))] == 1
    assert result.totals == {"sms": 1, "ecp": 1}
