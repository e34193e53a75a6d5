"""Write workflows for contracts, their fields and their PDF document.

A contract is made from a template: its fields are the template's
placeholders, its PDF is the template filled with the field values. A signed
contract is evidence: nothing here changes it. The modules:

    contracts  create from a template, update, cancel, delete; numbers
    fields     add a field, set values checked by type
    pdf        render, attach and serve the PDF; failures are retried
    guards     row locks and status checks shared by the above
"""

from contracts.services.contracts import (
    UNSET,
    cancel_contract,
    create_contract,
    delete_contract,
    update_contract,
)
from contracts.services.fields import add_contract_field, set_field_values
from contracts.services.pdf import (
    DocumentUnavailableError,
    DocumentUnfillableError,
    ensure_contract_document,
    render_contract_document,
)

__all__ = [
    "UNSET",
    "DocumentUnavailableError",
    "DocumentUnfillableError",
    "add_contract_field",
    "cancel_contract",
    "create_contract",
    "delete_contract",
    "ensure_contract_document",
    "render_contract_document",
    "set_field_values",
    "update_contract",
]
