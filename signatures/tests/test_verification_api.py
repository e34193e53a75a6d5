"""POST /verify: did the portal sign this PDF, who signed it, does the seal hold."""

import hashlib
import io
from datetime import UTC

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from ozgecontract.pdf import html_to_pdf
from ozgecontract.tests.factories import ContractFactory
from signatures import sealing, verification
from signatures.tests.test_sealing import make_pkcs12, make_signed_contract


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def upload(client, data: bytes, name="document.pdf", **extra):
    file = SimpleUploadedFile(name, data, content_type="application/pdf")
    return client.post("/verify", {"file": file}, format="multipart", **extra)


def flip_byte(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def seal_padding_position(signed: bytes) -> int:
    """Return an offset inside the zero padding that ends the seal's /Contents."""
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    return end - 10


def test_anonymous_verifies_the_signed_pdf_as_authentic(anonymous, db):
    signature, contract_pdf, signed = make_signed_contract(number="OC-00042")
    signature.refresh_from_db()
    seal_time = sealing.inspect_seal(signed).signed_at

    response = upload(anonymous, signed)

    assert response.status_code == 200
    assert response.json() == {
        "known": True,
        "match": "signed_pdf",
        "verdict": "authentic",
        "sha256": hashlib.sha256(signed).hexdigest(),
        "contract": {
            "number": "OC-00042",
            "company": signature.contract.company.name,
            "status": "signed",
            "document_sha256": hashlib.sha256(contract_pdf).hexdigest(),
        },
        "signature": {
            "client_name": "Иванов Иван",
            "client_iin": "********0129",
            "method": "sms",
            "signed_at": "2025-03-14T07:30:05Z",
            "signed_at_almaty": "14.03.2025, 12:30:05",
            "signed_pdf_sha256": hashlib.sha256(signed).hexdigest(),
        },
        "seal": {
            "present": True,
            "status": "intact",
            "intact": True,
            "trusted": True,
            "signed_by": "OzgeContract platform seal",
            "signed_at": seal_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "level": "PAdES B-B",
            "covers_whole_file": True,
        },
    }
    assert "850615300129" not in response.content.decode()


def test_outsider_gets_the_same_public_answer(outsider_api, db):
    # Verification is public: holding the document is what entitles one to it.
    _, _, signed = make_signed_contract()

    response = upload(outsider_api, signed)

    assert response.status_code == 200
    assert response.json()["verdict"] == "authentic"


def test_authentic_verification_costs_one_query(
    anonymous, db, django_assert_num_queries
):
    _, _, signed = make_signed_contract()

    with django_assert_num_queries(1):
        response = upload(anonymous, signed)

    assert response.json()["verdict"] == "authentic"


def test_a_changed_byte_in_the_contract_makes_it_modified(anonymous, db):
    _, _, signed = make_signed_contract()

    response = upload(anonymous, flip_byte(signed, len(signed) // 3))

    body = response.json()
    assert response.status_code == 200
    assert body["verdict"] == "modified"
    assert body["known"] is False
    assert body["contract"] is None
    assert body["seal"]["present"] is True
    assert body["seal"]["status"] == "modified"
    assert body["seal"]["intact"] is False


def test_a_changed_byte_in_the_seal_padding_makes_it_modified(anonymous, db):
    # The seal cannot cover its own /Contents, so pyHanko calls the seal
    # intact; the file is still not the one the portal issued.
    _, _, signed = make_signed_contract()
    position = seal_padding_position(signed)
    changed = signed[:position] + b"7" + signed[position + 1 :]

    body = upload(anonymous, changed).json()

    assert sealing.inspect_seal(changed).status == sealing.SealStatus.INTACT
    assert body["verdict"] == "modified"
    assert body["known"] is False


def test_content_added_after_sealing_is_modified_but_names_the_contract(anonymous, db):
    signature, _, signed = make_signed_contract(number="OC-00077")
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)

    body = upload(anonymous, out.getvalue()).json()

    assert body["verdict"] == "modified"
    assert body["known"] is True
    assert body["match"] == "sealed_revision"
    assert body["contract"]["number"] == "OC-00077"
    assert body["seal"]["status"] == "modified"
    assert body["seal"]["intact"] is True
    assert body["seal"]["covers_whole_file"] is False


def test_no_changed_byte_anywhere_passes_as_authentic(db):
    _, _, signed = make_signed_contract()
    header = len(b"%PDF-1.7\n")
    positions = range(header, len(signed), max(1, len(signed) // 150))

    verdicts = {
        _verdict_or_refusal(flip_byte(signed, position)) for position in positions
    }

    # A flip in the PDF's structure can make it unreadable, which the API
    # refuses as a 400; everywhere else it is "modified". Never "authentic".
    assert verdicts <= {"modified", "unreadable_pdf"}
    assert "modified" in verdicts


def _verdict_or_refusal(pdf: bytes) -> str:
    try:
        return verification.verify_pdf(pdf_bytes=pdf).verdict
    except sealing.UnreadablePdfError as refused:
        return refused.code


def test_an_unknown_pdf_is_not_known(anonymous, db):
    other = html_to_pdf("<h1>Чужой договор</h1>")

    response = upload(anonymous, other)

    assert response.status_code == 200
    assert response.json() == {
        "known": False,
        "match": "",
        "verdict": "unknown",
        "sha256": hashlib.sha256(other).hexdigest(),
        "contract": None,
        "signature": None,
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


def test_the_unsigned_contract_document_is_recognised(anonymous, db):
    signature, contract_pdf, _ = make_signed_contract(number="OC-00055")

    body = upload(anonymous, contract_pdf).json()

    assert body["known"] is True
    assert body["match"] == "contract_document"
    assert body["verdict"] == "contract_document"
    assert body["contract"]["number"] == "OC-00055"
    assert body["signature"]["client_iin"] == "********0129"
    assert body["seal"]["status"] == "not_sealed"


def test_a_pending_contract_document_is_recognised_without_a_signer(anonymous, db):
    contract_pdf = html_to_pdf("<h1>Договор ожидает подписи</h1>")
    ContractFactory(
        number="OC-00066", document_sha256=hashlib.sha256(contract_pdf).hexdigest()
    )

    body = upload(anonymous, contract_pdf).json()

    assert body["verdict"] == "contract_document"
    assert body["contract"]["status"] == "pending"
    assert body["signature"] is None


def test_a_pdf_sealed_by_someone_else_is_untrusted(anonymous, db, tmp_path):
    stranger = signers.SimpleSigner.load_pkcs12_data(
        make_pkcs12(b"pw", common_name="Someone else"), [], passphrase=b"pw"
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(html_to_pdf("<p>x</p>")))
    foreign = signers.sign_pdf(
        writer, signers.PdfSignatureMetadata(field_name="Sig"), signer=stranger
    ).getvalue()

    body = upload(anonymous, foreign).json()

    assert body["verdict"] == "unknown"
    assert body["seal"]["status"] == "untrusted"
    assert body["seal"]["intact"] is True
    assert body["seal"]["trusted"] is False
    assert body["seal"]["signed_by"] == "Someone else"
    assert body["seal"]["level"] == "PKCS#7"


def test_a_file_that_is_not_a_pdf_is_refused(anonymous, db):
    response = upload(anonymous, b"PK\x03\x04 a zip, not a pdf", name="x.pdf")

    assert response.status_code == 400
    message = response.json()["detail"]
    assert response.json() == {
        "detail": message,
        "code": "not_a_pdf",
        "fields": {"file": [message]},
    }
    assert "PDF" in message


def test_garbage_behind_a_pdf_header_is_refused(anonymous, db):
    response = upload(anonymous, b"%PDF-1.7\n" + bytes(range(256)) * 8)

    assert response.status_code == 400
    assert response.json()["code"] == "unreadable_pdf"


def test_a_request_without_a_file_is_refused(anonymous, db):
    response = anonymous.post("/verify", {}, format="multipart")

    assert response.status_code == 400
    assert response.json()["fields"]["file"]


def test_an_empty_file_is_refused(anonymous, db):
    response = upload(anonymous, b"")

    assert response.status_code == 400
    assert response.json()["code"] == "not_a_pdf"


def test_a_file_over_the_limit_is_refused_with_413(anonymous, db, monkeypatch):
    monkeypatch.setattr(verification, "MAX_VERIFY_UPLOAD_BYTES", 1000)

    response = upload(anonymous, b"%PDF-1.7\n" + b"0" * 1000)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["fields"]["file"]


def test_a_body_over_the_limit_is_refused_before_it_is_read(anonymous, db):
    response = anonymous.post(
        "/verify",
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(verification.MAX_VERIFY_UPLOAD_BYTES + 10**6),
    )

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_json_instead_of_a_file_is_unsupported(anonymous, db):
    response = anonymous.post("/verify", {"file": "x"}, format="json")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_get_is_not_allowed(anonymous, db):
    response = anonymous.get("/verify")

    assert response.status_code == 405


def test_too_many_uploads_are_throttled(anonymous, db):
    pdf = html_to_pdf("<p>x</p>")
    for _ in range(20):
        assert upload(anonymous, pdf).status_code == 200

    response = upload(anonymous, pdf)

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_header_does_not_lift_the_limit(anonymous, db):
    for number in range(20):
        forged = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{number}"}
        assert upload(anonymous, b"not a pdf", **forged).status_code == 400

    response = upload(anonymous, b"not a pdf", HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"


def test_the_api_is_documented_in_the_schema(anonymous, db):
    schema = anonymous.get("/api/schema", HTTP_ACCEPT="application/json").json()

    operation = schema["paths"]["/verify"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert "/verify/" not in schema["paths"]


def test_mask_iin_keeps_only_the_last_four_digits():
    assert verification.mask_iin("850615300129") == "********0129"
    assert verification.mask_iin("123") == "***"
