"""Verification of ЭЦП (NCA RK) CMS signatures over a contract PDF.

NCALayer hands the signing page a CMS SignedData (base64) over the exact bytes
of the contract PDF. `verify_cms` checks it with the verifier named by the
`ECP_VERIFIER` setting:

- `builtin` (default, `builtin.py`): checks the message digest and the RSA or
  ECDSA signature in-process and validates the signer's certificate path up to
  a CA certificate in `ECP_TRUST_DIR`. It cannot check GOST signatures.
- `ncanode` (`ncanode.py`): asks an NCANode 3.x server, which also checks
  GOST signatures and, if asked, OCSP/CRL revocation.

Either way the signer's IIN (subject `serialNumber=IIN...`) must equal the
IIN the client typed. Every refusal is an `InvalidInputError` with its own
`code`; an unreachable NCANode is an `UpstreamError`.
"""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from signatures.ecp import builtin, ncanode
from signatures.ecp.parsing import CertificateFacts, decode, parse, refuse

__all__ = ["CertificateFacts", "verify_cms"]

logger = logging.getLogger(__name__)


def verify_cms(*, cms_b64: str, document: bytes, expected_iin: str) -> CertificateFacts:
    """Check a CMS signature over `document` and return its signer's facts."""
    raw = decode(cms_b64)
    parsed = parse(raw)
    if parsed.content is not None and not hmac.compare_digest(parsed.content, document):
        refuse(
            "ecp_document_mismatch",
            _(
                "The signature was made over a different document; sign the "
                "contract shown on the page again."
            ),
        )

    verifier = settings.ECP_VERIFIER
    if verifier == "builtin":
        facts = builtin.verify(parsed, document)
    elif verifier == "ncanode":
        facts = ncanode.verify(raw, parsed, document)
    else:
        raise ImproperlyConfigured(
            f"ECP_VERIFIER must be 'builtin' or 'ncanode', not {verifier!r}."
        )

    if not facts.iin:
        refuse(
            "ecp_no_iin",
            _("The certificate does not name an IIN; sign with a personal NCA RK key."),
        )
    if not hmac.compare_digest(facts.iin, expected_iin or ""):
        refuse(
            "ecp_iin_mismatch",
            _(
                "The signature was made with another person's certificate: its IIN "
                "differs from the IIN entered."
            ),
        )
    logger.info("ecp signature verified verifier=%s serial=%s", verifier, facts.serial)
    return facts
