"""Every error, from 400 to 500, comes in the one error shape."""

import json

import pytest

from ozgecontract import views
from ozgecontract.tests.api_conformance.endpoints import (
    ERROR_KEYS,
    EVERY_CALL,
    assert_error_shape,
)

pytestmark = pytest.mark.django_db


def test_bad_input_is_400_with_the_fields_named(anonymous):
    response = anonymous.post(
        "/companies/register", {"email": "not-an-email"}, format="json"
    )

    body = assert_error_shape(response, 400, "invalid")
    assert {"name", "email", "phone", "password"} <= set(body["fields"])


def test_unknown_object_is_404_in_the_error_shape(owner_api, make_world):
    make_world(signed=False)

    response = owner_api.get("/contracts/999999")

    assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/contracts/abc", "/companies/id/x", "/templates/1/nope", "/stats/"]
)
def test_unknown_url_under_an_api_path_is_404_in_the_error_shape(owner_api, path):
    response = owner_api.get(path)

    assert_error_shape(response, 404, "not_found")


def test_unknown_page_outside_the_api_stays_an_html_page(client):
    response = client.get("/dashboard/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_body_over_the_upload_limit_is_400_in_the_error_shape(owner_api, settings):
    body = b'{"number": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'

    response = owner_api.generic(
        "POST", "/contracts", body, content_type="application/json"
    )

    assert_error_shape(response, 400, "bad_request")


def test_too_many_form_fields_is_400_in_the_error_shape(owner_api, settings):
    count = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    form = "&".join(f"field{n}=1" for n in range(count))

    response = owner_api.generic(
        "POST", "/contracts", form, content_type="application/x-www-form-urlencoded"
    )

    assert_error_shape(response, 400, "bad_request")


def test_an_unhandled_error_is_a_json_500_on_api_paths_and_a_page_elsewhere(rf):
    api = views.server_error(rf.get("/contracts/1"))
    page = views.server_error(rf.get("/dashboard/"))

    assert api.status_code == page.status_code == 500
    body = json.loads(api.content)
    assert set(body) == ERROR_KEYS
    assert body["code"] == "server_error"
    assert page["Content-Type"].startswith("text/html")


def test_wrong_method_is_405_in_the_error_shape(owner_api):
    response = owner_api.patch("/companies/register", {}, format="json")

    assert_error_shape(response, 405, "method_not_allowed")


def test_state_conflict_is_409_in_the_error_shape(owner_api, make_world):
    world = make_world(signed=True)

    response = owner_api.delete(f"/contracts/{world.signed_contract.pk}")

    assert_error_shape(response, 409)


def test_role_not_allowed_is_403_in_the_error_shape(owner_api, make_world):
    world = make_world(signed=False)

    response = owner_api.put(
        f"/company-balances/{world.company.pk}",
        {"sms_signatures": 1000, "ecp_signatures": 1000},
        format="json",
    )

    assert_error_shape(response, 403)


def test_options_describes_every_endpoint_without_a_server_error(clients, make_world):
    world = make_world(signed=False)

    for call in EVERY_CALL:
        if call.signed:
            continue
        response = clients[call.persona].options(call.path(world))
        assert response.status_code == 200, (str(call), response.content[:300])
        assert call.method in response["Allow"], str(call)
