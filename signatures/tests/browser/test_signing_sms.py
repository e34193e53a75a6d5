"""A client signs the demo-like contract by SMS on a phone, in Russian and Kazakh."""

import io

import pytest
from pypdf import PdfReader

from contracts.models import Contract, ContractField
from contracts.services import ensure_contract_document
from ozgecontract.tests.factories import ContractFactory, ContractFieldFactory
from signatures.models import AuditEvent, Signature
from signatures.tests.browser.conftest import PHONE_SIZE
from signatures.tests.conftest import VALID_IIN, last_code, pdf_text, set_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLIENT_NAME = "Сейтқали Әлия Нұрланқызы"

# What the client sees, per language: enough to prove the page speaks it.
TEXT = {
    "ru": {
        "fields": "Заполните договор",
        "signer": "Кто подписывает",
        "code": "Введите код",
        "done": "Спасибо! Договор подписан.",
        "pages": "страниц",
    },
    "kk": {
        "fields": "Келісім-шартты толтырыңыз",
        "signer": "Кім қол қояды",
        "code": "Кодты енгізіңіз",
        "done": "Рақмет! Келісім-шартқа қол қойылды.",
        "pages": "бет",
    },
}


def demo_like_contract(company) -> Contract:
    """A contract from the real sample template with two fields for the client."""
    set_balance(company, sms=3)
    contract = ContractFactory(company=company, number="DEMO-0001")
    ContractFieldFactory(
        contract=contract,
        field_name="work",
        label="Виды работ",
        field_type=ContractField.FieldType.TEXT,
        required=True,
        position=0,
    )
    ContractFieldFactory(
        contract=contract,
        field_name="summ",
        label="Сумма, тенге",
        field_type=ContractField.FieldType.NUMBER,
        required=True,
        position=1,
    )
    return contract


def pages_of(contract) -> int:
    pdf = ensure_contract_document(contract=contract)
    return len(PdfReader(io.BytesIO(pdf)).pages)


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_client_signs_by_sms_on_a_phone(
    live_server, settings, phone, shots, company, language
):
    contract = demo_like_contract(company)
    text = TEXT[language]
    page = phone

    page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
    assert str(contract.contract_token) not in page.url
    assert "/sign/s/" in page.url
    if language != "ru":
        page.get_by_role("button", name=language.upper(), exact=True).click()
    assert page.locator("html").get_attribute("lang") == language
    assert text["fields"] in page.content()
    assert fits_the_screen(page)
    shots(page, "contract-fields")

    page.fill("[name=field__work]", "Ремонт кровли и фасада")
    page.fill("[name=field__summ]", "150000")
    page.get_by_test_id("save-fields").click()
    page.wait_for_selector("[data-testid=signer-form]")
    assert text["signer"] in page.content()
    count = page.get_by_test_id("page-count").inner_text()
    assert count.startswith(f"· {pages_of(contract)} ")
    assert text["pages"] in count
    assert fits_the_screen(page)
    shots(page, "signer")

    page.fill("[name=client_name]", CLIENT_NAME)
    page.fill("[name=client_iin]", VALID_IIN)
    page.fill("[name=client_phone]", "8 701 123 45 67")
    for number in (1, 2, 3):
        page.check(f"#id_consent_{number}")
    shots(page, "signer-filled")
    page.get_by_test_id("send-code").click()
    page.wait_for_selector("[data-testid=code-form]")
    assert text["code"] in page.content()
    assert "+7701***4567" in page.get_by_test_id("code-sent").inner_text()
    # The countdown runs: the resend button waits for the server's time.
    assert page.get_by_test_id("resend").is_disabled()
    assert fits_the_screen(page)
    shots(page, "code")

    page.fill("[name=code]", last_code(settings))
    page.get_by_test_id("sign").click()
    page.wait_for_selector("[data-testid=done]")
    assert text["done"] in page.content()
    assert fits_the_screen(page)
    shots(page, "done")

    with page.expect_download() as download_info:
        page.get_by_test_id("download-signed").click()
    signed_pdf = download_info.value.path().read_bytes()
    signed_text = pdf_text(signed_pdf)
    assert "DEMO-0001" in signed_text or "Ремонт кровли" in signed_text
    assert CLIENT_NAME in signed_text
    assert VALID_IIN in signed_text

    signature = Signature.objects.get(contract=contract)
    assert signature.method == Signature.Method.SMS
    assert signature.user_agent.startswith("Mozilla/5.0 (Linux; Android 14")
    assert signature.ip_address == "127.0.0.1"
    assert list(
        AuditEvent.objects.filter(contract=contract).values_list("kind", flat=True)
    ) == ["opened", "fields_filled", "code_sent", "code_verified", "signed"]
    values = dict(contract.fields.values_list("field_name", "value"))
    assert values == {"work": "Ремонт кровли и фасада", "summ": "150000"}


def test_client_signs_by_sms_with_javascript_off(
    live_server, settings, chromium, shots, company
):
    set_balance(company, sms=1)
    contract = ContractFactory(company=company, number="NOJS-0001")
    context = chromium.new_context(viewport=PHONE_SIZE, java_script_enabled=False)
    page = context.new_page()

    page.goto(f"{live_server.url}/sign/{contract.contract_token}/")
    assert page.get_by_test_id("ecp-sign").is_hidden()
    page.fill("[name=client_name]", CLIENT_NAME)
    page.fill("[name=client_iin]", VALID_IIN)
    page.fill("[name=client_phone]", "+77011234567")
    for number in (1, 2, 3):
        page.check(f"#id_consent_{number}")
    page.get_by_test_id("send-code").click()
    page.wait_for_selector("[data-testid=code-form]")
    # Without the countdown the page says when a new code may be asked for.
    assert (
        "Новый код можно запросить в" in page.get_by_test_id("resend-form").inner_text()
    )
    shots(page, "code-without-js")
    page.fill("[name=code]", last_code(settings))
    page.get_by_test_id("sign").click()
    page.wait_for_selector("[data-testid=done]")
    context.close()

    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.SIGNED
