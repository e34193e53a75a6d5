"""No input makes the API answer 5xx, found by fuzzing and by hand.

The first part drives schemathesis over the project's own schema
(`GET /api/schema`) through the WSGI application, authenticated as a company
owner and as a platform admin, and asserts only what holds for any input: no
server error, and a status code, content type and body that the schema
documents. Half of the ids it generates in paths are swapped for the owner's
real objects, so that reads and writes reach real rows, not only 404s.

The second part sends every write endpoint the inputs that break naive code:
malformed JSON, an array or a scalar instead of an object, strings for
numbers, huge and negative numbers, NUL bytes, over-long strings, unknown ids
and another company's ids. Each must be a 4xx in the error shape that leaves
every row of the database as it was.

Bounded for CI: `API_FUZZ_EXAMPLES` (default 10) examples per operation and a
fixed `API_FUZZ_SEED`; raise the first, change the second and set
`API_FUZZ_COVERAGE=1` (schemathesis's boundary cases) to search more.
"""

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.apps import apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contracts import services as contract_services
from ozgecontract.tests.api_world import (
    CLIENT_IIN,
    CLIENT_NAME,
    CLIENT_PHONE,
    World,
    build_world,
    small_docx,
    upload,
)
from ozgecontract.tests.factories import PASSWORD
from ozgecontract.wsgi import application

FUZZ_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
FUZZ_SEED = int(os.environ.get("API_FUZZ_SEED", "20260101"))
FUZZ_COVERAGE = os.environ.get("API_FUZZ_COVERAGE") == "1"

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": FUZZ_SEED,
        "generation": {"max-examples": FUZZ_EXAMPLES, "database": "none"},
        # The coverage phase sends dozens of boundary cases per operation:
        # too slow for every CI run; the hand-written part covers the edges.
        "phases": {
            "coverage": {"enabled": FUZZ_COVERAGE},
            "stateful": {"enabled": False},
        },
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema", application, config=CONFIG)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PROJECT_APPS = ["companies", "templates_app", "contracts", "signatures", "billing"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _forget_login_failures():
    """Clear the login throttle that failed logins here fill for later tests."""
    yield
    cache.clear()


@pytest.fixture
def world(owner, settings) -> World:
    return build_world(owner=owner, settings=settings, signed=False)


@pytest.fixture
def other_world(outsider, settings) -> World:
    return build_world(owner=outsider, settings=settings, signed=False)


# Part 1: schemathesis over the schema


@pytest.fixture
def wsgi_inside_the_test_transaction():
    """Keep the test's database connection open across WSGI requests.

    Django closes old connections when a request starts and finishes; inside
    the test's transaction that would break it. Its test client disconnects
    the same handlers, for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def real_path_values(world: World) -> dict[str, dict[str, object]]:
    """Return real values for path parameters, by the route's first segment."""
    company = world.company.pk
    return {
        "companies": {"id": company, "phone": world.company.phone},
        "templates": {"id": world.template.pk, "company_id": company},
        "contracts": {
            "id": world.contract.pk,
            "company_id": company,
            "token": str(world.contract.contract_token),
        },
        "contract-fields": {"contract_id": world.contract.pk},
        "signatures": {
            "id": world.expected_signer.pk,
            "contract_id": world.contract.pk,
        },
        "company-balances": {"company_id": company},
        "tariff-plans": {"id": world.plan.pk},
        "payment_requests": {"id": world.payment.pk, "company_id": company},
        "stats": {"company_id": company},
    }


def aim_at_real_objects(case, world: World) -> None:
    """Swap about half of the generated path values for real ones."""
    if not case.path_parameters:
        return
    real = real_path_values(world).get(case.path.lstrip("/").split("/")[0], {})
    for name, value in list(case.path_parameters.items()):
        # A value of the wrong type is a negative case: it stays as it is.
        if name not in real or type(value) is not type(real[name]):
            continue
        if zlib.crc32(repr(value).encode()) % 2 == 0:
            case.path_parameters[name] = real[name]


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


FUZZ_SETTINGS = settings(
    deadline=None,
    # The world is built once per operation, not per example, on purpose:
    # examples pile up writes on one company, as a real integrator's do.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzzed_requests_of_a_company_owner_get_documented_answers(
    case, world, wsgi_inside_the_test_transaction
):
    aim_at_real_objects(case, world)

    case.call_and_validate(headers=bearer(world.owner), checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzzed_requests_of_a_platform_admin_get_documented_answers(
    case, world, admin, wsgi_inside_the_test_transaction
):
    aim_at_real_objects(case, world)

    case.call_and_validate(headers=bearer(admin), checks=CHECKS)


# Part 2: hand-written nasty inputs for every write endpoint


@dataclass(frozen=True)
class Write:
    """A write endpoint with a body it accepts, to be spoiled one way at a time."""

    method: str
    route: str
    persona: str  # owner, admin or anonymous
    path: Callable[[World], str]
    body: Callable[[World], dict]
    multipart: bool = False
    # Fields whose value names an object, and where to find another
    # company's: {"contract_id": lambda other: other.contract.pk}.
    foreign: dict = field(default_factory=dict)

    def __str__(self):
        return f"{self.method} {self.route}"


def other_company(other: World) -> int:
    return other.company.pk


def other_contract(other: World) -> int:
    return other.contract.pk


def other_template(other: World) -> int:
    return other.template.pk


def signer(**extra) -> dict:
    return {
        "client_name": CLIENT_NAME,
        "client_iin": CLIENT_IIN,
        "client_phone": CLIENT_PHONE,
        "method": "sms",
        **extra,
    }


COMPANY_BODY = {
    "name": "ТОО Новое",
    "email": "new-company@example.kz",
    "phone": "+77771234567",
    "password": "An0ther-Str0ng-Pass!",
}
PLAN_BODY = {
    "name": "Оптовый",
    "discount": 5.5,
    "from_count": 5000,
    "to_count": 9000,
    "is_active": True,
}

WRITES = [
    Write("POST", "/auth/token", "anonymous", lambda w: "/auth/token",
          lambda w: {"email": w.owner.email, "password": PASSWORD}),
    Write("POST", "/auth/token/refresh", "anonymous", lambda w: "/auth/token/refresh",
          lambda w: {"refresh": str(RefreshToken.for_user(w.owner))}),
    Write("POST", "/companies/register", "anonymous", lambda w: "/companies/register",
          lambda w: dict(COMPANY_BODY)),
    Write("PUT", "/companies/{id}", "owner", lambda w: f"/companies/{w.company.pk}",
          lambda w: dict(COMPANY_BODY)),
    Write("PATCH", "/companies/{id}", "owner", lambda w: f"/companies/{w.company.pk}",
          lambda w: {"name": "ТОО Переименованное"}),
    Write("POST", "/templates/upload", "owner", lambda w: "/templates/upload",
          lambda w: {"file": upload(), "name": "Шаблон", "company_id": w.company.pk},
          multipart=True, foreign={"company_id": other_company}),
    Write("PUT", "/templates/{id}", "owner", lambda w: f"/templates/{w.template.pk}",
          lambda w: {"name": "Новое имя", "file_path": w.template.file.name}),
    Write("POST", "/contracts", "owner", lambda w: "/contracts",
          lambda w: {"company_id": w.company.pk, "template_id": w.template.pk,
                     "client_filled": False, "values": {"work": "Покраска"}},
          foreign={"company_id": other_company, "template_id": other_template}),
    Write("PUT", "/contracts/{id}", "owner", lambda w: f"/contracts/{w.contract.pk}",
          lambda w: {"client_filled": True, "number": "OC-77"}),
    Write("POST", "/contract-fields", "owner", lambda w: "/contract-fields",
          lambda w: {"contract_id": w.contract.pk, "field_name": "client_name",
                     "field_type": "text", "label": "ФИО", "required": True},
          foreign={"contract_id": other_contract}),
    Write("PUT", "/contract-fields/{contract_id}", "owner",
          lambda w: f"/contract-fields/{w.contract.pk}",
          lambda w: {"values": {"work": "Покраска", "summ": "1500"}}),
    Write("POST", "/signatures", "owner", lambda w: "/signatures",
          lambda w: signer(contract_id=w.fresh_contract.pk),
          foreign={"contract_id": other_contract}),
    Write("POST", "/signatures/otp", "anonymous", lambda w: "/signatures/otp",
          lambda w: {"contract_token": str(w.contract.contract_token),
                     "client_phone": CLIENT_PHONE}),
    Write("POST", "/signatures/sign", "owner", lambda w: "/signatures/sign",
          lambda w: signer(contract_id=w.contract.pk, company_id=w.company.pk,
                           otp_code="123456"),
          foreign={"contract_id": other_contract, "company_id": other_company}),
    Write("POST", "/company-balances", "admin", lambda w: "/company-balances",
          lambda w: {"company_id": w.company.pk, "sms_signatures": 10,
                     "ecp_signatures": 5}),
    Write("PUT", "/company-balances/{company_id}", "admin",
          lambda w: f"/company-balances/{w.company.pk}",
          lambda w: {"sms_signatures": 15, "ecp_signatures": 8}),
    Write("POST", "/tariff-plans", "admin", lambda w: "/tariff-plans",
          lambda w: dict(PLAN_BODY)),
    Write("PUT", "/tariff-plans/{id}", "admin", lambda w: f"/tariff-plans/{w.plan.pk}",
          lambda w: dict(PLAN_BODY)),
    Write("POST", "/payment_requests", "owner", lambda w: "/payment_requests",
          lambda w: {"company_id": w.company.pk, "tariff_plan_id": w.plan.pk,
                     "sms_count": 10, "ecp_count": 5, "total_amount": 2250.0,
                     "payment_url": "https://pay.example.kz/1", "payment_ref": "P-1"},
          foreign={"company_id": other_company}),
    Write("PUT", "/payment_requests/{id}", "admin",
          lambda w: f"/payment_requests/{w.payment.pk}",
          lambda w: {"status": "paid"}),
    Write("POST", "/verify", "anonymous", lambda w: "/verify",
          lambda w: {"file": upload()}, multipart=True),
]  # fmt: skip

LONG = "я" * 10_001
# A JSON number where text is expected is not here: DRF reads 7 as "7".
NASTY_STRINGS = {"NUL byte": "a\x00b", "over 10,000 characters": LONG}
NASTY_NUMBERS = {
    "a string": "twelve",
    "2**70": 2**70,
    "-1": -1,
    "-(2**70)": -(2**70),
    "a float": 1.5,
    "an object": {"id": 1},
}
UNKNOWN_ID = 987_654_321
NASTY_BODIES = {
    "malformed JSON": b'{"name": "x",',
    "an array": b"[1, 2, 3]",
    "null": b"null",
    "a string": b'"text"',
    "a number": b"42",
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "deep nesting": b"[" * 5000 + b"]" * 5000,
}


def snapshot() -> dict[str, list]:
    """Return every row of the project's own tables, to prove nothing changed."""
    rows = {}
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            rows[model._meta.label] = sorted(
                model.objects.values_list(), key=lambda row: row[0]
            )
    return rows


def spoiled_bodies(body: dict, foreign: dict, other: World):
    """Yield (what is wrong, body) with one field spoiled at a time."""
    for name, value in body.items():
        if isinstance(value, bool):
            yield f"{name} as a word", {**body, name: "maybe"}
        elif isinstance(value, int | float):
            for label, bad in NASTY_NUMBERS.items():
                if isinstance(value, float) and label == "a float":
                    continue
                yield f"{name} as {label}", {**body, name: bad}
            if name.endswith("_id"):
                yield f"{name} as an unknown id", {**body, name: UNKNOWN_ID}
        elif isinstance(value, str):
            for label, bad in NASTY_STRINGS.items():
                yield f"{name} with {label}", {**body, name: bad}
        elif isinstance(value, dict):
            yield f"{name} as a list", {**body, name: [value]}
            for key in value:
                yield f"{name}.{key} with a NUL byte", {**body, name: {key: "\x00"}}
                yield f"{name}.{key} over-long", {**body, name: {key: LONG}}
        if name in foreign:
            yield f"{name} of another company", {**body, name: foreign[name](other)}


def spoiled_files():
    """Yield (what is wrong, file) for an upload that is not a DOCX."""
    docx = small_docx()
    for label, content in {
        "an empty file": b"",
        "NUL bytes": b"\x00" * 1024,
        "text renamed .docx": "Договор".encode() * 100,
        "a cut DOCX": docx[: len(docx) // 2],
    }.items():
        yield label, SimpleUploadedFile("template.docx", content)


@dataclass
class Attempt:
    """What was sent and what came back, for a readable failure report."""

    what: str
    status: int
    problem: str


def check_refused(response, what: str, before: dict) -> Attempt | None:
    """Return a problem unless the answer is a 4xx error and nothing changed."""
    status = response.status_code
    if not 400 <= status < 500:
        return Attempt(what, status, response.content.decode(errors="replace")[:300])
    try:
        body = response.json()
    except ValueError:
        return Attempt(what, status, f"not JSON: {response['Content-Type']}")
    if not isinstance(body, dict) or not {"detail", "code"} <= set(body):
        return Attempt(what, status, f"not the error shape: {body!r:.300}")
    if set(body) - {"detail", "code", "fields"}:
        return Attempt(what, status, f"extra keys: {sorted(body)}")
    after = snapshot()
    changed = [label for label in before if before[label] != after[label]]
    if changed:
        return Attempt(what, status, f"rows changed in {changed}")
    return None


def send_json(client: APIClient, write: Write, path: str, body) -> object:
    method = getattr(client, write.method.lower())
    if isinstance(body, bytes):
        return method(path, body, content_type="application/json")
    return method(path, body, format="json")


@pytest.fixture
def clients(owner, admin):
    anonymous = APIClient()
    owner_client, admin_client = APIClient(), APIClient()
    owner_client.credentials(HTTP_AUTHORIZATION=bearer(owner)["Authorization"])
    admin_client.credentials(HTTP_AUTHORIZATION=bearer(admin)["Authorization"])
    return {"owner": owner_client, "admin": admin_client, "anonymous": anonymous}


@pytest.mark.django_db
@pytest.mark.parametrize("write", WRITES, ids=str)
def test_nasty_input_to_a_write_endpoint_is_refused_and_writes_nothing(
    write, world, other_world, clients
):
    # Render the PDF first: signing renders a missing one before it checks the
    # code, and that cached file is not a write of the refused request.
    contract_services.ensure_contract_document(contract=world.contract)
    client = clients[write.persona]
    path = write.path(world)
    body = write.body(world)
    before = snapshot()
    problems = []

    if write.multipart:
        fields = {name: value for name, value in body.items() if name != "file"}
        for what, spoiled in spoiled_bodies(fields, write.foreign, other_world):
            # A form carries text only: a number or an object is not nasty there.
            if any(not isinstance(v, str | int) for v in spoiled.values()):
                continue
            response = client.post(
                path, {**spoiled, "file": upload()}, format="multipart"
            )
            problems.append(check_refused(response, what, before))
        for what, file in spoiled_files():
            response = client.post(path, {**body, "file": file}, format="multipart")
            problems.append(check_refused(response, what, before))
    else:
        for what, raw in NASTY_BODIES.items():
            response = send_json(client, write, path, raw)
            problems.append(check_refused(response, f"body is {what}", before))
        for what, spoiled in spoiled_bodies(body, write.foreign, other_world):
            response = send_json(client, write, path, spoiled)
            problems.append(check_refused(response, what, before))

    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(
        f"{write} {p.what}: {p.status} {p.problem}" for p in problems
    )


PATHS_WITH_IDS = [
    ("GET", "/companies/id/{}"),
    ("PUT", "/companies/{}"),
    ("DELETE", "/companies/{}"),
    ("GET", "/templates/{}"),
    ("DELETE", "/templates/{}"),
    ("GET", "/templates/company/{}"),
    ("GET", "/contracts/{}"),
    ("PUT", "/contracts/{}"),
    ("DELETE", "/contracts/{}"),
    ("POST", "/contracts/{}/cancel"),
    ("GET", "/contracts/{}/document"),
    ("GET", "/contracts/company/{}"),
    ("GET", "/contract-fields/{}"),
    ("PUT", "/contract-fields/{}"),
    ("GET", "/signatures/{}"),
    ("DELETE", "/signatures/{}"),
    ("GET", "/signatures/{}/certificate"),
    ("GET", "/signatures/{}/document"),
    ("GET", "/signatures/contract/{}"),
    ("GET", "/company-balances/{}"),
    ("PUT", "/company-balances/{}"),
    ("DELETE", "/company-balances/{}"),
    ("GET", "/company-balances/{}/ledger"),
    ("GET", "/tariff-plans/{}"),
    ("PUT", "/tariff-plans/{}"),
    ("DELETE", "/tariff-plans/{}"),
    ("GET", "/payment_requests/{}"),
    ("PUT", "/payment_requests/{}"),
    ("DELETE", "/payment_requests/{}"),
    ("GET", "/payment_requests/company/{}"),
    ("GET", "/stats/company/{}"),
]
BAD_IDS = ["0", str(2**63), str(2**70), "-1", "1e3", "%00", "１２"]
# Writes only a platform admin may make: company staff are refused (403)
# before any object is looked up.
ADMIN_ONLY = {
    ("PUT", "/tariff-plans/{}"),
    ("DELETE", "/tariff-plans/{}"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "admin"])
def test_unknown_ids_in_paths_are_404_in_the_error_shape(persona, world, clients):
    client = clients[persona]
    before = snapshot()
    problems = []

    for method, route in PATHS_WITH_IDS:
        for bad in BAD_IDS:
            path = route.format(bad)
            response = getattr(client, method.lower())(path, {}, format="json")
            # Another company's id and a missing one read the same: 404.
            attempt = check_refused(response, f"{method} {path}", before)
            expected = {404}
            if persona == "owner" and (method, route) in ADMIN_ONLY:
                # Refused by role when the path resolves, else an unknown URL.
                expected = {403, 404}
            if attempt is None and response.status_code not in expected:
                attempt = Attempt(f"{method} {path}", response.status_code, "wrong")
            problems.append(attempt)

    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(
        f"{p.what}: {p.status} {p.problem}" for p in problems
    )


@pytest.mark.django_db
def test_another_companys_objects_are_404_and_untouched(world, other_world, clients):
    other = other_world
    before = snapshot()
    calls = [
        ("PUT", f"/companies/{other.company.pk}", COMPANY_BODY),
        ("DELETE", f"/companies/{other.company.pk}", None),
        ("PUT", f"/templates/{other.template.pk}", {"name": "Чужой"}),
        ("DELETE", f"/templates/{other.template.pk}", None),
        ("PUT", f"/contracts/{other.contract.pk}", {"client_filled": True}),
        ("DELETE", f"/contracts/{other.contract.pk}", None),
        ("POST", f"/contracts/{other.contract.pk}/cancel", {}),
        ("PUT", f"/contract-fields/{other.contract.pk}", {"values": {"work": "x"}}),
        ("DELETE", f"/signatures/{other.expected_signer.pk}", None),
        ("PUT", f"/payment_requests/{other.payment.pk}", {"status": "cancelled"}),
        ("DELETE", f"/payment_requests/{other.payment.pk}", None),
    ]
    problems = []

    for method, path, body in calls:
        response = getattr(clients["owner"], method.lower())(path, body, format="json")
        problem = check_refused(response, f"{method} {path}", before)
        if problem is None and response.status_code != 404:
            problem = Attempt(f"{method} {path}", response.status_code, "not 404")
        problems.append(problem)

    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(
        f"{p.what}: {p.status} {p.problem}" for p in problems
    )


@pytest.mark.django_db
def test_admin_cannot_point_an_object_at_another_companys_file(
    world, other_world, clients
):
    before = snapshot()
    calls = [
        (
            "PUT",
            f"/templates/{other_world.template.pk}",
            {"file_path": world.template.file.name},
        ),
        (
            "PUT",
            f"/contracts/{other_world.contract.pk}",
            {"generated_pdf_path": world.template.file.name},
        ),
        (
            "PUT",
            f"/contracts/{other_world.contract.pk}",
            {"generated_pdf_path": "../../../etc/passwd"},
        ),
        ("PUT", f"/templates/{world.template.pk}", {"file_path": "/etc/passwd"}),
    ]
    problems = []

    for method, path, body in calls:
        response = getattr(clients["admin"], method.lower())(path, body, format="json")
        problems.append(check_refused(response, f"{method} {path} {body}", before))

    problems = [problem for problem in problems if problem]
    assert not problems, "\n".join(
        f"{p.what}: {p.status} {p.problem}" for p in problems
    )
