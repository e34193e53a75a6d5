"""Guards every contract write starts with: lock the row, check the status."""

from django.utils.translation import gettext as _

from contracts.models import Contract
from ozgecontract.errors import StateConflictError


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
            % {"status": status},
            code=f"contract_{status}",
        )
