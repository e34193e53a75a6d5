"""Every documented path and method answers in its documented shape."""

import re
import uuid

import pytest
from django.urls import resolve

from ozgecontract.tests.api_conformance.endpoints import (
    CALLS,
    EVERY_CALL,
    PDF,
    assert_error_shape,
    assert_json_conventions,
    send,
)
from ozgecontract.tests.seed import SEED_ROUTES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slash", [False, True], ids=["bare", "slash"])
@pytest.mark.parametrize("call", EVERY_CALL, ids=str)
def test_documented_endpoint_answers_in_its_documented_shape(
    call, slash, clients, make_world
):
    world = make_world(signed=call.signed)

    response = send(clients[call.persona], call, world, slash=slash)

    assert response.status_code == call.status, response.content.decode()[:500]
    if call.shape is None:
        if call.content_type == PDF:
            assert response["Content-Type"] == PDF
            assert response.content.startswith(b"%PDF-")
        return
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    items = body if call.many else [body]
    if call.many:
        assert isinstance(body, list) and body, "a list is a non-empty JSON array"
    for item in items:
        assert isinstance(item, dict)
        assert call.shape <= set(item), f"missing {sorted(call.shape - set(item))}"
    assert_json_conventions(body)


PDF_CALLS = [call for call in EVERY_CALL if call.content_type == PDF]


@pytest.mark.parametrize("call", PDF_CALLS, ids=str)
def test_pdf_download_answers_a_client_that_accepts_only_pdf(call, clients, make_world):
    world = make_world(signed=call.signed)
    client = clients[call.persona]

    path = call.path(world)
    if "/token/" in path:
        unknown = re.sub(r"/token/[^/]+/", f"/token/{uuid.uuid4()}/", path)
    else:
        unknown = re.sub(r"/\d+/", "/999999/", path)

    found = client.get(path, HTTP_ACCEPT=PDF)
    missing = client.get(unknown, HTTP_ACCEPT=PDF)

    assert found.status_code == 200, found.content[:300]
    assert found["Content-Type"] == PDF
    assert_error_shape(missing, 404)


def test_the_seed_lists_every_path_this_test_calls():
    """Keep the table honest: each seed route resolves to an API view."""
    seed_routes = set(SEED_ROUTES)
    called = {(call.method, call.route) for call in CALLS}
    # POST /signatures/sign has its own tests in test_seed_flows.py (it needs
    # a code first).
    assert seed_routes - called == {("POST", "/signatures/sign")}
    for _method, route in seed_routes:
        concrete = re.sub(r"\{[a-z_]+\}", "1", route)
        concrete = concrete.replace("/token/1", f"/token/{'0' * 32}")
        assert resolve(concrete).func.__module__.endswith(".api"), route
