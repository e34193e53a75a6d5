"""The statistics counters equal counting the rows, whatever happened before.

Random sequences of create / sign / cancel / delete / deadline changes, with
the clock moving across Almaty midnights, month ends and deadlines, go
through the real services; then the counters are read at several moments and
compared with `oracle` (the direct aggregation) and with a fresh recount.
"""

import importlib
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import CompanyBalance
from contracts import services as contract_services
from contracts.models import Contract
from ozgecontract.errors import DomainError
from ozgecontract.tests.factories import (
    CompanyFactory,
    ContractFactory,
    SignatureFactory,
    TemplateFactory,
)
from signatures.services.signers import ensure_signable, lock_contract
from signatures.services.signing import _record_signature
from stats import services
from stats.charts import signatures_per_day
from stats.models import CompanyContractCounts, DailySignatureCount
from stats.selectors import company_stats
from stats.tests.oracle import direct_counts, direct_signatures_per_day

# 17:00 on 30 May in Almaty: a sequence soon crosses midnight and June.
START = datetime(2025, 5, 30, 12, 0, tzinfo=UTC)
VALID_IIN = "850615300129"
PHONE = "+77011234567"
OPERATIONS = [
    "create",
    "create_with_deadline",
    "sign_sms",
    "sign_ecp",
    "cancel",
    "delete",
    "set_deadline",
    "clear_deadline",
]


@contextmanager
def clock(moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def make_company():
    company = CompanyFactory()
    CompanyBalance.objects.filter(company=company).update(
        sms_signatures=1000, ecp_signatures=1000
    )
    return company, TemplateFactory(company=company)


def sign(contract: Contract, method: str) -> None:
    """Record a signature as `sign_contract` does once the code or CMS is checked."""
    with transaction.atomic():
        locked = lock_contract(contract)
        ensure_signable(locked)
        _record_signature(
            contract=locked,
            expected=None,
            signer=("Иванов Иван", VALID_IIN, PHONE, method),
            document_sha256="0" * 64,
            facts=None,
            cms=None,
            signing_code=None,
            ip=None,
            user_agent="",
        )


def apply(operation: str, *, company, template, pick: int, now: datetime) -> None:
    contracts = list(Contract.objects.filter(company=company).order_by("id"))
    target = contracts[pick % len(contracts)] if contracts else None
    deadline = now + timedelta(hours=1 + pick % 48)
    with clock(now):
        try:
            if operation.startswith("create"):
                contract_services.create_contract(
                    company=company,
                    template=template,
                    user=None,
                    expires_at=deadline if operation.endswith("deadline") else None,
                    render_document=False,
                )
            elif target is None:
                return
            elif operation.startswith("sign"):
                sign(target, operation.removeprefix("sign_"))
            elif operation == "cancel":
                contract_services.cancel_contract(contract=target, user=None)
            elif operation == "delete":
                contract_services.delete_contract(contract=target, user=None)
            else:
                contract_services.update_contract(
                    contract=target,
                    user=None,
                    expires_at=deadline if operation == "set_deadline" else None,
                )
        except (DomainError, ValidationError):
            pass  # refused by the rules: nothing changed, nothing to count


def counter_rows(company_id: int) -> tuple:
    counts = list(
        CompanyContractCounts.objects.filter(company_id=company_id).values_list(
            "signed", "pending_open", "pending_dated"
        )
    )
    daily = set(
        DailySignatureCount.objects.filter(company_id=company_id, count__gt=0)
        .values_list("day", "method", "count")
        .order_by()
    )
    return counts or [(0, 0, 0)], daily


def assert_counters_equal_the_rows(company_id: int, now: datetime) -> None:
    for moment in (now, now + timedelta(hours=25), now + timedelta(days=40)):
        stats = company_stats(company_id=company_id, now=moment)
        assert {
            key: stats[key]
            for key in ("total_signed", "active_contracts", "signed_this_month")
        } == direct_counts(company_id=company_id, now=moment)
        for days in (30, 3):
            chart = signatures_per_day(company_id=company_id, days=days, now=moment)
            assert chart.counts == direct_signatures_per_day(
                company_id=company_id, now=moment, days=days
            )
    live = counter_rows(company_id)
    services.recount_companies(company_ids=[company_id])
    assert counter_rows(company_id) == live


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(min_value=0, max_value=99),
            st.integers(min_value=0, max_value=30),
        ),
        max_size=25,
    )
)
def test_counters_equal_the_direct_count_after_any_sequence(steps):
    company, template = make_company()
    other, other_template = make_company()
    now = START
    for operation, pick, hours in steps:
        now += timedelta(hours=hours)
        apply(operation, company=company, template=template, pick=pick, now=now)
        # Another company's changes never count for this one.
        apply(operation, company=other, template=other_template, pick=pick, now=now)

    assert_counters_equal_the_rows(company.pk, now)
    assert_counters_equal_the_rows(other.pk, now)


@pytest.mark.django_db
def test_a_signing_counts_on_its_almaty_day_and_in_its_month(company):
    template = TemplateFactory(company=company)
    CompanyBalance.objects.filter(company=company).update(sms_signatures=5)
    # 23:30 on 31 May in Almaty, 00:30 on 1 June: two days, two months.
    before, after = (
        datetime(2025, 5, 31, 18, 30, tzinfo=UTC),
        datetime(2025, 5, 31, 19, 30, tzinfo=UTC),
    )
    for moment in (before, after):
        with clock(moment):
            contract = contract_services.create_contract(
                company=company, template=template, user=None, render_document=False
            )
            sign(contract, "sms")

    stats = company_stats(company_id=company.pk, now=after)
    days = set(
        DailySignatureCount.objects.filter(company=company).values_list("day", "count")
    )

    assert (stats["total_signed"], stats["signed_this_month"]) == (2, 1)
    assert days == {(before.date(), 1), (after.date() + timedelta(days=1), 1)}


@pytest.mark.django_db
def test_a_deadline_passing_ends_an_active_contract_without_a_write(company):
    template = TemplateFactory(company=company)
    with clock(START):
        contract_services.create_contract(
            company=company,
            template=template,
            user=None,
            expires_at=START + timedelta(hours=2),
            render_document=False,
        )
        contract_services.create_contract(
            company=company, template=template, user=None, render_document=False
        )

    active = [
        company_stats(company_id=company.pk, now=START + timedelta(hours=h))[
            "active_contracts"
        ]
        for h in (1, 2, 3)
    ]

    assert active == [2, 1, 1]


@pytest.mark.django_db
def test_recount_and_the_backfill_migration_count_factory_rows(company):
    now = datetime.now(UTC)
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=now
    )
    SignatureFactory(contract=contract, signed_at=now, method="ecp")
    ContractFactory(company=company, expires_at=now + timedelta(days=1))
    ContractFactory(company=company, expires_at=now - timedelta(days=1))
    ContractFactory(company=company, status=Contract.Status.CANCELLED)
    ContractFactory(company=company)
    backfill = importlib.import_module("stats.migrations.0002_backfill_counters")

    for recount in (
        lambda: services.recount_companies(),
        lambda: backfill.backfill(apps, None),
    ):
        recount()
        assert counter_rows(company.pk)[0] == [(1, 1, 2)]
        stats = company_stats(company_id=company.pk, now=now)
        assert {
            key: stats[key]
            for key in ("total_signed", "active_contracts", "signed_this_month")
        } == direct_counts(company_id=company.pk, now=now)


@pytest.mark.django_db
def test_statistics_take_one_more_query_only_for_contracts_with_deadlines(
    owner_api, company, django_assert_num_queries
):
    template = TemplateFactory(company=company)
    contract_services.create_contract(
        company=company, template=template, user=None, render_document=False
    )
    url = f"/stats/company/{company.pk}"
    with django_assert_num_queries(4):  # user, counters, day counters, last signed
        assert owner_api.get(url).json()["active_contracts"] == 1

    contract_services.create_contract(
        company=company,
        template=template,
        user=None,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        render_document=False,
    )
    with django_assert_num_queries(5):
        assert owner_api.get(url).json()["active_contracts"] == 2


# Concurrency: only PostgreSQL runs transactions truly at once here.

POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite runs one write transaction at a time",
    ),
]


def postgres_only(test):
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


def all_at_once(actions) -> list[Exception]:
    """Run each action in its own thread and transaction, released together."""
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        try:
            barrier.wait()
            with transaction.atomic():
                action()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(action,)) for action in actions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


@postgres_only
def test_two_signings_at_once_both_count(company):
    template = TemplateFactory(company=company)
    CompanyBalance.objects.filter(company=company).update(sms_signatures=2)
    contracts = [
        contract_services.create_contract(
            company=company, template=template, user=None, render_document=False
        )
        for _ in range(2)
    ]

    errors = all_at_once([lambda c=c: sign(c, "sms") for c in contracts])

    assert errors == []
    now = datetime.now(UTC)
    assert direct_counts(company_id=company.pk, now=now)["total_signed"] == 2
    assert_counters_equal_the_rows(company.pk, now)


@postgres_only
def test_first_counts_of_a_new_day_at_once_all_count(company):
    moment = datetime(2025, 6, 1, 6, tzinfo=UTC)
    contract = Contract(company_id=company.pk, expires_at=None)

    errors = all_at_once(
        [
            lambda: services.count_contract_signed(
                contract=contract, method="sms", signed_at=moment
            )
        ]
        * 8
    )

    assert errors == []
    assert DailySignatureCount.objects.get(company=company).count == 8
    counts = CompanyContractCounts.objects.get(company=company)
    assert (counts.signed, counts.pending_open) == (8, -8)
