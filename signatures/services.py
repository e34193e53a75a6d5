"""Write workflows for signing: expected signers, one-time codes, the signing itself.

`sign_contract` is the one place a contract becomes signed. It runs one
transaction that locks the contract row, verifies the code or the ЭЦП, spends
one unit of the balance, records the signature with its audit events and marks
the contract signed; two concurrent attempts give one signature and one spent
unit. The certificate and the signed PDF are made after the commit and never
undo a signature: a failure there is logged and retried on download.
"""

import hashlib
import importlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape

from billing.services import spend_signature_unit
from contracts.models import Contract
from ozgecontract.errors import (
    DomainError,
    InvalidInputError,
    StateConflictError,
    TooManyAttemptsError,
)
from ozgecontract.pdf import html_to_pdf
from ozgecontract.validators import is_valid_iin, mask_phone, normalize_phone
from signatures import selectors
from signatures.certificate import render_certificate_pdf
from signatures.ecp import CertificateFacts, verify_cms
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.signed_document import build_signed_pdf
from signatures.sms import SmsSendError, send_sms

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

CODE_DIGITS = 6
_CODE_HASH_SALT = "signatures.signing_code"
_METHOD_ALIASES = {"sms": "sms", "ecp": "ecp", "esp": "ecp"}


# --- input shared by every signing entry point (API, signing page) ----------


def normalize_method(value: str) -> str:
    """Return `sms` or `ecp`; the seed's spelling `esp` is read as `ecp`."""
    method = _METHOD_ALIASES.get(str(value or "").strip().lower())
    if method is None:
        raise ValidationError(
            {"method": ["Choose a signing method: sms or ecp."]}, code="invalid"
        )
    return method


def clean_signer(
    *, client_name: str, client_iin: str, client_phone: str, method: str
) -> tuple[str, str, str, str]:
    """Validate who signs and how; return the normalised name, IIN, phone, method."""
    errors = {}
    name = " ".join(str(client_name or "").split())
    if not name:
        errors["client_name"] = ["Enter the signer's full name."]
    elif len(name) > 255:
        errors["client_name"] = ["The name is longer than 255 characters."]
    iin = str(client_iin or "").strip()
    if not is_valid_iin(iin):
        errors["client_iin"] = [
            "Enter a valid IIN/BIN: 12 digits with a correct check digit."
        ]
    try:
        phone = normalize_phone(str(client_phone or ""), mobile_only=True)
    except ValidationError as exc:
        errors["client_phone"] = exc.messages
        phone = ""
    try:
        method = normalize_method(method)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return name, iin, phone, method


def _ensure_signable(contract: Contract) -> None:
    """Refuse (409) a contract that is signed, cancelled or past its deadline."""
    if contract.status == Contract.Status.SIGNED:
        raise StateConflictError(
            "The contract is already signed.", code="contract_signed"
        )
    if contract.status == Contract.Status.CANCELLED:
        raise StateConflictError(
            "The contract was cancelled and cannot be signed.",
            code="contract_cancelled",
        )
    if contract.status == Contract.Status.EXPIRED or contract.is_expired:
        raise StateConflictError(
            "The contract's signing deadline has passed.", code="contract_expired"
        )


def _lock_contract(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update()
        .select_related("company")
        .get(pk=contract.pk)
    )


# --- audit trail ----------------------------------------------------------


def record_audit_event(
    *,
    contract: Contract,
    kind: str,
    ip: str | None = None,
    user_agent: str = "",
    signature: Signature | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event to the contract's audit trail (shown on the certificate)."""
    return AuditEvent.objects.create(
        contract=contract,
        kind=kind,
        ip_address=ip or None,
        user_agent=(user_agent or "")[:512],
        signature=signature,
        detail=detail or {},
    )


# --- expected signer ------------------------------------------------------


@transaction.atomic
def create_expected_signer(
    *,
    contract: Contract,
    client_name: str,
    client_iin: str,
    client_phone: str,
    method: str,
) -> Signature:
    """Record who is to sign `contract`; a second expected signer is a 409.

    To name someone else, the company deletes the expected signer first.
    """
    name, iin, phone, method = clean_signer(
        client_name=client_name,
        client_iin=client_iin,
        client_phone=client_phone,
        method=method,
    )
    locked = _lock_contract(contract)
    _ensure_signable(locked)
    if selectors.get_expected_signer(contract=locked) is not None:
        raise StateConflictError(
            "The contract already has an expected signer; delete it to name another.",
            code="signer_exists",
        )
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                contract=locked,
                client_name=name,
                client_iin=iin,
                client_phone=phone,
                method=method,
            )
    except IntegrityError as exc:
        raise StateConflictError(
            "The contract already has an expected signer.", code="signer_exists"
        ) from exc
    logger.info(
        "expected signer recorded signature=%s contract=%s", signature.pk, locked.pk
    )
    return signature


@transaction.atomic
def delete_expected_signer(*, signature: Signature) -> None:
    """Delete a signer who has not signed yet; a completed signature is a 409."""
    locked = Signature.objects.select_for_update().get(pk=signature.pk)
    if locked.is_signed:
        raise StateConflictError(
            "A completed signature is evidence and cannot be deleted.",
            code="signature_completed",
        )
    locked.delete()
    logger.info(
        "expected signer deleted signature=%s contract=%s",
        signature.pk,
        signature.contract_id,
    )


# --- one-time signing codes -----------------------------------------------


def _hash_code(*, contract_id: int, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table alone cannot be brute-forced offline.
    return salted_hmac(
        _CODE_HASH_SALT, f"{contract_id}:{code}", algorithm="sha256"
    ).hexdigest()


def generate_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def _sms_text(*, code: str, company_name: str) -> str:
    return (
        f"Код {code} для подписания договора с {company_name}. "
        f"Никому не сообщайте. / "
        f"{company_name} келісім-шартына қол қою коды: {code}. "
        f"Ешкімге айтпаңыз."
    )


def _throttle_code_request(*, contract: Contract, now) -> None:
    """Raise 429 when the last code is too fresh or the hourly quota is spent."""
    resend = settings.SIGNING_CODE_RESEND_SECONDS
    per_hour = settings.SIGNING_CODE_MAX_PER_HOUR
    recent = list(
        SigningCode.objects.filter(
            contract=contract, created_at__gt=now - timedelta(hours=1)
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_hour]
    )
    if recent and (now - recent[0]).total_seconds() < resend:
        wait = resend - (now - recent[0]).total_seconds()
        security_logger.info("signing code requested too soon contract=%s", contract.pk)
        raise TooManyAttemptsError(
            f"A code was sent less than {resend} seconds ago; wait before "
            "requesting another.",
            code="code_resend_too_soon",
            retry_after=int(wait) + 1,
        )
    if len(recent) >= per_hour:
        wait = (recent[-1] + timedelta(hours=1) - now).total_seconds()
        security_logger.warning(
            "signing code hourly limit reached contract=%s", contract.pk
        )
        raise TooManyAttemptsError(
            f"At most {per_hour} codes may be sent per hour; try again later.",
            code="code_limit_reached",
            retry_after=int(wait) + 1,
        )


def request_signing_code(
    *, contract: Contract, phone: str, ip: str | None, user_agent: str
) -> SigningCode:
    """Send a new 6-digit code by SMS to `phone`; older codes stop working.

    The code row is committed before the SMS goes out (the gateway is not
    called under the contract lock) and deleted again if sending fails, so the
    client may retry at once and nothing is spent.
    """
    try:
        phone = normalize_phone(str(phone or ""), mobile_only=True)
    except ValidationError as exc:
        raise ValidationError({"client_phone": exc.messages}) from exc

    code = generate_code()
    with transaction.atomic():
        locked = _lock_contract(contract)
        _ensure_signable(locked)
        expected = selectors.get_expected_signer(contract=locked)
        if expected is not None and expected.method != Signature.Method.SMS:
            raise InvalidInputError(
                "This contract is to be signed with ЭЦП, not an SMS code.",
                code="method_mismatch",
            )
        if expected is not None and expected.client_phone != phone:
            raise InvalidInputError(
                "The phone number differs from the one the company gave for "
                "the signer.",
                code="phone_mismatch",
                fields={"client_phone": ["This is not the signer's phone number."]},
            )
        now = timezone.now()
        _throttle_code_request(contract=locked, now=now)
        signing_code = SigningCode.objects.create(
            contract=locked,
            phone=phone,
            code_hash=_hash_code(contract_id=locked.pk, code=code),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.SIGNING_CODE_TTL_SECONDS),
        )

    try:
        send_sms(to=phone, text=_sms_text(code=code, company_name=locked.company.name))
    except SmsSendError:
        signing_code.delete()
        logger.warning(
            "signing code not sent contract=%s phone=%s", locked.pk, mask_phone(phone)
        )
        raise
    record_audit_event(
        contract=locked,
        kind=AuditEvent.Kind.CODE_SENT,
        ip=ip,
        user_agent=user_agent,
        detail={"phone": mask_phone(phone)},
    )
    logger.info(
        "signing code sent contract=%s code_id=%s phone=%s",
        locked.pk,
        signing_code.pk,
        mask_phone(phone),
    )
    return signing_code


def _check_code(
    *,
    contract: Contract,
    phone: str,
    otp_code: str,
    ip: str | None,
    user_agent: str,
) -> tuple[SigningCode | None, DomainError | None]:
    """Verify `otp_code` against the newest code; return it, or the error to raise.

    A wrong code is counted here and the count must survive the failed
    request, so the error is returned for the caller to raise after commit.
    """
    signing_code = selectors.get_latest_signing_code(contract=contract)
    if signing_code is None or signing_code.used_at is not None:
        return None, InvalidInputError(
            "No signing code is waiting for this contract; request a code.",
            code="code_missing",
        )
    if signing_code.phone != phone:
        return None, InvalidInputError(
            "The code was sent to another phone number; request a code for this one.",
            code="phone_mismatch",
            fields={"client_phone": ["The code was not sent to this number."]},
        )
    max_attempts = settings.SIGNING_CODE_MAX_ATTEMPTS
    if signing_code.attempts >= max_attempts:
        return None, InvalidInputError(
            "Too many wrong codes; request a new code.", code="code_exhausted"
        )
    if signing_code.expires_at <= timezone.now():
        return None, InvalidInputError(
            "The code has expired; request a new code.", code="code_expired"
        )
    expected_hash = _hash_code(contract_id=contract.pk, code=str(otp_code or ""))
    if constant_time_compare(expected_hash, signing_code.code_hash):
        return signing_code, None

    signing_code.attempts += 1
    signing_code.save(update_fields=["attempts"])
    record_audit_event(
        contract=contract,
        kind=AuditEvent.Kind.CODE_FAILED,
        ip=ip,
        user_agent=user_agent,
        detail={"attempt": signing_code.attempts},
    )
    security_logger.warning(
        "wrong signing code contract=%s code_id=%s attempt=%s ip=%s",
        contract.pk,
        signing_code.pk,
        signing_code.attempts,
        ip,
    )
    left = max_attempts - signing_code.attempts
    if left <= 0:
        return None, InvalidInputError(
            "Wrong code. The code is now exhausted; request a new code.",
            code="code_exhausted",
            fields={"otp_code": ["Wrong code."]},
        )
    return None, InvalidInputError(
        f"Wrong code; {left} attempt(s) left.",
        code="code_invalid",
        fields={"otp_code": ["Wrong code."]},
    )


# --- signing --------------------------------------------------------------


def contract_document(*, contract: Contract) -> bytes:
    """Return the contract PDF the client signs, generating it if needed."""
    # Imported late: contracts.services records audit events through this module.
    try:
        contract_services = importlib.import_module("contracts.services")
    except ModuleNotFoundError as exc:
        if exc.name != "contracts.services":
            raise
        contract_services = None
    ensure = getattr(contract_services, "ensure_contract_document", None)
    if ensure is not None:
        return ensure(contract=contract)
    return _fallback_contract_document(contract)


def _fallback_contract_document(contract: Contract) -> bytes:
    # TODO(#2): contracts.services.ensure_contract_document replaces this
    # stand-in PDF (number and field values only) once the contracts task lands.
    if contract.generated_pdf:
        with contract.generated_pdf.open("rb") as handle:
            return handle.read()
    rows = "".join(
        f"<li>{escape(field.field_name)}: {escape(field.value)}</li>"
        for field in contract.fields.all()
    )
    pdf = html_to_pdf(
        f"<h1>Договор {escape(contract.number or contract.pk)}</h1><ul>{rows}</ul>"
    )
    contract.generated_pdf.save("contract.pdf", ContentFile(pdf), save=False)
    contract.document_sha256 = hashlib.sha256(pdf).hexdigest()
    contract.document_status = Contract.DocumentStatus.READY
    contract.save(update_fields=["generated_pdf", "document_sha256", "document_status"])
    return pdf


def _check_expected_signer(
    expected: Signature | None, *, client_iin: str, client_phone: str, method: str
) -> None:
    if expected is None:
        return
    if expected.client_iin != client_iin:
        raise InvalidInputError(
            "The IIN differs from the one the company gave for the signer.",
            code="iin_mismatch",
            fields={"client_iin": ["This is not the expected signer's IIN."]},
        )
    if expected.method != method:
        raise InvalidInputError(
            f"This contract is to be signed with {expected.get_method_display()}.",
            code="method_mismatch",
            fields={"method": [f"Use {expected.method}."]},
        )
    if method == Signature.Method.SMS and expected.client_phone != client_phone:
        raise InvalidInputError(
            "The phone number differs from the one the company gave for the signer.",
            code="phone_mismatch",
            fields={"client_phone": ["This is not the signer's phone number."]},
        )


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
            "The contract is already signed.", code="contract_signed"
        ) from exc

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
    return signature


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
    if method == Signature.Method.SMS and not otp_code:
        raise ValidationError({"otp_code": ["Enter the code sent by SMS."]})
    if method == Signature.Method.ECP and not cms:
        raise ValidationError({"cms": ["Attach the CMS signature (base64)."]})

    # Cheap checks and slow work (document, CMS check) happen before the lock.
    _ensure_signable(contract)
    document = contract_document(contract=contract)
    document_sha256 = hashlib.sha256(document).hexdigest()
    facts = None
    if method == Signature.Method.ECP:
        facts = verify_cms(cms_b64=cms, document=document, expected_iin=iin)

    failure = None
    with transaction.atomic():
        locked = _lock_contract(contract)
        _ensure_signable(locked)
        if locked.document_sha256 and locked.document_sha256 != document_sha256:
            raise StateConflictError(
                "The contract document changed while signing; open it again.",
                code="document_changed",
            )
        expected = selectors.get_expected_signer(contract=locked)
        _check_expected_signer(
            expected, client_iin=iin, client_phone=phone, method=method
        )
        signing_code = None
        if method == Signature.Method.SMS:
            signing_code, failure = _check_code(
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
    issue_signed_documents(signature=signature, contract_pdf=document)
    return signature


# --- documents made after signing -----------------------------------------


def ensure_certificate_pdf(*, signature: Signature) -> bytes:
    """Return the stored certificate PDF, rendering and storing it if missing."""
    if signature.certificate_pdf:
        with signature.certificate_pdf.open("rb") as handle:
            return handle.read()
    pdf = render_certificate_pdf(signature=signature)
    signature.certificate_pdf.save("certificate.pdf", ContentFile(pdf), save=False)
    signature.save(update_fields=["certificate_pdf"])
    logger.info("certificate stored signature=%s", signature.pk)
    return pdf


def ensure_signed_pdf(
    *, signature: Signature, contract_pdf: bytes | None = None
) -> bytes:
    """Return the signed PDF (contract + certificate), building it if missing.

    Locks the signature row while building: two downloads racing must not
    seal two different files of which only one hash is recorded.
    """
    if signature.signed_pdf:
        with signature.signed_pdf.open("rb") as handle:
            return handle.read()
    with transaction.atomic():
        locked = (
            Signature.objects.select_for_update()
            .select_related("contract__company")
            .get(pk=signature.pk)
        )
        if locked.signed_pdf:
            with locked.signed_pdf.open("rb") as handle:
                pdf = handle.read()
        else:
            pdf = _build_signed_pdf(signature=locked, contract_pdf=contract_pdf)
    for field in ("certificate_pdf", "signed_pdf", "signed_pdf_sha256"):
        setattr(signature, field, getattr(locked, field))
    return pdf


def _build_signed_pdf(*, signature: Signature, contract_pdf: bytes | None) -> bytes:
    if contract_pdf is None:
        contract_pdf = contract_document(contract=signature.contract)
    if (
        signature.document_sha256
        and hashlib.sha256(contract_pdf).hexdigest() != signature.document_sha256
    ):
        logger.error(
            "contract pdf differs from the signed one signature=%s contract=%s",
            signature.pk,
            signature.contract_id,
        )
        raise StateConflictError(
            "The contract document no longer matches the one that was signed.",
            code="document_mismatch",
        )
    certificate_pdf = ensure_certificate_pdf(signature=signature)
    return build_signed_pdf(
        signature=signature, contract_pdf=contract_pdf, certificate_pdf=certificate_pdf
    )


def issue_signed_documents(*, signature: Signature, contract_pdf: bytes) -> None:
    """Make the certificate and the signed PDF; a failure never undoes signing."""
    try:
        ensure_signed_pdf(signature=signature, contract_pdf=contract_pdf)
    except Exception:
        # The signature is committed evidence; the files are rebuilt lazily
        # when someone downloads them, so any failure here is only logged.
        logger.exception(
            "signed documents not issued signature=%s; retried on download",
            signature.pk,
        )
