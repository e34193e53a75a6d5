"""Concurrent signing over HTTP: only PostgreSQL has the row locks this relies on."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from billing.models import BalanceEntry, CompanyBalance
from contracts.models import Contract
from signatures import services
from signatures.models import Signature
from signatures.tests.conftest import (
    PHONE,
    VALID_IIN,
    last_code,
    ready_contract,
    set_balance,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no row locks (select_for_update)",
    ),
]


def ready_to_sign(contract, settings) -> dict:
    """Send a code for `contract` and return the client's sign body."""
    services.request_signing_code(
        contract=contract, phone=PHONE, ip=None, user_agent=""
    )
    return {
        "contract_token": str(contract.contract_token),
        "client_name": "Иванов Иван",
        "client_iin": VALID_IIN,
        "client_phone": PHONE,
        "method": "sms",
        "otp_code": last_code(settings),
    }


def post_all_at_once(bodies: list[dict]) -> list[int]:
    """POST every body to /signatures/sign from its own thread, all released at once."""
    barrier = threading.Barrier(len(bodies))
    responses = []

    def sign(body):
        try:
            client = APIClient()
            barrier.wait()
            responses.append(client.post("/signatures/sign", body, format="json"))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sign, args=(body,)) for body in bodies]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(response.status_code for response in responses)


def test_ten_threads_signing_one_contract_give_one_signature(
    company, settings, small_contract_pdf
):
    set_balance(company, sms=10)
    contract = ready_contract(company, small_contract_pdf)
    body = ready_to_sign(contract, settings)

    statuses = post_all_at_once([body] * 10)

    assert statuses == [201] + [409] * 9
    assert Signature.objects.filter(contract=contract).count() == 1
    assert CompanyBalance.objects.get(company=company).sms_signatures == 9
    assert BalanceEntry.objects.filter(company=company).count() == 1
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED


def test_twenty_contracts_against_a_balance_of_ten(
    company, settings, small_contract_pdf
):
    set_balance(company, sms=10)
    contracts = [ready_contract(company, small_contract_pdf) for _ in range(20)]
    bodies = [ready_to_sign(contract, settings) for contract in contracts]

    statuses = post_all_at_once(bodies)

    assert statuses == [201] * 10 + [402] * 10
    assert CompanyBalance.objects.get(company=company).sms_signatures == 0
    assert Signature.objects.filter(signed_at__isnull=False).count() == 10
    assert BalanceEntry.objects.filter(company=company, delta=-1).count() == 10
    assert (
        Contract.objects.filter(company=company, status=Contract.Status.SIGNED).count()
        == 10
    )
