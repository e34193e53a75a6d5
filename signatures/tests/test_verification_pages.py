"""The public pages /verify/ (upload) and /verify/<token>/ (the certificate's QR)."""

import hashlib
import io
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from contracts.models import Contract
from ozgecontract.pdf import html_to_pdf
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures import verification
from signatures.tests.test_sealing import make_signed_contract


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


def csrf_token(client) -> str:
    client.get("/verify/")
    return client.cookies["csrftoken"].value


def upload(client, data: bytes, **extra):
    file = SimpleUploadedFile("document.pdf", data, content_type="application/pdf")
    return client.post("/verify/", {"file": file, **extra})


def flip_byte(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def test_verification_page_shows_the_upload_form_in_russian(client, db):
    response = client.get("/verify/")

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "ru"
    assert "Проверка подписанного документа" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in html
    assert 'name="viewport"' in html


@pytest.mark.parametrize(
    ("language", "title"),
    [("kk", "Қол қойылған құжатты тексеру"), ("en", "Verify a signed document")],
)
def test_verification_page_speaks_kazakh_and_english(client, db, language, title):
    client.cookies["django_language"] = language

    response = client.get("/verify/")

    assert title in response.content.decode()


def test_uploading_the_signed_pdf_shows_it_is_authentic(browser, db):
    signature, _, signed = make_signed_contract(number="OC-00042")
    token = csrf_token(browser)

    response = upload(browser, signed, csrfmiddlewaretoken=token)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="authentic"' in html
    assert "OC-00042" in html
    assert signature.contract.company.name in html
    assert "Иванов Иван" in html
    assert "********0129" in html
    assert "850615300129" not in html
    assert "14.03.2025, 12:30:05" in html
    assert hashlib.sha256(signed).hexdigest() in html


def test_uploading_a_changed_copy_shows_it_was_modified(client, db):
    _, _, signed = make_signed_contract()

    response = upload(client, flip_byte(signed, len(signed) // 2))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-verdict="modified"' in html
    assert "Изменён" in html


def test_uploading_an_unknown_pdf_says_so(client, db):
    response = upload(client, html_to_pdf("<p>Чужой файл</p>"))

    assert 'data-verdict="unknown"' in response.content.decode()


def test_uploading_garbage_explains_the_problem(client, db):
    response = upload(client, b"GIF89a not a pdf")

    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="upload-error"' in html
    assert "не PDF" in html
    assert "data-verdict" not in html


def test_posting_without_a_file_asks_for_one(client, db):
    response = client.post("/verify/", {})

    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()


def test_an_oversized_upload_is_refused_before_the_csrf_check(browser, db):
    response = browser.post(
        "/verify/",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(verification.MAX_VERIFY_UPLOAD_BYTES + 10**6),
    )

    assert response.status_code == 413
    assert "20 МБ" in response.content.decode()


def test_the_page_form_requires_a_csrf_token(browser, db):
    response = upload(browser, html_to_pdf("<p>x</p>"))

    assert response.status_code == 403


def test_the_api_path_without_slash_is_not_shadowed_by_the_page(browser, db):
    _, _, signed = make_signed_contract()
    file = SimpleUploadedFile("s.pdf", signed, content_type="application/pdf")

    response = browser.post("/verify", {"file": file})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["verdict"] == "authentic"


def test_too_many_uploads_on_the_page_are_throttled(client, db):
    pdf = html_to_pdf("<p>x</p>")
    for _ in range(20):
        assert upload(client, pdf).status_code == 200

    response = upload(client, pdf)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_qr_target_shows_the_signed_contract(client, db):
    signature, contract_pdf, signed = make_signed_contract(number="OC-00042")
    contract = signature.contract

    response = client.get(f"/verify/{contract.contract_token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="signed"' in html
    assert "OC-00042" in html
    assert contract.company.name in html
    assert "Иванов Иван" in html
    assert "********0129" in html
    assert "850615300129" not in html
    assert "14.03.2025, 12:30:05" in html
    assert hashlib.sha256(contract_pdf).hexdigest() in html
    assert hashlib.sha256(signed).hexdigest() in html
    assert f"/verify/{contract.contract_token}/signed.pdf" in html


@pytest.mark.parametrize(
    ("number", "filename"),
    [("OC 42/A", "contract-OC_42_A.pdf"), ("Д-42", "contract-_-42.pdf")],
)
def test_qr_target_downloads_the_sealed_pdf(client, db, number, filename):
    signature, _, signed = make_signed_contract(number=number)
    token = signature.contract.contract_token

    response = client.get(f"/verify/{token}/signed.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response.content == signed
    assert verification.verify_pdf(pdf_bytes=response.content).verdict == "authentic"


def test_a_signed_pdf_not_built_yet_is_built_on_download(client, db):
    contract_pdf = html_to_pdf("<h1>Договор OC-00091</h1>")
    contract = ContractFactory(
        status=Contract.Status.SIGNED,
        number="OC-00091",
        document_status=Contract.DocumentStatus.READY,
        document_sha256=hashlib.sha256(contract_pdf).hexdigest(),
    )
    contract.generated_pdf.save("contract.pdf", ContentFile(contract_pdf))
    SignatureFactory(
        contract=contract,
        signed_at=timezone.now(),
        document_sha256=contract.document_sha256,
    )

    response = client.get(f"/verify/{contract.contract_token}/signed.pdf")

    assert response.status_code == 200
    pdf = response.content
    assert verification.verify_pdf(pdf_bytes=pdf).verdict == "authentic"
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert "Договор OC-00091" in pages[0]
    assert len(pages) > 1


def test_qr_target_builds_a_signed_pdf_not_made_yet_and_shows_its_hash(client, db):
    contract_pdf = html_to_pdf("<h1>Договор OC-00093</h1>")
    contract = ContractFactory(
        status=Contract.Status.SIGNED,
        number="OC-00093",
        document_status=Contract.DocumentStatus.READY,
        document_sha256=hashlib.sha256(contract_pdf).hexdigest(),
    )
    contract.generated_pdf.save("contract.pdf", ContentFile(contract_pdf))
    signature = SignatureFactory(
        contract=contract,
        signed_at=timezone.now(),
        document_sha256=contract.document_sha256,
    )

    page = client.get(f"/verify/{contract.contract_token}/")

    signature.refresh_from_db()
    assert page.status_code == 200
    assert len(signature.signed_pdf_sha256) == 64
    assert signature.signed_pdf_sha256 in page.content.decode()
    download = client.get(f"/verify/{contract.contract_token}/signed.pdf")
    assert hashlib.sha256(download.content).hexdigest() == signature.signed_pdf_sha256


def test_qr_target_of_a_signed_pdf_that_cannot_be_built_still_shows_the_signer(
    client, db
):
    contract = ContractFactory(status=Contract.Status.SIGNED, number="OC-00094")
    SignatureFactory(
        contract=contract, signed_at=timezone.now(), client_name="Подписант Без Файла"
    )

    response = client.get(f"/verify/{contract.contract_token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Подписант Без Файла" in html
    assert 'data-status="signed"' in html


def test_qr_target_still_shows_the_signer_when_sealing_is_broken(
    client, db, monkeypatch
):
    # A broken seal key or storage is not a DomainError; the public page the
    # QR code opens must still say who signed, only without the file's hash.
    def broken(**kwargs):
        raise ImproperlyConfigured("seal key missing")

    monkeypatch.setattr("signatures.services.documents.build_signed_pdf", broken)
    contract_pdf = html_to_pdf("<h1>Договор OC-00095</h1>")
    contract = ContractFactory(
        status=Contract.Status.SIGNED,
        number="OC-00095",
        document_status=Contract.DocumentStatus.READY,
        document_sha256=hashlib.sha256(contract_pdf).hexdigest(),
    )
    contract.generated_pdf.save("contract.pdf", ContentFile(contract_pdf))
    signature = SignatureFactory(
        contract=contract,
        signed_at=timezone.now(),
        document_sha256=contract.document_sha256,
        client_name="Подписант Без Печати",
    )

    response = client.get(f"/verify/{contract.contract_token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Подписант Без Печати" in html
    assert 'data-status="signed"' in html
    signature.refresh_from_db()
    assert signature.signed_at is not None
    assert signature.signed_pdf_sha256 == ""


def test_a_signed_pdf_that_cannot_be_built_gets_a_friendly_page(client, db):
    contract = ContractFactory(status=Contract.Status.SIGNED, number="OC-00092")
    SignatureFactory(contract=contract, signed_at=timezone.now())

    response = client.get(f"/verify/{contract.contract_token}/signed.pdf")

    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-testid="signed-pdf-unavailable"' in html
    assert "Подписанный PDF недоступен" in html


def test_qr_target_of_a_pending_contract_shows_no_signer(client, db):
    contract = ContractFactory(number="OC-00011")
    SignatureFactory(contract=contract, client_name="Ожидаемый Подписант")

    response = client.get(f"/verify/{contract.contract_token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="pending"' in html
    assert "Ожидаемый Подписант" not in html
    assert "signed.pdf" not in html


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"status": Contract.Status.CANCELLED}, "cancelled"),
        ({"status": Contract.Status.EXPIRED}, "expired"),
        ({"expires_at": timezone.now() - timedelta(hours=1)}, "expired"),
    ],
)
def test_qr_target_of_a_contract_never_signed_says_why(client, db, fields, status):
    contract = ContractFactory(**fields)

    response = client.get(f"/verify/{contract.contract_token}/")

    assert f'data-status="{status}"' in response.content.decode()


def test_download_of_an_unsigned_contract_is_a_friendly_404(client, db):
    contract = ContractFactory()

    response = client.get(f"/verify/{contract.contract_token}/signed.pdf")

    assert response.status_code == 404
    assert 'data-testid="verification-not-found"' in response.content.decode()


@pytest.mark.parametrize("token", ["nonsense", str(uuid.uuid4()), "1' OR '1'='1"])
def test_a_bad_token_gets_a_friendly_404_page(client, db, token):
    response = client.get(f"/verify/{token}/")

    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="verification-not-found"' in html
    assert "Договор не найден" in html
    assert "/verify/" in html


def test_a_bad_token_download_gets_a_friendly_404_page(client, db):
    response = client.get(f"/verify/{uuid.uuid4()}/signed.pdf")

    assert response.status_code == 404
    assert 'data-testid="verification-not-found"' in response.content.decode()
