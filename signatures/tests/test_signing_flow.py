"""The whole signing flow over HTTP, as an integrator and a client would run it."""

import pytest
from rest_framework.test import APIClient

from ozgecontract.tests.factories import SAMPLE_DOCX
from signatures.certificate import CONSENT_STATEMENTS, format_almaty
from signatures.models import Signature
from signatures.tests.conftest import BROWSER, last_code, pdf_text

pytestmark = pytest.mark.django_db

KAZAKH_STATEMENT = CONSENT_STATEMENTS[2]
WORK_NAME = "Жөндеу жұмыстары: пәтерді сырлау"


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


def create_contract(api: APIClient, company_id: int) -> dict:
    """Upload the sample DOCX, make a contract from it, fill a field; return it."""
    with open(SAMPLE_DOCX, "rb") as handle:
        uploaded = api.post(
            "/templates/upload",
            {"file": handle, "name": "Договор подряда", "company_id": company_id},
            format="multipart",
        )
    assert uploaded.status_code == 201, uploaded.json()
    created = api.post(
        "/contracts",
        {"company_id": company_id, "template_id": uploaded.json()["id"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    filled = api.put(
        f"/contract-fields/{created.json()['id']}",
        {"values": {"work_name": WORK_NAME}},
        format="json",
    )
    assert filled.status_code == 200, filled.json()
    return created.json()


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
        {"contract_token": contract["contract_token"], "client_phone": "87019876543"},
        format="json",
    )
    assert sent.status_code == 202, sent.json()
    signed = client.post(
        "/signatures/sign",
        {
            "contract_token": contract["contract_token"],
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
    document_text = " ".join(pdf_text(document.content).split())
    assert KAZAKH_STATEMENT in document_text
    assert WORK_NAME in document_text

    assert api.get(f"/contracts/{contract['id']}").json()["status"] == "signed"
    balance = api.get(f"/company-balances/{company_id}").json()
    assert balance["sms_signatures"] == 2
    stats = api.get(f"/stats/company/{company_id}").json()
    assert stats["total_signed"] == 1
    assert stats["last_signed_contracts"][0]["client_name"] == (
        "Сейткали Әлия Қуанышқызы"
    )
    listed = api.get(f"/signatures/contract/{contract['id']}").json()
    assert [row["id"] for row in listed] == [signature.pk]
