"""A company's first day in a real browser, then its client signs on a phone.

Sign up, upload the real sample template, set its fields, create a contract,
copy the signing link; the client opens that link in a second browser context,
signs by SMS code; the contract shows as signed in the list and in the chart.
Playwright drives Debian's /usr/bin/chromium (never `playwright install`);
screenshots of each step go to test-artifacts/<test name>/.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from billing.models import CompanyBalance
from contracts.models import Contract
from ozgecontract.tests.factories import PASSWORD as USER_PASSWORD
from ozgecontract.tests.factories import (
    SAMPLE_DOCX,
    CompanyFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(django_settings.BASE_DIR) / "test-artifacts"
PASSWORD = "Kurylys-Berik-77"
# The one contract field the company leaves for the client to fill.
CLIENT_FIELD = "field__company_work"


@pytest.fixture
def shots(request):
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def shoot(page, name: str) -> None:
        page.screenshot(
            path=str(folder / f"{next(counter):02d}-{name}.png"), full_page=True
        )

    return shoot


def last_code(settings) -> str:
    folder = Path(settings.SMS_FILE_PATH)
    newest = max(folder.glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
    text = json.loads(newest.read_text(encoding="utf-8"))["text"]
    return re.search(r"\b(\d{6})\b", text)[1]


def test_company_prepares_a_contract_and_its_client_signs_it(
    live_server, settings, chromium, shots
):
    settings.SITE_URL = live_server.url
    office = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU"
    )
    office.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    office.set_default_timeout(20_000)
    page = office.new_page()

    # Sign up.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.fill("[name=name]", "ТОО Жөндеу Сервис")
    page.fill("[name=phone]", "+7 701 765 43 21")
    page.fill("[name=email]", "director@zhondeu.kz")
    page.fill("[name=password1]", PASSWORD)
    page.fill("[name=password2]", PASSWORD)
    shots(page, "signup")
    page.get_by_role("button", name="Создать аккаунт").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    shots(page, "dashboard")
    company_balance = CompanyBalance.objects.get(company__email="director@zhondeu.kz")
    # The purchase itself is the billing pages' test; here the units are given.
    CompanyBalance.objects.filter(pk=company_balance.pk).update(sms_signatures=3)

    # Upload the sample template: the XHR upload lands on its fields page.
    page.get_by_role("link", name="Шаблоны").click()
    page.get_by_role("link", name="Загрузить шаблон").first.click()
    page.fill("[name=name]", "Договор подряда на ремонт")
    page.set_input_files("[name=file]", SAMPLE_DOCX)
    shots(page, "upload")
    with page.expect_response(lambda r: r.request.method == "POST") as upload:
        page.get_by_role("button", name="Загрузить", exact=True).click()
    # The page's script sent it (XHR, for the progress bar) and got JSON back.
    assert upload.value.headers["content-type"] == "application/json"
    page.wait_for_selector("[data-testid=field-settings]")
    assert page.locator("[name=type__summ]").count() == 1
    shots(page, "template-fields")

    # Set the fields: the sum is a number with a label, the work is required.
    page.select_option("[name=type__summ]", "number")
    page.fill("[name=label__summ]", "Сумма, тенге")
    page.check("[name=required__work]")
    page.get_by_role("button", name="Сохранить поля").click()
    page.wait_for_selector(".alert-success")
    assert page.locator("[name=type__summ]").input_value() == "number"

    # A new contract from the template, filled in advance but for the
    # contractor's name, which the client types on the signing page.
    page.get_by_role("link", name="Новый договор").first.click()
    page.wait_for_selector("[data-testid=new-contract]")
    for name in page.locator("[name^=value__]").evaluate_all(
        "els => els.map(e => e.name)"
    ):
        if name == "value__company_work":
            continue
        if name == "value__summ":
            page.fill("[name=value__summ]", "150000")
        elif page.locator(f"[name='{name}']").get_attribute("type") == "date":
            page.fill(f"[name='{name}']", "2026-12-20")
        elif page.locator(f"[name='{name}']").get_attribute("type") == "checkbox":
            page.check(f"[name='{name}']")
        else:
            page.fill(f"[name='{name}']", "Ремонт кровли")
    page.fill("[name=client_name]", "Сейтқали Әлия")
    page.fill("[name=client_iin]", "850615300129")
    page.fill("[name=client_phone]", "8 701 123 45 67")
    shots(page, "new-contract")
    page.get_by_role("button", name="Создать договор").click()
    page.wait_for_selector("[data-testid=signing-link]")
    contract = Contract.objects.get()
    assert page.locator(".qr-code svg").count() == 1
    shots(page, "contract")

    # Copy the link, as staff do to paste it into a messenger.
    page.get_by_role("button", name="Копировать").click()
    page.wait_for_selector("button[data-copied=true]")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == f"{live_server.url}/sign/{contract.contract_token}/"

    # The client signs on a phone, in a browser context of its own.
    phone = chromium.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, locale="ru-RU"
    )
    phone.set_default_timeout(20_000)
    client_page = phone.new_page()
    client_page.goto(link)
    client_page.fill(f"[name={CLIENT_FIELD}]", "ТОО «Құрылыс Сервис»")
    client_page.get_by_test_id("save-fields").click()
    client_page.wait_for_selector("[data-testid=signer-form]")
    client_page.fill("[name=client_name]", "Сейтқали Әлия")
    client_page.fill("[name=client_iin]", "850615300129")
    client_page.fill("[name=client_phone]", "8 701 123 45 67")
    for number in (1, 2, 3):
        client_page.check(f"#id_consent_{number}")
    client_page.get_by_test_id("send-code").click()
    client_page.wait_for_selector("[data-testid=code-form]")
    client_page.fill("[name=code]", last_code(settings))
    client_page.get_by_test_id("sign").click()
    client_page.wait_for_selector("[data-testid=done]")
    shots(client_page, "client-signed")
    phone.close()
    typed = contract.fields.get(field_name="company_work").value
    assert typed == "ТОО «Құрылыс Сервис»"

    # The company sees it signed in the list and counted in the chart.
    page.goto(f"{live_server.url}/dashboard/contracts/?status=signed")
    row = page.get_by_test_id("contracts").locator("tbody tr").first
    assert contract.number in row.inner_text()
    assert "Подписан" in row.inner_text()
    shots(page, "list-signed")
    page.goto(f"{live_server.url}/dashboard/contracts/{contract.pk}/")
    assert page.get_by_test_id("signed-pdf").count() == 1
    shots(page, "contract-signed")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#signatures-per-day")
    charted = page.evaluate(
        """() => Chart.getChart("signatures-per-day").data.datasets
             .flatMap(set => set.data).reduce((a, b) => a + b, 0)"""
    )
    assert charted == 1
    shots(page, "chart")
    office.close()


MIXED_CSV = (
    "number;work;summ;client_name;client_iin;client_phone\n"
    "B-1;Ремонт кровли;150000;Иванов Иван;850615300129;+7 701 123 4567\n"
    "B-2;Покраска;90000;Петров Пётр;123456789012;87011234568\n"
    "B-3;Электрика\n"
    "B-4;Фасад;300000;;;\n"
)


def test_bulk_creation_shows_progress_and_the_refused_rows(
    live_server, chromium, shots, tmp_path
):
    company = CompanyFactory()
    user = UserFactory(company=company, role="member", email="staff@example.kz")
    template = TemplateFactory(company=company, name="Подряд", fields=["work", "summ"])
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text(MIXED_CSV, encoding="utf-8")
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="ru-RU"
    )
    context.set_default_timeout(30_000)
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/contracts/bulk/")
    page.fill("[name=username]", user.email)
    page.fill("[name=password]", USER_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_selector("form[data-bulk-form]")
    page.select_option("[name=template]", str(template.pk))
    page.set_input_files("[name=file]", str(csv_path))
    page.get_by_role("button", name="Создать договоры").click()

    page.wait_for_selector("[data-bulk-summary]:has-text('Создано: 2, отклонено: 2.')")
    assert page.locator("[data-bulk-progress] .progress-bar").inner_text() == "100%"
    rows = page.locator("[data-bulk-report] tbody tr")
    assert rows.count() == 4
    assert "B-1" in rows.nth(0).inner_text()
    assert "client_iin" in rows.nth(1).inner_text()
    assert "В строке 2 ячеек, а в заголовке 6." in rows.nth(2).inner_text()
    shots(page, "bulk-report")
    assert sorted(Contract.objects.values_list("number", flat=True)) == ["B-1", "B-4"]
    context.close()
