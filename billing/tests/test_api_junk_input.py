"""Junk bodies at every billing and company endpoint: a 4xx, never a 500."""

import json

import pytest

from billing.models import PaymentRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "prices")]

JUNK = [
    [],
    [1, 2],
    "text",
    17,
    None,
    True,
    {"": ""},
    {"company_id": {"nested": 1}, "sms_signatures": [1], "ecp_signatures": {}},
    {"tariff_plan_id": 10**30, "sms_count": 10**30, "ecp_count": -(10**30)},
    {"total_amount": "NaN", "status": ["paid"], "discount": "Infinity"},
    {"discount": 1e308, "from_count": 1e308, "to_count": "9" * 400},
    {"name": "\x00", "email": "a@b" + "c" * 300, "phone": "+7" + "1" * 200},
    {"password": {"$gt": ""}, "bin": 940140000385},
    {"status": "paid", "paid_at": "yesterday", "payment_url": "ftp://x"},
]


def _paths(company, plan, payment):
    return [
        ("post", "/auth/token"),
        ("post", "/auth/token/refresh"),
        ("post", "/companies/register"),
        ("put", f"/companies/{company.pk}"),
        ("patch", f"/companies/{company.pk}"),
        ("post", "/company-balances"),
        ("put", f"/company-balances/{company.pk}"),
        ("patch", f"/company-balances/{company.pk}"),
        ("post", "/tariff-plans"),
        ("put", f"/tariff-plans/{plan.pk}"),
        ("patch", f"/tariff-plans/{plan.pk}"),
        ("post", "/payment_requests"),
        ("put", f"/payment_requests/{payment.pk}"),
        ("patch", f"/payment_requests/{payment.pk}"),
    ]


@pytest.mark.parametrize("persona", ["admin_api", "owner_api", "anonymous"])
def test_junk_never_makes_a_500(request, company, plan, persona):
    client = request.getfixturevalue(persona)
    payment = PaymentRequest.objects.create(
        company=company, tariff_plan=plan, sms_count=10, total_amount=1800
    )

    for method, path in _paths(company, plan, payment):
        for body in JUNK:
            response = getattr(client, method)(
                path, data=json.dumps(body), content_type="application/json"
            )
            # A PATCH of keys the endpoint does not know is a valid no-op.
            assert response.status_code < 500, (method, path, body)
            if response.status_code >= 400:
                assert set(response.json()) <= {"detail", "code", "fields"}


@pytest.mark.parametrize(
    "path",
    [
        "/companies/phone/%00",
        "/companies/phone/" + "9" * 500,
        "/companies/phone/+",
        "/company-balances/99999999999999999999999",
        "/payment_requests/company/99999999999999999999999",
        "/tariff-plans/99999999999999999999999",
        "/companies/id/99999999999999999999999",
    ],
)
def test_odd_paths_are_4xx(admin_api, path):
    response = admin_api.get(path)

    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("persona", ["admin_api", "owner_api", "anonymous"])
def test_options_answers_every_endpoint(request, company, plan, persona):
    client = request.getfixturevalue(persona)
    payment = PaymentRequest.objects.create(
        company=company, tariff_plan=plan, sms_count=10, total_amount=1800
    )
    paths = {path for _, path in _paths(company, plan, payment)} | {
        "/companies",
        f"/companies/id/{company.pk}",
        f"/companies/phone/{company.phone}",
        f"/company-balances/{company.pk}/ledger",
        f"/payment_requests/company/{company.pk}",
    }

    for path in sorted(paths):
        response = client.options(path)
        assert response.status_code < 500, path
