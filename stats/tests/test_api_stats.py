"""GET /stats/company/{company_id}: the seed's statistics, company-scoped.

Factories write rows without the services that keep the counters, so each
test recounts before reading; `test_counters` holds the services' counting
equal to a recount and to counting the rows directly.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from contracts.models import Contract
from ozgecontract.tests.factories import (
    ContractFactory,
    SignatureFactory,
    TemplateFactory,
)
from stats.selectors import almaty_month_start, company_stats
from stats.services import recount_companies

pytestmark = pytest.mark.django_db


def iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_contract(company, *, signed_at, client_name="Иванов Иван", template=None):
    contract = ContractFactory(
        company=company,
        template=template or TemplateFactory(company=company),
        status=Contract.Status.SIGNED,
        signed_at=signed_at,
    )
    SignatureFactory(contract=contract, client_name=client_name, signed_at=signed_at)
    return contract


def test_owner_reads_the_companys_statistics(owner_api, company):
    now = timezone.now()
    month_start = almaty_month_start(now)
    template = TemplateFactory(company=company, name="Договор поставки")
    older = signed_contract(
        company, signed_at=month_start - timedelta(days=3), template=template
    )
    newer = signed_contract(
        company,
        signed_at=now - timedelta(seconds=5),
        client_name="Сейткали Әлия",
        template=template,
    )
    ContractFactory(company=company, template=template)
    ContractFactory(company=company, template=template, expires_at=now + timedelta(1))
    ContractFactory(company=company, template=template, expires_at=now - timedelta(1))
    ContractFactory(
        company=company, template=template, status=Contract.Status.CANCELLED
    )
    signed_contract(ContractFactory().company, signed_at=now)  # another company
    recount_companies()

    response = owner_api.get(f"/stats/company/{company.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "company_id": company.pk,
        "total_signed": 2,
        "active_contracts": 2,
        "signed_this_month": 1,
        "last_signed_contracts": [
            {
                "contract_id": newer.pk,
                "client_name": "Сейткали Әлия",
                "template_name": "Договор поставки",
                "signed_at": iso(newer.signed_at),
                "status": "Подписан",
            },
            {
                "contract_id": older.pk,
                "client_name": "Иванов Иван",
                "template_name": "Договор поставки",
                "signed_at": iso(older.signed_at),
                "status": "Подписан",
            },
        ],
    }


def test_a_new_company_has_zero_statistics(member_api, company):
    response = member_api.get(f"/stats/company/{company.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "company_id": company.pk,
        "total_signed": 0,
        "active_contracts": 0,
        "signed_this_month": 0,
        "last_signed_contracts": [],
    }


def test_only_the_five_newest_signings_are_listed(owner_api, company):
    now = timezone.now()
    template = TemplateFactory(company=company)
    contracts = [
        signed_contract(company, signed_at=now - timedelta(hours=h), template=template)
        for h in range(7)
    ]
    recount_companies()

    body = owner_api.get(f"/stats/company/{company.pk}").json()

    assert body["total_signed"] == 7
    assert [row["contract_id"] for row in body["last_signed_contracts"]] == [
        contract.pk for contract in contracts[:5]
    ]


def test_the_month_is_the_almaty_calendar_month(company):
    # 1 June 2025, 00:30 in Almaty is still 31 May in UTC.
    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    template = TemplateFactory(company=company)
    signed_contract(
        company, signed_at=datetime(2025, 5, 31, 19, 30, tzinfo=UTC), template=template
    )
    signed_contract(
        company, signed_at=datetime(2025, 5, 31, 18, 30, tzinfo=UTC), template=template
    )
    recount_companies()

    stats = company_stats(company_id=company.pk, now=now)

    assert stats["signed_this_month"] == 1
    assert stats["total_signed"] == 2


def test_statistics_take_the_same_queries_for_1_and_50_contracts(
    owner_api, company, django_assert_num_queries
):
    template = TemplateFactory(company=company)
    signed_contract(company, signed_at=timezone.now(), template=template)
    recount_companies()
    with django_assert_num_queries(4):
        one = owner_api.get(f"/stats/company/{company.pk}")

    for _ in range(49):
        signed_contract(company, signed_at=timezone.now(), template=template)
    ContractFactory.create_batch(10, company=company, template=template)
    recount_companies()
    with django_assert_num_queries(4):
        fifty = owner_api.get(f"/stats/company/{company.pk}")

    assert one.json()["total_signed"] == 1
    assert fifty.json()["total_signed"] == 50
    assert fifty.json()["active_contracts"] == 10
    assert len(fifty.json()["last_signed_contracts"]) == 5


def test_anonymous_gets_401(anonymous, company):
    response = anonymous.get(f"/stats/company/{company.pk}")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_outsider_gets_404(outsider_api, company):
    response = outsider_api.get(
        f"/stats/company/{company.pk}", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Company not found.", "code": "not_found"}


def test_admin_reads_any_company(admin_api, company):
    signed_contract(company, signed_at=timezone.now())
    recount_companies()

    response = admin_api.get(f"/stats/company/{company.pk}")

    assert response.status_code == 200
    assert response.json()["total_signed"] == 1


def test_an_admin_read_looks_the_company_up_once(
    admin_api, company, django_assert_num_queries
):
    # The admin, the company, the counters, the day counters, the last signed.
    with django_assert_num_queries(5):
        response = admin_api.get(f"/stats/company/{company.pk}")

    assert response.status_code == 200


def test_unknown_company_is_404_even_for_an_admin(admin_api, db):
    assert admin_api.get("/stats/company/987654").status_code == 404


def test_non_numeric_company_id_is_404(owner_api, company):
    assert owner_api.get("/stats/company/abc").status_code == 404
