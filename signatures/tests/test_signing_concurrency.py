"""Concurrent signing over HTTP: only PostgreSQL has the row locks this relies on."""

import hashlib
import threading
from pathlib import Path

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


def get_all_at_once(urls: list[str]) -> list:
    """GET every url from its own thread, all released at once."""
    barrier = threading.Barrier(len(urls))
    responses = []

    def fetch(url):
        try:
            client = APIClient()
            barrier.wait()
            responses.append(client.get(url))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=fetch, args=(url,)) for url in urls]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return responses


def test_concurrent_first_downloads_seal_one_signed_pdf_with_one_hash(
    company, settings, small_contract_pdf
):
    set_balance(company, sms=1)
    contract = ready_contract(company, small_contract_pdf)
    body = ready_to_sign(contract, settings)
    del body["contract_token"]
    signature = services.sign_contract(contract=contract, **body)
    assert not signature.signed_pdf
    url = f"/contracts/token/{contract.contract_token}/signed-document"

    responses = get_all_at_once([url] * 6)

    assert [response.status_code for response in responses] == [200] * 6
    bodies = {response.content for response in responses}
    assert len(bodies) == 1
    signature.refresh_from_db()
    assert signature.signed_pdf_sha256 == hashlib.sha256(bodies.pop()).hexdigest()
    folder = Path(settings.MEDIA_ROOT) / f"signatures/contract_{contract.pk}"
    # The certificate issued at signing and one sealed file, nothing else.
    assert len(list(folder.glob("*.pdf"))) == 2


def test_concurrent_first_downloads_store_one_certificate(
    company, settings, small_contract_pdf
):
    set_balance(company, sms=1)
    contract = ready_contract(company, small_contract_pdf)
    body = ready_to_sign(contract, settings)
    del body["contract_token"]
    signature = services.sign_contract(contract=contract, **body)
    # As if rendering had failed at signing: nothing stored yet.
    Signature.objects.filter(pk=signature.pk).update(certificate_pdf="")
    folder = Path(settings.MEDIA_ROOT) / f"signatures/contract_{contract.pk}"
    for stale in folder.glob("*.pdf"):
        stale.unlink()
    token = contract.contract_token
    urls = [f"/contracts/token/{token}/certificate"] * 4 + [
        f"/contracts/token/{token}/signed-document"
    ] * 2

    responses = get_all_at_once(urls)

    assert [response.status_code for response in responses] == [200] * 6
    certificates = {
        r.content for r in responses if "certificate" in r.request["PATH_INFO"]
    }
    assert len(certificates) == 1
    signature.refresh_from_db()
    with signature.certificate_pdf.open("rb") as handle:
        assert handle.read() == certificates.pop()
    # One certificate and one sealed file: no losing render left behind.
    assert len(list(folder.glob("*.pdf"))) == 2
