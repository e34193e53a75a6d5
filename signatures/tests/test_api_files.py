"""The certificate and the signed PDF: by signature id (staff) and by token (public)."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from ozgecontract.tests.factories import SignatureFactory
from signatures import services
from signatures.models import Signature
from signatures.services import documents
from signatures.tests.conftest import BROWSER, PHONE, VALID_IIN, last_code, pdf_text

pytestmark = pytest.mark.django_db

TITLE = "Сертификат онлайн подписания / Онлайн қол қою"


@pytest.fixture
def signed(contract, settings) -> Signature:
    """A contract signed by SMS through the services, as the client would."""
    services.request_signing_code(
        contract=contract, phone=PHONE, ip="10.1.2.3", user_agent=BROWSER
    )
    return services.sign_contract(
        contract=contract,
        client_name="Сейткали Әлия",
        client_iin=VALID_IIN,
        client_phone=PHONE,
        method="sms",
        otp_code=last_code(settings),
        ip="10.1.2.3",
        user_agent=BROWSER,
    )


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def assert_pdf(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("inline; filename=")
    return response.content


def test_owner_downloads_the_certificate(owner_api, signed):
    pdf = assert_pdf(owner_api.get(f"/signatures/{signed.pk}/certificate"))

    text = pdf_text(pdf)
    assert TITLE in text
    assert "Сейткали Әлия" in text


def test_owner_downloads_the_signed_pdf_contract_then_certificate(
    owner_api, signed, contract
):
    pdf = assert_pdf(owner_api.get(f"/signatures/{signed.pk}/document"))

    contract_pdf = services.contract_document(contract=contract)
    certificate_pdf = services.ensure_certificate_pdf(signature=signed)
    assert page_count(pdf) == page_count(contract_pdf) + page_count(certificate_pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert TITLE in reader.pages[page_count(contract_pdf)].extract_text()
    assert pdf_text(contract_pdf) in pdf_text(pdf)


def test_client_downloads_both_files_by_the_contract_token(anonymous, signed):
    token = signed.contract.contract_token

    certificate = assert_pdf(anonymous.get(f"/contracts/token/{token}/certificate"))
    document = assert_pdf(anonymous.get(f"/contracts/token/{token}/signed-document"))

    assert TITLE in pdf_text(certificate)
    assert TITLE in pdf_text(document)


def test_a_missing_certificate_is_rendered_on_download(owner_api, signed):
    Signature.objects.filter(pk=signed.pk).update(certificate_pdf="", signed_pdf="")

    pdf = assert_pdf(owner_api.get(f"/signatures/{signed.pk}/certificate"))

    signed.refresh_from_db()
    assert signed.certificate_pdf
    assert "Сейткали Әлия" in pdf_text(pdf)


def test_a_certificate_that_failed_at_signing_is_made_with_the_signed_pdf(
    anonymous, contract, settings, monkeypatch
):
    real_render = documents.render_certificate_pdf

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("signatures.services.documents.render_certificate_pdf", broken)
    services.request_signing_code(
        contract=contract, phone=PHONE, ip=None, user_agent=""
    )
    signature = services.sign_contract(
        contract=contract,
        client_name="Иванов Иван",
        client_iin=VALID_IIN,
        client_phone=PHONE,
        method="sms",
        otp_code=last_code(settings),
    )
    assert signature.is_signed
    assert not signature.certificate_pdf
    assert not signature.signed_pdf
    monkeypatch.setattr(
        "signatures.services.documents.render_certificate_pdf", real_render
    )

    response = anonymous.get(
        f"/contracts/token/{contract.contract_token}/signed-document"
    )

    pdf = assert_pdf(response)
    assert TITLE in pdf_text(pdf)
    signature.refresh_from_db()
    assert signature.certificate_pdf
    assert signature.signed_pdf
    assert signature.signed_pdf_sha256 == hashlib.sha256(pdf).hexdigest()


def test_the_signed_pdf_is_built_once_then_served_as_stored(
    owner_api, anonymous, signed, monkeypatch
):
    assert not signed.signed_pdf
    built = []
    real_build = documents.build_signed_pdf

    def counting(**kwargs):
        built.append(kwargs["signature"].pk)
        return real_build(**kwargs)

    monkeypatch.setattr("signatures.services.documents.build_signed_pdf", counting)
    token = signed.contract.contract_token

    by_id = assert_pdf(owner_api.get(f"/signatures/{signed.pk}/document"))
    by_token = assert_pdf(anonymous.get(f"/contracts/token/{token}/signed-document"))

    assert built == [signed.pk]
    assert by_id == by_token
    signed.refresh_from_db()
    assert signed.signed_pdf_sha256 == hashlib.sha256(by_id).hexdigest()


def test_a_changed_contract_pdf_is_never_sealed_as_the_signed_one(
    owner_api, signed, contract
):
    # As if the stored contract PDF had been replaced after signing.
    other = b"%PDF-1.7 other"
    Signature.objects.filter(pk=signed.pk).update(signed_pdf="")
    contract.refresh_from_db()
    contract.generated_pdf.save("other.pdf", ContentFile(other), save=False)
    contract.document_sha256 = hashlib.sha256(other).hexdigest()
    contract.save(update_fields=["generated_pdf", "document_sha256"])

    response = owner_api.get(f"/signatures/{signed.pk}/document")

    assert response.status_code == 409
    assert response.json()["code"] == "document_mismatch"
    signed.refresh_from_db()
    assert not signed.signed_pdf


def test_stored_files_are_served_as_stored(owner_api, signed):
    first = owner_api.get(f"/signatures/{signed.pk}/document").content
    second = owner_api.get(f"/signatures/{signed.pk}/document").content

    assert first == second


@pytest.mark.parametrize("kind", ["certificate", "document"])
def test_anonymous_cannot_download_by_id(anonymous, signed, kind):
    response = anonymous.get(f"/signatures/{signed.pk}/{kind}")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("kind", ["certificate", "document"])
def test_outsider_gets_404_by_id(outsider_api, signed, kind):
    response = outsider_api.get(
        f"/signatures/{signed.pk}/{kind}", HTTP_ACCEPT="application/pdf"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("kind", ["certificate", "document"])
def test_an_expected_signer_has_no_files_yet(owner_api, contract, kind):
    signature = SignatureFactory(contract=contract)

    response = owner_api.get(f"/signatures/{signature.pk}/{kind}")

    assert response.status_code == 409
    assert response.json()["code"] == "not_signed"


@pytest.mark.parametrize("kind", ["certificate", "signed-document"])
def test_unsigned_contract_has_no_files_by_token(anonymous, contract, kind):
    response = anonymous.get(f"/contracts/token/{contract.contract_token}/{kind}")

    assert response.status_code == 409
    assert response.json()["code"] == "not_signed"


@pytest.mark.parametrize(
    "token", ["0b5c3f2e-8c4b-4a59-9b0e-1d2c3b4a5f60", "not-a-token", "1%27%20OR%201"]
)
@pytest.mark.parametrize("kind", ["certificate", "signed-document"])
def test_unknown_token_is_404(anonymous, signed, token, kind):
    response = anonymous.get(f"/contracts/token/{token}/{kind}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
