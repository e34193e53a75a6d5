"""The OpenAPI schema is valid, complete, and served with offline Swagger UI.

`GET /api/schema` is what integrators and the fuzz tests read, so it must
validate as OpenAPI 3 without a warning, document every route of the seed
document and DESIGN.md §3 with the seed's shapes, and describe the one error
shape and the list headers. `GET /api/docs` must work with no internet: its
page loads Swagger UI from the project's own static files.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import get_resolver

from ozgecontract.tests.seed import DESIGN_ROUTES, SEED_ROUTES

MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def resolve_ref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].removeprefix("#/components/schemas/")
        node = schema["components"]["schemas"][name]
    return node


def success_schema(schema: dict, operation: dict) -> dict | None:
    for status in ("200", "201", "202"):
        response = operation["responses"].get(status)
        if response and "application/json" in response.get("content", {}):
            return resolve_ref(
                schema, response["content"]["application/json"]["schema"]
            )
    return None


def test_schema_validates_as_openapi_3_without_warnings():
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [
            sys.executable,
            str(MANAGE_PY),
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warnings: " not in result.stderr, result.stderr[-3000:]


def test_schema_is_openapi_3_with_the_projects_title(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "OzgeContract API"


def test_schema_is_served_as_yaml_by_default(client):
    response = client.get("/api/schema")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert response.content.startswith(b"openapi: 3.")


@pytest.mark.parametrize(
    ("method", "route"), sorted(SEED_ROUTES | dict.fromkeys(DESIGN_ROUTES)), ids=str
)
def test_every_documented_route_is_in_the_schema(schema, method, route):
    assert route in schema["paths"], f"{route} is missing"
    assert method.lower() in schema["paths"][route], f"{method} {route} is missing"


@pytest.mark.parametrize(("method", "route"), sorted(SEED_ROUTES), ids=str)
def test_schema_shows_the_seed_shape_of_each_answer(schema, method, route):
    shape, many = SEED_ROUTES[(method, route)]
    operation = schema["paths"][route][method.lower()]

    if shape is None:
        assert "204" in operation["responses"]
        return
    body = success_schema(schema, operation)
    assert body is not None, f"{method} {route} documents no JSON answer"
    if many:
        assert body["type"] == "array"
        body = resolve_ref(schema, body["items"])
    assert shape <= set(body["properties"]), sorted(shape - set(body["properties"]))
    assert "password" not in body["properties"]


def test_every_api_route_of_the_project_is_documented(schema):
    """No endpoint is served that the schema keeps quiet about."""
    from ozgecontract.urls import API_ROOTS

    documented = {re.sub(r"\{[a-z_]+\}", "<>", path) for path in schema["paths"]}
    served = set()
    for pattern in get_resolver().url_patterns:
        route = str(pattern.pattern)
        if hasattr(pattern, "url_patterns") or route.split("/")[0] not in API_ROOTS:
            continue
        if route.endswith("/") or route.startswith(("api/schema", "api/docs")):
            continue
        if route == "healthz":  # a plain Django view for load balancers
            continue
        served.add("/" + re.sub(r"<[a-z]+:[a-z_]+>", "<>", route))

    assert served - documented == set()
    # POST /verify lives beside the verification pages, in signatures.urls.
    assert documented - served == {"/verify"}


def test_every_operation_documents_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}
    assert set(error["properties"]) == {"detail", "code", "fields"}

    for method, path, operation in operations(schema):
        responses = operation["responses"]
        for status in ("400", "404"):
            content = responses[status]["content"]["application/json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (
                method,
                path,
                status,
            )


def test_private_operations_document_401_and_public_ones_do_not_need_it(schema):
    for method, path, operation in operations(schema):
        reads_credentials = any(operation.get("security", []))
        assert ("401" in operation["responses"]) >= reads_credentials, (method, path)


def test_lists_document_their_paging_headers_and_parameters(schema):
    lists = [
        (method, path, operation)
        for method, path, operation in operations(schema)
        if method == "GET"
        and (success_schema(schema, operation) or {}).get("type") == "array"
    ]

    assert len(lists) >= 10
    for _method, path, operation in lists:
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert {"limit", "offset"} <= names, path
        headers = operation["responses"]["200"]["headers"]
        assert {"X-Total-Count", "Link"} <= set(headers), path


def test_files_are_documented_as_pdf(schema):
    for route in (
        "/contracts/{id}/document",
        "/signatures/{id}/certificate",
        "/signatures/{id}/document",
    ):
        content = schema["paths"][route]["get"]["responses"]["200"]["content"]
        assert list(content) == ["application/pdf"], route


def test_bearer_jwt_is_the_documented_auth(schema):
    schemes = schema["components"]["securitySchemes"]

    assert schemes["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


# Swagger UI, offline


def test_swagger_ui_is_served_from_the_projects_own_static_files(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert 'url: "/api/schema"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert any(asset.endswith("swagger-ui.css") for asset in assets)
    for asset in assets:
        assert asset.startswith(settings.STATIC_URL), asset
        found = finders.find(asset.removeprefix(settings.STATIC_URL))
        assert found, f"{asset} is not among the project's static files"


def test_swagger_ui_page_names_no_outside_address(client):
    html = client.get("/api/docs").content.decode()

    assert re.findall(r"https?://|//cdn|unpkg|jsdelivr", html) == []
