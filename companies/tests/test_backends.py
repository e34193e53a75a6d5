"""The authentication backend: the logged-in user comes with its company."""

import pytest
from django.contrib.auth import get_user
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.backends import EmailBackend


@pytest.mark.django_db
def test_user_and_company_load_in_one_query(owner):
    with CaptureQueriesContext(connection) as queries:
        user = EmailBackend().get_user(owner.pk)
        company_name = user.company.name

    assert len(queries) == 1
    assert company_name == owner.company.name


@pytest.mark.django_db
def test_an_inactive_or_unknown_user_is_not_loaded(owner):
    owner.is_active = False
    owner.save()

    assert EmailBackend().get_user(owner.pk) is None
    assert EmailBackend().get_user(owner.pk + 1000) is None


@pytest.mark.django_db
def test_a_dashboard_session_uses_this_backend(client, owner):
    client.force_login(owner)
    request = type("Request", (), {"session": client.session})()

    assert get_user(request) == owner
    assert request.session["_auth_user_backend"] == "companies.backends.EmailBackend"


@pytest.mark.django_db
def test_logging_in_by_email_ignores_case(owner):
    owner.set_password("Right-Passw0rd!")
    owner.save()

    user = EmailBackend().authenticate(
        None, username="OWNER@example.kz", password="Right-Passw0rd!"
    )

    assert user == owner
    assert EmailBackend().authenticate(None, username=owner.email, password="x") is None
