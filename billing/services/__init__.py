"""Write workflows for billing: balances and their ledger, tariff plans, payments.

Every balance change goes through `balances._apply`, which writes a ledger
row; `spend_signature_unit` is what signing calls, inside its transaction.
Only platform admins write balances and tariff plans; a payment request is
priced by the server and credits the balance once, when marked paid.
"""

from billing.services.balances import (
    create_balance,
    credit_payment,
    delete_balance,
    lock_balance,
    set_balance,
    spend_signature_unit,
    update_balance,
)
from billing.services.checks import CENT
from billing.services.payments import (
    change_payment_status,
    check_payment_counts,
    compute_total_amount,
    create_payment_request,
    delete_payment_request,
    update_payment_details,
    update_payment_request,
)
from billing.services.tariffs import (
    clean_tariff_plan,
    create_tariff_plan,
    delete_tariff_plan,
    update_tariff_plan,
)

__all__ = [
    "CENT",
    "change_payment_status",
    "check_payment_counts",
    "clean_tariff_plan",
    "compute_total_amount",
    "create_balance",
    "create_payment_request",
    "create_tariff_plan",
    "credit_payment",
    "delete_balance",
    "delete_payment_request",
    "delete_tariff_plan",
    "lock_balance",
    "set_balance",
    "spend_signature_unit",
    "update_balance",
    "update_payment_details",
    "update_payment_request",
    "update_tariff_plan",
]
