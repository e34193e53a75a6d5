"""The ledger page: /dashboard/billing/ledger/ (every company user, read only)."""

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing import services
from billing.models import BalanceEntry, SignatureKind
from ozgecontract.tests.factories import ContractFactory, SignatureFactory

URL = "/dashboard/billing/ledger/"


def top_up(admin, company, *, sms, ecp=0):
    services.set_balance(
        company_id=company.pk, sms_signatures=sms, ecp_signatures=ecp, user=admin
    )


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/billing/ledger/"


def test_platform_admin_is_sent_to_django_admin(client, admin):
    client.force_login(admin)

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_member_sees_the_companys_changes_only(client, member, outsider, admin):
    top_up(admin, member.company, sms=5, ecp=2)
    top_up(admin, outsider.company, sms=9)
    client.force_login(member)

    response = client.get(URL)

    assert response.status_code == 200
    rows = [
        (e.kind, e.delta, e.balance_after, e.reason_label)
        for e in response.context["page"].object_list
    ]
    assert rows == [
        ("ecp", 2, 2, "Изменено платформой"),
        ("sms", 5, 5, "Изменено платформой"),
    ]
    assert response.context["balance"] == {"sms": 5, "ecp": 2}


def test_a_spent_signature_links_its_contract(client, owner, admin):
    top_up(admin, owner.company, sms=1)
    contract = ContractFactory(company=owner.company)
    signature = SignatureFactory(
        contract=contract, signed_at=datetime(2025, 3, 1, 19, 30, tzinfo=UTC)
    )
    services.spend_signature_unit(
        company_id=owner.company_id, kind=SignatureKind.SMS, signature=signature
    )
    BalanceEntry.objects.filter(signature=signature).update(
        created_at=datetime(2025, 3, 1, 19, 30, tzinfo=UTC)
    )
    client.force_login(owner)

    page = client.get(URL).content.decode()

    assert f'href="/dashboard/contracts/{contract.pk}/"' in page
    assert f"договор {contract.number}</a>" in page
    # 19:30 UTC is 00:30 the next day in Almaty.
    assert "02.03.2025, 00:30" in page
    assert ">-1<" in page


def test_ledger_is_paginated_by_25(client, owner, admin):
    for sms in range(1, 31):
        top_up(admin, owner.company, sms=sms)
    client.force_login(owner)

    first = client.get(URL)
    second = client.get(URL, {"page": 2})
    beyond = client.get(URL, {"page": 99})

    assert len(first.context["page"].object_list) == 25
    assert [e.balance_after for e in second.context["page"].object_list] == [
        5,
        4,
        3,
        2,
        1,
    ]
    # A page past the end shows the last page rather than an error.
    assert beyond.context["page"].number == 2


def test_empty_ledger_says_so(client, owner):
    client.force_login(owner)

    assert 'data-testid="ledger-empty"' in client.get(URL).content.decode()


def spend_one(company):
    signature = SignatureFactory(
        contract=ContractFactory(company=company), signed_at=datetime.now(UTC)
    )
    services.spend_signature_unit(
        company_id=company.pk, kind=SignatureKind.SMS, signature=signature
    )


def test_query_count_is_the_same_for_1_and_50_rows(client, owner, admin):
    client.force_login(owner)
    top_up(admin, owner.company, sms=100)
    BalanceEntry.objects.all().delete()
    spend_one(owner.company)
    with CaptureQueriesContext(connection) as with_one:
        client.get(URL)

    for sms in range(200, 225):
        top_up(admin, owner.company, sms=sms)
    # The newest rows, those on the first page, are the ones with relations.
    for _ in range(24):
        spend_one(owner.company)
    assert BalanceEntry.objects.count() == 50

    with CaptureQueriesContext(connection) as with_fifty:
        client.get(URL)
    assert len(with_fifty) == len(with_one)
