"""Who may call what: anonymous callers get 401, outsiders 404."""

import pytest
from rest_framework.test import APIClient

from ozgecontract.tests.api_conformance.endpoints import (
    EVERY_CALL,
    PRIVATE_CALLS,
    assert_error_shape,
    send,
)
from ozgecontract.tests.api_world import CLIENT_IIN, CLIENT_NAME, CLIENT_PHONE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("call", PRIVATE_CALLS, ids=str)
def test_anonymous_caller_of_a_private_endpoint_gets_401(
    call, anonymous, unsigned_world
):
    response = send(anonymous, call, unsigned_world)

    assert_error_shape(response, 401, "not_authenticated")


@pytest.mark.parametrize("call", PRIVATE_CALLS[:3], ids=str)
def test_a_bad_bearer_token_gets_401_in_the_error_shape(call, make_world):
    world = make_world(signed=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")

    response = send(client, call, world)

    assert_error_shape(response, 401)


def test_anonymous_sign_by_contract_id_gets_401(anonymous, make_world):
    world = make_world(signed=False)

    response = anonymous.post(
        "/signatures/sign",
        {
            "contract_id": world.contract.pk,
            "client_name": CLIENT_NAME,
            "client_iin": CLIENT_IIN,
            "client_phone": CLIENT_PHONE,
            "method": "sms",
            "otp_code": "123456",
        },
        format="json",
    )

    assert_error_shape(response, 401, "not_authenticated")


OWNED_READS = [
    call
    for call in EVERY_CALL
    if call.method == "GET" and call.persona == "owner" and "{" in call.route
]


@pytest.mark.parametrize("call", OWNED_READS, ids=str)
def test_outsider_gets_404_for_the_owners_objects(call, outsider_api, unsigned_world):
    response = send(outsider_api, call, unsigned_world)

    assert_error_shape(response, 404, "not_found")
