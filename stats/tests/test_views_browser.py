"""The statistics page and a package purchase in a real browser.

Playwright drives Debian's /usr/bin/chromium (never `playwright install`): the
chart must be drawn by Chart.js from the embedded data, and an owner must be
able to buy a package through the preview. Screenshots go to
test-artifacts/<test name>/.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from billing.models import PaymentRequest
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    SignatureFactory,
    TariffPlanFactory,
)
from stats.services import recount_companies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def logged_in(chromium, live_server, request):
    """Return a page of a browser context logged in as the given user."""
    contexts = []

    def open_page(user):
        client = Client()
        client.force_login(user)
        context = chromium.new_context(
            viewport={"width": 1280, "height": 900}, locale="ru-RU"
        )
        context.set_default_timeout(20_000)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def screenshot(request, page, name: str) -> None:
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign(company, when, method):
    contract = ContractFactory(
        company=company, status=Contract.Status.SIGNED, signed_at=when
    )
    SignatureFactory(contract=contract, signed_at=when, method=method)


def test_chart_is_drawn_from_the_companys_signatures(
    live_server, logged_in, owner, outsider, request
):
    now = timezone.now()
    sign(owner.company, now, "sms")
    sign(owner.company, now - timedelta(minutes=1), "sms")
    sign(owner.company, now - timedelta(days=1), "ecp")
    sign(outsider.company, now, "sms")
    # Factories skip the services that keep the statistics counters.
    recount_companies()
    page = logged_in(owner)

    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#signatures-per-day")

    per_day = page.evaluate(
        """() => Chart.getChart("signatures-per-day").data.datasets
                 .map(set => [set.label, set.data.slice(-2)])"""
    )
    per_method = page.evaluate(
        """() => {
             const chart = Chart.getChart("signatures-per-method");
             return [chart.data.labels, chart.data.datasets[0].data];
           }"""
    )
    assert per_day == [["SMS-код", [0, 2]], ["ЭЦП", [1, 0]]]
    assert per_method == [["SMS-код", "ЭЦП"], [2, 1]]
    assert page.get_by_test_id("stats-total-signed").inner_text() == "3"
    screenshot(request, page, "overview")


def test_owner_buys_a_package_after_seeing_the_price(
    live_server, logged_in, owner, request
):
    TariffPlanFactory(name="Старт", from_count=1, to_count=500, discount=10)
    page = logged_in(owner)
    page.goto(f"{live_server.url}/dashboard/billing/")

    page.fill("[name=sms_count]", "100")
    page.fill("[name=ecp_count]", "20")
    page.get_by_test_id("purchase-form").locator("button[type=submit]").click()
    total = page.get_by_test_id("preview-total").inner_text()
    screenshot(request, page, "preview")
    assert PaymentRequest.objects.count() == 0
    page.get_by_test_id("confirm-form").locator("button[type=submit]").click()

    payment = PaymentRequest.objects.get()
    page.wait_for_url(f"{live_server.url}/dashboard/billing/payments/{payment.pk}/")
    screenshot(request, page, "payment")
    # (100 × 200 + 20 × 100) less 10 %.
    assert total == "19\xa0800,00 ₸"
    assert (payment.sms_count, payment.ecp_count) == (100, 20)
    assert f"Заявка на оплату № {payment.pk}" in page.content()

    page.get_by_test_id("payment-cancel").click()
    page.wait_for_selector("[data-status=cancelled]")
    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.CANCELLED
