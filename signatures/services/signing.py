"""Signing a contract: one transaction from the row lock to the spent unit."""

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import spend_signature_unit
from contracts.models import Contract, refresh_signers
from ozgecontract.errors import StateConflictError
from signatures import selectors
from signatures.ecp import CertificateFacts, verify_cms
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.services.audit import record_audit_event
from signatures.services.codes import check_code
from signatures.services.documents import contract_document, issue_certificate
from signatures.services.signers import (
    check_expected_signer,
    clean_signer,
    ensure_fields_complete,
    ensure_signable,
    lock_contract,
)
from stats.services import count_contract_signed

logger = logging.getLogger(__name__)


def _record_signature(
    *,
    contract: Contract,
    expected: Signature | None,
    signer: tuple[str, str, str, str],
    document_sha256: str,
    facts: CertificateFacts | None,
    cms: str | None,
    signing_code: SigningCode | None,
    ip: str | None,
    user_agent: str,
) -> Signature:
    """Complete or create the signature, spend one unit, mark the contract signed."""
    name, iin, phone, method = signer
    now = timezone.now()
    signature = expected or Signature(contract=contract)
    signature.client_name = name
    signature.client_iin = iin
    signature.client_phone = phone
    signature.method = method
    signature.signed_at = now
    signature.ip_address = ip or None
    signature.user_agent = (user_agent or "")[:512]
    signature.document_sha256 = document_sha256
    if facts is not None:
        signature.cms = cms
        signature.cert_subject = facts.subject
        signature.cert_serial = facts.serial
        signature.cert_issuer = facts.issuer
        signature.cert_valid_from = facts.valid_from
        signature.cert_valid_to = facts.valid_to
    try:
        with transaction.atomic():
            signature.save()
    except IntegrityError as exc:
        # The row lock makes this unreachable on PostgreSQL; SQLite has no
        # row locks, so the unique constraint is the last word there.
        raise StateConflictError(
            _("The contract is already signed."), code="contract_signed"
        ) from exc

    refresh_signers(contract_ids=[contract.pk])
    spend_signature_unit(
        company_id=contract.company_id, kind=method, signature=signature
    )
    if signing_code is not None:
        signing_code.used_at = now
        signing_code.save(update_fields=["used_at"])
    verified = (
        AuditEvent.Kind.CODE_VERIFIED
        if method == Signature.Method.SMS
        else AuditEvent.Kind.ECP_VERIFIED
    )
    for kind in (verified, AuditEvent.Kind.SIGNED):
        record_audit_event(
            contract=contract,
            kind=kind,
            ip=ip,
            user_agent=user_agent,
            signature=signature,
        )
    contract.status = Contract.Status.SIGNED
    contract.signed_at = now
    contract.client_filled = True
    contract.save(update_fields=["status", "signed_at", "client_filled", "updated_at"])
    count_contract_signed(contract=contract, method=method, signed_at=now)
    return signature


def _check_before_lock(
    *, contract: Contract, method: str, iin: str, otp_code, cms
) -> tuple[bytes, CertificateFacts | None]:
    """Do the cheap checks and the slow work (PDF, CMS) before any row is locked.

    Return the contract PDF and, for ЭЦП, the verified signer's facts.
    """
    if method == Signature.Method.SMS and not otp_code:
        raise ValidationError({"otp_code": [_("Enter the code sent by SMS.")]})
    if method == Signature.Method.ECP and not cms:
        raise ValidationError({"cms": [_("Attach the CMS signature (base64).")]})
    ensure_signable(contract)
    ensure_fields_complete(contract)
    document = contract_document(contract=contract)
    facts = None
    if method == Signature.Method.ECP:
        facts = verify_cms(cms_b64=cms, document=document, expected_iin=iin)
    return document, facts


def sign_contract(
    *,
    contract: Contract,
    client_name: str,
    client_iin: str,
    client_phone: str,
    method: str,
    otp_code: str | None = None,
    cms: str | None = None,
    ip: str | None = None,
    user_agent: str = "",
) -> Signature:
    """Sign `contract` by SMS code or ЭЦП in one transaction; spend one unit.

    Locks the contract and then the balance. Raises 409 when the contract is
    not pending, 400 for a wrong, expired or exhausted code or a bad CMS, 402
    when the balance is empty; on any error nothing is recorded except the
    count of wrong codes.
    """
    signer = clean_signer(
        client_name=client_name,
        client_iin=client_iin,
        client_phone=client_phone,
        method=method,
    )
    name, iin, phone, method = signer
    document, facts = _check_before_lock(
        contract=contract, method=method, iin=iin, otp_code=otp_code, cms=cms
    )
    document_sha256 = hashlib.sha256(document).hexdigest()

    failure = None
    with transaction.atomic():
        locked = lock_contract(contract)
        ensure_signable(locked)
        if locked.document_sha256 != document_sha256:
            # Someone changed the field values since the PDF above was read (an
            # empty hash means a new PDF is being made or failed: not signable).
            raise StateConflictError(
                _("The contract document changed while signing; open it again."),
                code="document_changed",
            )
        expected = selectors.get_expected_signer(contract=locked)
        check_expected_signer(
            expected, client_iin=iin, client_phone=phone, method=method
        )
        signing_code = None
        if method == Signature.Method.SMS:
            signing_code, failure = check_code(
                contract=locked,
                phone=phone,
                otp_code=otp_code,
                ip=ip,
                user_agent=user_agent,
            )
        if failure is None:
            signature = _record_signature(
                contract=locked,
                expected=expected,
                signer=signer,
                document_sha256=document_sha256,
                facts=facts,
                cms=cms,
                signing_code=signing_code,
                ip=ip,
                user_agent=user_agent,
            )
    if failure is not None:
        raise failure

    for attr in ("status", "signed_at", "client_filled"):
        setattr(contract, attr, getattr(locked, attr))
    logger.info(
        "contract signed contract=%s signature=%s company=%s method=%s",
        locked.pk,
        signature.pk,
        locked.company_id,
        method,
    )
    issue_certificate(signature=signature)
    return signature
