"""The templates API: /templates/upload, /templates, /templates/{id}, by company."""

import os
from datetime import UTC

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ozgecontract.tests.factories import ContractFactory, TemplateFactory
from templates_app.models import Template
from templates_app.tests import docx_builders as build

pytestmark = pytest.mark.usefixtures("english")


def upload(client, data=None, **form):
    form.setdefault("name", "Договор подряда")
    form["file"] = SimpleUploadedFile("мой договор.docx", data or build.rich_docx())
    return client.post("/templates/upload", form, format="multipart")


def template_json(template) -> dict:
    return {
        "id": template.pk,
        "company_id": template.company_id,
        "name": template.name,
        "file_path": template.file.name,
        "created_at": template.created_at.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "fields": template.fields,
    }


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        name="Договор поставки",
        file=ContentFile(build.simple_docx("{{ work }} {{ summ }}"), name="t.docx"),
        fields=["work", "summ"],
    )


# Upload


def test_upload_answers_the_documented_shape_with_placeholders(owner_api, owner):
    response = upload(owner_api)

    assert response.status_code == 201
    template = Template.objects.get()
    assert response.json() == template_json(template)
    assert template.fields == build.RICH_FIELDS
    assert template.company == owner.company
    assert template.original_filename == "мой договор.docx"


def test_upload_stores_the_file_under_a_generated_name(owner_api, settings, owner):
    data = build.rich_docx()

    response = upload(owner_api, data)

    path = response.json()["file_path"]
    assert path.startswith(f"templates/company_{owner.company_id}/")
    assert path.endswith(".docx")
    assert "договор" not in path
    stored = os.path.join(settings.MEDIA_ROOT, path)
    with open(stored, "rb") as handle:
        assert handle.read() == data


def test_upload_of_the_sample_finds_its_twenty_fields(owner_api):
    response = upload(owner_api, build.sample_bytes(), name="Ремонт")

    assert response.status_code == 201
    assert len(response.json()["fields"]) == 20


def test_upload_with_own_company_id_is_accepted(owner_api, owner):
    response = upload(owner_api, company_id=owner.company_id)

    assert response.status_code == 201
    assert response.json()["company_id"] == owner.company_id


def test_member_may_upload_too(member_api, member):
    response = upload(member_api)

    assert response.status_code == 201
    assert response.json()["company_id"] == member.company_id


def test_upload_for_another_company_is_404(owner_api, other_company):
    response = upload(owner_api, company_id=other_company.pk)

    assert response.status_code == 404
    assert response.json() == {"detail": "Company not found.", "code": "not_found"}
    assert Template.objects.count() == 0


def test_admin_uploads_for_the_company_named(admin_api, company):
    response = upload(admin_api, company_id=company.pk)

    assert response.status_code == 201
    assert response.json()["company_id"] == company.pk


def test_admin_must_name_the_company(admin_api):
    response = upload(admin_api)

    assert response.status_code == 400
    assert response.json()["fields"] == {"company_id": ["This field is required."]}


def test_admin_naming_an_unknown_company_gets_404(admin_api):
    assert upload(admin_api, company_id=999_999).status_code == 404


def test_anonymous_upload_is_401(anonymous, db):
    response = upload(anonymous)

    assert response.status_code == 401
    assert Template.objects.count() == 0


def test_upload_without_a_file_is_400(owner_api):
    response = owner_api.post(
        "/templates/upload", {"name": "Без файла"}, format="multipart"
    )

    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_upload_without_a_name_is_400(owner_api):
    response = upload(owner_api, name="   ")

    assert response.status_code == 400
    assert "name" in response.json()["fields"]
    assert Template.objects.count() == 0


def test_upload_as_json_is_refused(owner_api):
    response = owner_api.post(
        "/templates/upload", {"name": "x", "file": "x"}, format="json"
    )

    assert response.status_code == 415


# Read


def test_get_shows_the_template_with_its_fields(owner_api, template):
    response = owner_api.get(f"/templates/{template.pk}")

    assert response.status_code == 200
    assert response.json() == template_json(template)


def test_trailing_slash_is_accepted(owner_api, template):
    assert owner_api.get(f"/templates/{template.pk}/").status_code == 200


def test_outsider_gets_404_for_a_template(outsider_api, template):
    response = outsider_api.get(f"/templates/{template.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Template not found.", "code": "not_found"}


def test_anonymous_gets_401_for_a_template(anonymous, template):
    assert anonymous.get(f"/templates/{template.pk}").status_code == 401


def test_list_shows_own_templates_only(owner_api, template, other_company):
    TemplateFactory(company=other_company)

    response = owner_api.get("/templates")

    assert response.status_code == 200
    assert response.json() == [template_json(template)]
    assert response["X-Total-Count"] == "1"


def test_admin_lists_every_company_template(admin_api, template, other_company):
    other = TemplateFactory(company=other_company)

    response = admin_api.get("/templates")

    assert [row["id"] for row in response.json()] == [other.pk, template.pk]


def test_company_list_shows_that_company_templates(owner_api, template, company):
    response = owner_api.get(f"/templates/company/{company.pk}")

    assert response.status_code == 200
    assert response.json() == [template_json(template)]


def test_outsider_gets_404_for_the_company_list(outsider_api, company, template):
    response = outsider_api.get(f"/templates/company/{company.pk}")

    assert response.status_code == 404


def test_anonymous_gets_401_for_lists(anonymous, company):
    assert anonymous.get("/templates").status_code == 401
    assert anonymous.get(f"/templates/company/{company.pk}").status_code == 401


@pytest.mark.parametrize("path", ["/templates", "/templates/company/{company}"])
def test_lists_take_the_same_queries_for_1_and_50_rows(owner_api, company, path):
    url = path.format(company=company.pk)
    TemplateFactory(company=company, file=ContentFile(b"x", name="t.docx"))
    with CaptureQueriesContext(connection) as one:
        assert len(owner_api.get(url).json()) == 1
    TemplateFactory.create_batch(
        49, company=company, file=ContentFile(b"x", name="t.docx")
    )

    with CaptureQueriesContext(connection) as fifty:
        assert len(owner_api.get(url).json()) == 50

    assert len(fifty) == len(one)


# Update


def test_put_renames_the_template(owner_api, template):
    response = owner_api.put(
        f"/templates/{template.pk}", {"name": "Новое название"}, format="json"
    )

    assert response.status_code == 200
    template.refresh_from_db()
    assert template.name == "Новое название"
    assert response.json() == template_json(template)


def test_put_may_point_at_another_template_file_of_the_company(
    owner_api, template, company, settings, django_capture_on_commit_callbacks
):
    other = TemplateFactory(
        company=company,
        file=ContentFile(build.simple_docx("{{ client }}"), name="o.docx"),
        fields=["client"],
    )
    old_path = os.path.join(settings.MEDIA_ROOT, template.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.put(
            f"/templates/{template.pk}",
            {"name": "Другой файл", "file_path": other.file.name},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["file_path"] == other.file.name
    assert response.json()["fields"] == ["client"]
    assert not os.path.exists(old_path)


@pytest.mark.parametrize(
    "file_path",
    ["../../etc/passwd", "/etc/passwd", "templates/company_1/nothing.docx", ""],
)
def test_put_with_a_path_that_is_not_a_company_template_is_400(
    owner_api, template, file_path
):
    response = owner_api.put(
        f"/templates/{template.pk}", {"file_path": file_path}, format="json"
    )

    assert response.status_code == 400
    assert "file_path" in response.json()["fields"]
    template.refresh_from_db()
    assert template.file.name.startswith("templates/company_")


def test_put_with_another_company_template_file_is_400(
    owner_api, template, other_company
):
    foreign = TemplateFactory(company=other_company)

    response = owner_api.put(
        f"/templates/{template.pk}", {"file_path": foreign.file.name}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file_path": ["Name a template file that already belongs to the company."]
    }


def test_changing_the_file_of_a_template_in_use_is_409(owner_api, template, company):
    ContractFactory(company=company, template=template)
    other = TemplateFactory(company=company)

    response = owner_api.patch(
        f"/templates/{template.pk}", {"file_path": other.file.name}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "template_in_use"


def test_outsider_cannot_update_a_template(outsider_api, template):
    response = outsider_api.put(
        f"/templates/{template.pk}", {"name": "Чужое"}, format="json"
    )

    assert response.status_code == 404
    template.refresh_from_db()
    assert template.name == "Договор поставки"


def test_anonymous_cannot_update_a_template(anonymous, template):
    response = anonymous.put(f"/templates/{template.pk}", {"name": "x"}, format="json")

    assert response.status_code == 401


def test_put_with_a_blank_name_is_400(owner_api, template):
    response = owner_api.put(f"/templates/{template.pk}", {"name": ""}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["fields"]


@pytest.mark.parametrize(
    ("language", "blank"),
    [("ru", "Введите название шаблона."), ("kk", "Үлгінің атауын енгізіңіз.")],
)
def test_a_bad_template_name_is_refused_in_the_users_language(language, blank):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from templates_app.services import MAX_NAME_LENGTH, _clean_name

    with translation.override(language):
        with pytest.raises(ValidationError) as empty:
            _clean_name("  ")
        with pytest.raises(ValidationError) as long:
            _clean_name("x" * (MAX_NAME_LENGTH + 1))

    assert empty.value.message_dict["name"] == [blank]
    too_long = long.value.message_dict["name"][0]
    assert str(MAX_NAME_LENGTH) in too_long
    assert "Use at most" not in too_long


def test_delete_removes_the_template_and_its_file(
    owner_api, template, settings, django_capture_on_commit_callbacks
):
    path = os.path.join(settings.MEDIA_ROOT, template.file.name)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(f"/templates/{template.pk}")

    assert response.status_code == 204
    assert not Template.objects.filter(pk=template.pk).exists()
    assert not os.path.exists(path)


def test_delete_keeps_a_file_another_template_still_uses(
    owner_api, template, company, django_capture_on_commit_callbacks
):
    twin = TemplateFactory(company=company, fields=[])
    twin.file.name = template.file.name
    twin.save()

    with django_capture_on_commit_callbacks(execute=True):
        owner_api.delete(f"/templates/{template.pk}")

    assert twin.file.storage.exists(twin.file.name)


def test_delete_while_contracts_use_the_template_is_409(owner_api, template, company):
    ContractFactory(company=company, template=template)

    response = owner_api.delete(f"/templates/{template.pk}")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "1 contract(s) are made from this template; it is kept as their "
        "evidence and cannot be deleted.",
        "code": "template_in_use",
    }
    assert Template.objects.filter(pk=template.pk).exists()


def test_outsider_cannot_delete_a_template(outsider_api, template):
    assert outsider_api.delete(f"/templates/{template.pk}").status_code == 404
    assert Template.objects.filter(pk=template.pk).exists()


def test_anonymous_cannot_delete_a_template(anonymous, template):
    assert anonymous.delete(f"/templates/{template.pk}").status_code == 401
