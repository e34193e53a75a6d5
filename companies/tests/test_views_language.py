"""The language switch in the dashboard's header: /i18n/setlang/ remembers it."""

import pytest


@pytest.mark.django_db
def test_russian_is_the_default(client, member):
    client.force_login(member)

    body = client.get("/dashboard/contracts/").content.decode()

    assert '<html lang="ru">' in body
    assert "Договоры" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "word"), [("kk", "Келісім-шарттар"), ("en", "Contracts")]
)
def test_the_switch_is_remembered_on_later_pages(client, member, language, word):
    client.force_login(member)

    response = client.post(
        "/i18n/setlang/", {"language": language, "next": "/dashboard/contracts/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/contracts/"
    body = client.get("/dashboard/templates/").content.decode()
    assert f'<html lang="{language}">' in body
    assert word in body


@pytest.mark.django_db
def test_the_switch_works_before_login(client):
    client.post("/i18n/setlang/", {"language": "kk", "next": "/accounts/login/"})

    body = client.get("/accounts/login/").content.decode()

    assert "OzgeContract жүйесіне кіру" in body


@pytest.mark.django_db
def test_the_switch_refuses_a_foreign_next(client):
    response = client.post(
        "/i18n/setlang/", {"language": "kk", "next": "https://evil.test/"}
    )

    assert response["Location"] == "/"
