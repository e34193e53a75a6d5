"""A zip that passes the package checks but python-docx cannot open is refused.

A Word template (.dotx) or a macro-enabled file renamed to .docx is told how
to save it; any other package whose parts do not fit is told in words, in the
uploader's language, and nothing is stored.
"""

import functools
import re

import pytest

from templates_app.tests import docx_builders as build
from templates_app.tests import uploads
from templates_app.tests.uploads import upload

pytestmark = pytest.mark.django_db

LIBRARY_ENGLISH = ("content type", "relationship", "is not a valid Word document")


refusal = functools.partial(uploads.refusal, library_english=LIBRARY_ENGLISH)


def dotx_bytes() -> bytes:
    """The sample saved by Word as a template (.dotx) and renamed to .docx."""
    data = build.sample_bytes()
    types = build.read_entry(data, "[Content_Types].xml").decode()
    types = types.replace(
        "wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml"
    )
    return build.rewrite_docx(data, {"[Content_Types].xml": types.encode()})


def without_main_relationship() -> bytes:
    data = build.sample_bytes()
    rels = build.read_entry(data, "_rels/.rels").decode()
    rels = re.sub(r'<Relationship [^>]*/officeDocument"[^>]*/>', "", rels)
    return build.rewrite_docx(data, {"_rels/.rels": rels.encode()})


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "Файл сохранён как .dotx, а не как документ Word (.docx); в Word "
            "выберите «Сохранить как» → «Документ Word (.docx)».",
        ),
        (
            "kk",
            "Файл Word құжаты (.docx) ретінде емес, .dotx ретінде сақталған; "
            "Word-та «Басқаша сақтау» → «Word құжаты (.docx)» тармағын таңдаңыз.",
        ),
    ],
)
def test_a_word_template_renamed_to_docx_is_told_how_to_save_it(
    owner_api, settings, language, expected
):
    assert refusal(upload(owner_api, dotx_bytes(), language), settings) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "ru",
            "Файл не является корректным документом Word (.docx): его части не "
            "согласуются между собой. Откройте его в Word и сохраните заново в "
            "формате .docx.",
        ),
        (
            "kk",
            "Файл жарамды Word құжаты (.docx) емес: оның бөліктері бір-біріне "
            "сәйкес келмейді. Оны Word-та ашып, .docx пішімінде қайта сақтаңыз.",
        ),
    ],
)
def test_a_package_python_docx_cannot_open_is_refused_in_words(
    owner_api, settings, language, expected
):
    data = without_main_relationship()

    assert refusal(upload(owner_api, data, language), settings) == expected
