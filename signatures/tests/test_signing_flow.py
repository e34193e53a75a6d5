"""The whole signing flow over HTTP, as an integrator and a client would run it."""

import pytest
from rest_framework.test import APIClient

from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory, TemplateFactory
from signatures.certificate import CONSENT_STATEMENTS, format_almaty
from signatures.models import Signature
from signatures.tests.conftest import BROWSER, last_code, pdf_text

pytestmark = pytest.mark.django_db

KAZAKH_STATEMENT = CONSENT_STATEMENTS[2]


def register_and_log_in() -> tuple[APIClient, int]:
    anonymous = APIClient()
    registered = anonymous.post(
        "/companies/register",
        {
            "name": "ТОО «Жөндеу Сервис»",
            "email": "office@zhondeu.kz",
            "phone": "+7 727 350 1234",
            "password": "Kókterek-2025!",
        },
        format="json",
    )
    assert registered.status_code == 201, registered.json()
    token = anonymous.post(
        "/auth/token",
        {"email": "OFFICE@zhondeu.kz", "password": "Kókterek-2025!"},
        format="json",
    )
    assert token.status_code == 200, token.json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    return api, registered.json()["id"]


def create_contract(api: APIClient, company_id: int) -> Contract:
    """Upload the sample DOCX and make a contract from it."""
    # TODO(#2): switch to POST /templates/upload and POST /contracts once the
    # templates and contracts APIs land; until then the factories stand in.
    template = TemplateFactory(company_id=company_id, name="Договор подряда")
    return ContractFactory(company_id=company_id, template=template)


def test_company_registers_and_its_client_signs_by_sms(admin_api, settings):
    api, company_id = register_and_log_in()
    topped_up = admin_api.put(
        f"/company-balances/{company_id}",
        {"sms_signatures": 3, "ecp_signatures": 0},
        format="json",
    )
    assert topped_up.status_code == 200, topped_up.json()
    contract = create_contract(api, company_id)
    client = APIClient(HTTP_USER_AGENT=BROWSER)

    sent = client.post(
        "/signatures/otp",
        {"contract_token": str(contract.contract_token), "client_phone": "87019876543"},
        format="json",
    )
    assert sent.status_code == 202, sent.json()
    signed = client.post(
        "/signatures/sign",
        {
            "contract_token": str(contract.contract_token),
            "client_name": "Сейткали Әлия Қуанышқызы",
            "client_iin": "950715400108",
            "client_phone": "+7 701 987 65 43",
            "method": "sms",
            "otp_code": last_code(settings),
        },
        format="json",
    )
    assert signed.status_code == 201, signed.json()

    certificate = client.get(signed.json()["certificate_url"])
    assert certificate.status_code == 200
    text = " ".join(pdf_text(certificate.content).split())
    signature = Signature.objects.get(pk=signed.json()["id"])
    assert "Сейткали Әлия Қуанышқызы" in text
    assert "950715400108" in text
    assert "+77019876543" in text
    assert f"Подписан / Қол қойылды: {format_almaty(signature.signed_at)}" in text
    assert KAZAKH_STATEMENT in text
    assert "ТОО «Жөндеу Сервис»" in text

    staff_copy = api.get(f"/signatures/{signature.pk}/certificate")
    assert staff_copy.content == certificate.content
    document = client.get(signed.json()["document_url"])
    assert document.status_code == 200
    assert KAZAKH_STATEMENT in " ".join(pdf_text(document.content).split())

    balance = api.get(f"/company-balances/{company_id}").json()
    assert balance["sms_signatures"] == 2
    stats = api.get(f"/stats/company/{company_id}").json()
    assert stats["total_signed"] == 1
    assert stats["last_signed_contracts"][0]["client_name"] == (
        "Сейткали Әлия Қуанышқызы"
    )
    listed = api.get(f"/signatures/contract/{contract.pk}").json()
    assert [row["id"] for row in listed] == [signature.pk]
