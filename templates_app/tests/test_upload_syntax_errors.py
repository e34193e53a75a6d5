"""A template with a Jinja syntax error is refused in the uploader's language.

The message names the part of the document and the text around the mistake,
and says what to fix; Jinja's English stays in the server log.
"""

import io
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from templates_app.models import Template
from templates_app.tests import docx_builders as build
from templates_app.tests.uploads import refusal, stored_files, upload

pytestmark = pytest.mark.django_db

PAGE_URL = "/dashboard/templates/upload/"

# Jinja's own words, none of which may reach a company employee.
JINJA_ENGLISH = (
    "unexpected",
    "expected token",
    "end of print statement",
    "Encountered",
    "Jinja",
    "innermost block",
    "No filter named",
    "Template error",
)

PRICE = "6.1. Цена настоящего Договора составляет {{summ}, {{nds}}."
PAYMENT = "{% if nds %}- {{ist_fin}} – {{summ}}."
# The paragraph in error, between the ends of the paragraphs around it.
NEAR_PRICE = f"Цена и порядок оплаты / {PRICE} / Цена договора включает средств…"


def sample_with(paragraph_edit) -> bytes:
    """The repair-works sample, with one edit made the way Word would keep it."""
    document = Document(io.BytesIO(build.sample_bytes()))
    paragraph_edit(document.paragraphs)
    return build.docx_bytes(document)


def price_with_a_missing_brace(paragraphs):
    # "{{summ}}" becomes "{{summ}": the run holding "}}" loses one brace.
    price = next(p for p in paragraphs if p.text.startswith("6.1. Цена"))
    closing = next(run for run in price.runs if run.text == "}}")
    closing.text = "}"
    assert price.text == PRICE


def payment_with_an_unclosed_if(paragraphs):
    payment = next(p for p in paragraphs if p.text == "- {{ist_fin}} – {{summ}}.")
    payment.runs[0].text = "{% if nds %}" + payment.runs[0].text
    assert payment.text == PAYMENT


def header_with_a_missing_brace() -> bytes:
    document = Document(io.BytesIO(build.sample_bytes()))
    document.sections[0].header.paragraphs[0].text = "Договор № {{ contract_no }"
    return build.docx_bytes(document)


def assert_no_jinja_english(detail: str) -> None:
    assert not [words for words in JINJA_ENGLISH if words in detail], detail


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            f"В шаблоне ошибка в тексте документа, рядом с «{NEAR_PRICE}». Скобки не "
            "совпадают: поле пишется как «{{ name }}», а тег — как «{% if name %}».",
        ),
        (
            "kk",
            f"Үлгінің құжат мәтінінде, «{NEAR_PRICE}» маңында қате бар. Жақшалар "
            "сәйкес келмейді: өрісті «{{ name }}», ал тегті «{% if name %}» түрінде "
            "жазыңыз.",
        ),
    ],
)
def test_a_missing_brace_in_the_sample_is_refused_naming_the_paragraph(
    owner_api, settings, language, expected
):
    data = sample_with(price_with_a_missing_brace)

    detail = refusal(upload(owner_api, data, language))

    assert detail == expected
    assert_no_jinja_english(detail)
    assert Template.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("language", "where", "problem"),
    [
        (
            "ru",
            "В шаблоне ошибка в тексте документа, рядом с «",
            "Блок «{% if %}» не закрыт: поставьте «{% endif %}» там, где он "
            "заканчивается.",
        ),
        (
            "kk",
            "Үлгінің құжат мәтінінде, «",
            "«{% if %}» блогы жабылмаған: ол аяқталатын жерге «{% endif %}» қойыңыз.",
        ),
    ],
)
def test_an_unclosed_if_is_shown_where_it_opens_not_at_the_end(
    owner_api, settings, language, where, problem
):
    data = sample_with(payment_with_an_unclosed_if)

    detail = refusal(upload(owner_api, data, language))

    assert detail.startswith(where)
    assert PAYMENT in detail
    assert detail.endswith(problem)
    assert_no_jinja_english(detail)
    assert Template.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("language", "where"),
    [
        ("ru", "В шаблоне ошибка в верхнем колонтитуле, рядом с «Договор № {{ "),
        ("kk", "Үлгінің жоғарғы колонтитулында, «Договор № {{ "),
    ],
)
def test_a_mistake_in_the_page_header_names_the_header(owner_api, language, where):
    detail = refusal(upload(owner_api, header_with_a_missing_brace(), language))

    assert detail.startswith(where + "contract_no }»")
    assert_no_jinja_english(detail)
    assert Template.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "problem"),
    [
        (
            "ru",
            "Поле не закрыто знаком «}}» или в его имени есть пробел (пишите "
            "«client_name», а не «client name»).",
        ),
        (
            "kk",
            "Өріс «}}» белгісімен жабылмаған немесе оның атауында бос орын бар "
            "(«client name» емес, «client_name» деп жазыңыз).",
        ),
    ],
)
def test_a_space_in_a_field_name_is_explained(owner_api, language, problem):
    data = build.simple_docx("Заказчик: {{ имя клиента }}")

    detail = refusal(upload(owner_api, data, language))

    assert "«Заказчик: {{ имя клиента }}»" in detail
    assert detail.endswith(problem)
    assert_no_jinja_english(detail)


@pytest.mark.parametrize(
    ("language", "problem"),
    [
        (
            "ru",
            "Фильтра «nosuchfilter» нет или он запрещён в шаблонах договоров; "
            "найдите в документе «|nosuchfilter».",
        ),
        (
            "kk",
            "«nosuchfilter» сүзгісі жоқ немесе келісім-шарт үлгілерінде рұқсат "
            "етілмеген; құжаттан «|nosuchfilter» мәтінін табыңыз.",
        ),
    ],
)
def test_an_unknown_filter_is_named_so_it_can_be_found(owner_api, language, problem):
    data = build.simple_docx("Сумма: {{ summ|nosuchfilter }}")

    detail = refusal(upload(owner_api, data, language))

    assert detail.endswith(problem)
    assert_no_jinja_english(detail)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "В шаблоне ошибка в тексте документа, рядом с «{% include 'x.docx' %}». "
            "«include» нельзя использовать в шаблонах договоров.",
        ),
        (
            "kk",
            "Үлгінің құжат мәтінінде, «{% include 'x.docx' %}» маңында қате бар. "
            "«include» келісім-шарт үлгілерінде рұқсат етілмейді.",
        ),
    ],
)
def test_the_sandboxs_own_refusal_keeps_its_reason(owner_api, language, expected):
    data = build.simple_docx("{% include 'x.docx' %}")

    assert refusal(upload(owner_api, data, language)) == expected


def test_an_english_reader_gets_the_same_advice_in_english(owner_api):
    data = sample_with(price_with_a_missing_brace)

    detail = refusal(upload(owner_api, data, "en"))

    assert detail == (
        f"The template has a mistake in the document text, near «{NEAR_PRICE}». The "
        "braces do not match: write a field as «{{ name }}» and a tag as "
        "«{% if name %}»."
    )


def test_jinjas_own_text_stays_in_the_server_log(owner_api, caplog):
    data = sample_with(price_with_a_missing_brace)

    with caplog.at_level(logging.INFO, logger="templates_app.services"):
        detail = refusal(upload(owner_api, data, "ru"))

    assert "unexpected '}'" not in detail
    assert any("unexpected '}'" in r.getMessage() for r in caplog.records)


def test_the_dashboard_refuses_the_upload_in_kazakh(client, member, settings):
    client.force_login(member)
    data = sample_with(price_with_a_missing_brace)

    response = client.post(
        PAGE_URL,
        {"name": "Жөндеу", "file": SimpleUploadedFile("contract.docx", data)},
        HTTP_ACCEPT_LANGUAGE="kk",
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error.startswith(
        f"Құжат қабылданбады: Үлгінің құжат мәтінінде, «{NEAR_PRICE}»"
    )
    assert_no_jinja_english(error)
    assert Template.objects.count() == 0
    assert stored_files(settings) == []
