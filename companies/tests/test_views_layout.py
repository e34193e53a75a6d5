"""The dashboard layout: its kept fragments never mix roles, languages or users."""

import re

import pytest
from django.test import Client

URL = "/dashboard/contracts/"


def page(user, language="ru", url=URL) -> str:
    client = Client()
    client.force_login(user)
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


@pytest.mark.django_db
def test_only_the_owner_menu_offers_members(owner, member):
    owners = page(owner)
    members = page(member)

    assert 'href="/accounts/members/"' in owners
    assert 'href="/accounts/members/"' not in members
    assert 'href="/accounts/members/"' in page(owner)


@pytest.mark.django_db
def test_each_page_shows_its_own_user_and_company(owner, outsider):
    owner.company.name = '<script>alert("x")</script>'
    owner.company.save()

    mine = page(owner)
    theirs = page(outsider)

    assert "owner@example.kz" in mine
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in mine
    assert "<script>alert" not in mine
    assert "owner@example.kz" not in theirs
    assert outsider.company.name in theirs


@pytest.mark.django_db
def test_the_nav_follows_the_language_and_the_section(owner):
    russian = page(owner, "ru")
    kazakh = page(owner, "kk")
    english = page(owner, "en")
    templates = page(owner, "en", "/dashboard/templates/")

    assert "Договоры" in russian
    assert "Log out" in english and "Log out" not in russian
    assert kazakh != russian
    active = r'nav-link active" href="([^"]+)"'
    assert re.findall(active, english) == ["/dashboard/contracts/"]
    assert re.findall(active, templates) == ["/dashboard/templates/"]


@pytest.mark.django_db
def test_each_response_carries_its_own_csrf_token_and_path(owner):
    client = Client()
    client.force_login(owner)

    first = client.get(URL).content.decode()
    second = client.get(URL + "?status=signed").content.decode()

    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', first)
    assert len(tokens) == 2
    assert tokens[0] not in second
    assert 'name="next" value="/dashboard/contracts/?status=signed"' in second
