"""Expected signers and reading signatures: POST/GET/DELETE /signatures/..."""

from datetime import UTC

import pytest
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import ContractFactory, SignatureFactory
from signatures.models import Signature
from signatures.tests.conftest import OTHER_VALID_IIN, VALID_IIN

pytestmark = pytest.mark.django_db


def expected_signer_body(contract, **overrides):
    body = {
        "contract_id": contract.pk,
        "client_name": "Иванов Иван",
        "client_iin": VALID_IIN,
        "client_phone": "87011234567",
        "method": "sms",
    }
    body.update(overrides)
    return body


def iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- POST /signatures -------------------------------------------------------


def test_owner_records_the_expected_signer(owner_api, contract):
    response = owner_api.post(
        "/signatures", expected_signer_body(contract), format="json"
    )

    assert response.status_code == 201
    signature = Signature.objects.get()
    assert response.json() == {
        "id": signature.pk,
        "contract_id": contract.pk,
        "client_name": "Иванов Иван",
        "client_iin": VALID_IIN,
        "client_phone": "+77011234567",
        "signed_at": None,
        "method": "sms",
        "certificate_url": None,
        "document_url": None,
    }
    assert not signature.is_signed


def test_member_and_admin_may_record_the_expected_signer(
    member_api, admin_api, company
):
    first, second = ContractFactory.create_batch(2, company=company)

    assert (
        member_api.post(
            "/signatures", expected_signer_body(first), format="json"
        ).status_code
        == 201
    )
    assert (
        admin_api.post(
            "/signatures/", expected_signer_body(second), format="json"
        ).status_code
        == 201
    )


def test_esp_is_stored_as_ecp(owner_api, contract):
    response = owner_api.post(
        "/signatures", expected_signer_body(contract, method="esp"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["method"] == "ecp"


def test_anonymous_cannot_record_an_expected_signer(anonymous, contract):
    response = anonymous.post(
        "/signatures", expected_signer_body(contract), format="json"
    )

    assert response.status_code == 401
    assert not Signature.objects.exists()


def test_outsider_gets_404_for_another_companys_contract(outsider_api, contract):
    response = outsider_api.post(
        "/signatures", expected_signer_body(contract), format="json"
    )

    assert response.status_code == 404
    assert not Signature.objects.exists()


def test_a_second_expected_signer_is_409(owner_api, contract):
    SignatureFactory(contract=contract)

    response = owner_api.post(
        "/signatures",
        expected_signer_body(contract, client_iin=OTHER_VALID_IIN),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "signer_exists"
    assert Signature.objects.count() == 1


@pytest.mark.parametrize(
    "status", [Contract.Status.SIGNED, Contract.Status.CANCELLED, "expired"]
)
def test_no_expected_signer_for_a_contract_that_is_not_pending(
    owner_api, contract, status
):
    Contract.objects.filter(pk=contract.pk).update(status=status)

    response = owner_api.post(
        "/signatures", expected_signer_body(contract), format="json"
    )

    assert response.status_code == 409
    assert not Signature.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"client_iin": "123456789012"}, "client_iin"),
        ({"client_phone": "+7 727 258 1234"}, "client_phone"),
        ({"method": "paper"}, "method"),
        ({"contract_id": "abc"}, "contract_id"),
        ({"client_name": ""}, "client_name"),
    ],
)
def test_bad_expected_signer_is_400(owner_api, contract, overrides, field):
    response = owner_api.post(
        "/signatures", expected_signer_body(contract, **overrides), format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Signature.objects.exists()


def test_unknown_contract_is_404(owner_api, contract):
    response = owner_api.post(
        "/signatures",
        expected_signer_body(contract, contract_id=contract.pk + 1000),
        format="json",
    )

    assert response.status_code == 404


# --- GET /signatures/{id} ---------------------------------------------------


def test_owner_reads_a_signature(owner_api, contract):
    signed_at = timezone.now()
    signature = SignatureFactory(contract=contract, signed_at=signed_at)

    response = owner_api.get(f"/signatures/{signature.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": signature.pk,
        "contract_id": contract.pk,
        "client_name": "Иванов Иван",
        "client_iin": VALID_IIN,
        "client_phone": "+77011234567",
        "signed_at": iso(signed_at),
        "method": "sms",
        "certificate_url": f"http://testserver/signatures/{signature.pk}/certificate",
        "document_url": f"http://testserver/signatures/{signature.pk}/document",
    }


def test_anonymous_cannot_read_a_signature(anonymous, contract):
    signature = SignatureFactory(contract=contract)

    assert anonymous.get(f"/signatures/{signature.pk}").status_code == 401


def test_outsider_gets_404_for_a_signature(outsider_api, contract):
    signature = SignatureFactory(contract=contract)

    response = outsider_api.get(f"/signatures/{signature.pk}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_admin_reads_any_signature(admin_api, contract):
    signature = SignatureFactory(contract=contract)

    assert admin_api.get(f"/signatures/{signature.pk}/").status_code == 200


def test_unknown_signature_is_404(owner_api, db):
    assert owner_api.get("/signatures/999999").status_code == 404


# --- GET /signatures/contract/{contract_id} ---------------------------------


def test_owner_lists_a_contracts_signatures(owner_api, contract):
    signature = SignatureFactory(contract=contract)
    SignatureFactory(contract=ContractFactory(company=contract.company))

    response = owner_api.get(f"/signatures/contract/{contract.pk}")

    assert response.status_code == 200
    assert response["X-Total-Count"] == "1"
    assert response.json() == [
        {
            "id": signature.pk,
            "contract_id": contract.pk,
            "client_name": "Иванов Иван",
            "client_iin": VALID_IIN,
            "client_phone": "+77011234567",
            "signed_at": None,
            "method": "sms",
            "certificate_url": None,
            "document_url": None,
        }
    ]


def test_listing_takes_the_same_queries_for_1_and_50_signed_contracts(
    owner_api, company, django_assert_num_queries
):
    # A contract holds at most one signature row (the expected signer is
    # completed in place), so the list is pinned as the company grows.
    first = SignatureFactory(
        contract=ContractFactory(company=company), signed_at=timezone.now()
    )
    with django_assert_num_queries(4):
        one = owner_api.get(f"/signatures/contract/{first.contract_id}")

    for item in ContractFactory.create_batch(49, company=company):
        SignatureFactory(contract=item, signed_at=timezone.now())
    last = Signature.objects.order_by("-id").first()
    with django_assert_num_queries(4):
        fifty = owner_api.get(f"/signatures/contract/{last.contract_id}")

    assert len(one.json()) == len(fifty.json()) == 1


def test_anonymous_cannot_list_signatures(anonymous, contract):
    assert anonymous.get(f"/signatures/contract/{contract.pk}").status_code == 401


def test_outsider_gets_404_listing_another_companys_contract(outsider_api, contract):
    SignatureFactory(contract=contract)

    response = outsider_api.get(f"/signatures/contract/{contract.pk}")

    assert response.status_code == 404


def test_listing_an_unknown_contract_is_404(owner_api, db):
    assert owner_api.get("/signatures/contract/424242").status_code == 404


# --- DELETE /signatures/{id} ------------------------------------------------


def test_owner_deletes_an_expected_signer(owner_api, contract):
    signature = SignatureFactory(contract=contract)

    response = owner_api.delete(f"/signatures/{signature.pk}")

    assert response.status_code == 204
    assert not Signature.objects.exists()


def test_a_completed_signature_is_never_deleted(owner_api, admin_api, contract):
    signature = SignatureFactory(contract=contract, signed_at=timezone.now())

    for client in (owner_api, admin_api):
        response = client.delete(
            f"/signatures/{signature.pk}", HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 409
        assert response.json() == {
            "detail": "A completed signature is evidence and cannot be deleted.",
            "code": "signature_completed",
        }
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_outsider_cannot_delete_a_signature(outsider_api, contract):
    signature = SignatureFactory(contract=contract)

    assert outsider_api.delete(f"/signatures/{signature.pk}").status_code == 404
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_anonymous_cannot_delete_a_signature(anonymous, contract):
    signature = SignatureFactory(contract=contract)

    assert anonymous.delete(f"/signatures/{signature.pk}").status_code == 401
    assert Signature.objects.filter(pk=signature.pk).exists()


def test_after_deleting_the_expected_signer_another_may_be_named(owner_api, contract):
    signature = SignatureFactory(contract=contract)
    owner_api.delete(f"/signatures/{signature.pk}")

    response = owner_api.post(
        "/signatures",
        expected_signer_body(contract, client_iin=OTHER_VALID_IIN),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["client_iin"] == OTHER_VALID_IIN
