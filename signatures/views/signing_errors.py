"""What the client reads when a service refuses: translated, per error code.

A domain error's own `detail` is English and written for integrators; the
signing page maps its `code` to a message in the page's language instead.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ozgecontract.errors import (
    BalanceExhaustedError,
    DomainError,
    TooManyAttemptsError,
    UpstreamError,
)
from signatures import selectors


def messages_by_code() -> dict[str, str]:
    """Return the page's wording for the services' error codes, translated now."""
    ecp_unreadable = _(
        "NCALayer returned a signature the portal cannot accept. Try again, or "
        "sign with an SMS code."
    )
    return {
        "code_exhausted": _("Too many wrong codes. Request a new code."),
        # The company's template cannot take these values: nothing the client
        # can change fixes it.
        "document_unfillable": _(
            "The contract cannot be made with these values. Please contact the "
            "company that sent you the link."
        ),
        "code_expired": _("The code has expired. Request a new code."),
        "code_missing": _("Request a code first."),
        "phone_mismatch": _(
            "This phone number differs from the one the company gave for the signer."
        ),
        "iin_mismatch": _(
            "This IIN differs from the one the company gave for the signer."
        ),
        "method_mismatch": _(
            "The company asked for this contract to be signed another way."
        ),
        "document_changed": _(
            "The contract changed while you were signing. Read it again and sign."
        ),
        "contract_signed": _("The contract is already signed."),
        "sms_failed": _("We could not send the SMS. Please try again in a minute."),
        "ecp_iin_mismatch": _(
            "The key belongs to another person: the IIN in its certificate "
            "differs from the IIN you entered."
        ),
        "ecp_document_mismatch": _(
            "The signature was made over another document. Reload the page and "
            "sign again."
        ),
        "ecp_certificate_untrusted": _(
            "The key's certificate was not issued by the National Certification "
            "Authority of Kazakhstan (NCA RK)."
        ),
        "ecp_certificate_expired": _(
            "The key's certificate has expired. Get a new key from NCA RK."
        ),
        "ecp_certificate_not_yet_valid": _("The key's certificate is not valid yet."),
        "ecp_certificate_revoked": _("The key's certificate has been revoked."),
        "ecp_key_usage": _(
            "This key is not for signing. Choose your signing key, not the "
            "authentication one (AUTH_…)."
        ),
        "ecp_gost_unsupported": _(
            "The portal cannot check this kind of key (GOST) yet. Sign with an "
            "RSA key or with an SMS code."
        ),
        "ecp_verifier_unavailable": _(
            "The signature could not be checked right now. Try again in a minute."
        ),
        "ecp_not_cms": ecp_unreadable,
        "ecp_signature_invalid": ecp_unreadable,
        "ecp_signer_count": ecp_unreadable,
        "ecp_unsupported_algorithm": ecp_unreadable,
        "ecp_certificate_missing": ecp_unreadable,
        "ecp_no_iin": ecp_unreadable,
        "ecp_signing_time_invalid": ecp_unreadable,
    }


def error_message(exc: DomainError, contract) -> str:
    """Say what went wrong in the page's language; fall back to the service's text."""
    code = exc.code
    if isinstance(exc, TooManyAttemptsError):
        if code == "code_resend_too_soon":
            return ngettext(
                "A code was just sent. You can ask for a new one in %(seconds)d "
                "second.",
                "A code was just sent. You can ask for a new one in %(seconds)d "
                "seconds.",
                exc.retry_after,
            ) % {"seconds": exc.retry_after}
        minutes = max(1, (exc.retry_after + 59) // 60)
        return ngettext(
            "Too many codes were requested. Try again in %(minutes)d minute.",
            "Too many codes were requested. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    if code == "code_invalid":
        left = _attempts_left(contract)
        return ngettext(
            "Wrong code. %(left)d attempt left.",
            "Wrong code. %(left)d attempts left.",
            left,
        ) % {"left": left}
    if isinstance(exc, BalanceExhaustedError):
        return _(
            "The company cannot accept signatures right now. Please contact "
            "the company that sent you the link."
        )
    message = messages_by_code().get(code)
    if message is not None:
        return message
    if isinstance(exc, UpstreamError):
        return _("A service the portal relies on failed. Try again in a minute.")
    return exc.detail


def _attempts_left(contract) -> int:
    latest = selectors.get_latest_signing_code(contract=contract)
    attempts = latest.attempts if latest is not None else 0
    return max(0, settings.SIGNING_CODE_MAX_ATTEMPTS - attempts)


def attach_validation_error(form, exc: ValidationError, *, renames=None) -> str:
    """Put a service's field errors on `form`; return what fits no field."""
    renames = renames or {}
    leftover = []
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    for name, errors in exc.message_dict.items():
        target = renames.get(name, name)
        if form is not None and target in form.fields:
            for message in errors:
                form.add_error(target, message)
        else:
            leftover.extend(errors)
    return " ".join(leftover)
