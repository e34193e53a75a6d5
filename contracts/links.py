"""Signing links: the client's URL, its QR code, and sending it by SMS.

Sending the link spends nothing from the balance (only a signature does), so
the number of link messages per contract is limited instead: the platform
pays the SMS gateway for each one.
"""

import logging

import segno
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from contracts.models import Contract
from ozgecontract.errors import StateConflictError, TooManyAttemptsError
from ozgecontract.validators import mask_phone, normalize_phone
from signatures.sms import send_sms

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

LINK_SMS_PER_HOUR = 5
LINK_SMS_WINDOW_SECONDS = 60 * 60


def signing_url(contract: Contract) -> str:
    path = reverse("signatures:signing-entry", args=[contract.contract_token])
    return f"{settings.SITE_URL}{path}"


def signing_qr_svg(contract: Contract) -> str:
    """Return the signing link as an inline SVG QR code (no scripts, no links)."""
    return segno.make(signing_url(contract), error="m").svg_inline(
        scale=4, title=contract.number or str(contract.pk)
    )


def link_sms_text(contract: Contract) -> str:
    """Word the message in Russian and Kazakh, as clients read either."""
    company = contract.company.name
    number = contract.number or str(contract.pk)
    url = signing_url(contract)
    return (
        f"{company}: подпишите договор {number} по ссылке {url} / "
        f"{company}: {number} келісім-шартқа сілтеме арқылы қол қойыңыз"
    )


def send_signing_link(*, contract: Contract, phone: str, user) -> str:
    """Send the signing link by SMS to `phone`; return the E.164 number used."""
    if contract.status != Contract.Status.PENDING or contract.is_expired:
        raise StateConflictError(
            _("Only a contract awaiting signature can be sent for signing."),
            code="not_pending",
        )
    phone = normalize_phone(phone, mobile_only=True)

    # TODO(#5): the count lives in Django's cache, per process unless CACHES
    # names a shared backend; with several workers the limit is per worker.
    key = f"link-sms:{contract.pk}"
    if not cache.add(key, 1, LINK_SMS_WINDOW_SECONDS):
        try:
            sent = cache.incr(key)
        except ValueError:
            cache.set(key, 1, LINK_SMS_WINDOW_SECONDS)
            sent = 1
        if sent > LINK_SMS_PER_HOUR:
            security_logger.warning(
                "signing link SMS throttled contract=%s user=%s", contract.pk, user.pk
            )
            raise TooManyAttemptsError(
                _("The link was sent %(count)s times this hour; try again later.")
                % {"count": LINK_SMS_PER_HOUR},
                retry_after=LINK_SMS_WINDOW_SECONDS,
            )

    send_sms(to=phone, text=link_sms_text(contract))
    logger.info(
        "signing link sent contract=%s to=%s by=%s",
        contract.pk,
        mask_phone(phone),
        user.pk,
    )
    return phone
