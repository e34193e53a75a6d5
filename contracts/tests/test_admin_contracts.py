"""Django admin for contracts and templates: searchable, read-only evidence."""

import pytest
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    SignatureFactory,
    TemplateFactory,
)
from templates_app.models import Template


@pytest.fixture
def staff_client(client, admin):
    client.force_login(admin)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/contracts/contract/?q=OC-42",
        "/admin/contracts/contract/?status__exact=pending&document_status__exact=none",
        "/admin/contracts/contractfield/?q=client",
        "/admin/templates_app/template/?q=Договор",
    ],
)
def test_changelists_search_and_filter(staff_client, company, url):
    contract = ContractFactory(company=company, number="OC-42")
    ContractFieldFactory(contract=contract, field_name="client_name")

    response = staff_client.get(url)

    assert response.status_code == 200


def test_contract_page_shows_its_fields_read_only(staff_client, company):
    contract = ContractFactory(company=company)
    ContractFieldFactory(contract=contract, field_name="client_name", value="Иванов")

    response = staff_client.get(f"/admin/contracts/contract/{contract.pk}/change/")

    assert response.status_code == 200
    assert "Иванов" in response.content.decode()
    assert 'name="number"' not in response.content.decode()


def test_admin_cannot_add_contracts_or_templates(staff_client):
    assert staff_client.get("/admin/contracts/contract/add/").status_code == 403
    assert staff_client.get("/admin/templates_app/template/add/").status_code == 403


def test_deleting_a_signed_contract_in_the_admin_is_refused(staff_client, company):
    contract = ContractFactory(company=company, status="signed")
    SignatureFactory(contract=contract, signed_at=timezone.now())

    staff_client.post(
        "/admin/contracts/contract/",
        {"action": "delete_selected", "_selected_action": [contract.pk], "post": "yes"},
    )

    assert Contract.objects.filter(pk=contract.pk).exists()


def test_renaming_a_template_in_the_admin_goes_through_the_service(
    staff_client, company
):
    template = TemplateFactory(company=company, name="Старое")

    response = staff_client.post(
        f"/admin/templates_app/template/{template.pk}/change/", {"name": "Новое"}
    )

    assert response.status_code == 302
    assert Template.objects.get(pk=template.pk).name == "Новое"
