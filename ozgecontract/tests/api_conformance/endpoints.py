"""The table of every documented endpoint, and the checks the API tests share."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rest_framework.test import APIClient

from billing.models import CompanyBalance
from companies.models import Company
from contracts import services as contract_services
from ozgecontract.tests.api_world import CLIENT_IIN, CLIENT_PHONE, World, upload
from ozgecontract.tests.factories import PASSWORD, CompanyFactory, TariffPlanFactory
from ozgecontract.tests.seed import (
    BALANCE,
    COMPANY,
    CONTRACT,
    CONTRACT_FIELD,
    PAYMENT_REQUEST,
    SIGNATURE,
    STATS,
    TARIFF_PLAN,
    TEMPLATE,
)
from signatures import services as signature_services
from signatures.tests.conftest import last_code

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
