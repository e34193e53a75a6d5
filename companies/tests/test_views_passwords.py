"""Password reset by email and password change under /accounts/password/."""

import re

import pytest
from django.core import mail
from django.utils import timezone

from ozgecontract.tests.factories import PASSWORD, UserFactory

NEW_PASSWORD = "Nov-Parol-2026!"


def reset_link(message) -> str:
    # Links are built on SITE_URL (http://localhost:4000 in development).
    return re.search(
        r"http://localhost:4000(/accounts/password/reset/\S+/)", message.body
    )[1]


@pytest.mark.django_db
def test_reset_sends_a_link_that_sets_a_new_password(client, owner):
    response = client.post("/accounts/password/reset/", {"email": "OWNER@example.kz"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    [message] = mail.outbox
    assert message.to == ["owner@example.kz"]

    # Django swaps the token in the link for a session-held one on first visit.
    form_url = client.get(reset_link(message))["Location"]
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response["Location"] == "/accounts/password/reset/complete/"
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@x.kz"})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_used_reset_link_is_refused_with_a_clear_page(client, owner):
    client.post("/accounts/password/reset/", {"email": owner.email})
    link = reset_link(mail.outbox[0])
    form_url = client.get(link)["Location"]
    client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    response = client.get(link)

    assert response.status_code == 200
    assert response.context["validlink"] is False


@pytest.mark.django_db
def test_the_reset_link_ignores_a_forged_host_header(client, owner, settings):
    settings.ALLOWED_HOSTS = ["*"]

    client.post(
        "/accounts/password/reset/",
        {"email": owner.email},
        HTTP_HOST="attacker.example",
    )

    [message] = mail.outbox
    assert "attacker.example" not in message.body
    assert reset_link(message).startswith("/accounts/password/reset/")


@pytest.mark.django_db
def test_an_invitee_whose_link_lapsed_gets_a_new_one(client, company):
    invitee = UserFactory(company=company, email="new@example.kz")
    invitee.set_unusable_password()
    invitee.save()

    client.post("/accounts/password/reset/", {"email": "New@Example.kz"})

    [message] = mail.outbox
    assert message.to == ["new@example.kz"]
    form_url = client.get(reset_link(message))["Location"]
    client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    invitee.refresh_from_db()
    assert invitee.check_password(NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["removed", "password_taken_after_login"])
def test_an_account_whose_password_was_taken_away_gets_no_link(client, member, state):
    member.set_unusable_password()
    if state == "removed":
        member.is_active = False
    else:
        member.last_login = timezone.now()
    member.save()

    response = client.post("/accounts/password/reset/", {"email": member.email})

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


@pytest.mark.django_db
def test_anonymous_cannot_change_a_password(client):
    response = client.get("/accounts/password/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_member_changes_own_password(client, member):
    client.force_login(member)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response["Location"] == "/accounts/password/change/done/"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert client.get("/accounts/password/change/done/").status_code == 200


@pytest.mark.django_db
def test_wrong_old_password_changes_nothing(client, member):
    client.force_login(member)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
