import pytest

from billing.models import BalanceEntry, PaymentRequest
from billing.services import (
    change_payment_status,
    create_payment_request,
    set_balance,
    spend_signature_unit,
)
from billing.tests.conftest import iso
from ozgecontract.tests.factories import SignatureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def entry_json(entry):
    return {
        "id": entry.pk,
        "company_id": entry.company_id,
        "kind": entry.kind,
        "delta": entry.delta,
        "balance_after": entry.balance_after,
        "reason": entry.reason,
        "note": entry.note,
        "signature_id": entry.signature_id,
        "payment_request_id": entry.payment_request_id,
        "created_by_id": entry.created_by_id,
        "created_at": iso(entry.created_at),
    }


def test_the_ledger_has_a_row_per_change_newest_first(
    owner_api, owner, admin, company, plan, prices
):
    set_balance(company_id=company.pk, sms_signatures=2, ecp_signatures=1, user=admin)
    signature = SignatureFactory(contract__company=company)
    spend_signature_unit(company_id=company.pk, kind="sms", signature=signature)
    payment = create_payment_request(
        company=company, tariff_plan=plan, sms_count=10, ecp_count=0, user=owner
    )
    change_payment_status(
        payment=payment, status=PaymentRequest.Status.PAID, user=admin
    )

    response = owner_api.get(f"/company-balances/{company.pk}/ledger")

    assert response.status_code == 200
    entries = list(BalanceEntry.objects.filter(company=company).order_by("-id"))
    assert response.json() == [entry_json(e) for e in entries]
    assert [
        (e["kind"], e["delta"], e["balance_after"], e["reason"])
        for e in response.json()
    ] == [
        ("sms", 10, 11, "payment"),
        ("sms", -1, 1, "signature"),
        ("ecp", 1, 1, "admin"),
        ("sms", 2, 2, "admin"),
    ]
    assert response.json()[0]["payment_request_id"] == payment.pk
    assert response.json()[1]["signature_id"] == signature.pk
    assert response["X-Total-Count"] == "4"


def test_admin_reads_any_ledger(admin_api, admin, company):
    set_balance(company_id=company.pk, sms_signatures=1, ecp_signatures=0, user=admin)

    response = admin_api.get(f"/company-balances/{company.pk}/ledger/")

    assert response.status_code == 200
    assert len(response.json()) == 1


def test_outsider_gets_404(outsider_api, company):
    response = outsider_api.get(f"/company-balances/{company.pk}/ledger")

    assert response.status_code == 404


def test_anonymous_gets_401(anonymous, company):
    assert anonymous.get(f"/company-balances/{company.pk}/ledger").status_code == 401


def test_an_unknown_company_is_404(admin_api, db):
    assert admin_api.get("/company-balances/999999/ledger").status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_ledger_query_count_does_not_grow(
    member_api, admin, company, django_assert_num_queries, rows
):
    for value in range(1, rows + 1):
        set_balance(
            company_id=company.pk, sms_signatures=value, ecp_signatures=0, user=admin
        )

    # user, company check, count, page
    with django_assert_num_queries(4):
        response = member_api.get(f"/company-balances/{company.pk}/ledger")

    assert len(response.json()) == rows
