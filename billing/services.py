"""Write workflows for billing: balances and their ledger, tariff plans, payments.

Every balance change goes through `_apply`, which writes a ledger row.
"""

import logging
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    BalanceEntry,
    CompanyBalance,
    PaymentRequest,
    SignatureKind,
    TariffPlan,
)
from ozgecontract.errors import BalanceExhaustedError, NotFoundError, StateConflictError
from ozgecontract.tenancy import is_platform_admin

logger = logging.getLogger(__name__)

_FIELD_BY_KIND = {
    SignatureKind.SMS: "sms_signatures",
    SignatureKind.ECP: "ecp_signatures",
}
CENT = Decimal("0.01")
# Any fixed number: PostgreSQL advisory lock that serialises tariff plan writes.
_TARIFF_LOCK_KEY = 7_301_002


def _require_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only platform administrators may do this."))


# Balances


def lock_balance(*, company_id: int) -> CompanyBalance:
    """Return the company's balance row, locked until the transaction ends."""
    try:
        return CompanyBalance.objects.select_for_update().get(company_id=company_id)
    except CompanyBalance.DoesNotExist as exc:
        raise NotFoundError(_("The company has no balance.")) from exc


def _apply(
    balance, *, kind, delta, reason, user=None, signature=None, payment=None, note=""
):
    field = _FIELD_BY_KIND[kind]
    new_value = getattr(balance, field) + delta
    if new_value < 0:
        raise BalanceExhaustedError(
            _("The company has no %(kind)s signatures left; buy a package to continue.")
            % {"kind": SignatureKind(kind).label}
        )
    setattr(balance, field, new_value)
    balance.save(update_fields=[field, "updated_at"])
    BalanceEntry.objects.create(
        company_id=balance.company_id,
        kind=kind,
        delta=delta,
        balance_after=new_value,
        reason=reason,
        note=note,
        signature=signature,
        payment_request=payment,
        created_by=user,
    )


def spend_signature_unit(*, company_id: int, kind: str, signature) -> None:
    """Spend one unit of `kind` for `signature`; 402 when none is left.

    Must run inside the signing transaction: the balance row stays locked
    until it commits, so concurrent signings cannot overspend.
    """
    balance = lock_balance(company_id=company_id)
    _apply(
        balance,
        kind=kind,
        delta=-1,
        reason=BalanceEntry.Reason.SIGNATURE,
        signature=signature,
    )
    logger.info(
        "balance spent company=%s kind=%s signature=%s", company_id, kind, signature.pk
    )


@transaction.atomic
def credit_payment(*, payment, user=None) -> None:
    """Add a paid request's counts to its company's balance; call once per payment."""
    balance = lock_balance(company_id=payment.company_id)
    for kind, count in (
        (SignatureKind.SMS, payment.sms_count),
        (SignatureKind.ECP, payment.ecp_count),
    ):
        if count:
            _apply(
                balance,
                kind=kind,
                delta=count,
                reason=BalanceEntry.Reason.PAYMENT,
                payment=payment,
                user=user,
            )


def _check_counts(**counts: int) -> None:
    errors = {
        name: [_("Must be a whole number of at least 0.")]
        for name, value in counts.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def set_balance(
    *, company_id: int, sms_signatures: int, ecp_signatures: int, user, note=""
) -> CompanyBalance:
    """Set a balance to absolute counts (admin only), recording the differences."""
    _check_counts(sms_signatures=sms_signatures, ecp_signatures=ecp_signatures)
    balance = lock_balance(company_id=company_id)
    for kind, target in (
        (SignatureKind.SMS, sms_signatures),
        (SignatureKind.ECP, ecp_signatures),
    ):
        delta = target - getattr(balance, _FIELD_BY_KIND[kind])
        if delta:
            _apply(
                balance,
                kind=kind,
                delta=delta,
                reason=BalanceEntry.Reason.ADMIN,
                user=user,
                note=note,
            )
    logger.info("balance set company=%s by=%s", company_id, user.pk)
    return balance


def update_balance(
    *,
    company_id: int,
    user,
    sms_signatures: int | None = None,
    ecp_signatures: int | None = None,
) -> CompanyBalance:
    """Set either count (admin only); a count left out keeps its value."""
    _require_admin(user)
    with transaction.atomic():
        balance = lock_balance(company_id=company_id)
        return set_balance(
            company_id=company_id,
            sms_signatures=(
                balance.sms_signatures if sms_signatures is None else sms_signatures
            ),
            ecp_signatures=(
                balance.ecp_signatures if ecp_signatures is None else ecp_signatures
            ),
            user=user,
        )


def create_balance(
    *, company, user, sms_signatures: int = 0, ecp_signatures: int = 0
) -> CompanyBalance:
    """Open a balance for a company that has none (admin only); 409 if it has one."""
    _require_admin(user)
    _check_counts(sms_signatures=sms_signatures, ecp_signatures=ecp_signatures)
    conflict = StateConflictError(
        _("The company already has a balance; change it with PUT instead."),
        code="balance_exists",
    )
    if CompanyBalance.objects.filter(company=company).exists():
        raise conflict

    try:
        with transaction.atomic():
            CompanyBalance.objects.create(company=company)
            balance = set_balance(
                company_id=company.pk,
                sms_signatures=sms_signatures,
                ecp_signatures=ecp_signatures,
                user=user,
                note="Opening balance",
            )
    except IntegrityError as exc:
        raise conflict from exc

    logger.info("balance created company=%s by=%s", company.pk, user.pk)
    return balance


@transaction.atomic
def delete_balance(*, company_id: int, user) -> None:
    """Zero a balance through the ledger, then remove it (admin only)."""
    _require_admin(user)
    balance = set_balance(
        company_id=company_id,
        sms_signatures=0,
        ecp_signatures=0,
        user=user,
        note="Balance deleted",
    )
    balance.delete()
    logger.info("balance deleted company=%s by=%s", company_id, user.pk)


# Tariff plans


def _lock_tariff_writes() -> None:
    """Serialise tariff writes so two concurrent ones cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TARIFF_LOCK_KEY])


def clean_tariff_plan(plan: TariffPlan) -> None:
    """Refuse bad fields, a backwards range, or an active range that overlaps."""
    errors = {}
    if not (plan.name or "").strip():
        errors["name"] = [_("Enter the plan's name.")]
    try:
        discount = Decimal(str(plan.discount))
    except (InvalidOperation, TypeError, ValueError):
        discount = None
    if discount is None or not (0 <= discount <= 100):
        errors["discount"] = [_("The discount is a percentage from 0 to 100.")]
    elif discount != discount.quantize(CENT):
        errors["discount"] = [_("Use at most two decimal places.")]
    if plan.from_count < 1:
        errors["from_count"] = [_("A plan starts at 1 signature or more.")]
    if plan.to_count < plan.from_count:
        errors["to_count"] = [_("to_count must not be less than from_count.")]
    if errors:
        raise ValidationError(errors)

    if plan.is_active:
        overlapping = (
            TariffPlan.objects.filter(
                is_active=True,
                from_count__lte=plan.to_count,
                to_count__gte=plan.from_count,
            )
            .exclude(pk=plan.pk)
            .order_by("from_count")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "from_count": [
                        _(
                            "The range %(start)s–%(end)s overlaps the active plan "
                            '"%(name)s" (%(other_start)s–%(other_end)s).'
                        )
                        % {
                            "start": plan.from_count,
                            "end": plan.to_count,
                            "name": overlapping.name,
                            "other_start": overlapping.from_count,
                            "other_end": overlapping.to_count,
                        }
                    ]
                }
            )


@transaction.atomic
def create_tariff_plan(
    *,
    name: str,
    from_count: int,
    to_count: int,
    user,
    discount: Decimal = Decimal("0"),
    is_active: bool = True,
) -> TariffPlan:
    """Create a plan whose range overlaps no other active plan (admin only)."""
    _require_admin(user)
    _lock_tariff_writes()
    plan = TariffPlan(
        name=(name or "").strip(),
        discount=discount,
        from_count=from_count,
        to_count=to_count,
        is_active=is_active,
    )
    clean_tariff_plan(plan)
    plan.save()
    logger.info("tariff plan created plan=%s by=%s", plan.pk, user.pk)
    return plan


_TARIFF_FIELDS = ("name", "discount", "from_count", "to_count", "is_active")


@transaction.atomic
def update_tariff_plan(*, plan: TariffPlan, user, **changes) -> TariffPlan:
    """Change a plan's fields; the result must still overlap no active plan."""
    _require_admin(user)
    unknown = set(changes) - set(_TARIFF_FIELDS)
    if unknown:
        raise ValueError(f"Unknown tariff plan fields: {sorted(unknown)}")
    _lock_tariff_writes()
    plan = TariffPlan.objects.select_for_update().get(pk=plan.pk)
    for field, value in changes.items():
        setattr(plan, field, value.strip() if field == "name" else value)
    clean_tariff_plan(plan)
    plan.save()
    logger.info(
        "tariff plan updated plan=%s by=%s fields=%s",
        plan.pk,
        user.pk,
        ",".join(sorted(changes)),
    )
    return plan


@transaction.atomic
def delete_tariff_plan(*, plan: TariffPlan, user) -> None:
    """Delete a plan that no payment request uses; otherwise 409."""
    _require_admin(user)
    if plan.payment_requests.exists():
        raise StateConflictError(
            _(
                "Payment requests use this tariff plan, so it cannot be deleted; "
                "deactivate it instead (is_active=false)."
            ),
            code="tariff_in_use",
        )
    plan_id = plan.pk
    plan.delete()
    logger.info("tariff plan deleted plan=%s by=%s", plan_id, user.pk)


# Payment requests


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
    _check_counts(sms_count=sms_count, ecp_count=ecp_count)
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
        tariff_plan = TariffPlan.objects.select_for_update().get(pk=tariff_plan.pk)
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
        payment = PaymentRequest.objects.select_for_update().get(pk=payment.pk)
        if payment.status != PaymentRequest.Status.PENDING:
            raise StateConflictError(
                _(
                    "The payment request is %(status)s; only a pending request "
                    "can change its status."
                )
                % {"status": payment.status},
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
    _require_admin(user)
    payment = PaymentRequest.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentRequest.Status.PENDING:
        raise StateConflictError(
            _("The payment request is %(status)s; its details are final.")
            % {"status": payment.status},
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
    _require_admin(user)
    payment = PaymentRequest.objects.select_for_update().get(pk=payment.pk)
    if payment.status == PaymentRequest.Status.PAID:
        raise StateConflictError(
            _("A paid payment request is a financial record and is never deleted."),
            code="payment_paid",
        )
    payment_id = payment.pk
    payment.delete()
    logger.info("payment request deleted payment=%s by=%s", payment_id, user.pk)
