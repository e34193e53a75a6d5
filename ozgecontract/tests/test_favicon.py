"""The site icon: /favicon.ico answers, and every page layout links the SVG."""

import uuid

import pytest
from django.contrib.staticfiles import finders

ICON_LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_favicon_ico_redirects_to_the_projects_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]


def test_the_icon_is_a_static_svg():
    path = finders.find("favicon.svg")

    assert path is not None
    with open(path, encoding="utf-8") as icon:
        assert icon.read().startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_a_path_under_favicon_ico_is_a_page_404_not_an_api_one(client, db):
    response = client.get("/favicon.ico/x")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",  # the dashboard's layout
        f"/sign/{uuid.uuid4()}/",  # the signing page's layout (a bad link)
        "/verify/",  # the verification pages' layout
    ],
)
def test_every_layout_links_the_icon(client, db, url):
    response = client.get(url)

    assert ICON_LINK in response.content.decode()
