"""A template its test render cannot fill in is refused in the uploader's words.

The message is the uploader's language only (ru, kk), names the part of the
document, the paragraph and the placeholder where they can be known, and
nothing is stored; Python's and Jinja's English stays in the server log.
"""

import functools
import io
import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from docx import Document

from contracts.services import DocumentUnfillableError
from ozgecontract.tests.factories import TemplateFactory
from templates_app import services
from templates_app.models import Template
from templates_app.tests import docx_builders as build
from templates_app.tests import uploads
from templates_app.tests.uploads import stored_files, upload

pytestmark = pytest.mark.django_db

PAGE_URL = "/dashboard/templates/upload/"

# Words of Python, Jinja, docxtpl and python-docx, none of which may reach
# a company employee.
LIBRARY_ENGLISH = (
    "object",
    "attribute",
    "is undefined",
    "No filter named",
    "No test named",
    "division",
    "unsupported operand",
    "concatenate",
    "recursion",
    "unsafe",
    "could not be filled in",
)
CLIENT_LINE = "Заказчик: {{ client.name.first }}, действующий от своего имени."


def sample_with_paragraph(text: str) -> bytes:
    """The repair-works sample with `text` as a paragraph after its title."""
    document = Document(io.BytesIO(build.sample_bytes()))
    title = document.paragraphs[0]
    title.insert_paragraph_before(text)
    return build.docx_bytes(document)


refusal = functools.partial(uploads.refusal, library_english=LIBRARY_ENGLISH)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "Не удаётся заполнить «{{ client.name.first }}» в тексте документа, "
            f"рядом с «{CLIENT_LINE}». У значения нет части «name»: поле содержит "
            "простой текст, поэтому пишите его имя без точек и скобок, например "
            "«{{ client_name }}».",
        ),
        (
            "kk",
            f"Үлгінің құжат мәтінінде, «{CLIENT_LINE}» маңында "
            "«{{ client.name.first }}» толтырылмайды. Мәнде «name» бөлігі жоқ: "
            "өрісте қарапайым мәтін болады, сондықтан оның атауын нүктесіз және "
            "жақшасыз жазыңыз, мысалы «{{ client_name }}».",
        ),
    ],
)
def test_a_part_of_a_plain_value_is_refused_naming_the_placeholder(
    owner_api, settings, language, expected
):
    data = sample_with_paragraph(CLIENT_LINE)

    assert refusal(upload(owner_api, data, language), settings) == expected


def test_the_english_reader_gets_the_same_sentence_in_english(owner_api, settings):
    data = build.simple_docx("Итого: {{ summ + 1 }} тенге")

    assert refusal(upload(owner_api, data, "en"), settings) == (
        "Cannot fill in «{{ summ + 1 }}» in the document text, near «Итого: "
        "{{ summ + 1 }} тенге». The values do not fit the calculation: field "
        "values are text, so turn them into numbers with «|int» or «|float» first."
    )


@pytest.mark.parametrize(
    ("source", "tag", "ru_problem", "kk_problem"),
    [
        (
            "Доля: {{ 100 / (summ|int) }} %",
            "{{ 100 / (summ|int) }}",
            "При этих значениях получается деление на ноль",
            "Осы мәндермен нөлге бөлу шығады",
        ),
        (
            "{% macro again() %}{{ again() }}{% endmacro %}Текст {{ again() }}",
            "{{ again() }}",
            "Макрос бесконечно вызывает сам себя.",
            "Макрос өзін-өзі шексіз шақырады.",
        ),
        (
            "Класс: {{ dict.mro() }}",
            "{{ dict.mro() }}",
            "Здесь используется «mro», а в шаблонах договоров это запрещено.",
            "Мұнда «mro» қолданылған",
        ),
    ],
)
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_calculation_that_fails_is_a_400_naming_it_not_a_500(
    owner_api, settings, language, source, tag, ru_problem, kk_problem
):
    detail = refusal(upload(owner_api, build.simple_docx(source), language), settings)

    assert f"«{tag}»" in detail
    assert (ru_problem if language == "ru" else kk_problem) in detail


def test_a_mistake_in_the_page_footer_names_the_footer(owner_api, settings):
    document = Document(io.BytesIO(build.sample_bytes()))
    document.sections[0].footer.paragraphs[0].text = "Стр. {{ page.number.value }}"
    data = build.docx_bytes(document)

    detail = refusal(upload(owner_api, data, "ru"), settings)

    assert detail.startswith(
        "Не удаётся заполнить «{{ page.number.value }}» в нижнем колонтитуле, "
    )


def test_pythons_own_text_goes_to_the_log_with_the_placeholder_only(
    owner_api, settings, caplog
):
    data = sample_with_paragraph(CLIENT_LINE)

    with caplog.at_level(logging.INFO, logger="contracts.documents.docx"):
        detail = refusal(upload(owner_api, data, "ru"), settings)

    [record] = [r for r in caplog.records if r.name == "contracts.documents.docx"]
    logged = record.getMessage()
    assert record.levelno == logging.INFO
    assert "'str object' has no attribute 'name'" in logged
    assert "{{ client.name.first }}" in logged
    assert "действующий от своего имени" not in logged
    assert "'str object'" not in detail


def test_the_dashboard_refuses_the_upload_in_kazakh(client, member, settings):
    client.force_login(member)
    data = sample_with_paragraph(CLIENT_LINE)

    response = client.post(
        PAGE_URL,
        {"name": "Жөндеу", "file": SimpleUploadedFile("contract.docx", data)},
        HTTP_ACCEPT_LANGUAGE="kk",
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert "«{{ client.name.first }}» толтырылмайды" in error
    assert "has no attribute" not in error
    assert Template.objects.count() == 0
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("language", "problem"),
    [
        ("ru", "У значения нет части «name»"),
        ("kk", "Мәнде «name» бөлігі жоқ"),
    ],
)
def test_a_preview_its_labels_cannot_fill_in_says_why(company, language, problem):
    # "{% if %}" keeps the upload's empty values away from the mistake; the
    # preview's "[client]" reaches it.
    source = "{% if client %}Клиент: {{ client.name.first }}{% endif %}"
    template = TemplateFactory(
        company=company,
        file=ContentFile(build.simple_docx(source), "t.docx"),
        fields=["client"],
    )

    with (
        pytest.raises(DocumentUnfillableError) as caught,
        translation.override(language),
    ):
        services.preview_template_pdf(template=template)

    assert caught.value.status == 409
    detail = str(caught.value.detail)
    assert "«{{ client.name.first }}»" in detail
    assert problem in detail
    assert "has no attribute" not in detail
