"""A filter or test that Jinja or the sandbox lacks is refused where it stands.

The message names the part of the document and the text around the filter,
in the uploader's language; an unknown filter inside `{% if %}` is refused at
upload too, not left to fail when a contract's values reach it.
"""

import functools

import pytest

from templates_app.tests import docx_builders as build
from templates_app.tests import uploads
from templates_app.tests.uploads import upload

pytestmark = pytest.mark.django_db

LIBRARY_ENGLISH = ("No filter named", "No test named", "Template error")


refusal = functools.partial(uploads.refusal, library_english=LIBRARY_ENGLISH)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "В шаблоне ошибка в тексте документа, рядом с «{text}». Фильтра «safe» "
            "нет или он запрещён в шаблонах договоров; найдите в документе «|safe».",
        ),
        (
            "kk",
            "Үлгінің құжат мәтінінде, «{text}» маңында қате бар. «safe» сүзгісі жоқ "
            "немесе келісім-шарт үлгілерінде рұқсат етілмеген; құжаттан «|safe» "
            "мәтінін табыңыз.",
        ),
    ],
)
def test_a_forbidden_filter_is_shown_where_it_is(
    owner_api, settings, language, expected
):
    data = build.simple_docx(
        "Предмет договора", "Сумма: {{ summ|safe }} тенге.", "Сроки"
    )

    detail = refusal(upload(owner_api, data, language), settings)

    near = "Предмет договора / Сумма: {{ summ|safe }} тенге. / Сроки"
    assert detail == expected.format(text=near)


@pytest.mark.parametrize(
    ("source", "ru_problem"),
    [
        (
            "{% if summ %}Сумма: {{ summ|nosuchfilter }}{% endif %}",
            "Фильтра «nosuchfilter» нет",
        ),
        ("{% if summ is nosuchtest %}Сумма{% endif %}", "Проверки «nosuchtest» нет"),
    ],
)
def test_an_unknown_filter_inside_if_is_refused_at_upload_not_at_signing(
    owner_api, settings, source, ru_problem
):
    # Jinja checks such a filter only when the branch runs, which the upload's
    # empty values never do; a contract's values would.
    detail = refusal(upload(owner_api, build.simple_docx(source), "ru"), settings)

    assert detail.startswith(f"В шаблоне ошибка в тексте документа, рядом с «{source}")
    assert ru_problem in detail
