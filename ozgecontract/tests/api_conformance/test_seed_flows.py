"""Flows the table cannot hold: signing with the seed's body, statistics, tokens."""

import pytest

from ozgecontract.tests.api_conformance.endpoints import (
    assert_json_conventions,
    requested_code,
    spare_contract,
)
from ozgecontract.tests.api_world import (
    CLIENT_IIN,
    CLIENT_NAME,
    CLIENT_PHONE,
    OTHER_PHONE,
)
from ozgecontract.tests.factories import PASSWORD
from ozgecontract.tests.seed import LAST_SIGNED, SIGNATURE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slash", [False, True], ids=["bare", "slash"])
def test_client_signs_with_the_seed_body_and_the_link_token(
    slash, anonymous, make_world, settings
):
    world = make_world(signed=False)
    code = requested_code(world, settings)

    response = anonymous.post(
        "/signatures/sign" + ("/" if slash else ""),
        {
            "contract_token": str(world.contract.contract_token),
            "client_name": CLIENT_NAME,
            "client_iin": CLIENT_IIN,
            "client_phone": CLIENT_PHONE,
            "method": "sms",
            "otp_code": code,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= SIGNATURE
    assert body["id"] == world.expected_signer.pk
    assert_json_conventions(body)


def test_company_signs_with_the_seed_body_naming_contract_and_company(
    owner_api, make_world, settings
):
    world = make_world(signed=False)
    code = requested_code(world, settings)

    response = owner_api.post(
        "/signatures/sign",
        {
            "contract_id": world.contract.pk,
            "client_name": CLIENT_NAME,
            "client_iin": CLIENT_IIN,
            "client_phone": CLIENT_PHONE,
            "method": "sms",
            "company_id": world.company.pk,
            "otp_code": code,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert set(response.json()) >= SIGNATURE


def test_the_seed_spelling_esp_is_read_as_ecp(owner_api, make_world):
    world = make_world(signed=False)

    response = owner_api.post(
        "/signatures",
        {
            "contract_id": spare_contract(world),
            "client_name": "Иванов Иван",
            "client_iin": CLIENT_IIN,
            "client_phone": OTHER_PHONE,
            "method": "esp",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["method"] == "ecp"


def test_statistics_list_the_last_signed_contracts_in_the_seed_shape(
    owner_api, make_world
):
    world = make_world(signed=True)

    body = owner_api.get(f"/stats/company/{world.company.pk}").json()

    assert body["total_signed"] == 1
    assert len(body["last_signed_contracts"]) == 1
    entry = body["last_signed_contracts"][0]
    assert set(entry) >= LAST_SIGNED
    assert entry["contract_id"] == world.signed_contract.pk
    assert entry["status"] == "Подписан"


def test_refresh_token_gives_a_new_access_token(anonymous, owner):
    pair = anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    ).json()

    response = anonymous.post(
        "/auth/token/refresh", {"refresh": pair["refresh"]}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()) >= {"access"}


def test_health_check_answers_when_the_database_does(anonymous):
    response = anonymous.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
