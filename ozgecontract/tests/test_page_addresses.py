"""A page's address without its final slash leads to the page; the API keeps its own."""

import pytest

from ozgecontract.tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def test_a_signing_link_that_lost_its_slash_still_opens(client):
    contract = ContractFactory()
    link = f"/sign/{contract.contract_token}"

    response = client.get(link)

    assert response.status_code == 301
    assert response["Location"] == link + "/"


@pytest.mark.parametrize(
    ("address", "target"),
    [
        ("/dashboard", "/dashboard/"),
        ("/dashboard/contracts", "/dashboard/contracts/"),
        ("/accounts/login", "/accounts/login/"),
        ("/admin", "/admin/"),
        ("/dashboard/contracts?status=signed", "/dashboard/contracts/?status=signed"),
    ],
)
def test_page_addresses_without_the_slash_are_sent_to_the_page(client, address, target):
    response = client.get(address)

    assert response.status_code == 301
    assert response["Location"] == target


@pytest.mark.parametrize(
    "address", ["/dashboard/nothing-here", "/sign", "/accounts/x/y", "/signs/abc"]
)
def test_an_address_that_is_no_page_with_a_slash_either_is_404(client, address):
    assert client.get(address).status_code == 404


def test_an_encoded_character_is_kept_encoded_and_a_huge_address_is_404(client):
    encoded = client.get("/sign/abc%2541")
    huge = client.get("/sign/" + "x" * 20_000)

    # Decoded once by the request, encoded again in the redirect: not "%41".
    assert encoded.status_code == 301
    assert encoded["Location"] == "/sign/abc%2541/"
    assert huge.status_code == 404


def test_a_post_is_never_redirected(client):
    assert client.post("/dashboard").status_code == 404


def test_api_paths_keep_their_json_answers(client):
    unknown = client.get("/contracts/abc")
    verify = client.get("/verify")

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"
    assert verify.status_code == 405
    assert verify.json()["code"] == "method_not_allowed"


def test_the_dashboard_language_switch_returns_to_the_page_a_refused_form_came_from(
    client, owner
):
    from ozgecontract.tests.factories import TemplateFactory

    template = TemplateFactory(company=owner.company)
    client.force_login(owner)
    page = f"http://testserver/dashboard/templates/{template.pk}/"

    refused = client.post(
        f"/dashboard/templates/{template.pk}/fields/",
        {"field__x__label": "x" * 300},
        HTTP_REFERER=page,
    )

    assert f'name="next" value="{page}"' in refused.content.decode()
