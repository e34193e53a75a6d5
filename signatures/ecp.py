"""Verification of ЭЦП (NCA RK) CMS signatures over a contract PDF."""

from dataclasses import dataclass
from datetime import datetime

from ozgecontract.errors import InvalidInputError


@dataclass(frozen=True)
class CertificateFacts:
    """What a verified signature tells about its signer."""

    iin: str
    bin: str
    subject: str
    serial: str
    issuer: str
    valid_from: datetime
    valid_to: datetime
    signed_at: datetime | None


def verify_cms(*, cms_b64: str, document: bytes, expected_iin: str) -> CertificateFacts:
    """Check a detached CMS over `document` and return its signer's facts."""
    # TODO(#4): the builtin and NCANode verifiers land with the ЭЦП issue.
    raise InvalidInputError(
        "Signing with ЭЦП is not available yet; sign with an SMS code.",
        code="ecp_not_available",
    )
