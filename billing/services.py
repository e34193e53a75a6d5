"""Write workflows for balances: every change goes through `_apply` and the ledger."""

import logging

from django.db import transaction

from billing.models import BalanceEntry, CompanyBalance, SignatureKind
from ozgecontract.errors import BalanceExhaustedError, NotFoundError

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
        raise NotFoundError("The company has no balance.") from exc


def _apply(
    balance, *, kind, delta, reason, user=None, signature=None, payment=None, note=""
):
    field = _FIELD_BY_KIND[kind]
    new_value = getattr(balance, field) + delta
    if new_value < 0:
        raise BalanceExhaustedError(
            f"The company has no {SignatureKind(kind).label} signatures left; "
            "buy a package to continue."
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
    *, company_id: int, sms_signatures: int, ecp_signatures: int, user
) -> CompanyBalance:
    """Set a balance to absolute counts (admin only), recording the differences."""
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
            )
    logger.info("balance set company=%s by=%s", company_id, user.pk)
    return balance
