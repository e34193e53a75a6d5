"""Concurrent status changes: only PostgreSQL has the row locks this relies on."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from billing.models import BalanceEntry, CompanyBalance, PaymentRequest
from billing.services import (
    change_payment_status,
    create_payment_request,
    delete_tariff_plan,
)
from ozgecontract.errors import StateConflictError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks (select_for_update)",
    ),
]


def test_marking_paid_from_many_threads_credits_once(company, admin, plan):
    payment = PaymentRequest.objects.create(
        company=company,
        tariff_plan=plan,
        sms_count=10,
        ecp_count=5,
        total_amount=Decimal("2250.00"),
    )
    threads = 8
    barrier = threading.Barrier(threads)
    outcomes = []

    def mark_paid():
        try:
            barrier.wait()
            change_payment_status(payment=payment, status="paid", user=admin)
            outcomes.append("paid")
        except StateConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=mark_paid) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(outcomes) == ["conflict"] * (threads - 1) + ["paid"]
    balance = CompanyBalance.objects.get(company=company)
    assert (balance.sms_signatures, balance.ecp_signatures) == (10, 5)
    assert BalanceEntry.objects.filter(payment_request=payment).count() == 2


def test_a_plan_deleted_while_bought_is_kept_and_the_delete_is_409(
    company, admin, owner, plan
):
    holding = threading.Event()
    release = threading.Event()
    outcomes = {}

    def buy():
        # The purchase holds the plan row until it commits.
        try:
            with transaction.atomic():
                create_payment_request(
                    company=company,
                    tariff_plan=plan,
                    sms_count=10,
                    ecp_count=0,
                    user=owner,
                )
                holding.set()
                release.wait(timeout=10)
            outcomes["buy"] = "created"
        finally:
            connections.close_all()

    def delete():
        try:
            delete_tariff_plan(plan=plan, user=admin)
            outcomes["delete"] = "deleted"
        except StateConflictError as exc:
            outcomes["delete"] = exc.code
        except IntegrityError:
            outcomes["delete"] = "integrity_error"
        finally:
            connections.close_all()

    buyer = threading.Thread(target=buy)
    buyer.start()
    assert holding.wait(timeout=10)
    deleter = threading.Thread(target=delete)
    deleter.start()
    # Give the delete time to reach the lock, then let the purchase commit.
    deleter.join(timeout=0.5)
    release.set()
    buyer.join()
    deleter.join()

    assert outcomes == {"buy": "created", "delete": "tariff_in_use"}
    assert PaymentRequest.objects.filter(tariff_plan=plan).count() == 1
