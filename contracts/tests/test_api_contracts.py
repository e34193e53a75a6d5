"""The contracts API: create, read, lists, update, delete, cancel, PDFs, by token."""

import hashlib
import io
import uuid
from datetime import UTC, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    SignatureFactory,
    TemplateFactory,
)
from signatures.models import AuditEvent, Signature
from templates_app.tests import docx_builders as build

pytestmark = pytest.mark.usefixtures("english")

TEXT = "Договор с {{ client_name }} на сумму {{ summ }} от {{ signed_on }}"


def iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def contract_json(contract: Contract, **changes) -> dict:
    contract.refresh_from_db()
    body = {
        "id": contract.pk,
        "company_id": contract.company_id,
        "template_id": contract.template_id,
        "contract_token": str(contract.contract_token),
        "generated_pdf_path": contract.generated_pdf.name,
        "client_filled": contract.client_filled,
        "created_at": iso(contract.created_at),
        "status": contract.status,
        "number": contract.number,
        "document_sha256": contract.document_sha256,
        "signing_url": f"http://localhost:4000/sign/{contract.contract_token}/",
    }
    body.update(changes)
    return body


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        name="Договор оказания услуг",
        file=ContentFile(build.simple_docx(TEXT), name="t.docx"),
        fields=["client_name", "summ", "signed_on"],
    )


@pytest.fixture
def contract(company, template):
    contract = ContractFactory(company=company, template=template, number="OC-1")
    ContractFieldFactory(contract=contract, field_name="client_name", value="Иванов")
    return contract


def create(client, template, **body):
    body.setdefault("template_id", template.pk)
    return client.post("/contracts", body, format="json")


def failing_converter(settings, tmp_path):
    """Point the LibreOffice converter at a program that always fails."""
    script = tmp_path / "broken-soffice"
    script.write_text("#!/bin/sh\nexit 7\n")
    script.chmod(0o755)
    settings.DOCUMENT_CONVERTER = "libreoffice"
    settings.SOFFICE_PATH = str(script)
    settings.SOFFICE_TIMEOUT_SECONDS = 2


# POST /contracts


def test_create_answers_the_documented_shape_and_renders_the_pdf(
    owner_api, owner, template
):
    response = create(
        owner_api,
        template,
        values={"client_name": "Әлия Сәрсенова", "summ": "1 500,50"},
        fields={"summ": "number", "signed_on": "date"},
    )

    assert response.status_code == 201
    contract = Contract.objects.get()
    assert response.json() == contract_json(contract)
    year = timezone.localdate().year
    assert contract.number == f"OC-{year}-000001"
    assert contract.status == "pending"
    assert contract.created_by == owner
    assert contract.generated_pdf.name.startswith(
        f"contracts/company_{owner.company_id}/"
    )
    with contract.generated_pdf.open("rb") as handle:
        pdf = handle.read()
    assert hashlib.sha256(pdf).hexdigest() == contract.document_sha256
    assert "Договор с Әлия Сәрсенова на сумму 1500.50 от" in pdf_text(pdf)
    fields = [
        (f.field_name, f.field_type, f.value, f.position) for f in contract.fields.all()
    ]
    assert fields == [
        ("client_name", "text", "Әлия Сәрсенова", 0),
        ("summ", "number", "1500.50", 1),
        ("signed_on", "date", "", 2),
    ]
    assert list(contract.audit_events.values_list("kind", flat=True)) == ["created"]


def test_create_applies_the_template_field_settings(owner_api, template):
    template.field_settings = {
        "summ": {"type": "number", "label": "Сумма, тенге", "required": True}
    }
    template.save()

    create(owner_api, template)

    field = Contract.objects.get().fields.get(field_name="summ")
    assert (field.field_type, field.label, field.required) == (
        "number",
        "Сумма, тенге",
        True,
    )


def test_create_takes_a_given_number_and_deadline(owner_api, template):
    deadline = timezone.now() + timedelta(days=7)

    response = create(owner_api, template, number="Д-17/2026", expires_at=iso(deadline))

    contract = Contract.objects.get()
    assert response.json()["number"] == "Д-17/2026"
    assert iso(contract.expires_at) == iso(deadline)


def test_numbers_count_up_per_company(owner_api, outsider_api, template, outsider):
    other_template = TemplateFactory(
        company=outsider.company,
        file=ContentFile(build.simple_docx("x"), name="t.docx"),
        fields=[],
    )
    numbers = [create(owner_api, template).json()["number"] for _ in range(2)]
    numbers.append(create(outsider_api, other_template).json()["number"])

    year = timezone.localdate().year
    assert numbers == [f"OC-{year}-000001", f"OC-{year}-000002", f"OC-{year}-000001"]


def test_create_may_reuse_a_pdf_of_the_same_company(owner_api, template, contract):
    contract.generated_pdf.save("c.pdf", ContentFile(b"%PDF-1.4 x %%EOF"))

    response = create(
        owner_api, template, generated_pdf_path=contract.generated_pdf.name
    )

    assert response.status_code == 201
    assert response.json()["generated_pdf_path"] == contract.generated_pdf.name
    assert (
        response.json()["document_sha256"]
        == hashlib.sha256(b"%PDF-1.4 x %%EOF").hexdigest()
    )


def test_admin_creates_for_the_company_named(admin_api, template, company):
    response = create(admin_api, template, company_id=company.pk)

    assert response.status_code == 201
    assert response.json()["company_id"] == company.pk


def test_anonymous_cannot_create(anonymous, template):
    assert create(anonymous, template).status_code == 401
    assert Contract.objects.count() == 0


def test_outsider_cannot_use_another_company_template(outsider_api, template):
    response = create(outsider_api, template)

    assert response.status_code == 404
    assert response.json() == {"detail": "Template not found.", "code": "not_found"}
    assert Contract.objects.count() == 0


def test_naming_another_company_is_404(owner_api, template, other_company):
    response = create(owner_api, template, company_id=other_company.pk)

    assert response.status_code == 404
    assert Contract.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template_id": None}, "template_id"),
        ({"template_id": "abc"}, "template_id"),
        ({"values": {"nobody": "x"}}, "nobody"),
        ({"values": {"client_name": "x" * 100_000}}, "client_name"),
        ({"values": {"client_name": "x\x00y"}}, "client_name"),
        ({"values": {"summ": "много"}, "fields": {"summ": "number"}}, "summ"),
        ({"values": "text"}, "values"),
        ({"fields": {"summ": "money"}}, "fields.summ"),
        ({"fields": {"nobody": "text"}}, "fields"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"number": "x" * 65}, "number"),
        ({"generated_pdf_path": "../../etc/passwd"}, "generated_pdf_path"),
        ({"client_filled": "maybe"}, "client_filled"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(owner_api, template, body, field):
    response = create(owner_api, template, **body)

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert Contract.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_number_the_company_already_used_is_400(owner_api, template, contract):
    response = create(owner_api, template, number="OC-1")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "number": ["The company already has a contract numbered OC-1."]
    }


def test_malformed_json_is_400(owner_api, template):
    response = owner_api.post(
        "/contracts", "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_failed_render_keeps_the_contract_and_marks_the_document_failed(
    owner_api, template, settings, tmp_path
):
    failing_converter(settings, tmp_path)

    response = create(owner_api, template)

    assert response.status_code == 201
    contract = Contract.objects.get()
    assert response.json() == contract_json(
        contract, generated_pdf_path="", document_sha256=""
    )
    assert contract.document_status == "failed"
    assert "exit code 7" in contract.document_error


# Reading


def test_get_shows_the_contract(owner_api, contract):
    response = owner_api.get(f"/contracts/{contract.pk}")

    assert response.status_code == 200
    assert response.json() == contract_json(contract)


def test_a_pending_contract_past_its_deadline_shows_as_expired(owner_api, contract):
    contract.expires_at = timezone.now() - timedelta(minutes=1)
    contract.save()

    response = owner_api.get(f"/contracts/{contract.pk}")

    assert response.json()["status"] == "expired"


def test_outsider_gets_404_for_a_contract(outsider_api, contract):
    response = outsider_api.get(f"/contracts/{contract.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Contract not found.", "code": "not_found"}


def test_anonymous_gets_401_for_a_contract(anonymous, contract):
    assert anonymous.get(f"/contracts/{contract.pk}").status_code == 401


def test_list_shows_own_contracts(owner_api, contract, other_company):
    ContractFactory(company=other_company)

    response = owner_api.get("/contracts")

    assert response.json() == [contract_json(contract)]
    assert response["X-Total-Count"] == "1"


def test_company_list_shows_the_company_contracts(owner_api, contract, company):
    response = owner_api.get(f"/contracts/company/{company.pk}")

    assert response.status_code == 200
    assert response.json() == [contract_json(contract)]


def test_company_list_filters_by_status_as_shown(owner_api, company, template):
    pending = ContractFactory(company=company, template=template)
    late = ContractFactory(
        company=company,
        template=template,
        expires_at=timezone.now() - timedelta(days=1),
    )
    cancelled = ContractFactory(company=company, template=template, status="cancelled")
    url = f"/contracts/company/{company.pk}?status="

    ids = {
        status: [row["id"] for row in owner_api.get(url + status).json()]
        for status in ("pending", "expired", "cancelled", "signed")
    }

    assert ids == {
        "pending": [pending.pk],
        "expired": [late.pk],
        "cancelled": [cancelled.pk],
        "signed": [],
    }


def test_an_unknown_status_filter_is_400(owner_api, company):
    response = owner_api.get(f"/contracts/company/{company.pk}?status=lost")

    assert response.status_code == 400
    assert response.json()["fields"] == {"status": ["Unknown status."]}


def test_outsider_gets_404_for_the_company_list(outsider_api, company):
    assert outsider_api.get(f"/contracts/company/{company.pk}").status_code == 404


def test_anonymous_gets_401_for_lists(anonymous, company):
    assert anonymous.get("/contracts").status_code == 401
    assert anonymous.get(f"/contracts/company/{company.pk}").status_code == 401


@pytest.mark.parametrize("path", ["/contracts", "/contracts/company/{company}"])
def test_lists_take_the_same_queries_for_1_and_50_rows(
    owner_api, company, template, path
):
    url = path.format(company=company.pk)
    ContractFactory(company=company, template=template)
    with CaptureQueriesContext(connection) as one:
        assert len(owner_api.get(url).json()) == 1
    ContractFactory.create_batch(49, company=company, template=template)

    with CaptureQueriesContext(connection) as fifty:
        assert len(owner_api.get(url).json()) == 50

    assert len(fifty) == len(one)


# PUT / PATCH


def test_put_changes_number_and_client_filled(owner_api, contract):
    response = owner_api.put(
        f"/contracts/{contract.pk}",
        {"number": "OC-77", "client_filled": True},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == contract_json(
        contract, number="OC-77", client_filled=True
    )


def test_put_may_point_at_another_pdf_of_the_company(owner_api, contract, template):
    other = ContractFactory(company=contract.company, template=template)
    other.generated_pdf.save("o.pdf", ContentFile(b"%PDF-1.4 other %%EOF"))

    response = owner_api.patch(
        f"/contracts/{contract.pk}",
        {"generated_pdf_path": other.generated_pdf.name},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["generated_pdf_path"] == other.generated_pdf.name


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../settings.py", "contracts/company_1/none.pdf"]
)
def test_put_with_a_path_that_is_not_a_company_pdf_is_400(owner_api, contract, path):
    response = owner_api.put(
        f"/contracts/{contract.pk}", {"generated_pdf_path": path}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "generated_pdf_path": [
            "Name a contract PDF that already belongs to the company."
        ]
    }


def test_put_with_another_company_pdf_is_400(owner_api, contract, other_company):
    foreign = ContractFactory(company=other_company)
    foreign.generated_pdf.save("f.pdf", ContentFile(b"%PDF-1.4 f %%EOF"))

    response = owner_api.put(
        f"/contracts/{contract.pk}",
        {"generated_pdf_path": foreign.generated_pdf.name},
        format="json",
    )

    assert response.status_code == 400


def test_put_with_a_taken_number_is_400(owner_api, contract, template):
    ContractFactory(company=contract.company, template=template, number="OC-2")

    response = owner_api.put(
        f"/contracts/{contract.pk}", {"number": "OC-2"}, format="json"
    )

    assert response.status_code == 400
    assert "number" in response.json()["fields"]


def test_a_signed_contract_cannot_be_changed(owner_api, contract):
    contract.status = "signed"
    contract.save()

    response = owner_api.put(
        f"/contracts/{contract.pk}", {"number": "OC-9"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The contract is signed and can no longer be changed.",
        "code": "contract_signed",
    }


def test_outsider_cannot_update(outsider_api, contract):
    response = outsider_api.put(
        f"/contracts/{contract.pk}", {"number": "X"}, format="json"
    )

    assert response.status_code == 404
    contract.refresh_from_db()
    assert contract.number == "OC-1"


def test_anonymous_cannot_update(anonymous, contract):
    response = anonymous.patch(f"/contracts/{contract.pk}", {"number": "X"})

    assert response.status_code == 401


# DELETE


def test_delete_removes_the_contract_and_its_expected_signer(
    owner_api, contract, django_capture_on_commit_callbacks
):
    SignatureFactory(contract=contract, signed_at=None)
    contract.generated_pdf.save("c.pdf", ContentFile(b"%PDF-1.4 %%EOF"))
    pdf_name = contract.generated_pdf.name

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(f"/contracts/{contract.pk}")

    assert response.status_code == 204
    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert Signature.objects.count() == 0
    assert not contract.generated_pdf.storage.exists(pdf_name)


def test_a_signed_contract_cannot_be_deleted(owner_api, contract):
    SignatureFactory(contract=contract, signed_at=timezone.now())
    contract.status = "signed"
    contract.save()

    response = owner_api.delete(f"/contracts/{contract.pk}")

    assert response.status_code == 409
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_outsider_cannot_delete(outsider_api, contract):
    assert outsider_api.delete(f"/contracts/{contract.pk}").status_code == 404
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_anonymous_cannot_delete(anonymous, contract):
    assert anonymous.delete(f"/contracts/{contract.pk}").status_code == 401


# POST /contracts/{id}/cancel


def test_cancel_moves_a_pending_contract_to_cancelled(owner_api, contract):
    response = owner_api.post(f"/contracts/{contract.pk}/cancel")

    assert response.status_code == 200
    assert response.json() == contract_json(contract, status="cancelled")
    assert contract.audit_events.get().kind == "cancelled"


@pytest.mark.parametrize("status", ["cancelled", "signed"])
def test_cancel_of_a_contract_not_pending_is_409(owner_api, contract, status):
    contract.status = status
    contract.save()

    response = owner_api.post(f"/contracts/{contract.pk}/cancel")

    assert response.status_code == 409


def test_cancel_of_an_expired_contract_is_409(owner_api, contract):
    contract.expires_at = timezone.now() - timedelta(seconds=1)
    contract.save()

    response = owner_api.post(f"/contracts/{contract.pk}/cancel")

    assert response.status_code == 409
    assert response.json()["code"] == "contract_expired"


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Договор в статусе «отменён», его больше нельзя изменить."),
        (
            "kk",
            "Келісім-шарт «болдырылмады» мәртебесінде, оны енді өзгертуге болмайды.",
        ),
        ("en", "The contract is cancelled and can no longer be changed."),
    ],
)
def test_second_cancel_names_the_status_in_the_callers_language(
    owner_api, contract, language, detail
):
    owner_api.post(f"/contracts/{contract.pk}/cancel")

    response = owner_api.post(
        f"/contracts/{contract.pk}/cancel", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 409
    assert response.json() == {"detail": detail, "code": "contract_cancelled"}


def test_cancel_of_an_expired_contract_names_the_status_in_russian(owner_api, contract):
    contract.expires_at = timezone.now() - timedelta(seconds=1)
    contract.save()

    response = owner_api.post(
        f"/contracts/{contract.pk}/cancel", HTTP_ACCEPT_LANGUAGE="ru"
    )

    assert response.json()["detail"] == (
        "Договор в статусе «истёк», его больше нельзя изменить."
    )


def test_outsider_cannot_cancel(outsider_api, contract):
    assert outsider_api.post(f"/contracts/{contract.pk}/cancel").status_code == 404


def test_anonymous_cannot_cancel(anonymous, contract):
    assert anonymous.post(f"/contracts/{contract.pk}/cancel").status_code == 401


# GET /contracts/{id}/document


def test_document_is_rendered_on_first_request_and_then_served(owner_api, contract):
    response = owner_api.get(f"/contracts/{contract.pk}/document")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Договор с Иванов на сумму от" in pdf_text(response.content)
    contract.refresh_from_db()
    assert contract.document_status == "ready"
    assert hashlib.sha256(response.content).hexdigest() == contract.document_sha256
    assert owner_api.get(f"/contracts/{contract.pk}/document").content == (
        response.content
    )


def test_a_failed_document_is_502_then_retried_on_the_next_request(
    owner_api, contract, settings, tmp_path
):
    failing_converter(settings, tmp_path)

    failed = owner_api.get(f"/contracts/{contract.pk}/document")

    assert failed.status_code == 502
    assert failed.json() == {
        "detail": "The contract document could not be generated; try again in a "
        "moment.",
        "code": "document_failed",
    }
    contract.refresh_from_db()
    assert contract.document_status == "failed"
    assert contract.generated_pdf.name == ""

    settings.DOCUMENT_CONVERTER = "html"
    retried = owner_api.get(f"/contracts/{contract.pk}/document")

    assert retried.status_code == 200
    contract.refresh_from_db()
    assert (contract.document_status, contract.document_error) == ("ready", "")


def test_outsider_gets_404_for_the_document(outsider_api, contract):
    assert outsider_api.get(f"/contracts/{contract.pk}/document").status_code == 404


def test_anonymous_gets_401_for_the_document(anonymous, contract):
    assert anonymous.get(f"/contracts/{contract.pk}/document").status_code == 401


def test_a_signed_contract_whose_pdf_is_gone_is_404(owner_api, contract):
    contract.status = "signed"
    contract.save()

    response = owner_api.get(f"/contracts/{contract.pk}/document")

    assert response.status_code == 404


# Public: GET /contracts/token/{token}


def test_token_shows_what_the_client_needs_and_nothing_internal(anonymous, contract):
    ContractFieldFactory(
        contract=contract,
        field_name="summ",
        field_type="number",
        label="Сумма",
        required=True,
        value="100",
    )

    response = anonymous.get(f"/contracts/token/{contract.contract_token}")

    assert response.status_code == 200
    assert response.json() == {
        "id": contract.pk,
        "number": "OC-1",
        "company_name": contract.company.name,
        "status": "pending",
        "fields": [
            {
                "field_name": "client_name",
                "field_type": "text",
                "label": "",
                "required": False,
                "value": "Иванов",
            },
            {
                "field_name": "summ",
                "field_type": "number",
                "label": "Сумма",
                "required": True,
                "value": "100",
            },
        ],
        "document_url": "http://localhost:4000/contracts/token/"
        f"{contract.contract_token}/document",
        "created_at": iso(contract.created_at),
    }


def test_token_works_whatever_credentials_are_sent(contract, anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    response = anonymous.get(f"/contracts/token/{contract.contract_token}")

    assert response.status_code == 200


@pytest.mark.parametrize("token", ["not-a-uuid", "1", str(uuid.uuid4()), "%00"])
def test_a_malformed_or_unknown_token_is_404(anonymous, contract, token):
    response = anonymous.get(f"/contracts/token/{token}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Contract not found.", "code": "not_found"}


def test_token_takes_the_same_queries_for_1_and_50_fields(
    anonymous, contract, django_assert_num_queries
):
    url = f"/contracts/token/{contract.contract_token}"
    with CaptureQueriesContext(connection) as one:
        anonymous.get(url)
    ContractFieldFactory.create_batch(49, contract=contract)

    with django_assert_num_queries(len(one)):
        assert len(anonymous.get(url).json()["fields"]) == 50


def test_the_document_by_token_is_public(anonymous, contract):
    response = anonymous.get(f"/contracts/token/{contract.contract_token}/document")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Договор с Иванов" in pdf_text(response.content)


def test_the_document_by_an_unknown_token_is_404(anonymous, contract):
    response = anonymous.get(f"/contracts/token/{uuid.uuid4()}/document")

    assert response.status_code == 404
