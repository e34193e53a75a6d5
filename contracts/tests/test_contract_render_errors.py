"""A contract's values that the template cannot take: what each reader is told.

The upload's test render uses empty values, so a mistake behind
`{% if client %}` only shows when a contract is made with a client. Such
values are refused before anything is saved, with the reason in the reader's
language and no Python or Jinja English; the raw text goes to the server log.
A contract made without that check (bulk creation) keeps the reason on the
contract and its document says it.
"""

import html
import logging

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from contracts.documents import ConversionError, render_pdf
from contracts.models import Contract
from contracts.services import create_contract
from ozgecontract.tests.factories import TemplateFactory
from templates_app.tests import docx_builders as build

pytestmark = pytest.mark.django_db

LINE = "{% if client %}Заказчик: {{ client.name.first }}.{% endif %}"
LIBRARY_ENGLISH = ("object", "attribute", "is undefined", "could not be filled in")
REASONS = {
    "ru": (
        "Не удаётся заполнить «{{ client.name.first }}» в тексте документа, "
        f"рядом с «{LINE}». У значения нет части «name»: поле содержит простой "
        "текст, поэтому пишите его имя без точек и скобок, например "
        "«{{ client_name }}»."
    ),
    "kk": (
        f"Үлгінің құжат мәтінінде, «{LINE}» маңында «{{{{ client.name.first }}}}» "
        "толтырылмайды. Мәнде «name» бөлігі жоқ: өрісте қарапайым мәтін болады, "
        "сондықтан оның атауын нүктесіз және жақшасыз жазыңыз, мысалы "
        "«{{ client_name }}»."
    ),
}


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        name="Договор подряда",
        file=ContentFile(build.simple_docx("Договор подряда", LINE), "t.docx"),
        fields=["client"],
    )


def assert_no_library_english(text: str) -> None:
    assert not [words for words in LIBRARY_ENGLISH if words in text], text


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_rendering_says_which_placeholder_fails_in_the_readers_language(language):
    data = build.simple_docx("Договор подряда", LINE)

    with translation.override(language), pytest.raises(ConversionError) as caught:
        render_pdf(data, {"client": "Иванов Иван"}, converter="html")

    assert str(caught.value) == REASONS[language]


def test_a_loop_variable_is_named_though_it_only_exists_in_the_loop():
    data = build.simple_docx(
        "Работы:", "{% for work in works.split(';') %}- {{ work.name.ru }}{% endfor %}"
    )

    with translation.override("ru"), pytest.raises(ConversionError) as caught:
        render_pdf(data, {"works": "кровля;фасад"}, converter="html")

    assert str(caught.value).startswith(
        "Не удаётся заполнить «{{ work.name.ru }}» в тексте документа"
    )
    assert "У значения нет части «name»" in str(caught.value)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_values_the_template_cannot_take_are_refused_before_anything_is_saved(
    owner_api, template, language, caplog
):
    with caplog.at_level(logging.INFO, logger="contracts.documents.docx"):
        response = owner_api.post(
            "/contracts",
            {"template_id": template.pk, "values": {"client": "Иванов Иван"}},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )

    assert response.status_code == 409
    assert response.json()["code"] == "document_unfillable"
    assert response.json()["detail"] == REASONS[language]
    assert not Contract.objects.exists()
    assert any(
        "'str object' has no attribute 'name'" in r.getMessage()
        and r.levelno == logging.INFO
        for r in caplog.records
    )


def unchecked_contract(template, owner, *, client: str = "Иванов Иван") -> Contract:
    """Make a contract the template cannot take, as bulk creation may."""
    return create_contract(
        company=template.company,
        template=template,
        user=owner,
        values={"client": client},
        check_template=False,
    )


def test_changing_a_value_to_one_the_template_cannot_take_saves_nothing(
    owner_api, owner, template
):
    contract = unchecked_contract(template, owner, client="")

    response = owner_api.put(
        f"/contract-fields/{contract.pk}",
        {"values": {"client": "Иванов"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == REASONS["ru"]
    assert contract.fields.get(field_name="client").value == ""


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_documents_refusal_over_the_api_carries_no_library_english(
    owner_api, owner, template, language
):
    with translation.override(language):
        contract = unchecked_contract(template, owner)

    response = owner_api.get(
        f"/contracts/{contract.pk}/document", HTTP_ACCEPT_LANGUAGE=language
    )

    # Trying again would change nothing: a 409 that says why.
    assert response.status_code == 409
    assert response.json()["code"] == "document_unfillable"
    assert response.json()["detail"] == REASONS[language]
    assert_no_library_english(response.json()["detail"])
    contract.refresh_from_db()
    assert contract.document_status == "failed"


def test_the_dashboard_refuses_such_values_on_the_form_in_kazakh(
    client, owner, template
):
    client.force_login(owner)

    response = client.post(
        "/dashboard/contracts/new/",
        {
            "template": template.pk,
            "number": "",
            "value__client": "Иванов Иван",
            "client_name": "",
            "client_iin": "",
            "client_phone": "",
            "method": "sms",
        },
        HTTP_ACCEPT_LANGUAGE="kk",
    )

    assert response.status_code == 200
    assert REASONS["kk"] in html.unescape(response.content.decode())
    assert_no_library_english(response.content.decode())
    assert not Contract.objects.exists()


def test_a_bulk_made_contracts_document_page_says_why_in_kazakh(
    client, owner, template
):
    contract = unchecked_contract(template, owner)
    client.force_login(owner)

    page = client.get(
        f"/dashboard/contracts/{contract.pk}/document.pdf", HTTP_ACCEPT_LANGUAGE="kk"
    )

    assert page.status_code == 409
    assert REASONS["kk"] in html.unescape(page.content.decode())
    assert_no_library_english(page.content.decode())
    contract.refresh_from_db()
    assert contract.document_error == REASONS["kk"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("{{ lipsum(100000) }}", "Үлгінің бұл жерінде «lipsum» мәні жоқ."),
        (
            "{{ 'x'|center(10000000) }}",
            "«center» сүзгісі жоқ немесе келісім-шарт үлгілерінде рұқсат етілмеген",
        ),
    ],
)
def test_a_stored_template_reaching_for_a_removed_helper_is_told_in_kazakh(
    source, problem
):
    # Written around the intake checks, as if the file were swapped on disk.
    with translation.override("kk"), pytest.raises(ConversionError) as caught:
        render_pdf(build.simple_docx(source), {}, converter="html")

    assert str(caught.value).startswith(f"Үлгінің құжат мәтінінде «{source}»")
    assert problem in str(caught.value)
    assert_no_library_english(str(caught.value))


def test_the_client_is_told_to_contact_the_company_not_to_retry(
    owner_api, owner, client, template
):
    contract = unchecked_contract(template, owner)

    by_token = client.get(
        f"/contracts/token/{contract.contract_token}/document",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    page = client.get(client.get(f"/sign/{contract.contract_token}/")["Location"])
    company_view = owner_api.get(
        f"/contracts/{contract.pk}/document", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert by_token.status_code == 409
    assert by_token.json()["code"] == "document_unfillable"
    # The template's text is the company's: the link holder reads none of it.
    assert by_token.json()["detail"] == (
        "Договор нельзя составить с этими значениями. Свяжитесь с компанией, "
        "которая прислала вам ссылку."
    )
    assert company_view.json()["detail"] == REASONS["ru"]
    assert page.status_code == 409
    assert_no_library_english(page.content.decode())


def test_a_value_the_template_cannot_take_keeps_the_client_on_the_fields_step(
    owner_api, client, template
):
    owner_api.post("/contracts", {"template_id": template.pk}, format="json")
    contract = Contract.objects.get()
    page = client.get(f"/sign/{contract.contract_token}/")["Location"]
    assert client.get(page).status_code == 200

    refused = client.post(page + "fields/", {"field__client": "Иванов"})

    html_text = html.unescape(refused.content.decode())
    assert refused.status_code == 409
    assert 'data-testid="fields-form"' in html_text
    assert "Свяжитесь с компанией, которая прислала вам ссылку." in html_text
    assert "{{" not in html_text
    # Nothing was saved: the client may try another value.
    assert contract.fields.get(field_name="client").value == ""
