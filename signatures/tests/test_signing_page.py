"""The client's signing page: the link, the steps, and every bad input."""

import hashlib
import io
import json
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from billing.models import CompanyBalance
from contracts import documents
from contracts import services as contract_services
from contracts.models import Contract, ContractField
from ozgecontract.errors import TooManyAttemptsError
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    SignatureFactory,
)
from signatures import services
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.sms import SmsBackend, SmsSendError
from signatures.tests.conftest import (
    BROWSER,
    VALID_IIN,
    last_code,
    pdf_text,
    set_balance,
    sms_outbox,
    wrong_code,
)
from signatures.views.signing_errors import error_message

pytestmark = pytest.mark.django_db

SIGNER = {
    "client_name": "Иванов Иван Иванович",
    "client_iin": VALID_IIN,
    "client_phone": "8 701 123 45 67",
    "consent_1": "on",
    "consent_2": "on",
    "consent_3": "on",
}


class FailingSmsBackend(SmsBackend):
    def send(self, *, to: str, text: str) -> None:
        raise SmsSendError()


_RENDERED: dict[tuple[str, str], bytes] = {}


@pytest.fixture(autouse=True)
def _render_each_document_once(monkeypatch):
    """Render each (template, values) pair for real, once per test session.

    Rendering the sample contract takes seconds and almost every test here
    shows the same template with the same values, which give the same PDF.
    The contracts services import `render_pdf` by name, so every module of
    the contracts app holding it gets the memoised one.
    """
    real_render = documents.render_pdf

    def render_once(template: bytes, context: dict, **options) -> bytes:
        key = (
            hashlib.sha256(template).hexdigest(),
            json.dumps(context, sort_keys=True, default=str),
        )
        if key not in _RENDERED:
            _RENDERED[key] = real_render(template, context, **options)
        return _RENDERED[key]

    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if name.startswith("contracts") and (
            getattr(module, "render_pdf", None) is real_render
        ):
            monkeypatch.setattr(module, "render_pdf", render_once)


@pytest.fixture
def browser():
    """A phone's browser: a Django client with a user agent and a fixed address."""
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")


def open_link(browser, contract) -> str:
    """Open the signing link as the client does; return the page's address."""
    response = browser.get(f"/sign/{contract.contract_token}/")
    assert response.status_code == 302
    return response["Location"]


def shown_document(browser, page) -> str:
    """Return the SHA-256 the signer step hands back with the code request."""
    html = browser.get(page + "?step=details").content.decode()
    found = re.search(r'name="document_sha256" value="(\w*)"', html)
    return found.group(1) if found else ""


def send_code(browser, page, **overrides):
    body = {**SIGNER, "document_sha256": shown_document(browser, page), **overrides}
    return browser.post(page + "code/", {k: v for k, v in body.items() if v})


def signed_in_page(browser, contract, settings) -> tuple[str, str]:
    """Open the link and request a code; return the page and the code."""
    page = open_link(browser, contract)
    response = send_code(browser, page)
    assert response.status_code == 302, response.content.decode()
    return page, last_code(settings)


def events(contract) -> list[str]:
    return list(
        AuditEvent.objects.filter(contract=contract).values_list("kind", flat=True)
    )


# --- the link --------------------------------------------------------------


def test_link_is_swapped_for_a_session_key_and_leaves_the_address_bar(
    browser, contract
):
    page = open_link(browser, contract)

    assert page.startswith("/sign/s/")
    assert str(contract.contract_token) not in page
    response = browser.get(page)
    assert response.status_code == 200
    assert str(contract.contract_token) not in response.content.decode()


def test_opening_the_link_records_an_opened_event_with_ip_and_device(browser, contract):
    open_link(browser, contract)

    event = AuditEvent.objects.get(contract=contract)
    assert event.kind == AuditEvent.Kind.OPENED
    assert event.ip_address == "203.0.113.7"
    assert event.user_agent == BROWSER


def test_opening_the_same_link_twice_keeps_one_session_key(browser, contract):
    assert open_link(browser, contract) == open_link(browser, contract)


def test_two_links_in_one_browser_keep_their_own_pages(browser, contract, company):
    other = ContractFactory(company=company, number="OC-OTHER")

    first = open_link(browser, contract)
    second = open_link(browser, other)

    assert first != second
    assert contract.number in browser.get(first).content.decode()
    assert "OC-OTHER" in browser.get(second).content.decode()


def test_page_views_change_nothing(browser, contract):
    page = open_link(browser, contract)

    for _ in range(3):
        assert browser.get(page).status_code == 200

    assert events(contract) == [AuditEvent.Kind.OPENED]
    assert not SigningCode.objects.exists()
    assert not Signature.objects.exists()


@pytest.mark.parametrize("token", ["00000000-0000-0000-0000-000000000000", "nonsense"])
def test_unknown_link_gets_a_clear_404_page(browser, db, token):
    response = browser.get(f"/sign/{token}/")

    assert response.status_code == 404
    assert response.templates[0].name == "signatures/signing/link_problem.html"
    assert response.context["reason"] == "unknown"


def test_cancelled_contract_gets_a_410_page(browser, contract):
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.CANCELLED)

    response = browser.get(f"/sign/{contract.contract_token}/")

    assert response.status_code == 410
    assert response.context["reason"] == "cancelled"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"status": Contract.Status.EXPIRED},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_expired_contract_gets_a_410_page(browser, contract, change):
    Contract.objects.filter(pk=contract.pk).update(**change)

    response = browser.get(f"/sign/{contract.contract_token}/")

    assert response.status_code == 410
    assert response.context["reason"] == "expired"


def test_contract_cancelled_after_opening_gets_a_410_page(browser, contract):
    page = open_link(browser, contract)
    Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.CANCELLED)

    assert browser.get(page).status_code == 410
    assert send_code(browser, page).status_code == 410
    assert not SigningCode.objects.filter(contract=contract).exists()


def test_page_key_unknown_to_this_browser_gets_a_404_page(browser, contract, client):
    page = open_link(browser, contract)

    response = client.get(page)

    assert response.status_code == 404
    assert response.context["reason"] == "session"


def test_link_problem_page_is_in_the_chosen_language(browser, db):
    browser.cookies["django_language"] = "kk"

    response = browser.get("/sign/00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404
    assert 'lang="kk"' in response.content.decode()
    assert "Сілтеме табылмады" in response.content.decode()


# --- language ----------------------------------------------------------------


def test_page_is_russian_by_default_even_for_an_english_browser(browser, contract):
    page = open_link(browser, contract)

    response = browser.get(page, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    html = response.content.decode()
    assert 'lang="ru"' in html
    assert "Получить код по SMS" in html


@pytest.mark.parametrize(
    ("language", "text"),
    [("kk", "SMS арқылы код алу"), ("en", "Get a code by SMS")],
)
def test_page_speaks_the_language_the_client_chose(browser, contract, language, text):
    page = open_link(browser, contract)

    response = browser.post("/i18n/setlang/", {"language": language, "next": page})
    assert response.status_code == 302
    assert response["Location"] == page

    html = browser.get(page).content.decode()
    assert f'lang="{language}"' in html
    assert text in html


def test_consent_statements_are_shown_in_russian_and_kazakh(browser, contract):
    html = browser.get(open_link(browser, contract)).content.decode()

    assert "принимаю договор оферты" in html
    assert "оферта шартын қабылдайтынымды" in html
    assert "ЖСН/БСН көрсетілген" in html
    assert "ИИН/БИН указан" in html
    assert "ақылы аудармашы жалдау құқығыңыз бар" in html
    assert "нанять платного переводчика" in html


STATEMENT_PAIRS = [
    ("принимаю договор оферты", "оферта шартын қабылдайтынымды"),
    ("ИИН/БИН указан", "ЖСН/БСН көрсетілген"),
    ("нанять платного переводчика", "ақылы аудармашы жалдау құқығыңыз бар"),
]


@pytest.mark.parametrize(("language", "first"), [("ru", 0), ("kk", 1), ("en", 0)])
def test_each_statement_shows_the_pages_language_first(
    browser, contract, settings, language, first
):
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = browser.get(open_link(browser, contract))

    html = response.content.decode()
    for pair in STATEMENT_PAIRS:
        shown_first, shown_second = pair[first], pair[1 - first]
        assert html.index(shown_first) < html.index(shown_second), pair
    labels = [field.label for field in response.context["form"].consents()]
    for label, pair in zip(labels, STATEMENT_PAIRS, strict=True):
        assert pair[first] in label


# --- the contract document ---------------------------------------------------


def test_page_embeds_the_contract_pdf_and_tells_its_page_count(browser, contract):
    page = open_link(browser, contract)

    response = browser.get(page)

    html = response.content.decode()
    # Relative to the page's own address, which it names as its base.
    assert f'<base href="{page}">' in html
    assert 'data="contract.pdf#view=FitH"' in html
    assert 'href="contract.pdf?download=1"' in html
    assert response.context["page_count"] >= 1
    assert f"· {response.context['page_count']} " in html


def test_page_view_reads_only_the_session_the_contract_and_its_fields(
    browser, contract, django_assert_num_queries
):
    page = open_link(browser, contract)
    browser.get(page)  # counts the PDF's pages once

    with django_assert_num_queries(3):
        response = browser.get(page)

    assert response.status_code == 200
    assert 'data-testid="signer-form"' in response.content.decode()


def test_signer_step_is_prefilled_with_the_signer_the_company_named(
    browser, contract, django_assert_num_queries
):
    SignatureFactory(
        contract=contract,
        client_name="Ожидаемый Подписант",
        client_iin=VALID_IIN,
        client_phone="+77017654321",
        signed_at=None,
    )
    page = open_link(browser, contract)
    browser.get(page)

    with django_assert_num_queries(4):
        response = browser.get(page)

    html = response.content.decode()
    assert 'name="client_name" id="id_client_name"' in html
    assert 'value="Ожидаемый Подписант"' in html
    assert 'value="+77017654321"' in html
    # The IIN is typed by the client, never prefilled.
    assert f'value="{VALID_IIN}"' not in html


def test_saved_fields_page_count_is_known_without_reading_the_pdf_again(
    browser, contract, monkeypatch
):
    cache.clear()
    ContractFieldFactory(contract=contract, field_name="work", value="")
    page = open_link(browser, contract)
    assert browser.post(page + "fields/", {"field__work": "Ремонт"}).status_code == 302

    def unexpected_read(**kwargs):
        raise AssertionError("the contract PDF was read again")

    monkeypatch.setattr(
        "signatures.views.signing.ensure_contract_document", unexpected_read
    )
    response = browser.get(page)

    contract.refresh_from_db()
    expected = len(PdfReader(io.BytesIO(contract.generated_pdf.read())).pages)
    assert response.status_code == 200
    assert response.context["page_count"] == expected


def test_contract_pdf_is_served_inline_and_may_be_framed_by_the_page(browser, contract):
    page = open_link(browser, contract)

    response = browser.get(page + "contract.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "Договор подряда" in pdf_text(response.content)


def test_contract_pdf_download_is_an_attachment(browser, contract):
    page = open_link(browser, contract)

    response = browser.get(page + "contract.pdf?download=1")

    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("kind", ["signed", "certificate", "other"])
def test_signed_files_are_404_before_signing(browser, contract, kind):
    page = open_link(browser, contract)

    assert browser.get(page + f"{kind}.pdf").status_code == 404


def test_pdf_of_a_page_key_unknown_to_this_browser_is_404(browser, contract, client):
    page = open_link(browser, contract)

    assert client.get(page + "contract.pdf").status_code == 404


# --- contract fields -----------------------------------------------------------


@pytest.fixture
def fields_contract(contract):
    specs = [
        ("work", ContractField.FieldType.TEXT, True, "Работы"),
        ("summ", ContractField.FieldType.NUMBER, True, "Сумма"),
        ("start_date", ContractField.FieldType.DATE, True, "Дата начала"),
        ("guarantor_iin", ContractField.FieldType.IIN, False, "ИИН поручителя"),
        ("contact_phone", ContractField.FieldType.PHONE, False, "Телефон"),
        ("contact_email", ContractField.FieldType.EMAIL, False, "Email"),
        ("agree_terms", ContractField.FieldType.CHECKBOX, True, "Согласен"),
    ]
    for position, (name, kind, required, label) in enumerate(specs):
        ContractFieldFactory(
            contract=contract,
            field_name=name,
            field_type=kind,
            required=required,
            label=label,
            position=position,
        )
    return contract


FIELD_VALUES = {
    "field__work": "Ремонт кровли",
    "field__summ": "150000.50",
    "field__start_date": "2026-12-20",
    "field__guarantor_iin": "920304405676",
    "field__contact_phone": "+7 701 765 4321",
    "field__contact_email": "client@example.kz",
    "field__agree_terms": "on",
}


def test_contract_with_fields_asks_for_them_first_with_typed_inputs(
    browser, fields_contract
):
    response = browser.get(open_link(browser, fields_contract))

    assert response.context["step"] == "fields"
    html = response.content.decode()
    assert 'type="date" name="field__start_date"' in html
    assert 'type="number" name="field__summ"' in html
    assert 'type="email" name="field__contact_email"' in html
    assert 'type="checkbox" name="field__agree_terms"' in html
    assert 'name="field__guarantor_iin"' in html
    assert 'type="tel"' in html


def test_saved_fields_are_stored_and_the_pdf_rendered_before_signing(
    browser, fields_contract
):
    page = open_link(browser, fields_contract)

    response = browser.post(page + "fields/", FIELD_VALUES)

    assert response.status_code == 302
    values = dict(fields_contract.fields.values_list("field_name", "value"))
    assert values["work"] == "Ремонт кровли"
    assert values["start_date"] == "20.12.2026"
    assert values["guarantor_iin"] == "920304405676"
    assert values["contact_phone"] == "+77017654321"
    assert values["agree_terms"] == "true"
    assert "Ремонт кровли" in pdf_text(browser.get(page + "contract.pdf").content)
    assert browser.get(page).context["step"] == "details"
    filled = AuditEvent.objects.get(kind=AuditEvent.Kind.FIELDS_FILLED)
    assert (filled.ip_address, filled.user_agent) == ("203.0.113.7", BROWSER)


def test_fields_step_shows_the_saved_values_again(browser, fields_contract):
    page = open_link(browser, fields_contract)
    browser.post(page + "fields/", FIELD_VALUES)

    html = browser.get(page + "?step=fields").content.decode()

    assert 'value="2026-12-20"' in html
    assert 'value="Ремонт кровли"' in html
    assert 'name="field__agree_terms" id="id_field__agree_terms" checked' in html


def test_unlabelled_field_is_asked_with_a_readable_label(browser, contract):
    ContractFieldFactory(
        contract=contract, field_name="company_work_schief", label="", value=""
    )

    response = browser.get(open_link(browser, contract))

    assert response.context["step"] == "fields"
    [field] = response.context["form"]
    assert field.label == "Company work schief"
    html = response.content.decode()
    assert ">Company work schief<" in html
    assert ">company_work_schief<" not in html


def prefilled_contract(contract):
    """One field the company filled in and one it left to the client."""
    ContractFieldFactory(
        contract=contract,
        field_name="company_director",
        label="",
        value="Ахметов Б. К.",
        required=True,
        position=0,
    )
    ContractFieldFactory(
        contract=contract, field_name="work", label="Работы", value="", position=1
    )
    return contract


def test_fields_the_company_filled_are_shown_read_only(browser, contract):
    page = open_link(browser, prefilled_contract(contract))

    response = browser.get(page)

    assert response.context["step"] == "fields"
    assert [f.name for f in response.context["form"]] == ["field__work"]
    html = response.content.decode()
    assert 'name="field__company_director"' not in html
    listed = re.search(r'data-testid="company-fields">(.*?)</dl>', html, re.S).group(1)
    assert "Company director" in listed
    assert "Ахметов Б. К." in listed


def test_a_posted_value_for_a_company_field_is_ignored(browser, contract):
    page = open_link(browser, prefilled_contract(contract))

    response = browser.post(
        page + "fields/",
        {"field__work": "Ремонт", "field__company_director": "Подменённый"},
    )

    assert response.status_code == 302
    values = dict(contract.fields.values_list("field_name", "value"))
    assert values == {"company_director": "Ахметов Б. К.", "work": "Ремонт"}


def test_client_fields_stay_editable_after_they_are_saved(browser, contract):
    page = open_link(browser, prefilled_contract(contract))
    browser.post(page + "fields/", {"field__work": "Ремонт"})

    response = browser.get(page + "?step=fields")

    assert [f.name for f in response.context["form"]] == ["field__work"]
    assert 'value="Ремонт"' in response.content.decode()


def test_contract_filled_in_by_the_company_skips_the_fields_step(
    browser, contract, settings
):
    ContractFieldFactory(
        contract=contract, field_name="summ", label="Сумма", value="150000"
    )
    ContractFieldFactory(
        contract=contract,
        field_name="agree",
        label="Согласие",
        field_type=ContractField.FieldType.CHECKBOX,
        required=False,
        value="true",
    )
    page = open_link(browser, contract)

    response = browser.get(page)

    assert response.context["step"] == "details"
    assert [name for name, _label in response.context["steps"]][0] == "details"
    html = response.content.decode()
    assert 'data-testid="company-fields"' in html
    assert "150000" in html
    assert send_code(browser, page).status_code == 302
    assert len(sms_outbox(settings)) == 1


def test_required_checkbox_the_company_left_unticked_is_asked(browser, contract):
    ContractFieldFactory(
        contract=contract,
        field_name="agree",
        label="Согласие",
        field_type=ContractField.FieldType.CHECKBOX,
        required=True,
        value="false",
    )

    response = browser.get(open_link(browser, contract))

    assert response.context["step"] == "fields"
    assert [f.name for f in response.context["form"]] == ["field__agree"]


def test_contract_that_cannot_be_rendered_gets_a_clear_page(browser, company):
    contract = ContractFactory(company=company)
    Path(contract.template.file.path).unlink()
    page = open_link(browser, contract)

    response = browser.get(page)

    assert response.status_code == 502
    assert response.context["reason"] == "document"
    assert browser.get(page + "contract.pdf").status_code == 502


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("field__work", ""),
        ("field__summ", "сто тысяч"),
        ("field__start_date", "31.02.2026"),
        ("field__guarantor_iin", "123456789012"),
        ("field__contact_phone", "12345"),
        ("field__contact_email", "not-an-email"),
        ("field__agree_terms", ""),
    ],
)
def test_bad_field_value_is_refused_and_nothing_is_saved(
    browser, fields_contract, name, value
):
    page = open_link(browser, fields_contract)

    response = browser.post(page + "fields/", {**FIELD_VALUES, name: value})

    assert response.status_code == 400
    assert response.context["form"].errors[name]
    assert not fields_contract.fields.exclude(value="").exists()


def test_code_cannot_be_requested_before_the_fields_are_filled(
    browser, fields_contract
):
    page = open_link(browser, fields_contract)

    response = send_code(browser, page)

    assert response.status_code == 302
    assert response["Location"] == page
    assert not SigningCode.objects.exists()


# --- the signer and the code -------------------------------------------------


def test_requesting_a_code_sends_it_and_shows_the_code_step(
    browser, contract, settings
):
    page = open_link(browser, contract)

    response = send_code(browser, page)

    assert response.status_code == 302
    assert sms_outbox(settings)[-1]["to"] == "+77011234567"
    shown = browser.get(page)
    assert shown.context["step"] == "code"
    html = shown.content.decode()
    assert "+7701***4567" in html
    assert 'autocomplete="one-time-code"' in html
    assert 0 < shown.context["resend_seconds"] <= settings.SIGNING_CODE_RESEND_SECONDS
    event = AuditEvent.objects.get(contract=contract, kind=AuditEvent.Kind.CODE_SENT)
    assert (event.ip_address, event.user_agent) == ("203.0.113.7", BROWSER)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"client_name": ""}, "client_name"),
        ({"client_name": "12345"}, "client_name"),
        ({"client_iin": "123456789012"}, "client_iin"),
        ({"client_iin": "85061530012"}, "client_iin"),
        ({"client_phone": "+7 727 250 0000"}, "client_phone"),
        ({"client_phone": "12"}, "client_phone"),
        ({"consent_2": ""}, "consent_2"),
    ],
)
def test_bad_signer_details_are_refused_and_no_code_is_sent(
    browser, contract, settings, overrides, field
):
    page = open_link(browser, contract)

    response = send_code(browser, page, **overrides)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert sms_outbox(settings) == []
    assert not SigningCode.objects.exists()


def test_resending_too_soon_is_refused_with_the_wait(browser, contract, settings):
    page, _code = signed_in_page(browser, contract, settings)

    response = browser.post(page + "code/", {"resend": "1"})

    assert response.status_code == 429
    assert "Код только что отправлен" in response.context["error"]
    assert response.context["step"] == "code"
    assert len(sms_outbox(settings)) == 1


def test_resending_after_the_wait_sends_a_new_code(browser, contract, settings):
    settings.SIGNING_CODE_RESEND_SECONDS = 0
    page, first = signed_in_page(browser, contract, settings)

    response = browser.post(page + "code/", {"resend": "1"})

    assert response.status_code == 302
    assert len(sms_outbox(settings)) == 2


def test_too_many_code_requests_are_refused(browser, contract, settings):
    settings.SIGNING_CODE_RESEND_SECONDS = 0
    settings.SIGNING_CODE_MAX_PER_HOUR = 2
    page, _code = signed_in_page(browser, contract, settings)
    assert browser.post(page + "code/", {"resend": "1"}).status_code == 302

    response = browser.post(page + "code/", {"resend": "1"})

    assert response.status_code == 429
    assert "Слишком много" in response.context["error"]
    assert len(sms_outbox(settings)) == 2
    assert browser.get(page).context["resend_seconds"] > 60


def test_sms_gateway_failure_tells_the_client_to_try_again(browser, contract, settings):
    settings.SMS_BACKEND = f"{__name__}.FailingSmsBackend"
    page = open_link(browser, contract)

    response = send_code(browser, page)

    assert response.status_code == 502
    assert "Не удалось отправить SMS" in response.context["error"]
    assert not SigningCode.objects.exists()
    assert browser.get(page).context["step"] == "details"


def test_phone_other_than_the_expected_signers_is_refused(browser, contract, settings):
    Signature.objects.create(
        contract=contract,
        client_name="Иванов Иван",
        client_iin=VALID_IIN,
        client_phone="+77017654321",
        method=Signature.Method.SMS,
    )
    page = open_link(browser, contract)

    response = send_code(browser, page)

    assert response.status_code == 400
    assert response.context["error"] == (
        "Этот номер телефона отличается от указанного компанией для подписанта."
    )
    assert sms_outbox(settings) == []


def test_expected_signer_prefills_name_and_phone(browser, contract):
    services.create_expected_signer(
        contract=contract,
        client_name="Петров Пётр",
        client_iin=VALID_IIN,
        client_phone="+77017654321",
        method=Signature.Method.SMS,
    )

    form = browser.get(open_link(browser, contract)).context["form"]

    assert form["client_name"].value() == "Петров Пётр"
    assert form["client_phone"].value() == "+77017654321"


# --- signing by SMS --------------------------------------------------------------


def test_right_code_signs_the_contract_and_offers_the_downloads(
    browser, contract, settings
):
    page, code = signed_in_page(browser, contract, settings)

    response = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert response.status_code == 302
    assert response["Location"] == page + "done/"
    contract.refresh_from_db()
    assert contract.status == Contract.Status.SIGNED
    signature = Signature.objects.get(contract=contract)
    assert (signature.client_name, signature.client_iin, signature.client_phone) == (
        "Иванов Иван Иванович",
        VALID_IIN,
        "+77011234567",
    )
    assert signature.method == Signature.Method.SMS
    assert (signature.ip_address, signature.user_agent) == ("203.0.113.7", BROWSER)
    assert CompanyBalance.objects.get(company=contract.company).sms_signatures == 4
    assert events(contract) == [
        AuditEvent.Kind.OPENED,
        AuditEvent.Kind.CODE_SENT,
        AuditEvent.Kind.CODE_VERIFIED,
        AuditEvent.Kind.SIGNED,
    ]
    done = browser.get(page + "done/")
    assert done.status_code == 200
    html = done.content.decode()
    assert f'href="{page}signed.pdf?download=1"' in html
    assert f'href="{page}certificate.pdf?download=1"' in html


def test_signed_pdf_and_certificate_download_after_signing(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)
    browser.post(page + "sign/", {"method": "sms", "code": code})

    signed = browser.get(page + "signed.pdf?download=1")
    certificate = browser.get(page + "certificate.pdf?download=1")

    assert signed.status_code == certificate.status_code == 200
    assert signed["Content-Disposition"].startswith("attachment;")
    signed_text = pdf_text(signed.content)
    assert "Договор подряда" in signed_text
    assert "Иванов Иван Иванович" in signed_text
    assert "Иванов Иван Иванович" in pdf_text(certificate.content)


def test_contract_changed_after_the_code_was_sent_is_not_signed_with_it(
    browser, fields_contract, settings, owner
):
    page = open_link(browser, fields_contract)
    browser.post(page + "fields/", FIELD_VALUES)
    page, code = signed_in_page(browser, fields_contract, settings)
    contract_services.set_field_values(
        contract=fields_contract, values={"work": "Снос здания"}, actor=owner
    )

    response = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert response.status_code == 409
    assert response.context["step"] == "details"
    assert response.context["error"] == (
        "Договор изменился во время подписания. Прочитайте его ещё раз и подпишите."
    )
    assert not Signature.objects.exists()
    assert SigningCode.objects.get().attempts == 0
    shown = browser.get(page)
    assert shown.context["step"] == "details"
    assert shown.context["form"]["client_iin"].value() == VALID_IIN


def test_wrong_code_says_how_many_attempts_are_left(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)

    response = browser.post(page + "sign/", {"method": "sms", "code": wrong_code(code)})

    assert response.status_code == 400
    assert response.context["error"] == "Неверный код. Осталось попыток: 4."
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.PENDING
    failed = AuditEvent.objects.get(contract=contract, kind=AuditEvent.Kind.CODE_FAILED)
    assert (failed.ip_address, failed.user_agent) == ("203.0.113.7", BROWSER)


def test_exhausted_code_asks_for_a_new_one(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)
    for _ in range(settings.SIGNING_CODE_MAX_ATTEMPTS - 1):
        browser.post(page + "sign/", {"method": "sms", "code": wrong_code(code)})

    last_try = browser.post(page + "sign/", {"method": "sms", "code": wrong_code(code)})
    right_too_late = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert last_try.status_code == 400
    assert "Запросите новый код" in last_try.context["error"]
    assert right_too_late.status_code == 400
    assert "Запросите новый код" in right_too_late.context["error"]
    assert not Signature.objects.exists()


def test_expired_code_asks_for_a_new_one(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)
    SigningCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert response.status_code == 400
    assert response.context["error"] == "Срок действия кода истёк. Запросите новый код."
    assert not Signature.objects.exists()


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456"])
def test_malformed_code_is_refused_without_counting_an_attempt(
    browser, contract, settings, code
):
    page, _code = signed_in_page(browser, contract, settings)

    response = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    assert SigningCode.objects.get().attempts == 0


def test_empty_balance_leaves_the_contract_unsigned(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)
    set_balance(contract.company, sms=0)

    response = browser.post(page + "sign/", {"method": "sms", "code": code})

    assert response.status_code == 402
    assert "обратитесь в компанию" in response.context["error"]
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.PENDING
    assert not Signature.objects.filter(signed_at__isnull=False).exists()


def test_send_code_with_an_empty_balance_sends_nothing_and_says_why(
    browser, contract, settings
):
    set_balance(contract.company, sms=0, ecp=2)
    page = open_link(browser, contract)

    response = send_code(browser, page)

    assert response.status_code == 402
    assert response.context["step"] == "details"
    assert "обратитесь в компанию" in response.context["error"]
    assert sms_outbox(settings) == []
    assert not SigningCode.objects.exists()
    assert AuditEvent.Kind.CODE_SENT not in events(contract)


def test_signing_without_a_requested_code_goes_back_to_the_signer_step(
    browser, contract
):
    page = open_link(browser, contract)

    response = browser.post(page + "sign/", {"method": "sms", "code": "123456"})

    assert response.status_code == 302
    assert response["Location"] == page


def test_signed_contract_link_opens_the_thank_you_page(browser, contract, settings):
    page, code = signed_in_page(browser, contract, settings)
    browser.post(page + "sign/", {"method": "sms", "code": code})
    later = Client(HTTP_USER_AGENT=BROWSER)

    again = later.get(f"/sign/{contract.contract_token}/")
    done = later.get(again["Location"])

    assert again["Location"].endswith("/done/")
    assert done.status_code == 200
    assert done.context["signature"].client_name == "Иванов Иван Иванович"
    assert browser.get(page).status_code == 302
    assert browser.post(page + "sign/", {"code": code}).status_code == 302
    assert Signature.objects.count() == 1


def test_done_page_before_signing_goes_back_to_the_page(browser, contract):
    page = open_link(browser, contract)

    response = browser.get(page + "done/")

    assert response.status_code == 302
    assert response["Location"] == page


# --- signing with ЭЦП ---------------------------------------------------------------


@pytest.fixture
def trusted_pki(settings, tmp_path):
    from signatures.tests import pki

    pki.trust(settings, tmp_path / "trust")
    return pki


def ecp_body(page_pdf: bytes, pki, **overrides) -> dict:
    body = {**SIGNER, "method": "ecp", "cms": pki.sign(page_pdf, pki.person())}
    body.update(overrides)
    return {k: v for k, v in body.items() if v}


def test_ecp_signature_over_the_shown_pdf_signs_the_contract(
    browser, contract, trusted_pki
):
    page = open_link(browser, contract)
    pdf = browser.get(page + "contract.pdf").content

    response = browser.post(page + "sign/", ecp_body(pdf, trusted_pki))

    assert response.status_code == 302, response.context and response.context["error"]
    assert response["Location"] == page + "done/"
    signature = Signature.objects.get(contract=contract)
    assert signature.method == Signature.Method.ECP
    assert f"IIN{VALID_IIN}" in signature.cert_subject
    assert CompanyBalance.objects.get(company=contract.company).ecp_signatures == 4


def test_ecp_signature_over_other_bytes_is_refused(browser, contract, trusted_pki):
    page = open_link(browser, contract)

    response = browser.post(
        page + "sign/", ecp_body(b"%PDF-1.7 another document", trusted_pki)
    )

    assert response.status_code == 400
    assert response.context["error"].startswith("Подпись поставлена под другим")
    assert response.context["step"] == "details"
    assert not Signature.objects.exists()


def test_ecp_signature_of_another_person_is_refused(browser, contract, trusted_pki):
    page = open_link(browser, contract)
    pdf = browser.get(page + "contract.pdf").content
    cms = trusted_pki.sign(pdf, trusted_pki.person(iin=trusted_pki.OTHER_IIN))

    response = browser.post(page + "sign/", ecp_body(pdf, trusted_pki, cms=cms))

    assert response.status_code == 400
    assert response.context["error"].startswith("Ключ принадлежит другому")
    assert not Signature.objects.exists()


def test_ecp_without_a_signature_is_refused(browser, contract):
    page = open_link(browser, contract)

    response = browser.post(page + "sign/", {**SIGNER, "method": "ecp"})

    assert response.status_code == 400
    assert response.context["form"].errors["cms"]


def test_ecp_page_points_the_module_at_ncalayer_and_the_pdf(browser, contract):
    page = open_link(browser, contract)

    html = browser.get(page).content.decode()

    assert 'data-ncalayer-url="wss://127.0.0.1:13579"' in html
    assert f'<base href="{page}">' in html
    assert 'data-document-url="contract.pdf"' in html
    assert "/static/js/ncalayer.js" in html


# --- forms and CSRF -------------------------------------------------------------------


def test_every_form_on_the_page_carries_a_csrf_token(browser, contract, settings):
    page, _code = signed_in_page(browser, contract, settings)

    for url in (page + "?step=details", page):
        html = browser.get(url).content.decode()
        assert html.count("<form") == html.count('name="csrfmiddlewaretoken"') > 1


def test_post_without_csrf_token_is_refused(contract, settings):
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    page = open_link(strict, contract)

    response = strict.post(page + "code/", SIGNER)

    assert response.status_code == 403
    assert sms_outbox(settings) == []


def test_steps_refuse_get(browser, contract):
    page = open_link(browser, contract)

    for step in ("fields/", "code/", "sign/"):
        assert browser.get(page + step).status_code == 405


def test_too_many_attempts_error_reads_in_minutes(browser, contract):
    exc = TooManyAttemptsError(code="code_limit_reached", retry_after=125)

    with translation.override("ru"):
        message = error_message(exc, contract)

    assert message == ("Слишком много запросов кода. Попробуйте снова через 3 минуты.")


def test_pages_with_personal_data_are_never_cached(browser, contract, settings):
    page, _code = signed_in_page(browser, contract, settings)

    for url in (page, page + "contract.pdf"):
        assert "no-store" in browser.get(url)["Cache-Control"]


# --- a form posted without a valid CSRF token ------------------------------


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_csrf_failure_shows_the_friendly_expired_page_in_the_chosen_language(
    contract, settings, language
):
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = open_link(browser, contract)

    response = browser.post(page + "code/", SIGNER)

    assert response.status_code == 403
    assert [t.name for t in response.templates] == ["403_csrf.html"]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in html
    with translation.override(language):
        assert translation.gettext("The page has expired") in html
        assert translation.gettext("Go back") in html
    assert "CSRF verification failed" not in html
    assert sms_outbox(settings) == []
    assert not SigningCode.objects.exists()


def test_form_with_its_csrf_token_still_passes_the_check(contract, settings):
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    page = open_link(browser, contract)
    html = browser.get(page).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    response = send_code(browser, page, csrfmiddlewaretoken=token)

    assert response.status_code == 302
    assert len(sms_outbox(settings)) == 1


# --- the page's kept fragments ---------------------------------------------


def test_page_addresses_are_the_ones_reverse_gives():
    from urllib.parse import urljoin

    from django.urls import reverse

    from signatures.views.signing import _page_urls

    urls = _page_urls("k3y")
    page = urls["page_url"]
    assert page == reverse("signatures:signing-page", kwargs={"key": "k3y"})
    for name in ("fields", "code", "sign"):
        assert urljoin(page, urls["urls"][name]) == reverse(
            f"signatures:signing-{name}", kwargs={"key": "k3y"}
        )
    document = reverse(
        "signatures:signing-file", kwargs={"key": "k3y", "kind": "contract"}
    )
    assert urljoin(page, urls["document_url"]) == document
    assert urljoin(page, urls["download_url"]) == document + "?download=1"


def test_a_step_shown_by_a_post_resolves_its_addresses_from_the_page(client, contract):
    page = client.get(f"/sign/{contract.contract_token}/")["Location"]

    refused = client.post(page + "code/", {"client_name": ""})

    html = refused.content.decode()
    assert refused.status_code == 400
    assert f'<base href="{page}">' in html
    assert 'action="code/"' in html
    assert 'href="contract.pdf?download=1"' in html


def test_switching_language_on_a_refused_step_returns_to_the_page(client, contract):
    page = client.get(f"/sign/{contract.contract_token}/")["Location"]
    refused = client.post(page + "code/", {"client_name": ""})
    assert f'name="next" value="{page}"' in refused.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "kk", "next": page})

    assert switched.status_code == 302
    assert switched["Location"] == page
    assert client.get(page).status_code == 200


def test_kept_fragments_follow_each_pages_language_and_link(contract, company):
    other = ContractFactory(company=company)
    pages = {}
    for language, linked in (("ru", contract), ("en", other), ("kk", contract)):
        browser = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.7")
        browser.cookies["django_language"] = language
        page = open_link(browser, linked)
        pages[language] = (page, browser.get(page).content.decode())

    for language, (page, html) in pages.items():
        assert f'<html lang="{language}">' in html
        assert f'value="{language}" lang="{language}" title=' in html
        assert html.count('aria-pressed="true"') == 1
        assert re.search(rf'value="{language}"[^>]*btn-primary"\s+aria-pressed', html)
        # Every link on the page is this browser's own.
        keys = set(re.findall(r"/sign/s/([^/\"]+)/", html))
        assert keys == {page.split("/")[3]}
    assert "Get a code by SMS" in pages["en"][1]
    assert "Get a code by SMS" not in pages["ru"][1]
    assert pages["ru"][1] != pages["kk"][1]
