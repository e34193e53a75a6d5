"""Login and logout by email: /accounts/login/, /accounts/logout/, and `/`."""

import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory

from companies import services
from companies.views import home
from ozgecontract.tests.factories import PASSWORD

URL = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_lockouts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_anonymous_sees_the_form(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert 'type="email"' in response.content.decode()


@pytest.mark.django_db
def test_owner_logs_in_with_email_in_any_case(client, owner):
    response = client.post(URL, {"username": "Owner@Example.KZ", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.session["_auth_user_id"] == str(owner.pk)


@pytest.mark.django_db
def test_login_follows_a_safe_next(client, member):
    response = client.post(
        URL + "?next=/dashboard/contracts/",
        {
            "username": member.email,
            "password": PASSWORD,
            "next": "/dashboard/contracts/",
        },
    )

    assert response["Location"] == "/dashboard/contracts/"


@pytest.mark.django_db
def test_login_ignores_a_foreign_next(client, member):
    response = client.post(
        URL,
        {"username": member.email, "password": PASSWORD, "next": "https://evil.test/"},
    )

    assert response["Location"] == "/dashboard/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Неверный email или пароль."),
        ("kk", "Email немесе құпиясөз қате."),
        ("en", "Wrong email or password."),
    ],
)
def test_wrong_password_is_refused_in_the_chosen_language(
    client, owner, language, message
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post(URL, {"username": owner.email, "password": "wrong"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [message]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failures_lock_the_email_and_address(client, owner, caplog):
    for _ in range(services.LOGIN_FAILURE_LIMIT):
        client.post(URL, {"username": owner.email, "password": "wrong"})

    with caplog.at_level(logging.WARNING, logger="ozgecontract.security"):
        response = client.post(URL, {"username": owner.email, "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    [error] = response.context["form"].non_field_errors()
    assert error.startswith("Слишком много неудачных попыток входа.")
    assert "15" in error
    assert any("throttled" in r.getMessage() for r in caplog.records)
    assert PASSWORD not in caplog.text


@pytest.mark.django_db
def test_lockout_is_per_address(client, owner):
    for _ in range(services.LOGIN_FAILURE_LIMIT):
        client.post(URL, {"username": owner.email, "password": "wrong"})

    response = client.post(
        URL,
        {"username": owner.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )

    assert response.status_code == 302


@pytest.mark.django_db
def test_success_clears_earlier_failures(client, owner):
    for _ in range(services.LOGIN_FAILURE_LIMIT - 1):
        client.post(URL, {"username": owner.email, "password": "wrong"})
    client.post(URL, {"username": owner.email, "password": PASSWORD})
    client.logout()

    client.post(URL, {"username": owner.email, "password": "wrong"})
    response = client.post(URL, {"username": owner.email, "password": PASSWORD})

    assert response.status_code == 302


@pytest.mark.django_db
def test_removed_member_cannot_log_in(client, member):
    member.is_active = False
    member.save()

    response = client.post(URL, {"username": member.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client, owner):
    client.force_login(owner)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_home_sends_staff_to_the_dashboard_and_others_to_login(owner):
    request = RequestFactory().get("/")
    request.user = owner
    assert home(request)["Location"] == "/dashboard/"

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert home(request)["Location"] == "/accounts/login/"
