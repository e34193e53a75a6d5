"""Members: /accounts/members/ (owners invite, change roles, remove)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from companies.models import User
from ozgecontract.tests.factories import UserFactory

URL = "/accounts/members/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    assert client.get(URL)["Location"] == "/accounts/login/?next=/accounts/members/"


@pytest.mark.django_db
def test_member_gets_403_everywhere(client, owner, member):
    client.force_login(member)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"email": "x@x.kz", "role": "member"}).status_code == 403
    assert client.post(f"{URL}{owner.pk}/role/", {"role": "member"}).status_code == 403
    assert client.post(f"{URL}{owner.pk}/remove/").status_code == 403
    owner.refresh_from_db()
    assert owner.role == "owner" and owner.is_active
    assert not User.objects.filter(email="x@x.kz").exists()


@pytest.mark.django_db
def test_owner_sees_own_members_only(client, owner, member, outsider):
    client.force_login(owner)

    response = client.get(URL)

    assert response.status_code == 200
    assert list(response.context["members"]) == [member, owner]
    assert outsider.email not in response.content.decode()


@pytest.mark.django_db
def test_invitation_creates_a_member_who_sets_a_password_by_link(
    client, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"email": "New@Example.kz", "full_name": "Әсел", "role": "member"}
        )

    assert response.status_code == 302
    invited = User.objects.get(email="new@example.kz")
    assert (invited.company, invited.role, invited.full_name) == (
        owner.company,
        "member",
        "Әсел",
    )
    assert not invited.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["new@example.kz"]
    assert owner.company.name in message.subject
    path = re.search(
        r"http://localhost:4000(/accounts/password/reset/\S+/)", message.body
    )[1]

    client.logout()
    form_url = client.get(path)["Location"]
    client.post(
        form_url, {"new_password1": "Sәlem-2026!", "new_password2": "Sәlem-2026!"}
    )

    invited.refresh_from_db()
    assert invited.check_password("Sәlem-2026!")


@pytest.mark.django_db
def test_a_mail_server_that_is_down_still_creates_the_member(
    client, owner, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("companies.services.send_mail", refuse)
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"email": "late@example.kz", "role": "member"})

    assert response.status_code == 302
    invited = User.objects.get(email="late@example.kz")
    assert not invited.has_usable_password()
    assert f"invitation email not sent company={owner.company_id}" in caplog.text


@pytest.mark.django_db
def test_invitation_of_a_taken_email_is_refused(client, owner, outsider):
    client.force_login(owner)

    response = client.post(URL, {"email": outsider.email.upper(), "role": "member"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Пользователь с таким email уже существует."
    ]
    assert mail.outbox == []


@pytest.mark.django_db
def test_owner_promotes_a_member(client, owner, member):
    client.force_login(owner)

    response = client.post(f"{URL}{member.pk}/role/", {"role": "owner"})

    assert response["Location"] == URL
    member.refresh_from_db()
    assert member.role == "owner"


@pytest.mark.django_db
def test_a_bad_role_changes_nothing(client, owner, member):
    client.force_login(owner)

    client.post(f"{URL}{member.pk}/role/", {"role": "king"})

    member.refresh_from_db()
    assert member.role == "member"


@pytest.mark.django_db
def test_the_last_owner_cannot_be_demoted(client, owner, member):
    client.force_login(owner)

    response = client.post(f"{URL}{owner.pk}/role/", {"role": "member"}, follow=True)

    owner.refresh_from_db()
    assert owner.role == "owner"
    assert "У компании должен остаться хотя бы один владелец." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_an_owner_may_step_down_while_another_owner_remains(client, owner):
    second = UserFactory(company=owner.company, role="owner", email="second@x.kz")
    client.force_login(second)

    client.post(f"{URL}{second.pk}/role/", {"role": "member"})

    second.refresh_from_db()
    assert second.role == "member"


@pytest.mark.django_db
def test_owner_removes_a_member(client, owner, member):
    client.force_login(owner)

    response = client.post(f"{URL}{member.pk}/remove/")

    assert response["Location"] == URL
    member.refresh_from_db()
    assert not member.is_active
    assert not member.has_usable_password()


@pytest.mark.django_db
def test_owner_cannot_remove_self(client, owner):
    client.force_login(owner)

    response = client.post(f"{URL}{owner.pk}/remove/", follow=True)

    owner.refresh_from_db()
    assert owner.is_active
    assert "Нельзя удалить самого себя" in response.content.decode()


@pytest.mark.django_db
def test_another_companys_member_is_404(client, owner, outsider):
    client.force_login(owner)

    assert (
        client.post(f"{URL}{outsider.pk}/role/", {"role": "member"}).status_code == 404
    )
    assert client.post(f"{URL}{outsider.pk}/remove/").status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.role == "owner"


@pytest.mark.django_db
def test_role_and_remove_refuse_get(client, owner, member):
    client.force_login(owner)

    assert client.get(f"{URL}{member.pk}/role/").status_code == 405
    assert client.get(f"{URL}{member.pk}/remove/").status_code == 405


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_member_list_query_count_does_not_grow(client, owner):
    client.force_login(owner)
    one = count_queries(client)

    for n in range(49):
        UserFactory(company=owner.company, role="member", email=f"m{n}@x.kz")

    assert count_queries(client) == one
