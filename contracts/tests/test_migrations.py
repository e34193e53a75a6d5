"""Data migrations of contracts: what they fill equals what the services keep."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory, SignatureFactory

signer_columns = importlib.import_module(
    "contracts.migrations.0004_signer_search_and_list_indexes"
)


@pytest.mark.django_db
def test_signer_backfill_equals_the_columns_the_services_keep():
    signed = ContractFactory()
    SignatureFactory(contract=signed, client_name="Иванов  Иван")
    SignatureFactory(
        contract=signed,
        client_name="Сейтқали Әлия",
        client_iin="850615300129",
        signed_at=timezone.now(),
    )
    unsigned = ContractFactory(company=signed.company)
    kept = dict(Contract.objects.values_list("pk", "signer_search"))
    names = dict(Contract.objects.values_list("pk", "signer_name"))
    Contract.objects.update(signer_name="", signer_search="")

    signer_columns.fill_signers(apps, None)

    assert dict(Contract.objects.values_list("pk", "signer_search")) == kept
    assert dict(Contract.objects.values_list("pk", "signer_name")) == names
    assert names[signed.pk] == "Сейтқали Әлия"
    assert kept[unsigned.pk] == ""
