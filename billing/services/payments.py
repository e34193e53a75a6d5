"""Payment requests: priced by the server, paid once, kept once paid."""

import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from billing.models import CompanyBalance, PaymentRequest, TariffPlan
from billing.services.balances import credit_payment
from billing.services.checks import CENT, check_counts, require_admin
from billing.services.tariffs import lock_tariff_plan
from ozgecontract.errors import NotFoundError, StateConflictError
from ozgecontract.tenancy import is_platform_admin

logger = logging.getLogger(__name__)

# The status as a word inside a sentence, lower case (the labels are headings).
_STATUS_IN_SENTENCE = {
    PaymentRequest.Status.PENDING: pgettext_lazy(
        "payment status in a sentence", "awaiting payment"
    ),
    PaymentRequest.Status.PAID: pgettext_lazy("payment status in a sentence", "paid"),
    PaymentRequest.Status.CANCELLED: pgettext_lazy(
        "payment status in a sentence", "cancelled"
    ),
    PaymentRequest.Status.EXPIRED: pgettext_lazy(
        "payment status in a sentence", "expired"
    ),
}


def compute_total_amount(
    *, tariff_plan: TariffPlan, sms_count: int, ecp_count: int
) -> Decimal:
    """Price a package: counts times the settings' prices, less the plan discount."""
    gross = (
        sms_count * settings.SMS_SIGNATURE_PRICE
        + ecp_count * settings.ECP_SIGNATURE_PRICE
    )
    factor = 1 - Decimal(tariff_plan.discount) / 100
    return (gross * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def check_payment_counts(
    *, tariff_plan: TariffPlan, sms_count: int, ecp_count: int
) -> None:
    """Refuse negative or zero counts, an inactive plan, a total outside its range."""
    check_counts(sms_count=sms_count, ecp_count=ecp_count)
    total = sms_count + ecp_count
    if total == 0:
        raise ValidationError(
            {"sms_count": [_("Buy at least one SMS or ЭЦП signature.")]}
        )
    if not tariff_plan.is_active:
        raise ValidationError(
            {"tariff_plan_id": [_("This tariff plan is no longer active.")]}
        )
    if not tariff_plan.from_count <= total <= tariff_plan.to_count:
        raise ValidationError(
            {
                "sms_count": [
                    _(
                        "The plan covers %(start)s to %(end)s signatures in total; "
                        "this request has %(total)s."
                    )
                    % {
                        "start": tariff_plan.from_count,
                        "end": tariff_plan.to_count,
                        "total": total,
                    }
                ]
            }
        )


def _check_total_amount(sent, computed: Decimal) -> None:
    try:
        sent_amount = Decimal(str(sent))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({"total_amount": [_("Enter a number.")]}) from exc
    if sent_amount != computed:
        raise ValidationError(
            {
                "total_amount": [
                    _(
                        "The amount sent, %(sent)s, does not match the amount "
                        "computed from the tariff plan, %(computed)s."
                    )
                    % {"sent": sent_amount, "computed": computed}
                ]
            }
        )


def _clean_payment_url(url: str) -> str:
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise ValidationError(
                {"payment_url": [_("Enter an http or https address.")]}
            ) from exc
    return url


def _clean_payment_ref(ref: str) -> str:
    ref = (ref or "").strip()
    limit = PaymentRequest._meta.get_field("payment_ref").max_length
    if len(ref) > limit:
        raise ValidationError(
            {"payment_ref": [_("Use at most %(n)s characters.") % {"n": limit}]}
        )
    return ref


def _lock_payment(payment_id: int) -> PaymentRequest:
    try:
        return PaymentRequest.objects.select_for_update().get(pk=payment_id)
    except PaymentRequest.DoesNotExist as exc:
        raise NotFoundError(_("Payment request not found.")) from exc


def _check_payment_access(*, user, company_id: int) -> None:
    """Let admins and the company's owners through: members may not buy (issue 5)."""
    if is_platform_admin(user):
        return
    if not user.is_authenticated or user.company_id != company_id:
        raise NotFoundError(_("Company not found."))
    if not user.is_owner:
        raise PermissionDenied(
            _("Only the company's owners may buy packages and cancel purchases.")
        )


def create_payment_request(
    *,
    company,
    tariff_plan: TariffPlan,
    sms_count: int,
    ecp_count: int,
    user,
    total_amount=None,
    payment_url: str = "",
    payment_ref: str = "",
) -> PaymentRequest:
    """Create a pending request priced by the server; a differing total is a 400."""
    _check_payment_access(user=user, company_id=company.pk)
    payment_url = _clean_payment_url(payment_url)
    payment_ref = _clean_payment_ref(payment_ref)

    with transaction.atomic():
        # Lock the plan so it cannot be deactivated or re-ranged mid-purchase.
        try:
            tariff_plan = lock_tariff_plan(plan_id=tariff_plan.pk)
        except NotFoundError as exc:
            # Deleted since the caller found it: as if it had never existed.
            raise ValidationError(
                {"tariff_plan_id": [_("No such tariff plan.")]}
            ) from exc
        check_payment_counts(
            tariff_plan=tariff_plan, sms_count=sms_count, ecp_count=ecp_count
        )
        amount = compute_total_amount(
            tariff_plan=tariff_plan, sms_count=sms_count, ecp_count=ecp_count
        )
        if total_amount is not None:
            _check_total_amount(total_amount, amount)
        payment = PaymentRequest.objects.create(
            company=company,
            tariff_plan=tariff_plan,
            sms_count=sms_count,
            ecp_count=ecp_count,
            total_amount=amount,
            payment_url=payment_url,
            payment_ref=payment_ref,
            created_by=user,
        )

    logger.info(
        "payment request created payment=%s company=%s plan=%s amount=%s by=%s",
        payment.pk,
        company.pk,
        tariff_plan.pk,
        amount,
        user.pk,
    )
    return payment


def change_payment_status(*, payment: PaymentRequest, status: str, user):
    """Move a pending request to paid, cancelled or expired.

    `paid` credits the balance exactly once: the payment row is locked and
    its state checked before crediting. Company users may only cancel.
    """
    if status not in PaymentRequest.Status.values:
        raise ValidationError(
            {
                "status": [
                    _("Use one of: %(values)s.")
                    % {"values": ", ".join(PaymentRequest.Status.values)}
                ]
            }
        )
    _check_payment_access(user=user, company_id=payment.company_id)
    if not is_platform_admin(user) and status != PaymentRequest.Status.CANCELLED:
        raise PermissionDenied(_("Company users may only cancel a payment request."))

    with transaction.atomic():
        payment = _lock_payment(payment.pk)
        if payment.status != PaymentRequest.Status.PENDING:
            raise StateConflictError(
                _(
                    "The payment request is %(status)s; only a pending request "
                    "can change its status."
                )
                % {"status": _STATUS_IN_SENTENCE.get(payment.status, payment.status)},
                code="payment_not_pending",
            )
        if status == PaymentRequest.Status.PENDING:
            return payment
        if status == PaymentRequest.Status.PAID:
            CompanyBalance.objects.get_or_create(company_id=payment.company_id)
            credit_payment(payment=payment, user=user)
            payment.paid_at = timezone.now()
        payment.status = status
        payment.save(update_fields=["status", "paid_at"])

    logger.info(
        "payment request status payment=%s company=%s status=%s by=%s",
        payment.pk,
        payment.company_id,
        status,
        user.pk,
    )
    return payment


@transaction.atomic
def update_payment_details(
    *,
    payment: PaymentRequest,
    user,
    payment_url: str | None = None,
    payment_ref: str | None = None,
) -> PaymentRequest:
    """Record the gateway's link or reference on a pending request (admin only)."""
    require_admin(user)
    payment = _lock_payment(payment.pk)
    if payment.status != PaymentRequest.Status.PENDING:
        raise StateConflictError(
            _("The payment request is %(status)s; its details are final.")
            % {"status": _STATUS_IN_SENTENCE.get(payment.status, payment.status)},
            code="payment_not_pending",
        )
    if payment_url is not None:
        payment.payment_url = _clean_payment_url(payment_url)
    if payment_ref is not None:
        payment.payment_ref = _clean_payment_ref(payment_ref)
    payment.save(update_fields=["payment_url", "payment_ref"])
    return payment


@transaction.atomic
def update_payment_request(
    *,
    payment: PaymentRequest,
    user,
    status: str | None = None,
    payment_url: str | None = None,
    payment_ref: str | None = None,
) -> PaymentRequest:
    """Apply gateway details and a status change together, or neither."""
    if payment_url is not None or payment_ref is not None:
        payment = update_payment_details(
            payment=payment, user=user, payment_url=payment_url, payment_ref=payment_ref
        )
    if status is not None:
        payment = change_payment_status(payment=payment, status=status, user=user)
    return payment


@transaction.atomic
def delete_payment_request(*, payment: PaymentRequest, user) -> None:
    """Delete a request that was never paid (admin only); a paid one is kept."""
    require_admin(user)
    payment = _lock_payment(payment.pk)
    if payment.status == PaymentRequest.Status.PAID:
        raise StateConflictError(
            _("A paid payment request is a financial record and is never deleted."),
            code="payment_paid",
        )
    payment_id = payment.pk
    payment.delete()
    logger.info("payment request deleted payment=%s by=%s", payment_id, user.pk)
