import pytest

from billing.models import BalanceEntry, CompanyBalance
from billing.tests.conftest import iso
from ozgecontract.tests.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def balance_json(balance):
    balance.refresh_from_db()
    return {
        "company_id": balance.company_id,
        "sms_signatures": balance.sms_signatures,
        "ecp_signatures": balance.ecp_signatures,
        "updated_at": iso(balance.updated_at),
    }


@pytest.fixture
def bare_company(db):
    company = CompanyFactory()
    company.balance.delete()
    return company


# POST /company-balances


def test_admin_creates_a_balance_and_the_ledger_records_it(
    admin_api, admin, bare_company
):
    response = admin_api.post(
        "/company-balances",
        {"company_id": bare_company.pk, "sms_signatures": 10, "ecp_signatures": 5},
        format="json",
    )

    assert response.status_code == 201
    balance = CompanyBalance.objects.get(company=bare_company)
    assert response.json() == balance_json(balance)
    assert (balance.sms_signatures, balance.ecp_signatures) == (10, 5)
    entries = BalanceEntry.objects.filter(company=bare_company).order_by("id")
    assert [(e.kind, e.delta, e.balance_after, e.reason) for e in entries] == [
        ("sms", 10, 10, "admin"),
        ("ecp", 5, 5, "admin"),
    ]
    assert {e.created_by_id for e in entries} == {admin.pk}


def test_counts_default_to_zero(admin_api, bare_company):
    response = admin_api.post(
        "/company-balances", {"company_id": bare_company.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["sms_signatures"] == 0
    assert not BalanceEntry.objects.exists()


def test_a_second_balance_is_409(admin_api, company):
    response = admin_api.post(
        "/company-balances",
        {"company_id": company.pk, "sms_signatures": 3},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "balance_exists"
    assert CompanyBalance.objects.get(company=company).sms_signatures == 0


def test_an_unknown_company_is_404(admin_api, db):
    response = admin_api.post(
        "/company-balances", {"company_id": 999999}, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"sms_signatures": 1},
        {"company_id": "one"},
        {"company_id": 1.5},
        {"company_id": True},
    ],
)
def test_bad_company_id_is_400(admin_api, bare_company, body):
    response = admin_api.post("/company-balances", body, format="json")

    assert response.status_code == 400
    assert "company_id" in response.json()["fields"]


def test_negative_counts_are_400_and_nothing_is_written(admin_api, bare_company):
    response = admin_api.post(
        "/company-balances",
        {"company_id": bare_company.pk, "sms_signatures": -1},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sms_signatures"]
    assert not CompanyBalance.objects.filter(company=bare_company).exists()


def test_a_count_beyond_the_limit_is_400_not_a_database_overflow(
    admin_api, bare_company
):
    response = admin_api.post(
        "/company-balances",
        {"company_id": bare_company.pk, "sms_signatures": 10**30},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sms_signatures"]
    assert not CompanyBalance.objects.filter(company=bare_company).exists()


def test_malformed_json_is_400(admin_api, db):
    response = admin_api.post(
        "/company-balances", data="[1,", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_company_owner_cannot_create_a_balance(owner_api, company):
    response = owner_api.post(
        "/company-balances", {"company_id": company.pk}, format="json"
    )

    assert response.status_code == 403
    assert not BalanceEntry.objects.exists()


def test_anonymous_cannot_create_a_balance(anonymous, bare_company):
    response = anonymous.post(
        "/company-balances", {"company_id": bare_company.pk}, format="json"
    )

    assert response.status_code == 401


# GET /company-balances/{company_id}


@pytest.mark.parametrize("persona", ["owner_api", "member_api", "admin_api"])
def test_company_users_and_admin_read_the_balance(request, company, persona):
    client = request.getfixturevalue(persona)

    response = client.get(f"/company-balances/{company.pk}")

    assert response.status_code == 200
    assert response.json() == balance_json(company.balance)


def test_outsider_gets_404(outsider_api, company):
    response = outsider_api.get(f"/company-balances/{company.pk}")

    assert response.status_code == 404
    assert response.json() == {"detail": "Balance not found.", "code": "not_found"}


def test_anonymous_gets_401(anonymous, company):
    assert anonymous.get(f"/company-balances/{company.pk}").status_code == 401


def test_a_company_without_a_balance_is_404(admin_api, bare_company):
    assert admin_api.get(f"/company-balances/{bare_company.pk}").status_code == 404


# PUT / PATCH /company-balances/{company_id}


def test_admin_puts_new_counts_through_the_ledger(admin_api, company):
    response = admin_api.put(
        f"/company-balances/{company.pk}",
        {"sms_signatures": 15, "ecp_signatures": 8},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == balance_json(company.balance)
    assert response.json()["sms_signatures"] == 15
    assert response.json()["ecp_signatures"] == 8
    assert BalanceEntry.objects.filter(company=company).count() == 2


def test_admin_patches_one_count(admin_api, company):
    response = admin_api.patch(
        f"/company-balances/{company.pk}/", {"ecp_signatures": 4}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["sms_signatures"], response.json()["ecp_signatures"]) == (
        0,
        4,
    )
    entry = BalanceEntry.objects.get(company=company)
    assert (entry.kind, entry.delta, entry.balance_after) == ("ecp", 4, 4)


def test_put_needs_both_counts(admin_api, company):
    response = admin_api.put(
        f"/company-balances/{company.pk}", {"sms_signatures": 1}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ecp_signatures"]


@pytest.mark.parametrize(
    "value",
    [-1, "5", 2.5, None, True],
    ids=["negative", "str", "float", "null", "bool"],
)
def test_bad_counts_are_400_and_leave_the_balance(admin_api, company, value):
    response = admin_api.put(
        f"/company-balances/{company.pk}",
        {"sms_signatures": value, "ecp_signatures": 1},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sms_signatures"]
    company.balance.refresh_from_db()
    assert company.balance.ecp_signatures == 0
    assert not BalanceEntry.objects.exists()


@pytest.mark.parametrize("persona", ["owner_api", "member_api"])
def test_company_users_cannot_change_their_balance(request, company, persona):
    client = request.getfixturevalue(persona)

    response = client.put(
        f"/company-balances/{company.pk}",
        {"sms_signatures": 1000, "ecp_signatures": 1000},
        format="json",
    )

    assert response.status_code == 403
    company.balance.refresh_from_db()
    assert company.balance.sms_signatures == 0


def test_outsider_changing_a_balance_gets_404(outsider_api, company):
    response = outsider_api.patch(
        f"/company-balances/{company.pk}", {"sms_signatures": 9}, format="json"
    )

    assert response.status_code == 404
    company.balance.refresh_from_db()
    assert company.balance.sms_signatures == 0
    assert not BalanceEntry.objects.exists()


def test_anonymous_changing_a_balance_gets_401(anonymous, company):
    response = anonymous.patch(
        f"/company-balances/{company.pk}", {"sms_signatures": 9}, format="json"
    )

    assert response.status_code == 401
    company.balance.refresh_from_db()
    assert company.balance.sms_signatures == 0


# DELETE /company-balances/{company_id}


def test_admin_deletes_a_balance_and_the_ledger_zeroes_it(admin_api, admin, company):
    admin_api.put(
        f"/company-balances/{company.pk}",
        {"sms_signatures": 3, "ecp_signatures": 0},
        format="json",
    )

    response = admin_api.delete(f"/company-balances/{company.pk}")

    assert response.status_code == 204
    assert not CompanyBalance.objects.filter(company=company).exists()
    last = BalanceEntry.objects.filter(company=company).first()
    assert (last.kind, last.delta, last.balance_after, last.note) == (
        "sms",
        -3,
        0,
        "Balance deleted",
    )


def test_owner_cannot_delete_the_balance(owner_api, company):
    assert owner_api.delete(f"/company-balances/{company.pk}").status_code == 403
    assert CompanyBalance.objects.filter(company=company).exists()


def test_outsider_deleting_a_balance_gets_404(outsider_api, company):
    assert outsider_api.delete(f"/company-balances/{company.pk}").status_code == 404
    assert CompanyBalance.objects.filter(company=company).exists()


def test_anonymous_deleting_a_balance_gets_401(anonymous, company):
    assert anonymous.delete(f"/company-balances/{company.pk}").status_code == 401
    assert CompanyBalance.objects.filter(company=company).exists()


def test_deleting_a_missing_balance_is_404(admin_api, bare_company):
    assert admin_api.delete(f"/company-balances/{bare_company.pk}").status_code == 404
