"""The dashboard list's prepared reads answer what the ORM's queryset answers."""

from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.utils import timezone

from contracts import search
from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    SignatureFactory,
    TemplateFactory,
)

pytestmark = pytest.mark.django_db

PER_PAGE = 4


@pytest.fixture
def listed_company(company, other_company):
    """Eleven contracts of every status and deadline, and a neighbour's."""
    template = TemplateFactory(company=company, name="Аренда <b>")
    now = timezone.now()
    kinds = [
        {},
        {"expires_at": now + timedelta(days=1)},
        {"expires_at": now - timedelta(days=1)},
        {"status": Contract.Status.SIGNED, "signed_at": now},
        {"status": Contract.Status.CANCELLED},
        {"status": Contract.Status.EXPIRED},
        {"status": Contract.Status.SIGNED, "signed_at": now - timedelta(days=3)},
        {"expires_at": now - timedelta(minutes=1)},
        {"number": ""},
        {},
        {"expires_at": now + timedelta(minutes=1)},
    ]
    for options in kinds:
        contract = ContractFactory(company=company, template=template, **options)
        SignatureFactory(contract=contract, client_name=f"Клиент {contract.pk}")
    ContractFactory(company=other_company)
    return company


def _orm_pages(user, status: str) -> list[list]:
    """Every page of the list read through the ORM queryset, as before."""
    contracts = search.list_dashboard_contracts(user=user, status=status)
    ids = contracts.values_list("pk", flat=True)
    paginator = Paginator(ids, PER_PAGE)
    return [
        search._read_page_rows(paginator.page(number))
        for number in paginator.page_range
    ]


@pytest.mark.parametrize("status", ["", *Contract.Status.values])
def test_every_page_of_every_status_matches_the_orm(listed_company, owner, status):
    expected = _orm_pages(owner, status)

    pages = []
    for number in range(1, len(expected) + 1):
        page, rows = search.get_dashboard_page(
            user=owner, status=status, number=number, per_page=PER_PAGE
        )
        assert rows == list(page.object_list)
        pages.append(rows)
    last, _rows = search.get_dashboard_page(
        user=owner, status=status, number=99, per_page=PER_PAGE
    )

    assert pages == expected
    assert last.number == max(len(expected), 1)
    assert last.paginator.count == sum(len(rows) for rows in expected)


def test_an_empty_list_has_one_empty_page(company, owner):
    page, rows = search.get_dashboard_page(user=owner, number="x", per_page=PER_PAGE)

    assert rows == []
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (1, 0, 1)


def test_an_unknown_status_lists_everything_as_before(listed_company, owner):
    _page, rows = search.get_dashboard_page(user=owner, status="nonsense", per_page=100)

    assert [row.pk for row in rows] == [
        pk
        for pk in Contract.objects.filter(company=listed_company)
        .order_by("-id")
        .values_list("pk", flat=True)
    ]


def test_a_platform_admin_with_a_company_lists_every_company_as_elsewhere(
    listed_company, other_company
):
    from ozgecontract.tests.factories import UserFactory

    admin = UserFactory(company=listed_company, is_staff=True)

    _page, rows = search.get_dashboard_page(user=admin, per_page=100)

    assert [row.pk for row in rows] == list(
        Contract.objects.order_by("-id").values_list("pk", flat=True)
    )


def test_a_row_committed_inside_the_pages_range_between_the_reads_is_left_out(
    company, owner, monkeypatch
):
    contracts = [ContractFactory(company=company) for _ in range(5)]
    listing = search._Listing(company_id=company.pk, status="", now=timezone.now())
    newest, middle, oldest = contracts[4].pk, contracts[2].pk, contracts[0].pk
    # As if contracts[3] and [1] were committed after the ids were read.
    monkeypatch.setattr(
        listing._ids, "rows", lambda **_values: [(newest,), (middle,), (oldest,)]
    )

    rows = listing[0:3]

    assert [row.pk for row in rows] == [newest, middle, oldest]
