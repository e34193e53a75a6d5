"""Balances and their ledger: every change goes through `_apply`, which writes a row."""

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from billing.models import BalanceEntry, CompanyBalance, SignatureKind
from billing.services.checks import check_counts, require_admin
from ozgecontract.errors import BalanceExhaustedError, NotFoundError, StateConflictError

logger = logging.getLogger(__name__)

_FIELD_BY_KIND = {
    SignatureKind.SMS: "sms_signatures",
    SignatureKind.ECP: "ecp_signatures",
}


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


@transaction.atomic
def set_balance(
    *, company_id: int, sms_signatures: int, ecp_signatures: int, user, note=""
) -> CompanyBalance:
    """Set a balance to absolute counts (admin only), recording the differences."""
    check_counts(sms_signatures=sms_signatures, ecp_signatures=ecp_signatures)
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
    require_admin(user)
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
    require_admin(user)
    check_counts(sms_signatures=sms_signatures, ecp_signatures=ecp_signatures)
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
    require_admin(user)
    balance = set_balance(
        company_id=company_id,
        sms_signatures=0,
        ecp_signatures=0,
        user=user,
        note="Balance deleted",
    )
    balance.delete()
    logger.info("balance deleted company=%s by=%s", company_id, user.pk)
