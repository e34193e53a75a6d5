"""Guards every contract write starts with: lock the row, check the status."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from contracts.models import Contract
from ozgecontract.errors import StateConflictError

# The status as a word inside a sentence, lower case: the status filter's
# labels are capitalised headings.
_STATUS_IN_SENTENCE = {
    Contract.Status.PENDING: pgettext_lazy("contract status", "awaiting signature"),
    Contract.Status.SIGNED: pgettext_lazy("contract status", "signed"),
    Contract.Status.CANCELLED: pgettext_lazy("contract status", "cancelled"),
    Contract.Status.EXPIRED: pgettext_lazy("contract status", "expired"),
}


def lock_contract(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract.pk)


def ensure_not_signed(contract: Contract) -> None:
    if contract.status == Contract.Status.SIGNED:
        raise StateConflictError(
            _("The contract is signed and can no longer be changed."),
            code="contract_signed",
        )


def ensure_pending(contract: Contract) -> None:
    """Refuse (409) changes to the data of a contract no longer awaiting signature."""
    ensure_not_signed(contract)
    status = contract.current_status
    if status != Contract.Status.PENDING:
        raise StateConflictError(
            _("The contract is %(status)s and can no longer be changed.")
            % {"status": _STATUS_IN_SENTENCE.get(status, status)},
            code=f"contract_{status}",
        )
