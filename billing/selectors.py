"""Reads for billing, always limited to what the caller may see."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from companies.selectors import get_company
from ozgecontract.errors import NotFoundError
from ozgecontract.tenancy import scope_to_company


def get_balance(*, user, company_id: int) -> CompanyBalance:
    try:
        # company__pk, not company_id: Django turns an id beyond BIGINT into
        # "no row" only on a primary-key lookup; a raw FK column overflows.
        return scope_to_company(CompanyBalance.objects.all(), user).get(
            company__pk=company_id
        )
    except CompanyBalance.DoesNotExist as exc:
        raise NotFoundError(_("Balance not found.")) from exc


def list_ledger(*, user, company_id: int) -> QuerySet[BalanceEntry]:
    """Return a company's balance changes, newest first; 404 for a foreign company."""
    get_company(user=user, company_id=company_id)
    return (
        scope_to_company(BalanceEntry.objects.all(), user)
        .filter(company_id=company_id)
        .order_by("-id")
    )


def list_tariff_plans(*, is_active: bool | None = None) -> QuerySet[TariffPlan]:
    plans = TariffPlan.objects.order_by("from_count", "id")
    if is_active is not None:
        plans = plans.filter(is_active=is_active)
    return plans


def get_tariff_plan(*, plan_id: int) -> TariffPlan:
    try:
        return TariffPlan.objects.get(pk=plan_id)
    except TariffPlan.DoesNotExist as exc:
        raise NotFoundError(_("Tariff plan not found.")) from exc


def list_payment_requests(
    *, user, company_id: int | None = None
) -> QuerySet[PaymentRequest]:
    """Return payment requests the user may see, newest first."""
    payments = scope_to_company(PaymentRequest.objects.all(), user)
    if company_id is not None:
        get_company(user=user, company_id=company_id)
        payments = payments.filter(company_id=company_id)
    return payments.order_by("-id")


def get_payment_request(*, user, payment_id: int) -> PaymentRequest:
    try:
        return scope_to_company(PaymentRequest.objects.all(), user).get(pk=payment_id)
    except PaymentRequest.DoesNotExist as exc:
        raise NotFoundError(_("Payment request not found.")) from exc
