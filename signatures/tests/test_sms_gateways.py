"""Mobizon and SMSC.kz backends, each against a fake gateway on 127.0.0.1."""

import logging
import socket

import pytest

from ozgecontract.errors import api_exception_handler
from signatures.sms import SmsSendError, get_backend, send_sms
from signatures.sms_gateways import MobizonBackend, SmscBackend
from signatures.tests.fakes import FakeMobizon, FakeSmsc

PHONE = "+77011234567"
TEXT = "OzgeContract: код подтверждения 482913. Растау коды 482913."


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 0.5
    settings.SMS_GATEWAY_RETRIES = 2
    settings.SMS_GATEWAY_RETRY_DELAY_SECONDS = 0
    # Never the real gateways: a test that forgets its fake fails to connect.
    settings.MOBIZON_BASE_URL = "http://127.0.0.1:9"
    settings.SMSC_BASE_URL = "http://127.0.0.1:9"


@pytest.fixture
def mobizon(settings):
    with FakeMobizon() as fake:
        settings.SMS_BACKEND = "mobizon"
        settings.MOBIZON_BASE_URL = fake.url
        settings.MOBIZON_API_KEY = "kz-test-api-key"
        settings.MOBIZON_SENDER = ""
        yield fake


@pytest.fixture
def smsc(settings):
    with FakeSmsc() as fake:
        settings.SMS_BACKEND = "smsc"
        settings.SMSC_BASE_URL = fake.url
        settings.SMSC_LOGIN = "ozge"
        settings.SMSC_PASSWORD = "smsc-test-password"
        settings.SMSC_API_KEY = ""
        settings.SMSC_SENDER = ""
        yield fake


@pytest.fixture(params=["mobizon", "smsc"])
def gateway(request):
    """Either fake gateway, with SMS_BACKEND pointing at it."""
    return request.getfixturevalue(request.param)


def send_failure() -> SmsSendError:
    with pytest.raises(SmsSendError) as caught:
        send_sms(to=PHONE, text=TEXT)
    return caught.value


def test_backend_names_pick_the_gateway_classes(settings):
    settings.SMS_BACKEND = "mobizon"
    assert isinstance(get_backend(), MobizonBackend)
    settings.SMS_BACKEND = "smsc"
    assert isinstance(get_backend(), SmscBackend)


def test_mobizon_sends_the_message(mobizon):
    send_sms(to=PHONE, text=TEXT)

    [request] = mobizon.requests
    assert (request.method, request.path) == ("POST", "/service/message/sendsmsmessage")
    assert request.query == {"output": "json", "api": "v1"}
    assert request.form == {
        "apiKey": "kz-test-api-key",
        "recipient": "77011234567",
        "text": TEXT,
    }
    assert mobizon.messages == [{"to": "77011234567", "text": TEXT}]


def test_mobizon_sends_the_sender_name_when_set(mobizon, settings):
    settings.MOBIZON_SENDER = "OzgeContract"

    send_sms(to=PHONE, text=TEXT)

    assert mobizon.requests[0].form["from"] == "OzgeContract"


def test_smsc_sends_the_message_with_login_and_password(smsc):
    send_sms(to=PHONE, text=TEXT)

    [request] = smsc.requests
    assert (request.method, request.path) == ("POST", "/sys/send.php")
    assert request.form == {
        "login": "ozge",
        "psw": "smsc-test-password",
        "phones": "77011234567",
        "mes": TEXT,
        "fmt": "3",
        "charset": "utf-8",
    }
    assert smsc.messages == [{"to": "77011234567", "text": TEXT}]


def test_smsc_prefers_the_api_key_and_sends_the_sender(smsc, settings):
    settings.SMSC_API_KEY = "smsc-api-key"
    settings.SMSC_SENDER = "OZGE"

    send_sms(to=PHONE, text=TEXT)

    form = smsc.requests[0].form
    assert form["apikey"] == "smsc-api-key"
    assert form["sender"] == "OZGE"
    assert "login" not in form
    assert "psw" not in form


def test_refusal_is_an_error_and_is_not_retried(gateway):
    gateway.script = ["refuse"]

    error = send_failure()

    assert error.reason == "refused"
    assert (error.status, error.code) == (502, "sms_failed")
    assert len(gateway.requests) == 1
    assert gateway.messages == []


def test_timeout_is_an_error_and_is_not_retried(gateway, settings):
    settings.SMS_GATEWAY_TIMEOUT_SECONDS = 0.2
    gateway.script = ["hang"]

    error = send_failure()

    assert error.reason == "timeout"
    assert len(gateway.requests) == 1


def test_network_error_is_retried_then_the_message_goes(gateway):
    gateway.script = ["drop", "drop"]

    send_sms(to=PHONE, text=TEXT)

    assert len(gateway.requests) == 3
    assert gateway.messages == [{"to": "77011234567", "text": TEXT}]


def test_network_error_every_time_gives_up_after_the_retries(gateway):
    gateway.default = "drop"

    error = send_failure()

    assert error.reason == "network"
    assert len(gateway.requests) == 3


def test_retries_can_be_switched_off(gateway, settings):
    settings.SMS_GATEWAY_RETRIES = 0
    gateway.script = ["drop"]

    assert send_failure().reason == "network"
    assert len(gateway.requests) == 1


def test_answer_that_is_not_json_is_an_error(gateway):
    gateway.script = ["error500"]

    error = send_failure()

    assert error.reason == "bad_answer"
    assert len(gateway.requests) == 1


@pytest.mark.parametrize("backend", ["mobizon", "smsc"])
def test_gateway_that_is_down_is_an_error(settings, backend):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    settings.SMS_BACKEND = backend
    settings.MOBIZON_BASE_URL = settings.SMSC_BASE_URL = closed
    settings.MOBIZON_API_KEY = settings.SMSC_API_KEY = "key"

    assert send_failure().reason == "network"


def test_gateway_without_credentials_sends_nothing(settings, gateway):
    settings.MOBIZON_API_KEY = ""
    settings.SMSC_API_KEY = settings.SMSC_LOGIN = settings.SMSC_PASSWORD = ""

    assert send_failure().reason == "not_configured"
    assert gateway.requests == []


def test_failure_reaches_the_client_as_the_api_error_shape(mobizon, settings):
    settings.LANGUAGE_CODE = "en"
    mobizon.script = ["refuse"]

    response = api_exception_handler(send_failure(), context={})

    assert response.status_code == 502
    assert response.data == {
        "detail": "The SMS could not be sent; try again in a minute.",
        "code": "sms_failed",
    }


def test_logs_hold_neither_the_text_nor_the_full_phone(gateway, caplog):
    caplog.set_level(logging.DEBUG)
    gateway.script = ["drop", "ok", "refuse"]

    send_sms(to=PHONE, text=TEXT)
    send_failure()

    messages = [record.getMessage() for record in caplog.records]
    assert any("+7701***4567" in message for message in messages)
    for message in messages:
        assert "482913" not in message
        assert PHONE not in message
        assert "77011234567" not in message
        assert "kz-test-api-key" not in message
        assert "smsc-test-password" not in message
