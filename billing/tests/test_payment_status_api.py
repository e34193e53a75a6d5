from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import BalanceEntry, PaymentRequest
from billing.tests.conftest import iso

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("prices"),
    pytest.mark.usefixtures("english"),
]


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
    company.balance.refresh_from_db()
    return company.balance.sms_signatures, company.balance.ecp_signatures


def test_admin_marks_paid_credits_the_balance_and_sets_paid_at(
    admin_api, admin, company, payment
):
    before = timezone.now().replace(microsecond=0)

    response = admin_api.put(
        f"/payment_requests/{payment.pk}",
        {"status": "paid", "paid_at": "2001-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 200
    payment.refresh_from_db()
    assert response.json() == {
        "id": payment.pk,
        "company_id": company.pk,
        "tariff_plan_id": payment.tariff_plan_id,
        "sms_count": 10,
        "ecp_count": 5,
        "total_amount": 2250.0,
        "status": "paid",
        "payment_url": "",
        "payment_ref": "",
        "created_at": iso(payment.created_at),
        "paid_at": iso(payment.paid_at),
    }
    # The server's clock, not the client's claim.
    assert payment.paid_at >= before
    assert balance_of(company) == (10, 5)
    entries = BalanceEntry.objects.filter(payment_request=payment)
    assert sorted((e.kind, e.delta, e.created_by_id) for e in entries) == [
        ("ecp", 5, admin.pk),
        ("sms", 10, admin.pk),
    ]


def test_marking_paid_twice_credits_once(admin_api, company, payment):
    first = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )
    second = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["code"] == "payment_not_pending"
    assert balance_of(company) == (10, 5)
    assert BalanceEntry.objects.filter(payment_request=payment).count() == 2


def test_paid_back_to_pending_is_409(admin_api, company, payment):
    admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "pending"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "The payment request is paid; only a pending request can change "
        "its status.",
        "code": "payment_not_pending",
    }
    payment.refresh_from_db()
    assert payment.status == "paid"


@pytest.mark.parametrize("final", ["cancelled", "expired"])
def test_a_closed_request_cannot_be_paid(admin_api, company, payment, final):
    admin_api.patch(f"/payment_requests/{payment.pk}", {"status": final}, format="json")

    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    assert response.status_code == 409
    assert balance_of(company) == (0, 0)


def test_admin_expires_a_request_without_credit(admin_api, company, payment):
    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "expired"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "expired"
    assert response.json()["paid_at"] is None
    assert balance_of(company) == (0, 0)


def test_owner_cancels_a_pending_request(owner_api, payment):
    response = owner_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_member_may_not_cancel_a_purchase(member_api, payment):
    response = member_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.parametrize("status", ["paid", "expired"])
def test_company_users_cannot_pay_or_expire(owner_api, company, payment, status):
    response = owner_api.patch(
        f"/payment_requests/{payment.pk}", {"status": status}, format="json"
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert balance_of(company) == (0, 0)


def test_company_users_cannot_set_gateway_details(owner_api, payment):
    response = owner_api.patch(
        f"/payment_requests/{payment.pk}", {"payment_ref": "X"}, format="json"
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.payment_ref == ""


def test_admin_records_the_reference_while_marking_paid(admin_api, payment):
    response = admin_api.put(
        f"/payment_requests/{payment.pk}",
        {"status": "paid", "payment_ref": "KASPI-77"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["payment_ref"] == "KASPI-77"


def test_a_failed_status_change_keeps_the_new_details_out(admin_api, payment):
    admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"payment_ref": "LATE"}, format="json"
    )

    assert response.status_code == 409
    payment.refresh_from_db()
    assert payment.payment_ref == ""


def test_outsider_gets_404(outsider_api, payment):
    response = outsider_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == "pending"


def test_anonymous_gets_401(anonymous, payment):
    response = anonymous.patch(
        f"/payment_requests/{payment.pk}", {"status": "cancelled"}, format="json"
    )

    assert response.status_code == 401
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "refunded"}, "status"),
        ({"status": 1}, "status"),
        ({"status": "paid", "sms_count": 1000}, "sms_count"),
        ({"status": "paid", "total_amount": 1}, "total_amount"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(admin_api, company, payment, data, field):
    response = admin_api.patch(f"/payment_requests/{payment.pk}", data, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert balance_of(company) == (0, 0)


def test_put_needs_a_status(admin_api, payment):
    response = admin_api.put(
        f"/payment_requests/{payment.pk}", {"payment_ref": "X"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["status"]


def test_malformed_json_is_400(admin_api, payment):
    response = admin_api.generic(
        "PATCH",
        f"/payment_requests/{payment.pk}",
        '{"status": paid}',
        content_type="application/json",
    )

    assert response.status_code == 400


def test_paying_a_company_without_a_balance_opens_one(admin_api, company, payment):
    company.balance.delete()

    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    assert response.status_code == 200
    company.refresh_from_db()
    assert balance_of(company) == (10, 5)


def test_a_closed_request_names_its_status_in_russian(admin_api, payment, settings):
    settings.LANGUAGE_CODE = "ru"
    admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "cancelled"}, format="json"
    )

    response = admin_api.patch(
        f"/payment_requests/{payment.pk}", {"status": "paid"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Заявка на оплату в статусе «отменена»; "
        "статус можно менять только у заявки, ожидающей оплаты."
    )
