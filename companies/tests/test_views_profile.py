"""The company profile page: /accounts/company/ (owners only)."""

import pytest

URL = "/accounts/company/"


def data(**overrides):
    values = {
        "name": "ТОО Жаңа атау",
        "bin": "940140000385",
        "phone": "+7 702 000 1122",
        "email": "office@example.kz",
    }
    values.update(overrides)
    return values


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/company/"


@pytest.mark.django_db
def test_member_gets_403(client, member):
    client.force_login(member)

    assert client.get(URL).status_code == 403
    assert client.post(URL, data()).status_code == 403
    member.company.refresh_from_db()
    assert member.company.name != "ТОО Жаңа атау"


@pytest.mark.django_db
def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    assert client.get(URL)["Location"] == "/admin/"


@pytest.mark.django_db
def test_owner_sees_own_company(client, owner, outsider):
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["form"].initial["name"] == owner.company.name
    assert outsider.company.name not in response.content.decode()


@pytest.mark.django_db
def test_owner_saves_the_profile(client, owner):
    client.force_login(owner)

    response = client.post(URL, data())

    assert response.status_code == 302
    company = owner.company
    company.refresh_from_db()
    assert (company.name, company.bin, company.phone, company.email) == (
        "ТОО Жаңа атау",
        "940140000385",
        "+77020001122",
        "office@example.kz",
    )


@pytest.mark.django_db
def test_a_phone_of_another_company_is_refused(client, owner, outsider):
    client.force_login(owner)

    response = client.post(URL, data(phone=outsider.company.phone))

    assert response.status_code == 200
    assert response.context["form"].errors["phone"]
    owner.company.refresh_from_db()
    assert owner.company.name != "ТОО Жаңа атау"


@pytest.mark.django_db
def test_bad_bin_and_empty_name_are_refused(client, owner):
    client.force_login(owner)

    response = client.post(URL, data(name="", bin="123"))

    assert set(response.context["form"].errors) == {"name", "bin"}
