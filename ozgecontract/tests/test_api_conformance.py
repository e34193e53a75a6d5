"""The API keeps the contract of the seed document, tried from the outside.

Every path and method of `seed/ozgecontract-api.md`, and the additions of
DESIGN.md §3, answers at its documented path with and without a trailing
slash, in JSON holding every field the seed shows for that shape, with the
JSON conventions of DESIGN.md §3 (integer ids, UTC datetimes with `Z`, money
as numbers, never a password). Errors share one shape, anonymous callers of
private endpoints get 401, lists page with `limit`/`offset` and say so in
headers, and CORS is open to every origin without credentials.

The happy path's exact bodies are each app's own tests; here the shapes are
checked across the whole API at once, so a drift anywhere shows.
"""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.urls import resolve
from rest_framework.test import APIClient

from billing.models import CompanyBalance, TariffPlan
from companies.models import Company
from contracts import services as contract_services
from ozgecontract import views
from ozgecontract.tests.api_world import (
    CLIENT_IIN,
    CLIENT_NAME,
    CLIENT_PHONE,
    OTHER_PHONE,
    World,
    build_world,
    upload,
)
from ozgecontract.tests.factories import (
    PASSWORD,
    CompanyFactory,
    ContractFactory,
    TariffPlanFactory,
)
from ozgecontract.tests.seed import (
    BALANCE,
    COMPANY,
    CONTRACT,
    CONTRACT_FIELD,
    LAST_SIGNED,
    PAYMENT_REQUEST,
    SEED_ROUTES,
    SIGNATURE,
    STATS,
    TARIFF_PLAN,
    TEMPLATE,
)
from signatures import services as signature_services
from signatures.tests.conftest import last_code

pytestmark = pytest.mark.django_db

# A token holder is the client, not the company: the lead chose to show the
# client what it needs (company name, fields, document) and no internal ids
# or storage paths, so this is narrower than the seed's Contract.
CONTRACT_BY_TOKEN = frozenset(
    {"id", "number", "company_name", "status", "fields", "document_url", "created_at"}
)
TOKEN_PAIR = frozenset({"access", "refresh"})
CODE_SENT = frozenset({"expires_at"})

ERROR_KEYS = {"detail", "code"}
UTC_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
MONEY_KEYS = {"discount", "total_amount"}
PDF = "application/pdf"


@dataclass(frozen=True)
class Call:
    """One documented endpoint called the way its documentation shows."""

    method: str
    route: str  # as the seed writes it
    persona: str  # owner, admin or anonymous: who may call it
    status: int
    shape: frozenset | None  # keys the body holds; None when there is no JSON
    path: Callable[[World], str]
    body: Callable[[World], dict] | None = None
    many: bool = False
    multipart: bool = False
    signed: bool = False  # the world needs a contract signed by SMS
    content_type: str = "application/json"

    @property
    def private(self) -> bool:
        return self.persona != "anonymous"

    def __str__(self):
        return f"{self.method} {self.route}"


# Objects some calls use up (deleted, or given a first balance or signer).


def spare_company(world: World) -> Company:
    company = CompanyFactory()
    CompanyBalance.objects.filter(company=company).delete()
    return company


def spare_template(world: World) -> int:
    from templates_app import services as template_services

    return template_services.upload_template(
        company=world.company, name="Запасной", file=upload(), user=world.owner
    ).pk


def spare_contract(world: World) -> int:
    return contract_services.create_contract(
        company=world.company,
        template=world.template,
        user=world.owner,
        render_document=False,
    ).pk


def requested_code(world: World, settings) -> str:
    signature_services.request_signing_code(
        contract=world.contract, phone=CLIENT_PHONE, ip="127.0.0.1", user_agent="t"
    )
    return last_code(settings)


def national(phone: str) -> str:
    """Write +77011234567 the way people in Kazakhstan often do: 87011234567."""
    return "8" + phone.removeprefix("+7")


CALLS = [
    # Companies
    Call("POST", "/companies/register", "anonymous", 201, COMPANY,
         lambda w: "/companies/register",
         lambda w: {"name": "ТОО Рога и Копыта", "email": "company@example.com",
                    "phone": "+77771234567", "password": PASSWORD}),
    Call("GET", "/companies", "owner", 200, COMPANY, lambda w: "/companies",
         many=True),
    Call("GET", "/companies/id/{id}", "owner", 200, COMPANY,
         lambda w: f"/companies/id/{w.company.pk}"),
    Call("GET", "/companies/phone/{phone}", "owner", 200, COMPANY,
         lambda w: f"/companies/phone/{national(w.company.phone)}"),
    Call("PUT", "/companies/{id}", "owner", 200, COMPANY,
         lambda w: f"/companies/{w.company.pk}",
         lambda w: {"name": "Новое название", "email": "new@example.com",
                    "phone": "+77771234567", "password": "An0ther-Str0ng-Pass!"}),
    Call("DELETE", "/companies/{id}", "owner", 204, None,
         lambda w: f"/companies/{w.company.pk}"),
    # Templates
    Call("POST", "/templates/upload", "owner", 201, TEMPLATE,
         lambda w: "/templates/upload",
         lambda w: {"file": upload(), "company_id": w.company.pk,
                    "name": "Договор поставки"},
         multipart=True),
    Call("GET", "/templates/{id}", "owner", 200, TEMPLATE,
         lambda w: f"/templates/{w.template.pk}"),
    Call("GET", "/templates/company/{company_id}", "owner", 200, TEMPLATE,
         lambda w: f"/templates/company/{w.company.pk}", many=True),
    Call("PUT", "/templates/{id}", "owner", 200, TEMPLATE,
         lambda w: f"/templates/{w.template.pk}",
         lambda w: {"name": "Новое название шаблона",
                    "file_path": w.template.file.name}),
    Call("DELETE", "/templates/{id}", "owner", 204, None,
         lambda w: f"/templates/{spare_template(w)}"),
    # Contracts
    Call("POST", "/contracts", "owner", 201, CONTRACT, lambda w: "/contracts",
         lambda w: {"company_id": w.company.pk, "template_id": w.template.pk,
                    "client_filled": False}),
    Call("GET", "/contracts/{id}", "owner", 200, CONTRACT,
         lambda w: f"/contracts/{w.contract.pk}"),
    Call("GET", "/contracts/token/{token}", "anonymous", 200, CONTRACT_BY_TOKEN,
         lambda w: f"/contracts/token/{w.contract.contract_token}"),
    Call("GET", "/contracts/company/{company_id}", "owner", 200, CONTRACT,
         lambda w: f"/contracts/company/{w.company.pk}", many=True),
    Call("PUT", "/contracts/{id}", "owner", 200, CONTRACT,
         lambda w: f"/contracts/{w.contract.pk}",
         lambda w: {"client_filled": True}),
    Call("DELETE", "/contracts/{id}", "owner", 204, None,
         lambda w: f"/contracts/{spare_contract(w)}"),
    # Signatures
    Call("POST", "/signatures", "owner", 201, SIGNATURE, lambda w: "/signatures",
         lambda w: {"contract_id": spare_contract(w), "client_name": "Иванов Иван",
                    "client_iin": CLIENT_IIN, "client_phone": "+77771234567",
                    "method": "sms"}),
    Call("GET", "/signatures/{id}", "owner", 200, SIGNATURE,
         lambda w: f"/signatures/{w.expected_signer.pk}"),
    Call("GET", "/signatures/contract/{contract_id}", "owner", 200, SIGNATURE,
         lambda w: f"/signatures/contract/{w.contract.pk}", many=True),
    Call("DELETE", "/signatures/{id}", "owner", 204, None,
         lambda w: f"/signatures/{w.expected_signer.pk}"),
    # Contract fields
    Call("POST", "/contract-fields", "owner", 201, CONTRACT_FIELD,
         lambda w: "/contract-fields",
         lambda w: {"contract_id": w.contract.pk, "field_name": "client_name",
                    "field_type": "text"}),
    Call("GET", "/contract-fields/{contract_id}", "owner", 200, CONTRACT_FIELD,
         lambda w: f"/contract-fields/{w.contract.pk}", many=True),
    # Company balances
    Call("POST", "/company-balances", "admin", 201, BALANCE,
         lambda w: "/company-balances",
         lambda w: {"company_id": spare_company(w).pk, "sms_signatures": 10,
                    "ecp_signatures": 5}),
    Call("GET", "/company-balances/{company_id}", "owner", 200, BALANCE,
         lambda w: f"/company-balances/{w.company.pk}"),
    Call("PUT", "/company-balances/{company_id}", "admin", 200, BALANCE,
         lambda w: f"/company-balances/{w.company.pk}",
         lambda w: {"sms_signatures": 15, "ecp_signatures": 8}),
    Call("DELETE", "/company-balances/{company_id}", "admin", 204, None,
         lambda w: f"/company-balances/{w.company.pk}"),
    # Tariff plans
    Call("POST", "/tariff-plans", "admin", 201, TARIFF_PLAN,
         lambda w: "/tariff-plans",
         lambda w: {"name": "Базовый", "discount": 10.00, "from_count": 2000,
                    "to_count": 5000, "is_active": True}),
    Call("GET", "/tariff-plans", "anonymous", 200, TARIFF_PLAN,
         lambda w: "/tariff-plans", many=True),
    Call("GET", "/tariff-plans/{id}", "anonymous", 200, TARIFF_PLAN,
         lambda w: f"/tariff-plans/{w.plan.pk}"),
    Call("PUT", "/tariff-plans/{id}", "admin", 200, TARIFF_PLAN,
         lambda w: f"/tariff-plans/{w.plan.pk}",
         lambda w: {"name": "Премиум", "discount": 15.00, "from_count": 10,
                    "to_count": 50, "is_active": True}),
    Call("DELETE", "/tariff-plans/{id}", "admin", 204, None,
         lambda w: f"/tariff-plans/{TariffPlanFactory(is_active=False).pk}"),
    # Payment requests
    Call("POST", "/payment_requests", "owner", 201, PAYMENT_REQUEST,
         lambda w: "/payment_requests",
         # total_amount = (10 × 200 + 5 × 100) × (1 − 10 / 100), as the server
         # computes it from the plan's discount and the prices in settings.
         lambda w: {"company_id": w.company.pk, "tariff_plan_id": w.plan.pk,
                    "sms_count": 10, "ecp_count": 5, "total_amount": 2250.00,
                    "status": "pending",
                    "payment_url": "https://payment.gateway.com/pay/123",
                    "payment_ref": "PAY123456"}),
    Call("GET", "/payment_requests/{id}", "owner", 200, PAYMENT_REQUEST,
         lambda w: f"/payment_requests/{w.payment.pk}"),
    Call("GET", "/payment_requests/company/{company_id}", "owner", 200,
         PAYMENT_REQUEST, lambda w: f"/payment_requests/company/{w.company.pk}",
         many=True),
    Call("PUT", "/payment_requests/{id}", "admin", 200, PAYMENT_REQUEST,
         lambda w: f"/payment_requests/{w.payment.pk}",
         lambda w: {"status": "paid", "paid_at": "2024-01-15T10:30:00Z"}),
    Call("DELETE", "/payment_requests/{id}", "admin", 204, None,
         lambda w: f"/payment_requests/{w.payment.pk}"),
    # Statistics
    Call("GET", "/stats/company/{company_id}", "owner", 200, STATS,
         lambda w: f"/stats/company/{w.company.pk}", signed=True),
]  # fmt: skip

# DESIGN.md §3: what a real product needs beside the seed's paths.
ADDITIONS = [
    Call("POST", "/auth/token", "anonymous", 200, TOKEN_PAIR,
         lambda w: "/auth/token",
         lambda w: {"email": w.owner.email.upper(), "password": PASSWORD}),
    Call("GET", "/templates", "owner", 200, TEMPLATE, lambda w: "/templates",
         many=True),
    Call("GET", "/contracts", "owner", 200, CONTRACT, lambda w: "/contracts",
         many=True),
    Call("GET", "/payment_requests", "owner", 200, PAYMENT_REQUEST,
         lambda w: "/payment_requests", many=True),
    Call("PUT", "/contract-fields/{contract_id}", "owner", 200, CONTRACT_FIELD,
         lambda w: f"/contract-fields/{w.contract.pk}",
         lambda w: {"values": {"work": "Покраска стен", "summ": "150000"}},
         many=True),
    Call("POST", "/contracts/{id}/cancel", "owner", 200, CONTRACT,
         lambda w: f"/contracts/{w.contract.pk}/cancel"),
    Call("POST", "/signatures/otp", "anonymous", 202, CODE_SENT,
         lambda w: "/signatures/otp",
         lambda w: {"contract_token": str(w.contract.contract_token),
                    "client_phone": national(CLIENT_PHONE)}),
    Call("GET", "/contracts/{id}/document", "owner", 200, None,
         lambda w: f"/contracts/{w.contract.pk}/document", content_type=PDF),
    Call("GET", "/contracts/token/{token}/document", "anonymous", 200, None,
         lambda w: f"/contracts/token/{w.contract.contract_token}/document",
         content_type=PDF),
    Call("GET", "/signatures/{id}/certificate", "owner", 200, None,
         lambda w: f"/signatures/{w.signature.pk}/certificate", signed=True,
         content_type=PDF),
    Call("GET", "/signatures/{id}/document", "owner", 200, None,
         lambda w: f"/signatures/{w.signature.pk}/document", signed=True,
         content_type=PDF),
]  # fmt: skip

EVERY_CALL = CALLS + ADDITIONS
PRIVATE_CALLS = [call for call in EVERY_CALL if call.private]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_login_throttle_from_earlier_tests():
    cache.clear()


@pytest.fixture
def clients(owner_api, admin_api, anonymous):
    return {"owner": owner_api, "admin": admin_api, "anonymous": anonymous}


@pytest.fixture
def make_world(owner, settings):
    def make(*, signed: bool) -> World:
        return build_world(owner=owner, settings=settings, signed=signed)

    return make


@pytest.fixture
def unsigned_world(make_world) -> World:
    """Return a world whose expected signer stands in for a signature."""
    # Callers who may not see it at all (anonymous, outsiders) need no signing.
    world = make_world(signed=False)
    world.signature = world.expected_signer
    world.signed_contract = world.contract
    return world


def send(client: APIClient, call: Call, world: World, *, slash: bool = False):
    path = call.path(world) + ("/" if slash else "")
    body = call.body(world) if call.body else None
    fmt = "multipart" if call.multipart else "json"
    return getattr(client, call.method.lower())(path, body, format=fmt)


def walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


def assert_json_conventions(body) -> None:
    """Check DESIGN.md §3: integer ids, UTC datetimes with Z, money as numbers."""
    now = datetime.now(UTC)
    for key, value in walk_keys(body):
        assert key != "password", "a password must never be in a response"
        if key == "id" or key.endswith("_id"):
            assert isinstance(value, int | None) and not isinstance(value, bool), key
        if key.endswith("_at") and value is not None:
            assert UTC_DATETIME.match(value), f"{key}={value!r} is not UTC with Z"
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            # Everything was made moments ago (or is a short deadline ahead);
            # a local time labelled Z would be hours away.
            if key in {"created_at", "updated_at", "signed_at"}:
                assert abs(moment - now) < timedelta(minutes=10), (key, value)
        if key in MONEY_KEYS:
            assert isinstance(value, int | float) and not isinstance(value, bool), (
                f"{key}={value!r} must be a JSON number"
            )


def assert_error_shape(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) - {"fields"} == ERROR_KEYS, body
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if "fields" in body:
        assert body["fields"], "fields is left out rather than empty"
        for messages in body["fields"].values():
            assert messages and all(isinstance(m, str) for m in messages)
    if code:
        assert body["code"] == code, body
    return body


# Every documented path and method


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
    # POST /signatures/sign has its own tests below (it needs a code first).
    assert seed_routes - called == {("POST", "/signatures/sign")}
    for _method, route in seed_routes:
        concrete = re.sub(r"\{[a-z_]+\}", "1", route)
        concrete = concrete.replace("/token/1", f"/token/{'0' * 32}")
        assert resolve(concrete).func.__module__.endswith(".api"), route


# Signing, with the seed's body


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


# Who may call what


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


# The one error shape


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


# Lists: limit, offset, X-Total-Count, Link


LIST_CALLS = [call for call in EVERY_CALL if call.many and call.method == "GET"]


def more_rows(world: World) -> None:
    """Give every list of the owner's company at least a second row."""
    spare_template(world)
    spare_contract(world)
    CompanyFactory()  # a second company for the admin's list
    TariffPlanFactory(is_active=False)
    from billing import services as billing_services

    billing_services.create_payment_request(
        company=world.company,
        tariff_plan=world.plan,
        sms_count=1,
        ecp_count=0,
        user=world.owner,
    )


@pytest.mark.parametrize("call", LIST_CALLS, ids=str)
def test_list_pages_with_limit_and_offset_and_says_so_in_headers(
    call, clients, make_world
):
    world = make_world(signed=False)
    more_rows(world)
    # Company staff see only their own company; the admin sees them all.
    client = clients["admin" if call.route == "/companies" else call.persona]
    path = call.path(world)

    whole = client.get(path)
    total = int(whole["X-Total-Count"])
    first = client.get(path, {"limit": 1})
    second = client.get(path, {"limit": 1, "offset": 1})

    assert total == len(whole.json())
    # A contract has one signature row: its expected signer, later completed.
    assert total >= 2 or call.route == "/signatures/contract/{contract_id}"
    assert first.json() == whole.json()[:1]
    assert second.json() == whole.json()[1:2]
    assert first["X-Total-Count"] == second["X-Total-Count"] == str(total)
    assert ('rel="next"' in first.get("Link", "")) == (total > 1)
    assert 'rel="prev"' in second["Link"]
    assert ('rel="next"' in second["Link"]) == (total > 2)
    if total > 1:
        assert "limit=1&offset=1" in first["Link"]


def test_list_without_neighbours_has_no_link_header(owner_api, make_world):
    world = make_world(signed=False)

    response = owner_api.get(f"/templates/company/{world.company.pk}")

    assert response["X-Total-Count"] == "1"
    assert "Link" not in response


def test_list_limit_is_capped_at_1000(anonymous, db):
    TariffPlan.objects.bulk_create(
        TariffPlan(
            name=f"Архив {n}",
            discount=0,
            from_count=n * 10 + 1,
            to_count=n * 10 + 10,
            is_active=False,
        )
        for n in range(1001)
    )

    response = anonymous.get("/tariff-plans", {"limit": 5000})

    assert len(response.json()) == 1000
    assert response["X-Total-Count"] == "1001"
    assert "limit=1000&offset=1000" in response["Link"]


def test_list_default_page_is_100(owner_api, company, owner):
    ContractFactory.create_batch(101, company=company)

    response = owner_api.get("/contracts")

    assert len(response.json()) == 100
    assert response["X-Total-Count"] == "101"


# CORS


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
