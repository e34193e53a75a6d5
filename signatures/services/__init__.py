"""Write workflows for signing: expected signers, one-time codes, the signing itself.

`sign_contract` is the one place a contract becomes signed. It runs one
transaction that locks the contract row, verifies the code or the ЭЦП, spends
one unit of the balance, records the signature with its audit events and marks
the contract signed; two concurrent attempts give one signature and one spent
unit. The certificate is rendered after the commit and never undoes a
signature: a failure there is logged and retried on download. The sealed signed
PDF is built from it on first demand (`ensure_signed_pdf`).
"""

from signatures.services.audit import record_audit_event
from signatures.services.codes import CODE_DIGITS, generate_code, request_signing_code
from signatures.services.documents import (
    contract_document,
    ensure_certificate_pdf,
    ensure_signed_pdf,
    issue_certificate,
)
from signatures.services.signers import (
    clean_signer,
    create_expected_signer,
    delete_expected_signer,
    normalize_method,
)
from signatures.services.signing import sign_contract

__all__ = [
    "CODE_DIGITS",
    "clean_signer",
    "contract_document",
    "create_expected_signer",
    "delete_expected_signer",
    "ensure_certificate_pdf",
    "ensure_signed_pdf",
    "generate_code",
    "issue_certificate",
    "normalize_method",
    "record_audit_event",
    "request_signing_code",
    "sign_contract",
]
