import pytest

from companies.models import Company, User
from companies.services import update_company
from ozgecontract.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW = {
    "name": "Новое название",
    "email": "New@Example.kz",
    "phone": "+7 747 000 1122",
    "password": "Another-Passw0rd",
}


def test_owner_puts_every_field_and_the_password_reaches_the_login(
    owner_api, company, owner, anonymous
):
    response = owner_api.put(f"/companies/{company.pk}", NEW, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "id": company.pk,
        "name": "Новое название",
        "email": "new@example.kz",
        "phone": "+77470001122",
    }
    owner.refresh_from_db()
    assert owner.email == "new@example.kz"
    assert owner.check_password("Another-Passw0rd")
    login = anonymous.post(
        "/auth/token",
        {"email": "NEW@example.kz", "password": "Another-Passw0rd"},
        format="json",
    )
    assert login.status_code == 200


def test_put_without_password_keeps_the_password(owner_api, company, owner):
    body = {k: v for k, v in NEW.items() if k != "password"}

    response = owner_api.put(f"/companies/{company.pk}/", body, format="json")

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_put_without_name_is_400(owner_api, company):
    body = {k: v for k, v in NEW.items() if k != "name"}

    response = owner_api.put(f"/companies/{company.pk}", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["name"]


def test_owner_patches_one_field(owner_api, company):
    response = owner_api.patch(
        f"/companies/{company.pk}", {"name": "ТОО Жаңа"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "ТОО Жаңа"
    company.refresh_from_db()
    assert company.name == "ТОО Жаңа"


def test_admin_may_change_any_company(admin_api, company):
    response = admin_api.patch(
        f"/companies/{company.pk}", {"phone": "87470001122"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["phone"] == "+77470001122"


def test_member_gets_403(member_api, company):
    response = member_api.patch(
        f"/companies/{company.pk}", {"name": "Захват"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    company.refresh_from_db()
    assert company.name != "Захват"


def test_outsider_gets_404(outsider_api, company):
    response = outsider_api.put(f"/companies/{company.pk}", NEW, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Company not found.", "code": "not_found"}
    company.refresh_from_db()
    assert company.name != NEW["name"]


def test_anonymous_gets_401(anonymous, company):
    assert (
        anonymous.patch(f"/companies/{company.pk}", NEW, format="json").status_code
        == 401
    )
    company.refresh_from_db()
    assert company.name != NEW["name"]


def test_an_email_taken_by_another_company_in_other_case_is_400(
    owner_api, company, other_company
):
    response = owner_api.patch(
        f"/companies/{company.pk}",
        {"email": other_company.email.upper()},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "email": ["This email address is already registered."]
    }


def test_an_email_taken_by_a_member_is_400(owner_api, company, member):
    response = owner_api.patch(
        f"/companies/{company.pk}", {"email": member.email}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["email"]
    company.refresh_from_db()
    assert company.email != member.email


def test_keeping_its_own_email_is_allowed(owner_api, company, owner):
    Company.objects.filter(pk=company.pk).update(email=owner.email)

    response = owner_api.patch(
        f"/companies/{company.pk}", {"email": owner.email.upper()}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] == owner.email


def test_a_phone_taken_by_another_company_is_400(owner_api, company, other_company):
    response = owner_api.patch(
        f"/companies/{company.pk}", {"phone": other_company.phone}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_an_invalid_phone_is_400(owner_api, company):
    response = owner_api.patch(
        f"/companies/{company.pk}", {"phone": "12"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]


def test_a_weak_password_is_400_and_nothing_changes(owner_api, company, owner):
    response = owner_api.put(
        f"/companies/{company.pk}", {**NEW, "password": "12345"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]
    company.refresh_from_db()
    owner.refresh_from_db()
    assert company.name != NEW["name"]
    assert owner.check_password(PASSWORD)


def test_wrong_types_are_400(owner_api, company):
    response = owner_api.patch(
        f"/companies/{company.pk}", {"name": 5, "phone": True}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"name", "phone"}


def test_malformed_json_is_400(owner_api, company):
    response = owner_api.generic(
        "PATCH", f"/companies/{company.pk}", "{oops", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_second_owner_may_change_the_company(company, owner):
    from conftest import bearer_client

    second = UserFactory(company=company, role=User.Role.OWNER)

    response = bearer_client(second).patch(
        f"/companies/{company.pk}", {"name": "ТОО Второй"}, format="json"
    )

    assert response.status_code == 200
    company.refresh_from_db()
    assert company.name == "ТОО Второй"


def test_the_login_stays_with_the_registering_user_after_role_changes(
    company, owner, anonymous
):
    Company.objects.filter(pk=company.pk).update(email=owner.email)
    company.refresh_from_db()
    second = UserFactory(company=company, role=User.Role.OWNER)
    User.objects.filter(pk=owner.pk).update(role=User.Role.MEMBER)

    update_company(company=company, user=second, email="renamed@example.kz")

    owner.refresh_from_db()
    second.refresh_from_db()
    assert owner.email == "renamed@example.kz"
    assert second.email != "renamed@example.kz"
