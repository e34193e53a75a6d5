"""One-time signing codes: 6 digits by SMS, stored as a keyed hash, rate-limited."""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from billing.models import CompanyBalance
from contracts.models import Contract
from ozgecontract.errors import (
    BalanceExhaustedError,
    DomainError,
    InvalidInputError,
    TooManyAttemptsError,
)
from ozgecontract.validators import mask_phone, normalize_phone
from signatures import selectors
from signatures.models import AuditEvent, Signature, SigningCode
from signatures.services.audit import record_audit_event
from signatures.services.signers import (
    ensure_fields_complete,
    ensure_signable,
    lock_contract,
)
from signatures.sms import send_sms

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

CODE_DIGITS = 6
_CODE_HASH_SALT = "signatures.signing_code"


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
            _(
                "A code was sent less than %(resend)s seconds ago; wait before "
                "requesting another."
            )
            % {"resend": resend},
            code="code_resend_too_soon",
            retry_after=int(wait) + 1,
        )
    if len(recent) >= per_hour:
        wait = (recent[-1] + timedelta(hours=1) - now).total_seconds()
        security_logger.warning(
            "signing code hourly limit reached contract=%s", contract.pk
        )
        raise TooManyAttemptsError(
            _("At most %(per_hour)s codes may be sent per hour; try again later.")
            % {"per_hour": per_hour},
            code="code_limit_reached",
            retry_after=int(wait) + 1,
        )


def _check_expected_signer_phone(contract: Contract, phone: str) -> None:
    """Refuse a code when the company named a signer with another phone or ЭЦП."""
    expected = selectors.get_expected_signer(contract=contract)
    if expected is None:
        return
    if expected.method != Signature.Method.SMS:
        raise InvalidInputError(
            _("This contract is to be signed with ЭЦП, not an SMS code."),
            code="method_mismatch",
        )
    if expected.client_phone != phone:
        raise InvalidInputError(
            _("The phone number differs from the one the company gave for the signer."),
            code="phone_mismatch",
            fields={"client_phone": [_("This is not the signer's phone number.")]},
        )


def _check_sms_balance(contract: Contract) -> None:
    """Refuse a code the company could not pay for: the signing would get a 402.

    Read without a lock on purpose: `sign_contract` spends the unit under the
    balance lock and stays the real check; this only spares the client an SMS
    and a typed code that can never be used.
    """
    left = (
        CompanyBalance.objects.filter(company_id=contract.company_id)
        .values_list("sms_signatures", flat=True)
        .first()
    )
    if not left:
        logger.info(
            "signing code refused: no SMS units company=%s contract=%s",
            contract.company_id,
            contract.pk,
        )
        raise BalanceExhaustedError(
            _(
                "The company has no SMS signatures left, so no code was sent; "
                "the company must top up its balance before this contract can be "
                "signed."
            ),
        )


def request_signing_code(
    *, contract: Contract, phone: str, ip: str | None, user_agent: str
) -> SigningCode:
    """Send a new 6-digit code by SMS to `phone`; older codes stop working.

    Answers 402 before anything is sent when the company has no SMS unit left.

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
        locked = lock_contract(contract)
        ensure_signable(locked)
        ensure_fields_complete(locked)
        _check_expected_signer_phone(locked, phone)
        _check_sms_balance(locked)
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
    except Exception:
        # Whatever failed, the client never got this code: forget it, so that
        # an immediate retry is not refused as too soon.
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


def check_code(
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
            _("No signing code is waiting for this contract; request a code."),
            code="code_missing",
        )
    if signing_code.phone != phone:
        return None, InvalidInputError(
            _(
                "The code was sent to another phone number; request a code for "
                "this one."
            ),
            code="phone_mismatch",
            fields={"client_phone": [_("The code was not sent to this number.")]},
        )
    max_attempts = settings.SIGNING_CODE_MAX_ATTEMPTS
    if signing_code.attempts >= max_attempts:
        return None, InvalidInputError(
            _("Too many wrong codes; request a new code."), code="code_exhausted"
        )
    if signing_code.expires_at <= timezone.now():
        return None, InvalidInputError(
            _("The code has expired; request a new code."), code="code_expired"
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
            _("Wrong code. The code is now exhausted; request a new code."),
            code="code_exhausted",
            fields={"otp_code": [_("Wrong code.")]},
        )
    return None, InvalidInputError(
        _("Wrong code; %(left)s attempt(s) left.") % {"left": left},
        code="code_invalid",
        fields={"otp_code": [_("Wrong code.")]},
    )
