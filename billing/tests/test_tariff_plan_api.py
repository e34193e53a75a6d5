import pytest

from billing.models import PaymentRequest, TariffPlan
from billing.tests.conftest import iso
from ozgecontract.tests.factories import TariffPlanFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BODY = {
    "name": "Базовый",
    "discount": 10.0,
    "from_count": 10,
    "to_count": 50,
    "is_active": True,
}


def plan_json(plan):
    plan.refresh_from_db()
    return {
        "id": plan.pk,
        "name": plan.name,
        "discount": float(plan.discount),
        "from_count": plan.from_count,
        "to_count": plan.to_count,
        "is_active": plan.is_active,
        "created_at": iso(plan.created_at),
    }


# Reads are public


def test_anonymous_lists_plans_in_range_order(anonymous, db):
    high = TariffPlanFactory(from_count=100, to_count=200)
    low = TariffPlanFactory(from_count=1, to_count=99, discount=0)

    response = anonymous.get("/tariff-plans")

    assert response.status_code == 200
    assert response.json() == [plan_json(low), plan_json(high)]
    assert response["X-Total-Count"] == "2"


def test_the_list_filters_by_is_active(anonymous, db):
    active = TariffPlanFactory()
    TariffPlanFactory(is_active=False)

    response = anonymous.get("/tariff-plans?is_active=true")

    assert [p["id"] for p in response.json()] == [active.pk]


@pytest.mark.parametrize("rows", [1, 50])
def test_plan_list_query_count_does_not_grow(
    anonymous, django_assert_num_queries, rows
):
    TariffPlanFactory.create_batch(rows)

    with django_assert_num_queries(2):
        response = anonymous.get("/tariff-plans")

    assert len(response.json()) == rows


def test_anonymous_reads_one_plan(anonymous, plan):
    response = anonymous.get(f"/tariff-plans/{plan.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": plan.pk,
        "name": "Базовый",
        "discount": 10.0,
        "from_count": 10,
        "to_count": 50,
        "is_active": True,
        "created_at": iso(plan.created_at),
    }


def test_an_unknown_plan_is_404(anonymous, db):
    response = anonymous.get("/tariff-plans/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Tariff plan not found.", "code": "not_found"}


# Create


def test_admin_creates_a_plan(admin_api, db):
    response = admin_api.post("/tariff-plans", BODY, format="json")

    assert response.status_code == 201
    plan = TariffPlan.objects.get()
    assert response.json() == plan_json(plan)
    assert response.json()["discount"] == 10.0


def test_a_fractional_discount_is_kept_exactly(admin_api, db):
    response = admin_api.post(
        "/tariff-plans", {**BODY, "discount": 12.35}, format="json"
    )

    assert response.status_code == 201
    assert str(TariffPlan.objects.get().discount) == "12.35"
    assert response.json()["discount"] == 12.35


@pytest.mark.parametrize("persona", ["owner_api", "member_api"])
def test_company_users_cannot_create_plans(request, db, persona):
    client = request.getfixturevalue(persona)

    response = client.post("/tariff-plans", BODY, format="json")

    assert response.status_code == 403
    assert not TariffPlan.objects.exists()


def test_anonymous_cannot_create_plans(anonymous, db):
    assert anonymous.post("/tariff-plans", BODY, format="json").status_code == 401
    assert not TariffPlan.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"discount": -1}, "discount"),
        ({"discount": 100.01}, "discount"),
        ({"discount": 5.555}, "discount"),
        ({"discount": "ten"}, "discount"),
        ({"from_count": 0}, "from_count"),
        ({"from_count": "10"}, "from_count"),
        ({"to_count": 9}, "to_count"),
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"is_active": "yes"}, "is_active"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(admin_api, db, changes, field):
    response = admin_api.post("/tariff-plans", {**BODY, **changes}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not TariffPlan.objects.exists()


def test_missing_fields_are_400(admin_api, db):
    response = admin_api.post("/tariff-plans", {"name": "X"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"discount", "from_count", "to_count"}


def test_malformed_json_is_400(admin_api, db):
    response = admin_api.post(
        "/tariff-plans", data="{", content_type="application/json"
    )

    assert response.status_code == 400


def test_an_overlapping_active_plan_is_400(admin_api, plan):
    response = admin_api.post(
        "/tariff-plans", {**BODY, "from_count": 50, "to_count": 80}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "from_count": ['The range 50–80 overlaps the active plan "Базовый" (10–50).']
    }
    assert TariffPlan.objects.count() == 1


def test_an_adjacent_range_is_fine(admin_api, plan):
    response = admin_api.post(
        "/tariff-plans", {**BODY, "from_count": 51, "to_count": 80}, format="json"
    )

    assert response.status_code == 201


def test_an_inactive_plan_may_overlap(admin_api, plan):
    response = admin_api.post(
        "/tariff-plans", {**BODY, "is_active": False}, format="json"
    )

    assert response.status_code == 201


# Update


def test_admin_puts_a_plan(admin_api, plan):
    body = {**BODY, "name": "Премиум", "discount": 15.0}

    response = admin_api.put(f"/tariff-plans/{plan.pk}", body, format="json")

    assert response.status_code == 200
    assert response.json() == plan_json(plan)
    assert response.json()["name"] == "Премиум"
    assert response.json()["discount"] == 15.0


def test_admin_patches_a_plan(admin_api, plan):
    response = admin_api.patch(
        f"/tariff-plans/{plan.pk}/", {"to_count": 60}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["to_count"] == 60


def test_a_patch_making_the_range_backwards_is_400(admin_api, plan):
    response = admin_api.patch(
        f"/tariff-plans/{plan.pk}", {"to_count": 5}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["to_count"]
    plan.refresh_from_db()
    assert plan.to_count == 50


def test_activating_an_overlapping_plan_is_400(admin_api, plan):
    dormant = TariffPlanFactory(from_count=40, to_count=90, is_active=False)

    response = admin_api.patch(
        f"/tariff-plans/{dormant.pk}", {"is_active": True}, format="json"
    )

    assert response.status_code == 400
    dormant.refresh_from_db()
    assert dormant.is_active is False


def test_widening_into_another_active_plan_is_400(admin_api, plan):
    other = TariffPlanFactory(from_count=51, to_count=90)

    response = admin_api.patch(
        f"/tariff-plans/{other.pk}", {"from_count": 45}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["from_count"]
    other.refresh_from_db()
    assert (other.from_count, other.to_count) == (51, 90)


def test_company_users_cannot_update_plans(owner_api, plan):
    response = owner_api.patch(
        f"/tariff-plans/{plan.pk}", {"discount": 99}, format="json"
    )

    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.discount == 10


def test_updating_an_unknown_plan_is_404(admin_api, db):
    response = admin_api.patch("/tariff-plans/999999", {"name": "X"}, format="json")

    assert response.status_code == 404


# Delete


def test_admin_deletes_an_unused_plan(admin_api, plan):
    response = admin_api.delete(f"/tariff-plans/{plan.pk}")

    assert response.status_code == 204
    assert not TariffPlan.objects.exists()


def test_a_plan_used_by_payment_requests_is_409(admin_api, plan, company):
    PaymentRequest.objects.create(
        company=company, tariff_plan=plan, sms_count=10, total_amount=1800
    )

    response = admin_api.delete(f"/tariff-plans/{plan.pk}")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Payment requests use this tariff plan, so it cannot be deleted; "
        "deactivate it instead (is_active=false).",
        "code": "tariff_in_use",
    }
    assert TariffPlan.objects.filter(pk=plan.pk).exists()


def test_company_users_cannot_delete_plans(member_api, plan):
    assert member_api.delete(f"/tariff-plans/{plan.pk}").status_code == 403
    assert TariffPlan.objects.filter(pk=plan.pk).exists()


def test_anonymous_cannot_delete_plans(anonymous, plan):
    assert anonymous.delete(f"/tariff-plans/{plan.pk}").status_code == 401
    assert TariffPlan.objects.filter(pk=plan.pk).exists()


def test_anonymous_cannot_update_plans(anonymous, plan):
    response = anonymous.put(f"/tariff-plans/{plan.pk}", BODY, format="json")

    assert response.status_code == 401
    plan.refresh_from_db()
    assert plan.name == "Базовый"
