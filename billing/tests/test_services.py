from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from billing import services
from billing.models import BalanceEntry, PaymentRequest
from ozgecontract.errors import BalanceExhaustedError, NotFoundError
from ozgecontract.tests.factories import SignatureFactory, TariffPlanFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("prices"),
    pytest.mark.usefixtures("english"),
]


@pytest.mark.parametrize(
    ("discount", "sms", "ecp", "expected"),
    [
        ("0", 10, 5, "2500.00"),
        ("10", 10, 5, "2250.00"),
        ("100", 3, 3, "0.00"),
        ("12.5", 1, 1, "262.50"),
        ("33.33", 1, 0, "133.34"),
        ("0.01", 0, 1, "99.99"),
    ],
)
def test_total_amount_follows_the_design_formula(discount, sms, ecp, expected):
    plan = TariffPlanFactory.build(discount=Decimal(discount))

    total = services.compute_total_amount(
        tariff_plan=plan, sms_count=sms, ecp_count=ecp
    )

    assert total == Decimal(expected)
    assert total.as_tuple().exponent == -2


def test_prices_come_from_settings(settings):
    settings.SMS_SIGNATURE_PRICE = Decimal("150")
    settings.ECP_SIGNATURE_PRICE = Decimal("75")
    plan = TariffPlanFactory.build(discount=Decimal("0"))

    assert services.compute_total_amount(
        tariff_plan=plan, sms_count=2, ecp_count=2
    ) == Decimal("450.00")


def test_spending_an_empty_balance_is_402_and_writes_nothing(company):
    signature = SignatureFactory(contract__company=company)

    with pytest.raises(BalanceExhaustedError):
        services.spend_signature_unit(
            company_id=company.pk, kind="sms", signature=signature
        )

    assert not BalanceEntry.objects.exists()


def test_set_balance_refuses_negative_counts(company, admin):
    with pytest.raises(ValidationError) as caught:
        services.set_balance(
            company_id=company.pk, sms_signatures=-1, ecp_signatures=0, user=admin
        )

    assert list(caught.value.message_dict) == ["sms_signatures"]


def test_creating_a_payment_for_another_company_is_404(outsider, company, plan):
    with pytest.raises(NotFoundError):
        services.create_payment_request(
            company=company, tariff_plan=plan, sms_count=10, ecp_count=0, user=outsider
        )


def test_a_member_cannot_buy_a_package(member, company, plan):
    with pytest.raises(PermissionDenied):
        services.create_payment_request(
            company=company, tariff_plan=plan, sms_count=10, ecp_count=0, user=member
        )

    assert not PaymentRequest.objects.exists()


def test_a_member_cannot_mark_paid(owner, member, company, plan):
    payment = services.create_payment_request(
        company=company, tariff_plan=plan, sms_count=10, ecp_count=0, user=owner
    )

    with pytest.raises(PermissionDenied):
        services.change_payment_status(payment=payment, status="paid", user=member)

    payment.refresh_from_db()
    assert payment.status == PaymentRequest.Status.PENDING


def test_a_plan_deactivated_after_loading_is_refused(owner, company, plan):
    stale = type(plan).objects.get(pk=plan.pk)
    type(plan).objects.filter(pk=plan.pk).update(is_active=False)

    with pytest.raises(ValidationError):
        services.create_payment_request(
            company=company, tariff_plan=stale, sms_count=10, ecp_count=0, user=owner
        )


def test_a_plan_deleted_after_loading_is_a_400_on_the_plan(owner, company, plan):
    stale = type(plan).objects.get(pk=plan.pk)
    type(plan).objects.filter(pk=plan.pk).delete()

    with pytest.raises(ValidationError) as caught:
        services.create_payment_request(
            company=company, tariff_plan=stale, sms_count=10, ecp_count=0, user=owner
        )

    assert caught.value.message_dict == {"tariff_plan_id": ["No such tariff plan."]}
    assert not PaymentRequest.objects.exists()


def test_a_payment_or_plan_deleted_meanwhile_is_404(owner, admin, company, plan):
    payment = services.create_payment_request(
        company=company, tariff_plan=plan, sms_count=10, ecp_count=0, user=owner
    )
    PaymentRequest.objects.filter(pk=payment.pk).delete()
    plan_copy = type(plan).objects.get(pk=plan.pk)
    plan.delete()

    with pytest.raises(NotFoundError):
        services.change_payment_status(payment=payment, status="paid", user=admin)
    with pytest.raises(NotFoundError):
        services.delete_payment_request(payment=payment, user=admin)
    with pytest.raises(NotFoundError):
        services.update_tariff_plan(plan=plan_copy, user=admin, name="X")
    with pytest.raises(NotFoundError):
        services.delete_tariff_plan(plan=plan_copy, user=admin)
    assert not BalanceEntry.objects.exists()


def test_company_users_cannot_write_tariff_plans(owner):
    with pytest.raises(PermissionDenied):
        services.create_tariff_plan(
            name="X", from_count=1, to_count=2, user=owner, discount=Decimal("0")
        )
