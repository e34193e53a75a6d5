import pytest

from billing.models import CompanyBalance
from companies.models import Company, User
from ozgecontract.tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BODY = {
    "name": "ТОО Рога и Копыта",
    "email": "Company@Example.com",
    "phone": "8 777 123 45 67",
    "password": "password-Qz81",
}


def register(client, **changes):
    return client.post("/companies/register", {**BODY, **changes}, format="json")


def test_anonymous_registers_a_company_with_owner_and_zero_balance(anonymous):
    response = register(anonymous)

    assert response.status_code == 201
    company = Company.objects.get()
    assert response.json() == {
        "id": company.pk,
        "name": "ТОО Рога и Копыта",
        "email": "company@example.com",
        "phone": "+77771234567",
    }
    owner = User.objects.get(company=company)
    assert owner.email == "company@example.com"
    assert owner.role == User.Role.OWNER
    assert owner.check_password("password-Qz81")
    balance = CompanyBalance.objects.get(company=company)
    assert (balance.sms_signatures, balance.ecp_signatures) == (0, 0)


def test_the_new_owner_can_log_in(anonymous):
    register(anonymous)

    response = anonymous.post(
        "/auth/token",
        {"email": "company@example.com", "password": "password-Qz81"},
        format="json",
    )

    assert response.status_code == 200


def test_registration_accepts_a_valid_bin(anonymous):
    response = register(anonymous, bin="940140000385")

    assert response.status_code == 201
    assert Company.objects.get().bin == "940140000385"


def test_the_password_never_appears_in_the_response(anonymous):
    response = register(anonymous)

    assert "password" not in response.json()
    assert "password-Qz81" not in response.content.decode()


def test_a_logged_in_user_may_register_too(owner_api):
    assert register(owner_api).status_code == 201


@pytest.mark.parametrize("field", ["name", "email", "phone", "password"])
def test_a_missing_field_is_400(anonymous, field):
    body = {k: v for k, v in BODY.items() if k != field}

    response = anonymous.post("/companies/register", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 42), ("email", ["a@b.kz"]), ("phone", 87771234567), ("password", None)],
)
def test_wrong_types_are_400(anonymous, field, value):
    response = register(anonymous, **{field: value})

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_malformed_json_is_400(anonymous):
    response = anonymous.post(
        "/companies/register", data='{"name": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_json_array_is_400(anonymous):
    response = anonymous.post("/companies/register", [BODY], format="json")

    assert response.status_code == 400


@pytest.mark.parametrize("phone", ["12345", "+7 000 000 0000", "phone", "+7701"])
def test_an_invalid_phone_is_400(anonymous, phone):
    response = register(anonymous, phone=phone)

    assert response.status_code == 400
    assert response.json()["fields"] == {"phone": ["Enter a valid phone number."]}
    assert not Company.objects.exists()


def test_an_invalid_email_is_400(anonymous):
    response = register(anonymous, email="not-an-email")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["email"]


def test_a_duplicate_company_email_in_other_case_is_400(anonymous, company):
    response = register(anonymous, email=company.email.upper())

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "email": ["This email address is already registered."]
    }
    assert Company.objects.count() == 1


def test_an_email_used_by_a_user_is_400(anonymous, member):
    response = register(anonymous, email="MEMBER@example.kz")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["email"]


def test_a_duplicate_phone_written_differently_is_400(anonymous, company):
    local = "8" + company.phone[2:]

    response = register(anonymous, phone=local)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "phone": ["This phone number is already registered."]
    }


@pytest.mark.parametrize(
    "password", ["short1", "12345678901", "password", "company@example.com"]
)
def test_a_weak_password_is_400_and_nothing_is_written(anonymous, password):
    response = register(anonymous, password=password)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["password"]
    assert not Company.objects.exists()
    assert not User.objects.exists()


def test_an_invalid_bin_is_400(anonymous):
    response = register(anonymous, bin="123456789012")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["bin"]


def test_a_blank_name_is_400(anonymous):
    response = register(anonymous, name="   ")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["name"]


def test_factory_password_is_strong_enough_for_the_rules(anonymous):
    assert register(anonymous, password=PASSWORD).status_code == 201


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Этот адрес электронной почты уже зарегистрирован."),
        ("kk", "Бұл электрондық пошта мекенжайы тіркелген."),
        ("en", "This email address is already registered."),
    ],
)
def test_errors_follow_accept_language(anonymous, company, language, message):
    response = anonymous.post(
        "/companies/register",
        {**BODY, "email": company.email},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.json()["fields"]["email"] == [message]
