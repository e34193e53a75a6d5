from decimal import Decimal

import pytest

from billing.models import PaymentRequest
from billing.tests.conftest import iso
from ozgecontract.tests.factories import TariffPlanFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("prices"),
    pytest.mark.usefixtures("english"),
]


def payment_json(payment):
    payment.refresh_from_db()
    return {
        "id": payment.pk,
        "company_id": payment.company_id,
        "tariff_plan_id": payment.tariff_plan_id,
        "sms_count": payment.sms_count,
        "ecp_count": payment.ecp_count,
        "total_amount": float(payment.total_amount),
        "status": payment.status,
        "payment_url": payment.payment_url,
        "payment_ref": payment.payment_ref,
        "created_at": iso(payment.created_at),
        "paid_at": iso(payment.paid_at),
    }


def body(plan, **changes):
    return {"tariff_plan_id": plan.pk, "sms_count": 10, "ecp_count": 5, **changes}


def make_payment(company, plan, **fields):
    return PaymentRequest.objects.create(
        company=company,
        tariff_plan=plan,
        sms_count=fields.pop("sms_count", 10),
        ecp_count=fields.pop("ecp_count", 5),
        total_amount=fields.pop("total_amount", Decimal("2250.00")),
        **fields,
    )


# Create


def test_member_may_not_buy_a_package(member_api, plan):
    response = member_api.post("/payment_requests", body(plan), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "owners" in response.json()["detail"]
    assert not PaymentRequest.objects.exists()


def test_owner_creates_a_request_priced_by_the_server(owner_api, owner, company, plan):
    response = owner_api.post(
        "/payment_requests",
        body(
            plan,
            payment_url="https://pay.example.kz/123",
            payment_ref="PAY123456",
            status="pending",
        ),
        format="json",
    )

    assert response.status_code == 201
    payment = PaymentRequest.objects.get()
    assert response.json() == {
        "id": payment.pk,
        "company_id": company.pk,
        "tariff_plan_id": plan.pk,
        "sms_count": 10,
        "ecp_count": 5,
        # (10 × 200 + 5 × 100) × (1 − 10 / 100)
        "total_amount": 2250.0,
        "status": "pending",
        "payment_url": "https://pay.example.kz/123",
        "payment_ref": "PAY123456",
        "created_at": iso(payment.created_at),
        "paid_at": None,
    }
    assert payment.total_amount == Decimal("2250.00")
    assert payment.created_by == owner


def test_a_matching_total_is_accepted(owner_api, company, plan):
    response = owner_api.post(
        "/payment_requests/", body(plan, total_amount=2250.00), format="json"
    )

    assert response.status_code == 201


def test_the_amount_is_rounded_to_tiyn(owner_api, company, prices):
    plan = TariffPlanFactory(discount=Decimal("33.33"), from_count=1, to_count=5)

    response = owner_api.post(
        "/payment_requests",
        {"tariff_plan_id": plan.pk, "sms_count": 1, "ecp_count": 0},
        format="json",
    )

    # 200 × 0.6667 = 133.34
    assert response.json()["total_amount"] == 133.34


def test_a_differing_total_is_400_with_both_amounts(owner_api, company, plan):
    response = owner_api.post(
        "/payment_requests", body(plan, total_amount=2500.00), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "total_amount: The amount sent, 2500.00, does not match the amount "
        "computed from the tariff plan, 2250.00.",
        "code": "invalid",
        "fields": {
            "total_amount": [
                "The amount sent, 2500.00, does not match the amount computed from "
                "the tariff plan, 2250.00."
            ]
        },
    }
    assert not PaymentRequest.objects.exists()


def test_a_foreign_company_id_is_404(owner_api, other_company, plan):
    response = owner_api.post(
        "/payment_requests", body(plan, company_id=other_company.pk), format="json"
    )

    assert response.status_code == 404
    assert not PaymentRequest.objects.exists()


def test_its_own_company_id_is_accepted(owner_api, company, plan):
    response = owner_api.post(
        "/payment_requests", body(plan, company_id=company.pk), format="json"
    )

    assert response.status_code == 201


def test_admin_creates_for_any_company(admin_api, company, plan):
    response = admin_api.post(
        "/payment_requests", body(plan, company_id=company.pk), format="json"
    )

    assert response.status_code == 201
    assert response.json()["company_id"] == company.pk


def test_admin_must_name_the_company(admin_api, plan):
    response = admin_api.post("/payment_requests", body(plan), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["company_id"]


def test_anonymous_gets_401(anonymous, plan):
    assert (
        anonymous.post("/payment_requests", body(plan), format="json").status_code
        == 401
    )
    assert not PaymentRequest.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sms_count": -1}, "sms_count"),
        ({"ecp_count": -5}, "ecp_count"),
        ({"sms_count": "10"}, "sms_count"),
        ({"ecp_count": 1.5}, "ecp_count"),
        ({"sms_count": 0, "ecp_count": 0}, "sms_count"),
        ({"tariff_plan_id": 999999}, "tariff_plan_id"),
        ({"tariff_plan_id": "1"}, "tariff_plan_id"),
        ({"total_amount": "lots"}, "total_amount"),
        ({"total_amount": 2250.001}, "total_amount"),
        ({"status": "paid"}, "status"),
        ({"payment_url": "javascript:alert(1)"}, "payment_url"),
        ({"payment_ref": 12}, "payment_ref"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(owner_api, company, plan, changes, field):
    response = owner_api.post("/payment_requests", body(plan, **changes), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not PaymentRequest.objects.exists()


def test_a_missing_plan_is_400(owner_api, company):
    response = owner_api.post("/payment_requests", {"sms_count": 10}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["tariff_plan_id"]


def test_counts_outside_the_plan_range_are_400(owner_api, company, plan):
    response = owner_api.post(
        "/payment_requests", body(plan, sms_count=50, ecp_count=1), format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "sms_count": [
            "The plan covers 10 to 50 signatures in total; this request has 51."
        ]
    }


def test_an_inactive_plan_is_400(owner_api, company):
    plan = TariffPlanFactory(from_count=1, to_count=100, is_active=False)

    response = owner_api.post("/payment_requests", body(plan), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["tariff_plan_id"]


def test_malformed_json_is_400(owner_api, company):
    response = owner_api.post(
        "/payment_requests", data="{]", content_type="application/json"
    )

    assert response.status_code == 400


# Read


def test_owner_reads_its_request(owner_api, company, plan):
    payment = make_payment(company, plan)

    response = owner_api.get(f"/payment_requests/{payment.pk}")

    assert response.status_code == 200
    assert response.json() == payment_json(payment)


def test_outsider_reading_a_request_gets_404(outsider_api, company, plan):
    payment = make_payment(company, plan)

    response = outsider_api.get(f"/payment_requests/{payment.pk}")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Payment request not found.",
        "code": "not_found",
    }


def test_anonymous_reading_a_request_gets_401(anonymous, company, plan):
    payment = make_payment(company, plan)

    assert anonymous.get(f"/payment_requests/{payment.pk}").status_code == 401


def test_company_list_holds_only_that_company_newest_first(
    member_api, company, other_company, plan
):
    older = make_payment(company, plan)
    newer = make_payment(company, plan)
    make_payment(other_company, plan)

    response = member_api.get(f"/payment_requests/company/{company.pk}")

    assert response.status_code == 200
    assert response.json() == [payment_json(newer), payment_json(older)]
    assert response["X-Total-Count"] == "2"


def test_outsider_listing_a_company_gets_404(outsider_api, company):
    response = outsider_api.get(f"/payment_requests/company/{company.pk}")

    assert response.status_code == 404


def test_anonymous_listing_a_company_gets_401(anonymous, company):
    assert anonymous.get(f"/payment_requests/company/{company.pk}").status_code == 401


def test_admin_lists_any_company(admin_api, company, plan):
    make_payment(company, plan)

    response = admin_api.get(f"/payment_requests/company/{company.pk}/")

    assert len(response.json()) == 1


def test_the_plain_list_is_scoped_to_the_caller(
    owner_api, company, other_company, plan
):
    mine = make_payment(company, plan)
    make_payment(other_company, plan)

    response = owner_api.get("/payment_requests")

    assert [p["id"] for p in response.json()] == [mine.pk]


@pytest.mark.parametrize("rows", [1, 50])
def test_company_list_query_count_does_not_grow(
    owner_api, company, plan, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_payment(company, plan)

    # user, company check, count, page
    with django_assert_num_queries(4):
        response = owner_api.get(f"/payment_requests/company/{company.pk}")

    assert len(response.json()) == rows


# Delete


def test_admin_deletes_a_cancelled_request(admin_api, company, plan):
    payment = make_payment(company, plan, status=PaymentRequest.Status.CANCELLED)

    response = admin_api.delete(f"/payment_requests/{payment.pk}")

    assert response.status_code == 204
    assert not PaymentRequest.objects.exists()


def test_a_paid_request_is_never_deleted(admin_api, company, plan):
    payment = make_payment(company, plan, status=PaymentRequest.Status.PAID)

    response = admin_api.delete(f"/payment_requests/{payment.pk}")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "A paid payment request is a financial record and is never deleted.",
        "code": "payment_paid",
    }
    assert PaymentRequest.objects.filter(pk=payment.pk).exists()


def test_company_users_cannot_delete_requests(owner_api, company, plan):
    payment = make_payment(company, plan)

    assert owner_api.delete(f"/payment_requests/{payment.pk}").status_code == 403
    assert PaymentRequest.objects.filter(pk=payment.pk).exists()


def test_outsider_deleting_a_request_gets_404(outsider_api, company, plan):
    payment = make_payment(company, plan)

    assert outsider_api.delete(f"/payment_requests/{payment.pk}").status_code == 404
    assert PaymentRequest.objects.filter(pk=payment.pk).exists()


def test_anonymous_deleting_a_request_gets_401(anonymous, company, plan):
    payment = make_payment(company, plan)

    assert anonymous.delete(f"/payment_requests/{payment.pk}").status_code == 401
    assert PaymentRequest.objects.filter(pk=payment.pk).exists()


def test_anonymous_listing_requests_gets_401(anonymous, db):
    assert anonymous.get("/payment_requests").status_code == 401


def test_admin_lists_every_request(admin_api, company, other_company, plan):
    first = make_payment(company, plan)
    second = make_payment(other_company, plan)

    response = admin_api.get("/payment_requests")

    assert response.json() == [payment_json(second), payment_json(first)]


@pytest.mark.parametrize("rows", [1, 50])
def test_plain_list_query_count_does_not_grow(
    member_api, company, plan, django_assert_num_queries, rows
):
    for _ in range(rows):
        make_payment(company, plan)

    # user, count, page
    with django_assert_num_queries(3):
        response = member_api.get("/payment_requests")

    assert len(response.json()) == rows


def test_the_amount_mismatch_is_explained_in_russian(owner_api, company, plan):
    response = owner_api.post(
        "/payment_requests",
        body(plan, total_amount=2500),
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.json()["fields"]["total_amount"] == [
        "Переданная сумма 2500.00 не совпадает с суммой, рассчитанной по тарифу: "
        "2250.00."
    ]
