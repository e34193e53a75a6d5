from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from ozgecontract.tests.factories import CompanyFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("prices"),
    pytest.mark.usefixtures("english"),
]


@pytest.fixture
def site(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def payment(company, plan, owner):
    return PaymentRequest.objects.create(
        company=company,
        tariff_plan=plan,
        sms_count=10,
        ecp_count=5,
        total_amount=Decimal("2250.00"),
        created_by=owner,
    )


def balance_of(company):
    balance = CompanyBalance.objects.get(company=company)
    return balance.sms_signatures, balance.ecp_signatures


@pytest.mark.parametrize(
    "url",
    [
        "/admin/billing/companybalance/",
        "/admin/billing/companybalance/add/",
        "/admin/billing/balanceentry/",
        "/admin/billing/balanceentry/?kind__exact=sms&q=x",
        "/admin/billing/tariffplan/",
        "/admin/billing/tariffplan/add/",
        "/admin/billing/paymentrequest/",
        "/admin/billing/paymentrequest/add/",
        "/admin/billing/paymentrequest/?status__exact=pending",
    ],
)
def test_admin_pages_render(site, payment, url):
    assert site.get(url).status_code == 200


def test_change_pages_render(site, company, payment):
    balance = company.balance
    assert (
        site.get(f"/admin/billing/companybalance/{balance.pk}/change/").status_code
        == 200
    )
    assert (
        site.get(f"/admin/billing/paymentrequest/{payment.pk}/change/").status_code
        == 200
    )
    plan = payment.tariff_plan
    assert site.get(f"/admin/billing/tariffplan/{plan.pk}/change/").status_code == 200


def test_mark_paid_action_credits_once(site, company, payment, admin):
    for _ in range(2):
        response = site.post(
            "/admin/billing/paymentrequest/",
            {"action": "mark_paid", "_selected_action": [payment.pk]},
        )

    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "paid"
    assert payment.paid_at is not None
    assert balance_of(company) == (10, 5)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("only a pending request" in text for text in texts)


def test_a_paid_request_cannot_be_deleted_in_admin(site, payment, admin):
    site.post(
        "/admin/billing/paymentrequest/",
        {"action": "mark_paid", "_selected_action": [payment.pk]},
    )

    response = site.get(f"/admin/billing/paymentrequest/{payment.pk}/delete/")

    assert response.status_code == 403


def test_adding_a_payment_request_prices_it(site, company, plan):
    response = site.post(
        "/admin/billing/paymentrequest/add/",
        {
            "company": company.pk,
            "tariff_plan": plan.pk,
            "sms_count": 10,
            "ecp_count": 0,
            "payment_url": "",
            "payment_ref": "",
        },
    )

    assert response.status_code == 302
    assert PaymentRequest.objects.get().total_amount == Decimal("1800.00")


def test_adding_a_payment_request_outside_the_range_shows_an_error(site, company, plan):
    response = site.post(
        "/admin/billing/paymentrequest/add/",
        {"company": company.pk, "tariff_plan": plan.pk, "sms_count": 1, "ecp_count": 0},
    )

    assert response.status_code == 200
    assert "sms_count" in response.context["adminform"].form.errors
    assert not PaymentRequest.objects.exists()


def test_editing_a_balance_goes_through_the_ledger(site, company, admin):
    response = site.post(
        f"/admin/billing/companybalance/{company.balance.pk}/change/",
        {"sms_signatures": 7, "ecp_signatures": 2},
    )

    assert response.status_code == 302
    assert balance_of(company) == (7, 2)
    entries = BalanceEntry.objects.filter(company=company).order_by("id")
    assert [(e.kind, e.delta, e.balance_after, e.created_by_id) for e in entries] == [
        ("sms", 7, 7, admin.pk),
        ("ecp", 2, 2, admin.pk),
    ]


def test_a_negative_balance_is_refused_on_the_form(site, company):
    response = site.post(
        f"/admin/billing/companybalance/{company.balance.pk}/change/",
        {"sms_signatures": -1, "ecp_signatures": 0},
    )

    assert response.status_code == 200
    assert not BalanceEntry.objects.exists()


def test_a_count_past_the_limit_is_refused_on_the_form(site, company):
    response = site.post(
        f"/admin/billing/companybalance/{company.balance.pk}/change/",
        {"sms_signatures": 10**30, "ecp_signatures": 0},
    )

    assert response.status_code == 200
    assert "sms_signatures" in response.context["adminform"].form.errors
    assert not BalanceEntry.objects.exists()


def test_adding_a_balance_records_the_opening_counts(site):
    company = CompanyFactory()
    company.balance.delete()

    response = site.post(
        "/admin/billing/companybalance/add/",
        {"company": company.pk, "sms_signatures": 3, "ecp_signatures": 0},
    )

    assert response.status_code == 302
    assert balance_of(company) == (3, 0)
    assert BalanceEntry.objects.get(company=company).note == "Opening balance"


def test_the_ledger_is_read_only(site, company, admin):
    site.post(
        f"/admin/billing/companybalance/{company.balance.pk}/change/",
        {"sms_signatures": 1, "ecp_signatures": 0},
    )
    entry = BalanceEntry.objects.get()

    assert site.get("/admin/billing/balanceentry/add/").status_code == 403
    assert (
        site.get(f"/admin/billing/balanceentry/{entry.pk}/delete/").status_code == 403
    )
    view = site.get(f"/admin/billing/balanceentry/{entry.pk}/change/")
    assert view.status_code == 200
    assert not view.context["has_change_permission"]
    site.post(
        f"/admin/billing/balanceentry/{entry.pk}/change/",
        {"delta": 1000, "balance_after": 1000},
    )
    entry.refresh_from_db()
    assert entry.delta == 1


def test_an_overlapping_active_plan_is_refused_on_the_form(site, plan):
    response = site.post(
        "/admin/billing/tariffplan/add/",
        {
            "name": "Пересекается",
            "discount": "5",
            "from_count": 20,
            "to_count": 70,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "from_count" in response.context["adminform"].form.errors
    assert TariffPlan.objects.count() == 1


def test_adding_a_plan(site, plan):
    response = site.post(
        "/admin/billing/tariffplan/add/",
        {"name": "Большой", "discount": "15", "from_count": 51, "to_count": 500},
    )

    assert response.status_code == 302
    assert TariffPlan.objects.get(name="Большой").is_active is False


def test_the_deactivate_action(site, plan):
    site.post(
        "/admin/billing/tariffplan/",
        {"action": "deactivate", "_selected_action": [plan.pk]},
    )

    plan.refresh_from_db()
    assert plan.is_active is False
