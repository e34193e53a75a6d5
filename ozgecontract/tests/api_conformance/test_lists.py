"""Lists page with limit and offset and say so in X-Total-Count and Link."""

import pytest

from billing.models import TariffPlan
from ozgecontract.tests.api_conformance.endpoints import (
    EVERY_CALL,
    spare_contract,
    spare_template,
)
from ozgecontract.tests.api_world import World
from ozgecontract.tests.factories import (
    CompanyFactory,
    ContractFactory,
    TariffPlanFactory,
)

pytestmark = pytest.mark.django_db


LIST_CALLS = [call for call in EVERY_CALL if call.many and call.method == "GET"]


def more_rows(world: World) -> None:
    """Give every list of the owner's company at least a second row."""
    spare_template(world)
    spare_contract(world)
    CompanyFactory()  # a second company for the admin's list
    TariffPlanFactory(is_active=False)
    from billing import services as billing_services

    billing_services.create_payment_request(
        company=world.company,
        tariff_plan=world.plan,
        sms_count=1,
        ecp_count=0,
        user=world.owner,
    )


@pytest.mark.parametrize("call", LIST_CALLS, ids=str)
def test_list_pages_with_limit_and_offset_and_says_so_in_headers(
    call, clients, make_world
):
    world = make_world(signed=False)
    more_rows(world)
    # Company staff see only their own company; the admin sees them all.
    client = clients["admin" if call.route == "/companies" else call.persona]
    path = call.path(world)

    whole = client.get(path)
    total = int(whole["X-Total-Count"])
    first = client.get(path, {"limit": 1})
    second = client.get(path, {"limit": 1, "offset": 1})

    assert total == len(whole.json())
    # A contract has one signature row: its expected signer, later completed.
    assert total >= 2 or call.route == "/signatures/contract/{contract_id}"
    assert first.json() == whole.json()[:1]
    assert second.json() == whole.json()[1:2]
    assert first["X-Total-Count"] == second["X-Total-Count"] == str(total)
    assert ('rel="next"' in first.get("Link", "")) == (total > 1)
    assert 'rel="prev"' in second["Link"]
    assert ('rel="next"' in second["Link"]) == (total > 2)
    if total > 1:
        assert "limit=1&offset=1" in first["Link"]


def test_list_without_neighbours_has_no_link_header(owner_api, make_world):
    world = make_world(signed=False)

    response = owner_api.get(f"/templates/company/{world.company.pk}")

    assert response["X-Total-Count"] == "1"
    assert "Link" not in response


def test_list_limit_is_capped_at_1000(anonymous, db):
    TariffPlan.objects.bulk_create(
        TariffPlan(
            name=f"Архив {n}",
            discount=0,
            from_count=n * 10 + 1,
            to_count=n * 10 + 10,
            is_active=False,
        )
        for n in range(1001)
    )

    response = anonymous.get("/tariff-plans", {"limit": 5000})

    assert len(response.json()) == 1000
    assert response["X-Total-Count"] == "1001"
    assert "limit=1000&offset=1000" in response["Link"]


def test_list_default_page_is_100(owner_api, company, owner):
    ContractFactory.create_batch(101, company=company)

    response = owner_api.get("/contracts")

    assert len(response.json()) == 100
    assert response["X-Total-Count"] == "101"
