"""Payment requests: /dashboard/billing/payments/, a request's page, cancelling it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import BalanceEntry, CompanyBalance, PaymentRequest
from ozgecontract.tests.factories import TariffPlanFactory

LIST_URL = "/dashboard/billing/payments/"


@pytest.fixture
def plan(db):
    return TariffPlanFactory(name="Старт", from_count=1, to_count=100, discount=0)


def buy(user, plan, *, sms_count=10, ecp_count=0):
    return services.create_payment_request(
        company=user.company,
        tariff_plan=plan,
        sms_count=sms_count,
        ecp_count=ecp_count,
        user=user,
    )


def detail_url(payment):
    return f"/dashboard/billing/payments/{payment.pk}/"


def cancel_url(payment):
    return f"/dashboard/billing/payments/{payment.pk}/cancel/"


def test_anonymous_is_sent_to_login(client, owner, plan):
    payment = buy(owner, plan)

    for url in (LIST_URL, detail_url(payment)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"
    response = client.post(cancel_url(payment))
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PENDING


def test_list_shows_only_the_companys_requests(client, owner, member, outsider, plan):
    mine = buy(owner, plan, sms_count=3)
    buy(outsider, plan, sms_count=4)
    client.force_login(member)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert [p.pk for p in response.context["page"].object_list] == [mine.pk]
    page = response.content.decode()
    assert f'href="{detail_url(mine)}"' in page
    assert "Ожидает оплаты" in page


def test_list_is_paginated(client, owner, plan):
    payments = [buy(owner, plan, sms_count=n) for n in range(1, 28)]
    client.force_login(owner)

    first = client.get(LIST_URL)
    second = client.get(LIST_URL, {"page": 2})

    assert [p.pk for p in first.context["page"].object_list] == [
        p.pk for p in reversed(payments[2:])
    ]
    assert [p.pk for p in second.context["page"].object_list] == [
        payments[1].pk,
        payments[0].pk,
    ]
    assert 'href="?page=2"' in first.content.decode()
    assert 'href="?page=1"' in second.content.decode()


def test_list_query_count_is_the_same_for_1_and_50_requests(client, owner, plan):
    client.force_login(owner)
    buy(owner, plan)
    with CaptureQueriesContext(connection) as with_one:
        client.get(LIST_URL)

    for _ in range(49):
        buy(owner, plan)

    with CaptureQueriesContext(connection) as with_fifty:
        client.get(LIST_URL)
    assert len(with_fifty) == len(with_one)


def test_detail_shows_the_request(client, owner, member, plan):
    payment = buy(owner, plan, sms_count=7, ecp_count=3)
    client.force_login(member)

    response = client.get(detail_url(payment))

    assert response.status_code == 200
    assert response.context["payment"] == payment
    page = response.content.decode()
    assert f"Заявка на оплату № {payment.pk}" in page
    assert "1\xa0700,00 ₸" in page  # 7 × 200 + 3 × 100
    assert 'data-testid="payment-next-step"' in page
    # A member sees the request but cannot cancel it.
    assert 'data-testid="payment-cancel"' not in page


def test_outsider_gets_404_for_another_companys_request(client, owner, outsider, plan):
    payment = buy(owner, plan)
    client.force_login(outsider)

    assert client.get(detail_url(payment)).status_code == 404
    assert client.post(cancel_url(payment)).status_code == 404
    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PENDING


def test_unknown_request_is_404(client, owner):
    client.force_login(owner)

    assert client.get("/dashboard/billing/payments/999999/").status_code == 404


def test_owner_cancels_a_pending_request(client, owner, plan):
    payment = buy(owner, plan)
    client.force_login(owner)

    response = client.post(cancel_url(payment), follow=True)

    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.CANCELLED
    assert response.redirect_chain == [(detail_url(payment), 302)]
    page = response.content.decode()
    assert "Заявка на оплату отменена." in page
    assert 'data-status="cancelled"' in page
    assert 'data-testid="payment-cancel"' not in page


def test_member_cannot_cancel(client, owner, member, plan):
    payment = buy(owner, plan)
    client.force_login(member)

    assert client.post(cancel_url(payment)).status_code == 403
    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PENDING


def test_cancel_answers_only_post(client, owner, plan):
    payment = buy(owner, plan)
    client.force_login(owner)

    assert client.get(cancel_url(payment)).status_code == 405


def test_a_paid_request_cannot_be_cancelled(client, owner, plan, admin):
    payment = buy(owner, plan, sms_count=10)
    services.change_payment_status(
        payment=payment, status=PaymentRequest.Status.PAID, user=admin
    )
    client.force_login(owner)

    response = client.post(cancel_url(payment), follow=True)

    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PAID
    assert "Отменить можно только заявку, ожидающую оплаты." in (
        response.content.decode()
    )
    assert CompanyBalance.objects.get(company=owner.company).sms_signatures == 10
    assert BalanceEntry.objects.filter(company=owner.company).count() == 1
