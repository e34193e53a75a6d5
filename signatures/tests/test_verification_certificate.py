"""Verifying the certificate of online signing a signer received, at /verify."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.pdf import html_to_pdf
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures import sealing, services, verification
from signatures.certificate import render_certificate_pdf

SIGNED_AT = datetime(2025, 3, 14, 7, 30, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def signature(company):
    """A contract signed by SMS, its certificate issued as signing issues it."""
    contract_pdf = html_to_pdf("<h1>Договор подряда № OC-00042</h1>")
    contract = ContractFactory(
        company=company,
        number="OC-00042",
        status=Contract.Status.SIGNED,
        document_status=Contract.DocumentStatus.READY,
        document_sha256=hashlib.sha256(contract_pdf).hexdigest(),
        signed_at=SIGNED_AT,
    )
    contract.generated_pdf.save("contract.pdf", ContentFile(contract_pdf))
    signature = SignatureFactory(
        contract=contract,
        signed_at=SIGNED_AT,
        document_sha256=contract.document_sha256,
    )
    services.issue_certificate(signature=signature)
    return signature


def received_certificate(client, signature) -> bytes:
    """Download the certificate by the signing link, as the signer keeps it."""
    token = signature.contract.contract_token
    response = client.get(f"/contracts/token/{token}/certificate")
    assert response.status_code == 200
    return response.content


def api_upload(client, data: bytes):
    file = SimpleUploadedFile("certificate.pdf", data, content_type="application/pdf")
    return client.post("/verify", {"file": file}, format="multipart")


def page_upload(client, data: bytes, language="ru"):
    file = SimpleUploadedFile("certificate.pdf", data, content_type="application/pdf")
    client.cookies["django_language"] = language
    return client.post("/verify/", {"file": file})


def flip_byte(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def comment_position(pdf: bytes) -> int:
    """Return an offset in the binary comment after the header: readers skip it."""
    return pdf.index(b"\n%", 1) + 2


def test_anonymous_verifies_the_received_certificate_with_its_contract_facts(
    anonymous, signature
):
    certificate = received_certificate(anonymous, signature)

    response = api_upload(anonymous, certificate)

    assert response.status_code == 200
    assert response.json() == {
        "known": True,
        "match": "certificate",
        "verdict": "certificate",
        "sha256": hashlib.sha256(certificate).hexdigest(),
        "contract": {
            "number": "OC-00042",
            "company": signature.contract.company.name,
            "status": "signed",
            "document_sha256": signature.document_sha256,
        },
        "signature": {
            "client_name": "Иванов Иван",
            "client_iin": "********0129",
            "method": "sms",
            "signed_at": "2025-03-14T07:30:05Z",
            "signed_at_almaty": "14.03.2025, 12:30:05",
            "signed_pdf_sha256": "",
        },
        "seal": {
            "present": False,
            "status": "not_sealed",
            "intact": False,
            "trusted": False,
            "signed_by": "",
            "signed_at": None,
            "level": "",
            "covers_whole_file": False,
        },
    }
    assert "850615300129" not in response.content.decode()


def test_a_certificate_remade_with_another_signer_is_modified(anonymous, signature):
    # Rendered from the portal's own template for the same contract, so it
    # looks right and carries the right link, but it is not the issued file.
    received_certificate(anonymous, signature)
    signature.client_name = "Петров Пётр"
    forged = render_certificate_pdf(signature=signature)

    body = api_upload(anonymous, forged).json()

    assert body["verdict"] == "modified"
    assert body["contract"] is None
    assert "Петров Пётр" not in str(body)


def test_a_certificate_with_a_damaged_compressed_stream_is_refused(
    anonymous, signature
):
    certificate = received_certificate(anonymous, signature)
    stream = certificate.index(b"stream\n", certificate.index(b"/Type /ObjStm")) + 7
    end = certificate.index(b"endstream", stream)
    damaged = certificate[:stream] + bytes(end - stream) + certificate[end:]

    response = api_upload(anonymous, damaged)

    assert response.status_code == 400
    assert response.json()["code"] == "unreadable_pdf"
    assert response.json()["fields"]["file"]


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ru", "Подлинный: это сертификат подписания, выданный OzgeContract."),
        ("kk", "Түпнұсқа: бұл OzgeContract берген қол қою сертификаты."),
        ("en", "Authentic: this is the certificate of signing issued by OzgeContract."),
    ],
)
def test_the_page_names_the_contract_and_signer_of_the_certificate(
    client, signature, language, heading
):
    certificate = received_certificate(client, signature)

    response = page_upload(client, certificate, language)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="certificate"' in html
    assert heading in html
    assert "OC-00042" in html
    assert signature.contract.company.name in html
    assert "Иванов Иван" in html
    assert "********0129" in html
    assert "850615300129" not in html
    assert "14.03.2025, 12:30:05" in html
    assert f'href="/verify/{signature.contract.contract_token}/"' in html
    assert hashlib.sha256(certificate).hexdigest() in html


def test_a_certificate_with_one_byte_changed_is_modified(anonymous, signature):
    certificate = received_certificate(anonymous, signature)
    changed = flip_byte(certificate, comment_position(certificate))

    body = api_upload(anonymous, changed).json()

    assert body["verdict"] == "modified"
    assert body["known"] is False
    assert body["match"] == ""
    assert body["contract"] is None
    assert body["signature"] is None
    assert body["seal"]["status"] == "not_sealed"


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("ru", "Изменён: сертификат отличается от выданного OzgeContract."),
        ("kk", "Өзгертілген: бұл сертификат OzgeContract берген сертификаттан өзгеше."),
        ("en", "Modified: this certificate differs from the one OzgeContract issued."),
    ],
)
def test_the_page_says_a_changed_certificate_is_modified(
    client, signature, language, heading
):
    certificate = received_certificate(client, signature)
    changed = flip_byte(certificate, comment_position(certificate))

    response = page_upload(client, changed, language)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="modified"' in html
    assert heading in html
    assert "Иванов Иван" not in html


def test_no_changed_byte_anywhere_passes_as_the_certificate(anonymous, signature):
    certificate = received_certificate(anonymous, signature)
    header = len(b"%PDF-1.7\n")
    positions = range(header, len(certificate), max(1, len(certificate) // 120))

    verdicts = {
        _verdict_or_refusal(flip_byte(certificate, position)) for position in positions
    }

    # A flip may make the file unreadable (a 400), hide its title or link
    # (unknown) or leave it recognisable (modified); never the certificate.
    assert verdicts <= {"modified", "unknown", "unreadable_pdf"}
    assert "modified" in verdicts


def _verdict_or_refusal(pdf: bytes) -> str:
    try:
        return verification.verify_pdf(pdf_bytes=pdf).verdict
    except sealing.UnreadablePdfError as refused:
        return refused.code


def test_a_certificate_the_portal_never_issued_is_unknown(anonymous, company):
    # Rendered for a signed contract, but never stored, so never handed out.
    contract = ContractFactory(company=company, status=Contract.Status.SIGNED)
    signature = SignatureFactory(contract=contract, signed_at=timezone.now())
    forged = render_certificate_pdf(signature=signature)

    body = api_upload(anonymous, forged).json()

    assert body["verdict"] == "unknown"
    assert body["known"] is False


def test_a_pdf_titled_as_a_certificate_without_a_link_is_unknown(anonymous, db):
    lookalike = html_to_pdf(
        f"<title>{verification.CERTIFICATE_TITLE}</title><p>Подписан</p>"
    )

    body = api_upload(anonymous, lookalike).json()

    assert body["verdict"] == "unknown"


def test_the_signed_pdf_still_verifies_as_authentic(anonymous, signature):
    signed = anonymous.get(
        f"/contracts/token/{signature.contract.contract_token}/signed-document"
    ).content

    body = api_upload(anonymous, signed).json()

    signature.refresh_from_db()
    assert body["verdict"] == "authentic"
    assert body["match"] == "signed_pdf"
    assert body["contract"]["number"] == "OC-00042"
    assert body["signature"]["signed_pdf_sha256"] == signature.signed_pdf_sha256
    assert body["seal"]["status"] == "intact"


def test_the_certificate_still_verifies_once_the_signed_pdf_exists(
    anonymous, signature
):
    services.ensure_signed_pdf(signature=signature)
    certificate = received_certificate(anonymous, signature)

    body = api_upload(anonymous, certificate).json()

    signature.refresh_from_db()
    assert body["verdict"] == "certificate"
    assert body["signature"]["signed_pdf_sha256"] == signature.signed_pdf_sha256


def test_the_page_and_the_api_agree_on_the_certificate(client, anonymous, signature):
    certificate = received_certificate(anonymous, signature)

    api = api_upload(anonymous, certificate).json()
    page = page_upload(client, certificate).content.decode()

    assert f'data-verdict="{api["verdict"]}"' in page
    assert api["contract"]["number"] in page
    assert api["signature"]["client_name"] in page
    assert api["signature"]["signed_at_almaty"] in page


def test_certificate_verification_costs_four_queries(
    anonymous, signature, django_assert_num_queries
):
    certificate = received_certificate(anonymous, signature)

    # Signed PDF, contract document (signature, then contract), certificate.
    with django_assert_num_queries(4):
        response = api_upload(anonymous, certificate)

    assert response.json()["verdict"] == "certificate"


def test_the_certificate_the_company_downloads_over_the_api_verifies_too(
    anonymous, owner_api, signature
):
    company_copy = owner_api.get(f"/signatures/{signature.pk}/certificate")
    assert company_copy.status_code == 200

    response = api_upload(anonymous, company_copy.content)

    assert response.json()["verdict"] == "certificate"
    assert company_copy.content == received_certificate(anonymous, signature)
