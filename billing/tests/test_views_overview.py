"""The balance page: /dashboard/billing/ (every company user; purchases for owners)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import PaymentRequest
from ozgecontract.tests.factories import TariffPlanFactory

URL = "/dashboard/billing/"


@pytest.fixture
def plan(db):
    return TariffPlanFactory(name="Старт", from_count=1, to_count=100, discount=10)


def buy(user, plan, *, sms_count=10, ecp_count=0):
    return services.create_payment_request(
        company=user.company,
        tariff_plan=plan,
        sms_count=sms_count,
        ecp_count=ecp_count,
        user=user,
    )


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/billing/"


def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_owner_sees_balance_plans_and_the_purchase_form(client, owner, plan, admin):
    services.set_balance(
        company_id=owner.company_id, sms_signatures=7, ecp_signatures=3, user=admin
    )
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["balance"] == {"sms": 7, "ecp": 3}
    assert response.context["plans"] == [plan]
    assert response.context["form"] is not None
    page = response.content.decode()
    assert 'data-testid="balance-sms">7<' in page
    assert 'data-testid="balance-ecp">3<' in page
    assert 'data-testid="purchase-form"' in page
    assert "Старт" in page


def test_member_sees_balance_but_no_purchase_form(client, member, plan):
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["form"] is None
    page = response.content.decode()
    assert 'data-testid="purchase-form"' not in page
    assert 'data-testid="purchase-owner-only"' in page


def test_outsider_does_not_see_another_companys_payments(client, owner, outsider, plan):
    mine = buy(owner, plan, sms_count=11)
    theirs = buy(outsider, plan, sms_count=12)
    client.force_login(owner)

    response = client.get(URL)

    assert [p.pk for p in response.context["payments"]] == [mine.pk]
    assert f'href="/dashboard/billing/payments/{theirs.pk}/"' not in (
        response.content.decode()
    )


def test_recent_payments_and_ledger_rows_are_shown_newest_first(
    client, owner, plan, admin
):
    first = buy(owner, plan, sms_count=5)
    second = buy(owner, plan, ecp_count=6, sms_count=0)
    services.change_payment_status(
        payment=first, status=PaymentRequest.Status.PAID, user=admin
    )
    client.force_login(owner)

    response = client.get(URL)

    payments = response.context["payments"]
    assert [p.pk for p in payments] == [second.pk, first.pk]
    assert [p.status_label for p in payments] == ["Ожидает оплаты", "Оплачена"]
    entries = response.context["entries"]
    assert [(e.kind, e.delta, e.balance_after) for e in entries] == [("sms", 5, 5)]
    assert entries[0].reason_label == "Пакет оплачен"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_rows(client, owner, plan, admin):
    client.force_login(owner)
    payment = buy(owner, plan)
    services.change_payment_status(
        payment=payment, status=PaymentRequest.Status.PAID, user=admin
    )
    with_one = _queries(client, URL)

    for _ in range(49):
        payment = buy(owner, plan, sms_count=1)
        services.change_payment_status(
            payment=payment, status=PaymentRequest.Status.PAID, user=admin
        )

    assert _queries(client, URL) == with_one
