"""CORS is open to every origin, without credentials."""

import pytest

from ozgecontract.tests.factories import TariffPlanFactory

pytestmark = pytest.mark.django_db


ORIGIN = "https://integrator.example"


def test_cors_preflight_allows_every_origin_without_credentials(anonymous):
    response = anonymous.options(
        "/contracts",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert "POST" in response["Access-Control-Allow-Methods"]


def test_cors_answer_exposes_the_list_headers(anonymous, db):
    TariffPlanFactory()

    response = anonymous.get("/tariff-plans", HTTP_ORIGIN=ORIGIN)

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = response["Access-Control-Expose-Headers"].lower()
    assert "x-total-count" in exposed
    assert "link" in exposed


def test_cors_error_answers_carry_the_origin_header_too(anonymous):
    response = anonymous.get("/contracts", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == "*"
