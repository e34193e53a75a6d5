"""The contract preview: a card with big buttons on a phone, the embed on a desktop."""

import pytest

from signatures.tests.browser.conftest import PHONE_SIZE
from signatures.tests.conftest import ready_contract, set_balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signing_url(live_server, company, small_contract_pdf) -> str:
    set_balance(company, sms=1)
    contract = ready_contract(company, small_contract_pdf, number="PHONE-1")
    return f"{live_server.url}/sign/{contract.contract_token}/"


def test_phone_sees_an_open_pdf_card_instead_of_an_empty_embed(
    phone, shots, signing_url
):
    phone.goto(signing_url)
    phone.wait_for_selector("[data-testid=signer-form]")

    assert phone.viewport_size == PHONE_SIZE
    assert not phone.locator("object.signing-pdf").is_visible()
    card = phone.get_by_test_id("document-phone")
    assert card.is_visible()
    assert "1" in card.inner_text()
    open_button = phone.get_by_test_id("open-contract-phone")
    download_button = phone.get_by_test_id("download-contract-phone")
    assert open_button.is_visible() and download_button.is_visible()
    assert open_button.bounding_box()["height"] >= 44
    # Written relative to the page's <base>; the browser resolves it there.
    page_address = phone.url.split("?")[0]
    assert open_button.evaluate("a => a.href") == page_address + "contract.pdf"
    with phone.expect_download() as download_info:
        download_button.click()
    assert download_info.value.path().read_bytes().startswith(b"%PDF")
    shots(phone, "phone-document")


def test_wide_screen_keeps_the_embedded_pdf(chromium, shots, signing_url):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(signing_url)
        page.wait_for_selector("[data-testid=signer-form]")

        assert page.locator("object.signing-pdf").is_visible()
        assert not page.get_by_test_id("document-phone").is_visible()
        assert page.get_by_test_id("download-contract").is_visible()
        shots(page, "desktop-document")
    finally:
        context.close()
