"""Template intake: only a real, bounded, self-contained DOCX with safe Jinja."""

import io
import os
import random
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts.documents import TemplateRejectedError, inspect_template
from templates_app.models import Template
from templates_app.tests import docx_builders as build

pytestmark = pytest.mark.usefixtures("english")

UPLOAD_URL = "/templates/upload"


def stored_files(settings) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        found += [os.path.join(root, name) for name in files]
    return found


BAD_UPLOADS = {
    "renamed text file": (b"just some text, renamed to .docx", "not a Word document"),
    "empty file": (b"", "empty"),
    "zip without word/document.xml": (build.zip_without_document(), "no word/doc"),
    "plain zip": (build.plain_zip(), "no word/document.xml"),
    "zip bomb": (build.zip_bomb_docx(), "zip bomb"),
    "too many parts": (build.many_entries_docx(), "at most 1000"),
    "XXE": (build.xxe_docx(), "DOCTYPE"),
    "external image": (build.external_image_docx(), "outside image"),
    "INCLUDEPICTURE field": (build.include_picture_docx(), "INCLUDEPICTURE"),
    "unbalanced {{": (
        build.simple_docx("Оплата", "Сумма {{ summ ", "Итого"),
        "near «Оплата Сумма {{ summ Итого»",
    ),
    "unbalanced {%": (build.simple_docx("{% if agree %} да"), "endif"),
    "dunder attribute": (build.simple_docx("{{ x.__class__ }}"), "'__class__'"),
    "dunder item": (build.simple_docx("{{ x['__class__'] }}"), "'__class__'"),
    "attr filter": (build.simple_docx("{{ x|attr('__class__') }}"), "'__class__'"),
    "subclasses": (
        build.simple_docx("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        "reaches for Python internals",
    ),
    "globals": (
        build.simple_docx("{{ cycler.__init__.__globals__ }}"),
        "reaches for Python internals",
    ),
    "underscore name": (build.simple_docx("{{ _secret }}"), "'_secret'"),
    "include": (build.simple_docx("{% include 'x.docx' %}"), "'include'"),
    "unknown filter": (build.simple_docx("{{ x|nosuchfilter }}"), "nosuchfilter"),
    "safe filter": (build.simple_docx("{{ name|safe }}"), "'safe'"),
    "autoescape off": (
        build.simple_docx("{% autoescape false %}{{ name }}{% endautoescape %}"),
        "'autoescape'",
    ),
    "macros": (
        build.rewrite_docx(build.simple_docx("x"), {"word/vbaProject.bin": b"VBA"}),
        "macros",
    ),
    "too much text": (build.huge_text_docx(), "more than 4 MB of XML"),
    "too many tags": (build.simple_docx("{{ a }}" * 2001), "at most 2000"),
    "a value's attribute": (
        build.simple_docx("{{ client.name.first }}"),
        "«{{ client.name.first }}»",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_upload_is_rejected_with_a_message(case):
    data, message = BAD_UPLOADS[case]

    with pytest.raises(TemplateRejectedError) as caught:
        inspect_template(data)

    assert message in str(caught.value)


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_upload_over_the_api_is_400_and_stores_nothing(owner_api, settings, case):
    data, message = BAD_UPLOADS[case]
    upload = SimpleUploadedFile("template.docx", data)

    response = owner_api.post(
        UPLOAD_URL, {"file": upload, "name": "Договор"}, format="multipart"
    )

    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["code"] in ("invalid", "invalid_template")
    assert "file" in body["fields"]
    assert Template.objects.count() == 0
    assert stored_files(settings) == []


def test_syntax_error_names_the_problem_and_the_text_around_it():
    data = build.simple_docx("Оплата", "Сумма {{ summ ", "Итого")

    with pytest.raises(TemplateRejectedError) as caught:
        inspect_template(data)

    assert str(caught.value) == (
        "Template error in the body: expected token 'end of print statement', "
        "got 'Итого' near «Оплата Сумма {{ summ Итого»"
    )


def test_upload_over_10_mb_is_413_and_stores_nothing(owner_api, settings):
    data = build.simple_docx("{{ a }}") + b"\0" * (10 * 1024 * 1024)
    upload = SimpleUploadedFile("big.docx", data)

    response = owner_api.post(
        UPLOAD_URL, {"file": upload, "name": "Большой"}, format="multipart"
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The template is larger than 10 MB.",
        "code": "too_large",
        "fields": {"file": ["Upload a DOCX of at most 10 MB."]},
    }
    assert Template.objects.count() == 0
    assert stored_files(settings) == []


def test_a_file_just_under_the_limit_is_checked_by_content_not_refused_by_size(
    owner_api, settings
):
    settings.TEMPLATE_MAX_UPLOAD_BYTES = 200_000
    data = build.simple_docx("{{ a }}")
    upload = SimpleUploadedFile("small.docx", data)

    response = owner_api.post(
        UPLOAD_URL, {"file": upload, "name": "Малый"}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["fields"] == ["a"]


def test_the_limit_is_taken_from_the_settings(owner_api, settings):
    settings.TEMPLATE_MAX_UPLOAD_BYTES = 1000
    upload = SimpleUploadedFile("t.docx", build.simple_docx("{{ a }}"))

    response = owner_api.post(
        UPLOAD_URL, {"file": upload, "name": "Шаблон"}, format="multipart"
    )

    assert response.status_code == 413
    assert Template.objects.count() == 0


def test_an_external_hyperlink_is_allowed_because_nothing_fetches_it():
    assert inspect_template(build.external_hyperlink_docx()) == ["client_name"]


def test_placeholders_come_in_document_order_with_header_first_and_footer_last():
    assert inspect_template(build.rich_docx()) == build.RICH_FIELDS


def test_the_sample_template_has_its_twenty_placeholders_in_order():
    assert inspect_template(build.sample_bytes()) == [
        "work",
        "company_work",
        "company_work_schief",
        "summ",
        "nds",
        "ist_fin",
        "company_work_ua",
        "company_work_fa",
        "company_work_phone",
        "company_work_inn",
        "company_work_kpp",
        "company_work_ogrn",
        "company_work_rs",
        "company_work_bank",
        "company_work_ks",
        "company_work_bik",
        "company_work_okpo",
        "company_work_mail",
        "company_work_schief_sm",
        "work_name",
    ]


def test_loop_variables_and_set_names_are_not_placeholders():
    data = build.simple_docx(
        "{% for row in rows.split(',') %}{{ row }} {{ loop.index }}{% endfor %}",
        "{% set total = summ %}{{ total }}",
    )

    assert inspect_template(data) == ["rows", "summ"]


def test_a_placeholder_name_over_100_characters_is_rejected():
    name = "a" * 101

    with pytest.raises(TemplateRejectedError, match="longer than 100"):
        inspect_template(build.simple_docx("{{ " + name + " }}"))


def corrupted_documents():
    """Each part emptied, replaced by junk or by a wrong element; random bytes."""
    base = build.simple_docx("Договор {{ a }}")
    names = zipfile.ZipFile(io.BytesIO(base)).namelist()
    for name in names:
        yield f"drop {name}", build.rewrite_docx(base, {}, drop={name})
        for label, content in (("empty", b""), ("junk", b"\0\xff"), ("foo", b"<f/>")):
            yield f"{label} {name}", build.rewrite_docx(base, {name: content})
    rng = random.Random(3)
    for index in range(100):
        damaged = bytearray(base)
        for _ in range(rng.randint(1, 5)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        yield f"flipped bytes {index}", bytes(damaged)


def test_a_damaged_document_is_rejected_never_a_crash():
    for case, data in corrupted_documents():
        try:
            inspect_template(data)
        except TemplateRejectedError:
            continue
        except Exception as exc:  # noqa: BLE001 - the case is named in the failure
            pytest.fail(f"{case}: {type(exc).__name__}: {exc}")
