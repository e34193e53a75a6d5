"""POST /signatures/sign: signing by SMS code, every refusal, and what is recorded."""

import hashlib
from datetime import UTC, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from billing.models import BalanceEntry, CompanyBalance
from contracts.models import Contract, ContractField
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures import services
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.tests import pki
from signatures.tests.conftest import (
    BROWSER,
    OTHER_VALID_IIN,
    VALID_IIN,
    set_balance,
    wrong_code,
)
from signatures.verification import verify_pdf


@pytest.fixture(autouse=True)
def english_messages(settings):
    """Ask for English: these tests assert the English error text."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


def sign(client, body, **extra):
    return client.post(
        "/signatures/sign", body, format="json", HTTP_USER_AGENT=BROWSER, **extra
    )


def iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def balance_of(contract) -> CompanyBalance:
    return CompanyBalance.objects.get(company=contract.company)


def assert_nothing_signed(contract) -> None:
    contract.refresh_from_db()
    assert contract.status == Contract.Status.PENDING
    assert contract.signed_at is None
    assert not Signature.objects.filter(
        contract=contract, signed_at__isnull=False
    ).exists()
    assert not BalanceEntry.objects.filter(company=contract.company).exists()


def test_client_signs_with_the_sms_code(anonymous, contract, sign_body, request_code):
    code = request_code()

    response = sign(anonymous, sign_body(otp_code=code))

    assert response.status_code == 201
    signature = Signature.objects.get()
    token = contract.contract_token
    assert response.json() == {
        "id": signature.pk,
        "contract_id": contract.pk,
        "client_name": "Иванов Иван",
        "client_iin": VALID_IIN,
        "client_phone": "+77011234567",
        "signed_at": iso(signature.signed_at),
        "method": "sms",
        "certificate_url": f"http://testserver/contracts/token/{token}/certificate",
        "document_url": f"http://testserver/contracts/token/{token}/signed-document",
    }


def test_signing_marks_the_contract_and_spends_one_sms_unit(
    anonymous, contract, sign_body, request_code
):
    sign(anonymous, sign_body(otp_code=request_code()))

    contract.refresh_from_db()
    signature = Signature.objects.get()
    assert contract.status == Contract.Status.SIGNED
    assert contract.signed_at == signature.signed_at
    assert contract.client_filled is True
    assert balance_of(contract).sms_signatures == 4
    assert balance_of(contract).ecp_signatures == 5
    entry = BalanceEntry.objects.get(company=contract.company)
    assert (entry.kind, entry.delta, entry.signature_id) == ("sms", -1, signature.pk)
    assert SigningCode.objects.get().used_at == signature.signed_at


def test_signing_records_ip_device_document_hash_and_audit_events(
    anonymous, contract, sign_body, request_code
):
    sign(anonymous, sign_body(otp_code=request_code()))

    contract.refresh_from_db()
    signature = Signature.objects.get()
    assert signature.ip_address == "127.0.0.1"
    assert signature.user_agent == BROWSER
    assert signature.document_sha256 == contract.document_sha256
    assert len(signature.document_sha256) == 64
    kinds = list(
        AuditEvent.objects.filter(contract=contract).values_list("kind", "signature")
    )
    assert kinds == [
        ("code_sent", None),
        ("code_verified", signature.pk),
        ("signed", signature.pk),
    ]
    assert all(
        event.ip_address == "127.0.0.1" and event.user_agent == BROWSER
        for event in AuditEvent.objects.all()
    )


def test_signing_issues_the_certificate_and_leaves_the_sealed_pdf_to_first_demand(
    anonymous, contract, sign_body, request_code
):
    sign(anonymous, sign_body(otp_code=request_code()))

    signature = Signature.objects.get()
    assert signature.certificate_pdf.name.endswith(".pdf")
    with signature.certificate_pdf.open("rb") as handle:
        certificate = handle.read()
    assert not signature.signed_pdf
    assert signature.signed_pdf_sha256 == ""

    response = anonymous.get(
        f"/contracts/token/{contract.contract_token}/signed-document"
    )

    assert response.status_code == 200
    signature.refresh_from_db()
    assert signature.signed_pdf.name.endswith(".pdf")
    assert signature.signed_pdf_sha256 == hashlib.sha256(response.content).hexdigest()
    # Sealed over the certificate issued at signing, not a new rendering.
    with signature.certificate_pdf.open("rb") as handle:
        assert handle.read() == certificate
    assert verify_pdf(pdf_bytes=response.content).verdict == "authentic"


def test_company_user_signs_by_contract_id(
    owner_api, contract, sign_body, request_code
):
    body = sign_body(otp_code=request_code(), contract_token=None)
    body["contract_id"] = contract.pk
    body["company_id"] = contract.company_id

    response = sign(owner_api, body)

    assert response.status_code == 201
    signature = Signature.objects.get()
    assert response.json()["certificate_url"] == (
        f"http://testserver/signatures/{signature.pk}/certificate"
    )
    assert response.json()["document_url"] == (
        f"http://testserver/signatures/{signature.pk}/document"
    )


def test_anonymous_cannot_sign_by_contract_id(anonymous, contract, sign_body):
    body = sign_body(otp_code="123456", contract_token=None)
    body["contract_id"] = contract.pk

    response = sign(anonymous, body)

    assert response.status_code == 401
    assert_nothing_signed(contract)


def test_outsider_gets_404_for_another_companys_contract(
    outsider_api, contract, sign_body, request_code
):
    body = sign_body(otp_code=request_code(), contract_token=None)
    body["contract_id"] = contract.pk

    response = sign(outsider_api, body)

    assert response.status_code == 404
    assert_nothing_signed(contract)


def test_company_id_of_another_company_is_rejected(
    anonymous, contract, other_company, sign_body, request_code
):
    response = sign(
        anonymous, sign_body(otp_code=request_code(), company_id=other_company.pk)
    )

    assert response.status_code == 400
    assert "company_id" in response.json()["fields"]
    assert_nothing_signed(contract)


def test_unknown_token_gets_404(anonymous, contract, sign_body):
    response = sign(
        anonymous,
        sign_body(
            otp_code="123456", contract_token="0b5c3f2e-8c4b-4a59-9b0e-1d2c3b4a5f60"
        ),
    )

    assert response.status_code == 404


def test_wrong_code_is_400_and_the_attempt_is_counted(
    anonymous, contract, sign_body, request_code
):
    code = request_code()

    response = sign(anonymous, sign_body(otp_code=wrong_code(code)))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Wrong code; 4 attempt(s) left.",
        "code": "code_invalid",
        "fields": {"otp_code": ["Wrong code."]},
    }
    assert SigningCode.objects.get().attempts == 1
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.CODE_FAILED).count() == 1
    assert_nothing_signed(contract)
    assert sign(anonymous, sign_body(otp_code=code)).status_code == 201


def test_five_wrong_codes_exhaust_the_code(
    anonymous, contract, sign_body, request_code
):
    code = request_code()
    for attempt in range(1, 5):
        response = sign(anonymous, sign_body(otp_code=wrong_code(code)))
        assert response.json()["code"] == "code_invalid"
        assert SigningCode.objects.get().attempts == attempt

    fifth = sign(anonymous, sign_body(otp_code=wrong_code(code)))
    right_code_too_late = sign(anonymous, sign_body(otp_code=code))

    assert fifth.status_code == 400
    assert fifth.json()["code"] == "code_exhausted"
    assert "request a new code" in fifth.json()["detail"]
    assert right_code_too_late.status_code == 400
    assert right_code_too_late.json() == {
        "detail": "Too many wrong codes; request a new code.",
        "code": "code_exhausted",
    }
    assert SigningCode.objects.get().attempts == 5
    assert_nothing_signed(contract)


def test_a_new_code_after_exhaustion_signs(
    anonymous, contract, sign_body, request_code
):
    first = request_code()
    for _ in range(5):
        sign(anonymous, sign_body(otp_code=wrong_code(first)))
    SigningCode.objects.update(created_at=F("created_at") - timedelta(seconds=61))

    response = sign(anonymous, sign_body(otp_code=request_code()))

    assert response.status_code == 201


def test_expired_code_is_refused(anonymous, contract, sign_body, request_code):
    code = request_code()
    SigningCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = sign(anonymous, sign_body(otp_code=code))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The code has expired; request a new code.",
        "code": "code_expired",
    }
    assert_nothing_signed(contract)


def test_a_newer_code_voids_the_older_one(
    anonymous, contract, sign_body, request_code, monkeypatch
):
    codes = iter(["111111", "222222"])
    monkeypatch.setattr("signatures.services.codes.generate_code", lambda: next(codes))
    older = request_code()
    SigningCode.objects.update(created_at=F("created_at") - timedelta(seconds=61))
    newer = request_code()

    response = sign(anonymous, sign_body(otp_code=older))

    assert response.status_code == 400
    assert response.json()["code"] == "code_invalid"
    assert sign(anonymous, sign_body(otp_code=newer)).status_code == 201


def test_signing_without_a_code_request_is_refused(anonymous, contract, sign_body):
    response = sign(anonymous, sign_body(otp_code="123456"))

    assert response.status_code == 400
    assert response.json()["code"] == "code_missing"
    assert_nothing_signed(contract)


def test_code_sent_to_another_phone_is_refused(
    anonymous, contract, sign_body, request_code
):
    code = request_code(phone="+77017654321")

    response = sign(anonymous, sign_body(otp_code=code))

    assert response.status_code == 400
    assert response.json()["code"] == "phone_mismatch"
    assert SigningCode.objects.get().attempts == 0
    assert_nothing_signed(contract)


def test_a_second_signature_is_409(anonymous, contract, sign_body, request_code):
    code = request_code()
    assert sign(anonymous, sign_body(otp_code=code)).status_code == 201

    response = sign(
        anonymous,
        sign_body(otp_code=code, client_iin=OTHER_VALID_IIN),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The contract is already signed.",
        "code": "contract_signed",
    }
    assert Signature.objects.count() == 1
    assert balance_of(contract).sms_signatures == 4


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Contract.Status.CANCELLED, "contract_cancelled"),
        (Contract.Status.EXPIRED, "contract_expired"),
    ],
)
def test_cancelled_or_expired_contract_is_409(
    anonymous, contract, sign_body, request_code, status, code
):
    otp = request_code()
    Contract.objects.filter(pk=contract.pk).update(status=status)

    response = sign(anonymous, sign_body(otp_code=otp))

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert not Signature.objects.exists()
    assert balance_of(contract).sms_signatures == 5


def test_contract_past_its_deadline_is_409(
    anonymous, contract, sign_body, request_code
):
    otp = request_code()
    Contract.objects.filter(pk=contract.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = sign(anonymous, sign_body(otp_code=otp))

    assert response.status_code == 409
    assert response.json()["code"] == "contract_expired"


def test_empty_balance_is_402_and_nothing_is_recorded(
    anonymous, contract, sign_body, request_code
):
    otp = request_code()
    set_balance(contract.company, sms=0, ecp=5)

    response = sign(anonymous, sign_body(otp_code=otp))

    assert response.status_code == 402
    assert response.json()["code"] == "balance_exhausted"
    assert_nothing_signed(contract)
    assert not Signature.objects.exists()
    assert SigningCode.objects.get().used_at is None
    assert not AuditEvent.objects.exclude(kind=AuditEvent.Kind.CODE_SENT).exists()
    # Once the company tops up, the same code still signs.
    set_balance(contract.company, sms=1)
    assert sign(anonymous, sign_body(otp_code=otp)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"client_iin": "123456789012"}, "client_iin"),
        ({"client_iin": "087557886546"}, "client_iin"),
        ({"client_iin": "85061530012"}, "client_iin"),
        ({"client_phone": "+7 727 258 1234"}, "client_phone"),
        ({"client_phone": "abc"}, "client_phone"),
        ({"client_name": "   "}, "client_name"),
        ({"client_name": "И" * 256}, "client_name"),
        ({"client_name": "Иван\x00"}, "client_name"),
        ({"client_name": "Иван\x07 Иванов"}, "client_name"),
        ({"method": "fax"}, "method"),
        ({"otp_code": "12345"}, "otp_code"),
        ({"otp_code": "abcdef"}, "otp_code"),
        ({"otp_code": None}, "otp_code"),
        ({"client_iin": None}, "client_iin"),
        ({"client_iin": 50615300129}, "client_iin"),
    ],
)
def test_bad_input_is_400_naming_the_field(
    anonymous, contract, sign_body, overrides, field
):
    body = sign_body(otp_code="123456")
    body.update({k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        body.pop(key, None)

    response = sign(anonymous, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    assert_nothing_signed(contract)


def test_esp_is_read_as_ecp_and_signs_with_a_valid_cms(
    anonymous, contract, sign_body, settings, tmp_path
):
    pki.trust(settings, tmp_path / "trust")
    document = services.contract_document(contract=contract)
    cms_b64 = pki.sign(document, pki.person())

    response = sign(anonymous, sign_body(method="esp", cms=cms_b64))

    assert response.status_code == 201, response.json()
    assert response.json()["method"] == "ecp"
    signature = Signature.objects.get()
    assert signature.cms == cms_b64
    assert f"IIN{VALID_IIN}" in signature.cert_subject
    assert signature.cert_serial
    assert balance_of(contract).ecp_signatures == 4
    assert balance_of(contract).sms_signatures == 5
    kinds = list(AuditEvent.objects.values_list("kind", flat=True))
    assert kinds == ["ecp_verified", "signed"]


def test_cms_that_is_not_cms_is_400_and_nothing_is_spent(
    anonymous, contract, sign_body
):
    response = sign(anonymous, sign_body(method="ecp", cms="bm90IGEgY21z"))

    assert response.status_code == 400
    assert response.json()["code"].startswith("ecp_")
    assert_nothing_signed(contract)


def test_cms_of_another_person_is_400(
    anonymous, contract, sign_body, settings, tmp_path
):
    pki.trust(settings, tmp_path / "trust")
    document = services.contract_document(contract=contract)
    cms_b64 = pki.sign(document, pki.person(iin=pki.OTHER_IIN))

    response = sign(anonymous, sign_body(method="ecp", cms=cms_b64))

    assert response.status_code == 400
    assert_nothing_signed(contract)


def test_ecp_without_a_cms_names_the_field(anonymous, contract, sign_body):
    response = sign(anonymous, sign_body(method="ecp"))

    assert response.status_code == 400
    assert "cms" in response.json()["fields"]


def test_expected_signer_record_is_completed_not_duplicated(
    anonymous, contract, sign_body, request_code
):
    expected = SignatureFactory(contract=contract, client_name="Иванов И.")

    response = sign(anonymous, sign_body(otp_code=request_code()))

    assert response.status_code == 201
    assert response.json()["id"] == expected.pk
    expected.refresh_from_db()
    assert expected.is_signed
    assert expected.client_name == "Иванов Иван"
    assert Signature.objects.count() == 1


def test_expected_signer_with_another_iin_is_400(
    anonymous, contract, sign_body, request_code
):
    SignatureFactory(contract=contract, client_iin=OTHER_VALID_IIN)
    otp = request_code()

    response = sign(anonymous, sign_body(otp_code=otp))

    assert response.status_code == 400
    assert response.json()["code"] == "iin_mismatch"
    assert "client_iin" in response.json()["fields"]
    assert SigningCode.objects.get().attempts == 0
    assert_nothing_signed(contract)


def test_expected_ecp_signer_cannot_sign_by_sms(anonymous, contract, sign_body):
    SignatureFactory(contract=contract, method="ecp")

    response = sign(anonymous, sign_body(otp_code="123456"))

    assert response.status_code == 400
    assert response.json()["code"] == "method_mismatch"


def test_signing_one_contract_leaves_the_others_pending(
    anonymous, contract, sign_body, request_code
):
    other = ContractFactory(company=contract.company)

    sign(anonymous, sign_body(otp_code=request_code()))

    other.refresh_from_db()
    assert other.status == Contract.Status.PENDING


def test_failed_certificate_never_undoes_the_signature(
    anonymous, contract, sign_body, request_code, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("signatures.services.documents.render_certificate_pdf", broken)

    response = sign(anonymous, sign_body(otp_code=request_code()))

    assert response.status_code == 201
    signature = Signature.objects.get()
    assert signature.is_signed
    assert not signature.certificate_pdf
    assert not signature.signed_pdf
    assert "certificate not issued" in caplog.text


def add_required_fields(contract) -> None:
    ContractField.objects.create(
        contract=contract, field_name="address", label="Адрес", required=True
    )
    ContractField.objects.create(
        contract=contract,
        field_name="agree",
        label="Согласие",
        field_type=ContractField.FieldType.CHECKBOX,
        required=True,
        value="false",
    )


def test_a_code_is_not_sent_while_required_fields_are_empty(anonymous, contract):
    add_required_fields(contract)

    response = anonymous.post(
        "/signatures/otp",
        {"contract_token": str(contract.contract_token), "client_phone": "87011234567"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "fields_missing"
    assert response.json()["detail"] == (
        "Fill in the required contract fields first: Адрес, Согласие."
    )
    assert not SigningCode.objects.exists()


def test_signing_with_required_fields_empty_is_refused_until_they_are_filled(
    anonymous, contract, sign_body, request_code
):
    code = request_code()
    add_required_fields(contract)

    refused = sign(anonymous, sign_body(otp_code=code))

    assert refused.status_code == 400
    assert refused.json()["code"] == "fields_missing"
    assert_nothing_signed(contract)
    assert SigningCode.objects.get().used_at is None
    ContractField.objects.filter(field_name="address").update(value="Алматы")
    ContractField.objects.filter(field_name="agree").update(value="true")
    assert sign(anonymous, sign_body(otp_code=code)).status_code == 201


def test_the_missing_fields_refusal_speaks_russian_by_default(
    anonymous, contract, settings
):
    settings.LANGUAGE_CODE = "ru"
    add_required_fields(contract)

    response = anonymous.post(
        "/signatures/otp",
        {"contract_token": str(contract.contract_token), "client_phone": "87011234567"},
        format="json",
    )

    assert response.json()["detail"] == (
        "Сначала заполните обязательные поля договора: Адрес, Согласие."
    )
