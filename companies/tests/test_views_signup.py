"""The sign-up page: /accounts/signup/."""

import pytest
from django.conf import settings

from billing.models import CompanyBalance
from companies.models import Company, User
from ozgecontract.tests.factories import PASSWORD

URL = "/accounts/signup/"


def form_data(**overrides):
    data = {
        "name": "ТОО Жөндеу",
        "bin": "940140000385",
        "phone": "8 701 765 4321",
        "email": "Director@Zhondeu.kz",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def in_language(client, code):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    return client


@pytest.mark.django_db
def test_anonymous_sees_the_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


@pytest.mark.django_db
def test_signup_creates_company_owner_and_balance_and_logs_in(client):
    response = client.post(URL, form_data())

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    company = Company.objects.get()
    assert (company.name, company.bin, company.phone, company.email) == (
        "ТОО Жөндеу",
        "940140000385",
        "+77017654321",
        "director@zhondeu.kz",
    )
    owner = User.objects.get()
    assert owner.company == company and owner.role == User.Role.OWNER
    assert owner.check_password(PASSWORD)
    assert CompanyBalance.objects.filter(company=company).exists()
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.django_db
def test_logged_in_user_is_sent_to_the_dashboard(client, owner):
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


@pytest.mark.django_db
def test_email_taken_in_another_case_is_refused(client, owner):
    response = client.post(URL, form_data(email="OWNER@example.kz"))

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Аккаунт с таким email уже есть; войдите в него."
    ]
    assert Company.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_saves_nothing(client):
    response = client.post(
        URL,
        form_data(phone="12345", bin="123456789012", password2="something-else"),
    )

    errors = response.context["form"].errors
    assert set(errors) == {"phone", "bin", "password2"}
    assert not Company.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_weak_password_is_refused(client):
    response = client.post(URL, form_data(password1="12345678", password2="12345678"))

    assert "password1" in response.context["form"].errors
    assert not Company.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "phone_error", "iin_error"),
    [
        (
            "ru",
            "Введите правильный номер телефона.",
            "Введите правильный ИИН/БИН: 12 цифр с верной контрольной цифрой.",
        ),
        (
            "kk",
            "Дұрыс телефон нөмірін енгізіңіз.",
            "Дұрыс ЖСН/БСН енгізіңіз: дұрыс бақылау цифры бар 12 сан.",
        ),
        (
            "en",
            "Enter a valid phone number.",
            "Enter a valid IIN/BIN: 12 digits with a correct check digit.",
        ),
    ],
)
def test_errors_come_in_the_chosen_language(client, language, phone_error, iin_error):
    in_language(client, language)

    response = client.post(URL, form_data(phone="12345", bin="123456789012"))

    errors = response.context["form"].errors
    assert errors["phone"] == [phone_error]
    assert errors["bin"] == [iin_error]
    assert f'lang="{language}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "required"),
    [
        ("ru", "Обязательное поле."),
        ("kk", "Бұл мән міндетті."),
        ("en", "This field is required."),
    ],
)
def test_missing_fields_are_named_in_the_chosen_language(client, language, required):
    in_language(client, language)

    response = client.post(URL, {})

    assert response.context["form"].errors["name"] == [required]
