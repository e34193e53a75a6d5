"""The contract fields API: POST /contract-fields, GET and PUT /contract-fields/{id}."""

import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from contracts import services
from contracts.models import Contract, ContractField
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    TemplateFactory,
)
from templates_app.tests import docx_builders as build

pytestmark = pytest.mark.usefixtures("english")


def pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def field_json(field: ContractField) -> dict:
    field.refresh_from_db()
    return {
        "id": field.pk,
        "contract_id": field.contract_id,
        "field_name": field.field_name,
        "field_type": field.field_type,
        "label": field.label,
        "required": field.required,
        "value": field.value,
    }


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        file=ContentFile(
            build.simple_docx("Клиент: {{ client_name }}; сумма: {{ summ }}"),
            name="t.docx",
        ),
        fields=["client_name", "summ"],
    )


@pytest.fixture
def contract(owner, template):
    return services.create_contract(
        company=owner.company,
        template=template,
        user=owner,
        field_types={"summ": "number"},
    )


def fields_of(contract) -> dict:
    return dict(contract.fields.values_list("field_name", "value"))


# POST /contract-fields


def test_create_adds_a_field_and_answers_its_json(owner_api, contract):
    response = owner_api.post(
        "/contract-fields",
        {
            "contract_id": contract.pk,
            "field_name": "дата_рождения",
            "field_type": "date",
            "label": "Дата рождения",
            "required": True,
            "value": "1990-05-17",
        },
        format="json",
    )

    assert response.status_code == 201
    field = contract.fields.get(field_name="дата_рождения")
    assert response.json() == field_json(field)
    assert field.value == "17.05.1990"
    assert field.position == 2


def test_create_with_the_documented_body_makes_a_text_field(owner_api, contract):
    response = owner_api.post(
        "/contract-fields",
        {"contract_id": contract.pk, "field_name": "client_email"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["field_type"] == "text"
    assert response.json()["value"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"field_name": "client_name"}, "field_name"),
        ({"field_name": "2nd"}, "field_name"),
        ({"field_name": "_hidden"}, "field_name"),
        ({"field_name": "x" * 101}, "field_name"),
        ({"field_name": "ok", "field_type": "money"}, "field_type"),
        ({"field_name": "ok", "field_type": "iin", "value": "123"}, "value"),
        ({"field_name": "ok", "label": "x" * 256}, "label"),
        ({"field_name": "ok", "value": "x" * 10_001}, "value"),
        ({"field_name": None}, "field_name"),
        ({"field_name": "ok", "contract_id": "abc"}, "contract_id"),
    ],
)
def test_create_with_bad_input_is_400_and_adds_nothing(
    owner_api, contract, body, field
):
    body = {"contract_id": contract.pk, **body}

    response = owner_api.post("/contract-fields", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert contract.fields.count() == 2


def test_create_on_a_signed_contract_is_409(owner_api, contract):
    Contract.objects.filter(pk=contract.pk).update(status="signed")

    response = owner_api.post(
        "/contract-fields",
        {"contract_id": contract.pk, "field_name": "late"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "contract_signed"


def test_outsider_cannot_add_a_field(outsider_api, contract):
    response = outsider_api.post(
        "/contract-fields",
        {"contract_id": contract.pk, "field_name": "evil"},
        format="json",
    )

    assert response.status_code == 404
    assert contract.fields.count() == 2


def test_anonymous_cannot_add_a_field(anonymous, contract):
    response = anonymous.post(
        "/contract-fields", {"contract_id": contract.pk, "field_name": "x"}
    )

    assert response.status_code == 401


# GET /contract-fields/{contract_id}


def test_list_shows_the_fields_in_order(owner_api, contract):
    response = owner_api.get(f"/contract-fields/{contract.pk}")

    assert response.status_code == 200
    assert response.json() == [field_json(f) for f in contract.fields.all()]
    assert [row["field_name"] for row in response.json()] == ["client_name", "summ"]


def test_outsider_gets_404_for_the_fields(outsider_api, contract):
    assert outsider_api.get(f"/contract-fields/{contract.pk}").status_code == 404


def test_anonymous_gets_401_for_the_fields(anonymous, contract):
    assert anonymous.get(f"/contract-fields/{contract.pk}").status_code == 401


def test_list_takes_the_same_queries_for_1_and_50_fields(owner_api, company, template):
    contract = ContractFactory(company=company, template=template)
    ContractFieldFactory(contract=contract)
    url = f"/contract-fields/{contract.pk}"
    with CaptureQueriesContext(connection) as one:
        assert len(owner_api.get(url).json()) == 1
    ContractFieldFactory.create_batch(49, contract=contract)

    with CaptureQueriesContext(connection) as fifty:
        assert len(owner_api.get(url).json()) == 50

    assert len(fifty) == len(one)


# PUT /contract-fields/{contract_id}


def test_put_sets_values_and_re_renders_the_pdf(owner_api, owner, contract):
    old_sha = contract.document_sha256

    response = owner_api.put(
        f"/contract-fields/{contract.pk}",
        {"values": {"client_name": "Қанат Өмірзақ", "summ": "2 000"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == [field_json(f) for f in contract.fields.all()]
    assert fields_of(contract) == {"client_name": "Қанат Өмірзақ", "summ": "2000"}
    contract.refresh_from_db()
    assert contract.document_sha256 != old_sha
    with contract.generated_pdf.open("rb") as handle:
        assert "Клиент: Қанат Өмірзақ; сумма: 2000" in pdf_text(handle.read())
    event = contract.audit_events.get(kind="fields_filled")
    assert event.detail == {"fields": ["client_name", "summ"], "by_user": owner.pk}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"nobody": "x"}, "nobody"),
        ({"client_name": "x" * 100_000}, "client_name"),
        ({"client_name": "bell\x07"}, "client_name"),
        ({"summ": "много"}, "summ"),
        ({"client_name": ["list"]}, "client_name"),
    ],
)
def test_put_with_a_bad_value_is_400_and_changes_nothing(
    owner_api, contract, values, field
):
    body = {"values": {"client_name": "Верное имя", **values}}
    sha = contract.document_sha256

    response = owner_api.put(f"/contract-fields/{contract.pk}", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert fields_of(contract) == {"client_name": "", "summ": ""}
    contract.refresh_from_db()
    assert contract.document_sha256 == sha


def test_put_without_values_is_400(owner_api, contract):
    response = owner_api.put(
        f"/contract-fields/{contract.pk}", {"client_name": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"values": ["This field is required."]}


@pytest.mark.parametrize("status", ["signed", "cancelled"])
def test_put_on_a_contract_not_pending_is_409(owner_api, contract, status):
    Contract.objects.filter(pk=contract.pk).update(status=status)

    response = owner_api.put(
        f"/contract-fields/{contract.pk}",
        {"values": {"client_name": "Поздно"}},
        format="json",
    )

    assert response.status_code == 409
    assert fields_of(contract)["client_name"] == ""


def test_put_saves_values_but_answers_502_when_the_pdf_fails(
    owner_api, contract, settings, tmp_path
):
    script = tmp_path / "broken-soffice"
    script.write_text("#!/bin/sh\nexit 1\n")
    script.chmod(0o755)
    settings.DOCUMENT_CONVERTER = "libreoffice"
    settings.SOFFICE_PATH = str(script)

    response = owner_api.put(
        f"/contract-fields/{contract.pk}",
        {"values": {"client_name": "Сохранено"}},
        format="json",
    )

    assert response.status_code == 502
    assert response.json()["code"] == "document_failed"
    assert fields_of(contract)["client_name"] == "Сохранено"
    contract.refresh_from_db()
    assert (contract.document_status, contract.document_sha256) == ("failed", "")


def test_outsider_cannot_set_values(outsider_api, contract):
    response = outsider_api.put(
        f"/contract-fields/{contract.pk}",
        {"values": {"client_name": "Чужой"}},
        format="json",
    )

    assert response.status_code == 404
    assert fields_of(contract)["client_name"] == ""


def test_anonymous_cannot_set_values(anonymous, contract):
    response = anonymous.put(
        f"/contract-fields/{contract.pk}", {"values": {}}, format="json"
    )

    assert response.status_code == 401
