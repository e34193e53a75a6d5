"""Contract services: numbers, values, the PDF's life, and what a race cannot break."""

import hashlib
import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from contracts import services
from contracts.models import Contract, ContractField
from contracts.services import pdf as pdf_services
from ozgecontract.errors import NotFoundError, StateConflictError
from ozgecontract.tests.factories import ContractFactory, TemplateFactory
from templates_app.tests import docx_builders as build


@pytest.fixture
def template(company):
    return TemplateFactory(
        company=company,
        file=ContentFile(build.simple_docx("Клиент: {{ client_name }}"), name="t.docx"),
        fields=["client_name"],
    )


@pytest.fixture
def contract(owner, template):
    return services.create_contract(
        company=owner.company, template=template, user=owner
    )


def test_the_next_number_follows_the_highest_of_the_year(owner, template):
    prefix = f"OC-{timezone.localdate().year}-"
    for number in (f"{prefix}000009", f"{prefix}000010", f"{prefix}x", "OC-1999-999"):
        ContractFactory(company=owner.company, template=template, number=number)

    contract = services.create_contract(
        company=owner.company, template=template, user=owner
    )

    assert contract.number == f"{prefix}000011"


def test_a_template_of_another_company_is_not_found(owner, other_company):
    foreign = TemplateFactory(company=other_company)

    with pytest.raises(NotFoundError):
        services.create_contract(company=owner.company, template=foreign, user=owner)
    assert Contract.objects.count() == 0


def test_the_client_filling_fields_marks_the_contract_and_the_audit_trail(contract):
    services.set_field_values(
        contract=contract,
        values={"client_name": "Айгерім"},
        actor=None,
        ip="10.0.0.7",
        user_agent="Mobile Safari",
    )

    contract.refresh_from_db()
    assert contract.client_filled is True
    event = contract.audit_events.get(kind="fields_filled")
    assert (event.ip_address, event.user_agent) == ("10.0.0.7", "Mobile Safari")
    assert event.detail == {"fields": ["client_name"], "by_user": None}


def test_unchanged_values_do_not_re_render_a_ready_document(contract, owner):
    services.set_field_values(
        contract=contract, values={"client_name": "А"}, actor=owner
    )
    contract.refresh_from_db()
    before = (contract.generated_pdf.name, contract.document_sha256)

    services.set_field_values(
        contract=contract, values={"client_name": "А"}, actor=owner
    )

    contract.refresh_from_db()
    assert (contract.generated_pdf.name, contract.document_sha256) == before
    assert contract.audit_events.filter(kind="fields_filled").count() == 1


def test_a_render_overtaken_by_newer_values_is_not_attached(
    contract, monkeypatch, django_capture_on_commit_callbacks
):
    real_render = pdf_services.render_pdf
    attached_before = contract.generated_pdf.name

    def render_while_values_change(template, context, **kwargs):
        pdf = real_render(template, context, **kwargs)
        ContractField.objects.filter(contract=contract).update(value="newer")
        return pdf

    monkeypatch.setattr(pdf_services, "render_pdf", render_while_values_change)
    with django_capture_on_commit_callbacks(execute=True):
        services.render_contract_document(contract)

    contract.refresh_from_db()
    assert contract.generated_pdf.name == attached_before
    stored = contract.generated_pdf.storage.listdir(
        f"contracts/company_{contract.company_id}"
    )[1]
    assert stored == [attached_before.rsplit("/", 1)[1]]


def test_ensure_returns_the_stored_pdf_while_it_is_intact(contract):
    with contract.generated_pdf.open("rb") as handle:
        stored = handle.read()

    assert services.ensure_contract_document(contract=contract) == stored


def test_ensure_renders_again_when_the_file_is_gone(contract):
    contract.generated_pdf.storage.delete(contract.generated_pdf.name)

    pdf = services.ensure_contract_document(contract=contract)

    contract.refresh_from_db()
    assert hashlib.sha256(pdf).hexdigest() == contract.document_sha256
    assert contract.generated_pdf.storage.exists(contract.generated_pdf.name)


def test_ensure_never_remakes_the_document_of_a_signed_contract(contract):
    contract.generated_pdf.storage.delete(contract.generated_pdf.name)
    Contract.objects.filter(pk=contract.pk).update(status="signed")

    with pytest.raises(NotFoundError):
        services.ensure_contract_document(contract=contract)


def test_cancelling_twice_is_a_conflict(contract, owner):
    services.cancel_contract(contract=contract, user=owner)

    with pytest.raises(StateConflictError):
        services.cancel_contract(contract=contract, user=owner)
    assert contract.audit_events.filter(kind="cancelled").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no row locks (select_for_update)",
)
def test_contracts_created_at_once_get_distinct_numbers(owner, template, settings):
    threads = 6
    barrier = threading.Barrier(threads)
    numbers, errors = [], []

    def create():
        try:
            barrier.wait()
            contract = services.create_contract(
                company=owner.company, template=template, user=owner
            )
            numbers.append(contract.number)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=create) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    prefix = f"OC-{timezone.localdate().year}-"
    assert sorted(numbers) == [f"{prefix}{n:06d}" for n in range(1, threads + 1)]
