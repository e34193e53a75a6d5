"""Template pages: /dashboard/templates/ list, upload, fields, rename, delete."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ozgecontract.tests.factories import SAMPLE_DOCX, ContractFactory, TemplateFactory
from templates_app.models import Template

URL = "/dashboard/templates/"


def sample_upload(name="repair-works-contract.docx"):
    with open(SAMPLE_DOCX, "rb") as handle:
        return SimpleUploadedFile(
            name, handle.read(), content_type="application/octet-stream"
        )


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company, name="Договор подряда", fields=["work", "summ"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["", "upload/", "{id}/", "{id}/preview.pdf"],
)
def test_anonymous_is_sent_to_login(client, template, path):
    response = client.get(URL + path.format(id=template.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "{id}/"),
        ("get", "{id}/preview.pdf"),
        ("post", "{id}/fields/"),
        ("post", "{id}/rename/"),
        ("post", "{id}/delete/"),
    ],
)
def test_outsider_gets_404(client, outsider, template, method, path):
    client.force_login(outsider)

    response = getattr(client, method)(URL + path.format(id=template.pk), {"name": "x"})

    assert response.status_code == 404
    template.refresh_from_db()
    assert template.name == "Договор подряда"


@pytest.mark.django_db
def test_member_lists_own_templates_with_usage(client, member, template, outsider):
    ContractFactory(company=member.company, template=template)
    TemplateFactory(company=outsider.company, name="Чужой")
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    [row] = response.context["templates"]
    assert (row, row.contract_count) == (template, 1)
    assert "Чужой" not in response.content.decode()


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(client, owner, template):
    client.force_login(owner)
    one = count_queries(client)

    for _ in range(49):
        ContractFactory(
            company=owner.company, template=TemplateFactory(company=owner.company)
        )

    assert count_queries(client) == one


@pytest.mark.django_db
def test_upload_of_the_sample_finds_its_placeholders(client, member):
    client.force_login(member)

    response = client.post(URL + "upload/", {"name": "Ремонт", "file": sample_upload()})

    template = Template.objects.get()
    assert response["Location"] == f"{URL}{template.pk}/"
    assert (template.company, template.name) == (member.company, "Ремонт")
    assert {"work", "summ"} <= set(template.fields)
    detail = client.get(response["Location"]).content.decode()
    assert 'name="type__work"' in detail


@pytest.mark.django_db
def test_upload_by_xhr_answers_json(client, owner):
    client.force_login(owner)

    good = client.post(
        URL + "upload/",
        {"name": "Ремонт", "file": sample_upload()},
        HTTP_ACCEPT="application/json",
    )
    bad = client.post(
        URL + "upload/",
        {"name": "", "file": SimpleUploadedFile("a.docx", b"not a docx")},
        HTTP_ACCEPT="application/json",
    )

    assert good.json() == {"redirect": f"{URL}{Template.objects.get().pk}/"}
    assert bad.status_code == 400
    assert bad.json()["errors"]["name"] == ["Обязательное поле."]


@pytest.mark.django_db
def test_a_text_file_renamed_to_docx_is_refused_with_a_reason(client, owner):
    client.force_login(owner)

    response = client.post(
        URL + "upload/",
        {"name": "Фальшивка", "file": SimpleUploadedFile("a.docx", b"plain text")},
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["file"]
    assert error.startswith("Документ отклонён: ")
    assert "Word" in error
    assert not Template.objects.exists()


@pytest.mark.django_db
def test_a_template_with_a_broken_placeholder_is_refused(client, owner, tmp_path):
    from docx import Document

    document = Document()
    document.add_paragraph("Заказчик: {{ client_name ")
    path = tmp_path / "broken.docx"
    document.save(path)
    client.force_login(owner)

    response = client.post(
        URL + "upload/",
        {"name": "Сломанный", "file": SimpleUploadedFile("b.docx", path.read_bytes())},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 400
    [error] = response.json()["errors"]["file"]
    assert error.startswith("Документ отклонён: ")
    assert not Template.objects.exists()


@pytest.mark.django_db
def test_a_file_over_the_limit_is_refused(client, owner, settings):
    settings.TEMPLATE_MAX_UPLOAD_BYTES = 1024 * 1024
    client.force_login(owner)
    big = SimpleUploadedFile("big.docx", b"PK" + b"0" * (1024 * 1024))

    response = client.post(URL + "upload/", {"name": "Большой", "file": big})

    assert response.context["form"].errors["file"] == ["Файл больше 1 МБ."]
    assert not Template.objects.exists()


@pytest.mark.django_db
def test_owner_sets_type_label_and_required_per_field(client, owner, template):
    client.force_login(owner)

    response = client.post(
        f"{URL}{template.pk}/fields/",
        {
            "type__work": "text",
            "label__work": "Виды работ",
            "required__work": "on",
            "type__summ": "number",
            "label__summ": "Сумма, тенге",
        },
    )

    assert response["Location"] == f"{URL}{template.pk}/"
    template.refresh_from_db()
    assert template.field_settings == {
        "work": {"type": "text", "label": "Виды работ", "required": True},
        "summ": {"type": "number", "label": "Сумма, тенге", "required": False},
    }
    body = client.get(f"{URL}{template.pk}/").content.decode()
    assert 'value="Сумма, тенге"' in body


@pytest.mark.django_db
def test_an_unknown_field_type_is_refused(client, owner, template):
    client.force_login(owner)

    response = client.post(
        f"{URL}{template.pk}/fields/", {"type__work": "colour", "type__summ": "text"}
    )

    assert response.status_code == 400
    assert "type__work" in response.context["settings_form"].errors
    template.refresh_from_db()
    assert template.field_settings == {}


@pytest.mark.django_db
def test_rename(client, member, template):
    client.force_login(member)

    response = client.post(f"{URL}{template.pk}/rename/", {"name": "Договор поставки"})

    assert response["Location"] == f"{URL}{template.pk}/"
    template.refresh_from_db()
    assert template.name == "Договор поставки"


@pytest.mark.django_db
def test_rename_to_nothing_is_refused(client, owner, template):
    client.force_login(owner)

    response = client.post(f"{URL}{template.pk}/rename/", {"name": ""}, follow=True)

    template.refresh_from_db()
    assert template.name == "Договор подряда"
    assert "Обязательное поле." in response.content.decode()


@pytest.mark.django_db
def test_delete_is_refused_with_the_reason_while_contracts_use_it(
    client, owner, template
):
    ContractFactory(company=owner.company, template=template)
    client.force_login(owner)

    response = client.post(f"{URL}{template.pk}/delete/", follow=True)

    assert Template.objects.filter(pk=template.pk).exists()
    assert "Шаблон нельзя удалить: по нему создано договоров: 1" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_delete_an_unused_template(client, owner, template):
    client.force_login(owner)

    assert client.get(f"{URL}{template.pk}/delete/").status_code == 405
    response = client.post(f"{URL}{template.pk}/delete/")

    assert response["Location"] == URL
    assert not Template.objects.exists()


@pytest.mark.django_db
def test_preview_is_a_pdf_of_the_template(client, member, company):
    template = TemplateFactory(company=company, name="Ремонт")
    client.force_login(member)

    response = client.get(f"{URL}{template.pk}/preview.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages
    )
    assert text.strip()
