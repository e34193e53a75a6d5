"""A client signs with ЭЦП through the page, NCALayer replaced by a fake."""

import pytest

from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory
from signatures.models import AuditEvent, Signature
from signatures.services import contract_document
from signatures.tests import pki
from signatures.tests.browser.fake_ncalayer import FakeNCALayer
from signatures.tests.conftest import VALID_IIN, pdf_text, set_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_NAME = "Иванов Иван Иванович"


@pytest.fixture
def contract(company, settings, tmp_path):
    pki.trust(settings, tmp_path)
    set_balance(company, ecp=2)
    return ContractFactory(company=company, number="ECP-0001")


def fill_signer(page, iin=VALID_IIN):
    page.fill("[name=client_name]", CLIENT_NAME)
    page.fill("[name=client_iin]", iin)
    page.fill("[name=client_phone]", "+7 701 123 4567")
    for number in (1, 2, 3):
        page.check(f"#id_consent_{number}")


def test_client_signs_with_ecp_through_ncalayer(
    live_server, settings, phone, shots, contract
):
    page = phone
    assert live_server.url.startswith("http://127.0.0.1:")
    with FakeNCALayer() as ncalayer:
        settings.NCALAYER_URL = ncalayer.url
        page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
        fill_signer(page)
        shots(page, "signer")

        page.get_by_test_id("ecp-sign").click()
        page.wait_for_selector("[data-testid=done]")
        shots(page, "done")

    request = ncalayer.requests[0]
    assert request["module"] == "kz.gov.pki.knca.commonUtils"
    assert request["method"] == "createCAdESFromBase64"
    assert request["args"][3] is False  # a detached CMS
    assert ncalayer.signed_bytes() == contract_document(contract=contract)
    signature = Signature.objects.get(contract=contract)
    assert signature.method == Signature.Method.ECP
    assert f"IIN{VALID_IIN}" in signature.cert_subject
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.SIGNED
    assert AuditEvent.objects.filter(
        contract=contract, kind=AuditEvent.Kind.ECP_VERIFIED
    ).exists()

    with page.expect_download() as download_info:
        page.get_by_test_id("download-certificate").click()
    certificate = pdf_text(download_info.value.path().read_bytes())
    assert CLIENT_NAME in certificate


def test_key_of_another_person_is_refused_on_the_page(
    live_server, settings, phone, shots, contract
):
    page = phone
    with FakeNCALayer(signer=pki.person(iin=pki.OTHER_IIN)) as ncalayer:
        settings.NCALAYER_URL = ncalayer.url
        page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
        fill_signer(page)
        page.get_by_test_id("ecp-sign").click()
        page.wait_for_selector("[data-testid=error]")
        shots(page, "refused")

    assert (
        "Ключ принадлежит другому человеку" in page.get_by_test_id("error").inner_text()
    )
    assert not Signature.objects.exists()


def test_cancelled_key_dialog_says_so_and_signs_nothing(
    live_server, settings, phone, contract
):
    page = phone
    with FakeNCALayer(behaviour="cancel") as ncalayer:
        settings.NCALAYER_URL = ncalayer.url
        page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
        fill_signer(page)
        page.get_by_test_id("ecp-sign").click()
        status = page.get_by_test_id("ecp-status")
        status.filter(has_text="отменено").wait_for()

    assert page.get_by_test_id("ecp-sign").is_enabled()
    assert not Signature.objects.exists()


def test_missing_ncalayer_tells_the_client_to_start_it(
    live_server, settings, phone, contract
):
    page = phone
    with FakeNCALayer() as ncalayer:
        closed_url = ncalayer.url
    settings.NCALAYER_URL = closed_url
    page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
    fill_signer(page)

    page.get_by_test_id("ecp-sign").click()

    page.get_by_test_id("ecp-status").filter(has_text="NCALayer не запущен").wait_for()
    assert not Signature.objects.exists()


def test_ecp_button_waits_for_the_statements(live_server, settings, phone, contract):
    page = phone
    with FakeNCALayer() as ncalayer:
        settings.NCALAYER_URL = ncalayer.url
        page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
        page.fill("[name=client_name]", CLIENT_NAME)

        page.get_by_test_id("ecp-sign").click()
        page.wait_for_timeout(300)

    assert ncalayer.requests == []
    assert "/sign/s/" in page.url
    assert not Signature.objects.exists()
