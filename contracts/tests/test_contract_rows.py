"""The fast contract shapes answer exactly what the DRF serializers would."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from contracts.models import Contract
from contracts.selectors import list_contract_fields
from contracts.serializers import (
    CONTRACT_ROW_COLUMNS,
    PUBLIC_FIELD_COLUMNS,
    ContractSerializer,
    PublicContractSerializer,
    contract_rows,
    public_contract_data,
)
from ozgecontract.tests.factories import (
    ContractFactory,
    ContractFieldFactory,
    TemplateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_contracts(company):
    """Contracts in every status, with and without deadline, number and PDF."""
    template = TemplateFactory(company=company)
    now = timezone.now()
    made = [
        ContractFactory(company=company, template=template),
        ContractFactory(
            company=company, template=template, expires_at=now + timedelta(days=2)
        ),
        ContractFactory(
            company=company, template=template, expires_at=now - timedelta(days=2)
        ),
        ContractFactory(
            company=company,
            template=template,
            status=Contract.Status.SIGNED,
            signed_at=now,
            expires_at=now - timedelta(days=1),
            client_filled=True,
            document_sha256="ab" * 32,
            generated_pdf="contracts/company_1/x.pdf",
        ),
        ContractFactory(
            company=company, template=template, status=Contract.Status.CANCELLED
        ),
        ContractFactory(
            company=company, template=template, status=Contract.Status.EXPIRED
        ),
        ContractFactory(
            company=company,
            template=template,
            number="",
            created_at=now - timedelta(days=400, microseconds=123),
        ),
    ]
    return Contract.objects.filter(pk__in=[c.pk for c in made]).order_by("-id")


@pytest.mark.parametrize("language", ["ru", "en"])
def test_contract_rows_equal_the_serializer(varied_contracts, settings, language):
    settings.SITE_URL = "https://portal.example.kz"
    with translation.override(language), timezone.override("Asia/Almaty"):
        expected = ContractSerializer(varied_contracts, many=True).data
        rows = contract_rows(varied_contracts.values_list(*CONTRACT_ROW_COLUMNS))

    assert rows == [dict(row) for row in expected]
    assert {row["status"] for row in rows} == set(Contract.Status.values)


def test_public_contract_data_equals_the_serializer(company, settings):
    settings.SITE_URL = "https://portal.example.kz"
    contract = ContractFactory(
        company=company, expires_at=timezone.now() - timedelta(hours=1)
    )
    ContractFieldFactory(contract=contract, position=2, value="250 000")
    ContractFieldFactory(
        contract=contract, position=1, required=True, label="ФИО", value=""
    )
    ContractFieldFactory(contract=contract, position=1, field_type="date")
    fields = list_contract_fields(contract=contract).values_list(*PUBLIC_FIELD_COLUMNS)

    with timezone.override("Asia/Almaty"):
        expected = PublicContractSerializer(contract).data
        data = public_contract_data(contract, fields)

    assert data == {**expected, "fields": [dict(f) for f in expected["fields"]]}
    assert data["status"] == Contract.Status.EXPIRED
    assert [field["value"] for field in data["fields"]] == ["", "", "250 000"]


@pytest.mark.parametrize("path", ["/contracts", "/contracts/company/{company}"])
def test_a_list_takes_three_queries_user_count_and_rows(
    owner_api, company, varied_contracts, path, django_assert_num_queries
):
    with django_assert_num_queries(3):
        response = owner_api.get(path.format(company=company.pk))

    assert response.status_code == 200
    assert response["X-Total-Count"] == str(len(varied_contracts))
    assert [row["id"] for row in response.json()] == [
        contract.pk for contract in varied_contracts
    ]


def test_the_public_read_takes_two_queries_contract_and_fields(
    anonymous, company, django_assert_num_queries
):
    contract = ContractFactory(company=company)
    ContractFieldFactory.create_batch(3, contract=contract)

    with django_assert_num_queries(2):
        response = anonymous.get(f"/contracts/token/{contract.contract_token}")

    assert response.status_code == 200
    assert len(response.json()["fields"]) == 3
