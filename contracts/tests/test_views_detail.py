"""A contract's page: /dashboard/contracts/<id>/ with its link, QR and files."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from billing.models import CompanyBalance
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    SignatureFactory,
)
from signatures.models import AuditEvent


def url(contract, suffix=""):
    return f"/dashboard/contracts/{contract.pk}/{suffix}"


def pdf_text(content: bytes) -> str:
    return "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(content)).pages
    )


def sent_sms(settings) -> list[dict]:
    folder = settings.SMS_FILE_PATH
    if not folder.exists():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]


@pytest.fixture
def contract(company):
    contract = ContractFactory(company=company, number="OC-2026-000042")
    ContractFieldFactory(
        contract=contract,
        field_name="work",
        label="Виды работ",
        value="Ремонт кровли",
        required=True,
    )
    ContractFieldFactory(contract=contract, field_name="summ", label="Сумма")
    SignatureFactory(contract=contract, client_name="Сейтқали Әлия")
    AuditEvent.objects.create(
        contract=contract,
        kind=AuditEvent.Kind.OPENED,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (Android)",
    )
    return contract


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client, contract):
    response = client.get(url(contract))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "suffix",
    ["", "document.pdf", "certificate.pdf", "signed.pdf"],
)
def test_outsider_gets_404(client, outsider, contract, suffix):
    client.force_login(outsider)

    assert client.get(url(contract, suffix)).status_code == 404


@pytest.mark.django_db
def test_outsider_cannot_cancel_or_send_the_link(client, outsider, contract, settings):
    client.force_login(outsider)

    assert client.post(url(contract, "cancel/")).status_code == 404
    response = client.post(url(contract, "send-link/"), {"phone": "87011234567"})

    assert response.status_code == 404
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PENDING
    assert sent_sms(settings) == []


@pytest.mark.django_db
def test_member_sees_fields_signer_audit_link_and_qr(client, member, contract):
    client.force_login(member)

    response = client.get(url(contract))

    assert response.status_code == 200
    body = response.content.decode()
    link = f"http://localhost:4000/sign/{contract.contract_token}/"
    assert response.context["signing_url"] == link
    assert f'value="{link}"' in body
    assert 'data-copy-target="#signing-url"' in body
    assert "<svg" in response.context["qr_svg"]
    assert "<script" not in response.context["qr_svg"]
    assert "Виды работ" in body and "Ремонт кровли" in body
    assert "Сейтқали Әлия" in body
    assert "203.0.113.7" in body
    assert response.context["link_form"].initial["phone"] == "+77011234567"
    assert url(contract, "signed.pdf") not in body


@pytest.mark.django_db
def test_audit_times_are_almaty_dd_mm_yyyy(client, owner, contract):
    event = contract.audit_events.get()
    event.created_at = datetime(2026, 3, 1, 19, 30, 5, tzinfo=UTC)
    event.save()
    client.force_login(owner)

    body = client.get(url(contract)).content.decode()

    assert "02.03.2026 00:30:05" in body


@pytest.mark.django_db
def test_signed_contract_offers_files_and_no_link(client, owner, company):
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=timezone.now()
    )
    SignatureFactory(contract=contract, signed_at=timezone.now())
    client.force_login(owner)

    response = client.get(url(contract))

    body = response.content.decode()
    assert 'data-testid="signing-link"' not in body
    assert url(contract, "signed.pdf") in body
    assert url(contract, "certificate.pdf") in body


@pytest.mark.django_db
def test_contract_pdf_download(client, owner, contract):
    client.force_login(owner)

    response = client.get(url(contract, "document.pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert "Ремонт кровли" in pdf_text(response.content)


@pytest.mark.django_db
def test_a_signed_pdf_that_cannot_be_made_sends_back_with_a_message(
    client, owner, company
):
    # Signed, but the contract's PDF (the evidence) is gone: nothing to seal.
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=timezone.now()
    )
    SignatureFactory(contract=contract, signed_at=timezone.now())
    client.force_login(owner)

    response = client.get(url(contract, "signed.pdf"))

    assert response.status_code == 302
    assert response["Location"] == url(contract)
    page = client.get(response["Location"]).content.decode()
    assert "Этот файл сейчас не удалось сделать." in page


@pytest.mark.django_db
def test_files_of_a_signature_are_404_before_signing(client, owner, contract):
    client.force_login(owner)

    assert client.get(url(contract, "certificate.pdf")).status_code == 404
    assert client.get(url(contract, "signed.pdf")).status_code == 404


@pytest.mark.django_db
def test_sending_the_link_by_sms_spends_nothing(client, member, contract, settings):
    balance = CompanyBalance.objects.get(company=contract.company)
    before = (balance.sms_signatures, balance.ecp_signatures)
    client.force_login(member)

    response = client.post(url(contract, "send-link/"), {"phone": "8 701 123 45 67"})

    assert response["Location"] == url(contract)
    [sms] = sent_sms(settings)
    assert sms["to"] == "+77011234567"
    assert f"/sign/{contract.contract_token}/" in sms["text"]
    assert "OC-2026-000042" in sms["text"]
    assert "келісім-шарт" in sms["text"]
    balance.refresh_from_db()
    assert (balance.sms_signatures, balance.ecp_signatures) == before


@pytest.mark.django_db
def test_a_bad_phone_sends_nothing(client, owner, contract, settings):
    client.force_login(owner)

    response = client.post(url(contract, "send-link/"), {"phone": "123"}, follow=True)

    assert sent_sms(settings) == []
    assert "Введите правильный номер телефона." in response.content.decode()


@pytest.mark.django_db
def test_the_link_is_sent_at_most_five_times_an_hour(client, owner, contract, settings):
    from django.core.cache import cache

    cache.clear()
    client.force_login(owner)
    for _ in range(5):
        client.post(url(contract, "send-link/"), {"phone": "87011234567"})

    response = client.post(
        url(contract, "send-link/"), {"phone": "87011234567"}, follow=True
    )

    assert len(sent_sms(settings)) == 5
    assert "Ссылка уже отправлена 5 раз за этот час" in response.content.decode()
    cache.clear()


@pytest.mark.django_db
def test_a_cancelled_contract_link_is_not_sent(client, owner, contract, settings):
    contract.status = Contract.Status.CANCELLED
    contract.save()
    client.force_login(owner)

    client.post(url(contract, "send-link/"), {"phone": "87011234567"})

    assert sent_sms(settings) == []


@pytest.mark.django_db
def test_an_expired_contract_shows_no_link(client, owner, contract):
    contract.expires_at = timezone.now() - timedelta(minutes=1)
    contract.save()
    client.force_login(owner)

    body = client.get(url(contract)).content.decode()

    assert 'data-testid="signing-link"' not in body
    assert "Истёк" in body


@pytest.mark.django_db
def test_owner_cancels_a_pending_contract(client, owner, contract):
    client.force_login(owner)

    assert client.get(url(contract, "cancel/")).status_code == 405
    response = client.post(url(contract, "cancel/"), follow=True)

    contract.refresh_from_db()
    assert contract.status == Contract.Status.CANCELLED
    assert "Договор отменён" in response.content.decode()


@pytest.mark.django_db
def test_a_signed_contract_cannot_be_cancelled(client, owner, company):
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=timezone.now()
    )
    client.force_login(owner)

    response = client.post(url(contract, "cancel/"), follow=True)

    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    assert response.context["messages"]


@pytest.mark.django_db
def test_a_document_that_cannot_be_made_gets_a_clear_page(
    client, owner, contract, settings
):
    settings.DOCUMENT_CONVERTER = "libreoffice"
    settings.SOFFICE_PATH = "/nonexistent/soffice"
    client.force_login(owner)

    response = client.get(url(contract, "document.pdf"))

    assert response.status_code == 502
    assert "PDF договора сейчас не удалось сделать" in response.content.decode()
