"""POST /signatures/otp: a one-time code by SMS, its limits and its failures."""

from datetime import UTC, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import SignatureFactory
from signatures import services
from signatures.models import AuditEvent, SigningCode
from signatures.sms import SmsBackend, SmsSendError
from signatures.tests.conftest import BROWSER, last_code, set_balance, sms_outbox


@pytest.fixture(autouse=True)
def english_messages(settings):
    """Ask for English: these tests assert the English error text."""
    settings.LANGUAGE_CODE = "en"


pytestmark = pytest.mark.django_db


class FailingBackend(SmsBackend):
    def send(self, *, to, text):
        raise SmsSendError("The gateway refused the message.")


class BrokenBackend(SmsBackend):
    def send(self, *, to, text):
        raise RuntimeError("a bug in a gateway client")


def post_otp(client, contract, phone="+7 701 123 4567", **extra):
    body = {"contract_token": str(contract.contract_token), "client_phone": phone}
    return client.post("/signatures/otp", body, format="json", **extra)


def age_codes(seconds: int) -> None:
    SigningCode.objects.update(created_at=F("created_at") - timedelta(seconds=seconds))


def test_client_gets_a_code_by_sms(anonymous, contract, settings):
    response = post_otp(anonymous, contract, HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 202
    signing_code = SigningCode.objects.get()
    assert response.json() == {
        "expires_at": signing_code.expires_at.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "resend_after": 60,
        "client_phone": "+7701***4567",
    }
    assert signing_code.phone == "+77011234567"
    assert signing_code.expires_at - signing_code.created_at == timedelta(minutes=5)
    [message] = sms_outbox(settings)
    assert message["to"] == "+77011234567"


def test_sms_text_is_in_russian_and_kazakh_with_the_company_name(
    anonymous, contract, settings
):
    post_otp(anonymous, contract)

    text = sms_outbox(settings)[-1]["text"]
    code = last_code(settings)
    assert text.count(code) == 2
    assert text.count(contract.company.name) == 2
    assert "для подписания договора" in text
    assert "келісім-шартына қол қою коды" in text


def test_code_is_stored_only_as_a_hash(anonymous, contract, settings):
    post_otp(anonymous, contract)

    code = last_code(settings)
    stored = SigningCode.objects.get().code_hash
    assert code not in stored
    assert len(stored) == 64


def test_sending_a_code_is_an_audit_event_with_ip_and_device(anonymous, contract):
    post_otp(anonymous, contract, HTTP_USER_AGENT=BROWSER)

    event = AuditEvent.objects.get(contract=contract)
    assert event.kind == AuditEvent.Kind.CODE_SENT
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == BROWSER
    assert event.detail == {"phone": "+7701***4567"}


def test_company_user_may_name_the_contract_by_id(owner_api, contract):
    response = owner_api.post(
        "/signatures/otp",
        {"contract_id": contract.pk, "client_phone": "87011234567"},
        format="json",
    )

    assert response.status_code == 202
    assert response.json()["client_phone"] == "+7701***4567"


def test_anonymous_cannot_name_the_contract_by_id(anonymous, contract):
    response = anonymous.post(
        "/signatures/otp",
        {"contract_id": contract.pk, "client_phone": "87011234567"},
        format="json",
    )

    assert response.status_code == 401
    assert SigningCode.objects.count() == 0


def test_outsider_gets_404_for_another_companys_contract_id(outsider_api, contract):
    response = outsider_api.post(
        "/signatures/otp",
        {"contract_id": contract.pk, "client_phone": "87011234567"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_token_gets_404(anonymous, contract):
    response = anonymous.post(
        "/signatures/otp",
        {
            "contract_token": "0b5c3f2e-8c4b-4a59-9b0e-1d2c3b4a5f60",
            "client_phone": "87011234567",
        },
        format="json",
    )

    assert response.status_code == 404
    assert SigningCode.objects.count() == 0


def test_malformed_token_is_a_400(anonymous, contract):
    response = anonymous.post(
        "/signatures/otp",
        {"contract_token": "../../etc", "client_phone": "87011234567"},
        format="json",
    )

    assert response.status_code == 400
    assert "contract_token" in response.json()["fields"]


@pytest.mark.parametrize("phone", ["12345", "+7 727 258 1234", "", "8 701 123"])
def test_invalid_or_landline_phone_is_rejected(anonymous, contract, settings, phone):
    response = post_otp(anonymous, contract, phone=phone)

    assert response.status_code == 400
    assert "client_phone" in response.json()["fields"]
    assert SigningCode.objects.count() == 0
    assert sms_outbox(settings) == []


def test_missing_contract_reference_is_rejected(anonymous, contract):
    response = anonymous.post(
        "/signatures/otp", {"client_phone": "87011234567"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "contract_token" in response.json()["fields"]


def test_malformed_json_is_a_400(anonymous, contract):
    response = anonymous.post(
        "/signatures/otp", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_second_code_too_soon_is_429_with_retry_after(anonymous, contract, settings):
    post_otp(anonymous, contract)
    age_codes(20)

    response = post_otp(anonymous, contract)

    assert response.status_code == 429
    assert response.json()["code"] == "code_resend_too_soon"
    assert 39 <= int(response["Retry-After"]) <= 41
    assert SigningCode.objects.count() == 1
    assert len(sms_outbox(settings)) == 1


def test_a_second_code_after_the_wait_is_sent(anonymous, contract, settings):
    post_otp(anonymous, contract)
    age_codes(61)

    response = post_otp(anonymous, contract)

    assert response.status_code == 202
    assert SigningCode.objects.count() == 2
    assert len(sms_outbox(settings)) == 2


def test_the_sixth_code_within_an_hour_is_429(anonymous, contract, settings):
    for _ in range(5):
        assert post_otp(anonymous, contract).status_code == 202
        age_codes(61)

    response = post_otp(anonymous, contract)

    assert response.status_code == 429
    assert response.json()["code"] == "code_limit_reached"
    # The oldest of the five is 305 s old: it leaves the hour in 3295 s.
    assert 3290 <= int(response["Retry-After"]) <= 3300
    assert len(sms_outbox(settings)) == 5


def test_codes_older_than_an_hour_do_not_count(anonymous, contract):
    for _ in range(5):
        post_otp(anonymous, contract)
        age_codes(61)
    age_codes(3600)

    assert post_otp(anonymous, contract).status_code == 202


def test_failed_sms_is_502_and_the_client_may_retry_at_once(
    anonymous, contract, settings
):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"

    response = post_otp(anonymous, contract)

    assert response.status_code == 502
    assert response.json() == {
        "detail": "The gateway refused the message.",
        "code": "sms_failed",
    }
    assert SigningCode.objects.count() == 0
    assert not AuditEvent.objects.exists()

    settings.SMS_BACKEND = "file"
    assert post_otp(anonymous, contract).status_code == 202


def test_a_crashing_sms_backend_leaves_no_code_behind(contract, settings):
    settings.SMS_BACKEND = f"{__name__}.BrokenBackend"

    with pytest.raises(RuntimeError):
        services.request_signing_code(
            contract=contract, phone="+77011234567", ip=None, user_agent=""
        )

    assert SigningCode.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (Contract.Status.SIGNED, "contract_signed"),
        (Contract.Status.CANCELLED, "contract_cancelled"),
        (Contract.Status.EXPIRED, "contract_expired"),
    ],
)
def test_no_code_for_a_contract_that_is_not_pending(anonymous, contract, status, code):
    Contract.objects.filter(pk=contract.pk).update(status=status)

    response = post_otp(anonymous, contract)

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert SigningCode.objects.count() == 0


def test_no_code_after_the_contract_deadline(anonymous, contract):
    Contract.objects.filter(pk=contract.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = post_otp(anonymous, contract)

    assert response.status_code == 409
    assert response.json()["code"] == "contract_expired"


def test_code_goes_only_to_the_expected_signers_phone(anonymous, contract, settings):
    SignatureFactory(contract=contract, client_phone="+77017654321")

    response = post_otp(anonymous, contract, phone="+77011234567")

    assert response.status_code == 400
    assert response.json()["code"] == "phone_mismatch"
    assert sms_outbox(settings) == []
    assert post_otp(anonymous, contract, phone="87017654321").status_code == 202


def test_no_sms_code_when_the_company_asked_for_ecp(anonymous, contract):
    SignatureFactory(contract=contract, method="ecp")

    response = post_otp(anonymous, contract)

    assert response.status_code == 400
    assert response.json()["code"] == "method_mismatch"


EXHAUSTED_DETAIL = (
    "The company has no SMS signatures left, so no code was sent; the company "
    "must top up its balance before this contract can be signed."
)


@pytest.mark.parametrize("ecp", [0, 5])
def test_no_code_is_sent_when_the_company_has_no_sms_unit_left(
    anonymous, contract, settings, ecp
):
    set_balance(contract.company, sms=0, ecp=ecp)

    response = post_otp(anonymous, contract)

    assert response.status_code == 402
    assert response.json() == {
        "detail": EXHAUSTED_DETAIL,
        "code": "balance_exhausted",
    }
    assert sms_outbox(settings) == []
    assert SigningCode.objects.count() == 0
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.CODE_SENT).exists()


def test_company_caller_also_gets_402_before_any_sms(owner_api, contract, settings):
    set_balance(contract.company, sms=0, ecp=3)

    response = owner_api.post(
        "/signatures/otp",
        {"contract_id": contract.pk, "client_phone": "+77011234567"},
        format="json",
    )

    assert response.status_code == 402
    assert response.json()["code"] == "balance_exhausted"
    assert sms_outbox(settings) == []
    assert SigningCode.objects.count() == 0


def test_one_sms_unit_left_is_enough_for_a_code(anonymous, contract, settings):
    set_balance(contract.company, sms=1)

    response = post_otp(anonymous, contract)

    assert response.status_code == 202
    assert len(sms_outbox(settings)) == 1
