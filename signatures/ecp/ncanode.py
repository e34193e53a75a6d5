"""The NCANode verifier: `POST {NCANODE_URL}/cms/verify` on an NCANode 3.x.

NCANode (Kalkan inside) checks GOST and RSA signatures, the chain to NCA RK
and, per `NCANODE_REVOCATION_CHECK`, OCSP or CRL. Its answer is
`{"status", "message", "valid", "signers": [{"certificates": [...], "tsp"}]}`
with each certificate's validity, key usage, serial, subject and issuer.
"""

import base64
import json
import logging
import re
import urllib.error
import urllib.request
from datetime import datetime
from typing import NoReturn

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ozgecontract.errors import UpstreamError
from signatures.ecp.parsing import (
    BIN_RE,
    IIN_RE,
    CertificateFacts,
    ParsedCms,
    refuse,
    refuse_untrusted,
)

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

_MAX_ANSWER_BYTES = 1024 * 1024
_TWELVE_DIGITS = re.compile(r"\d{12}", re.ASCII)


def verify(raw: bytes, parsed: ParsedCms, document: bytes) -> CertificateFacts:
    """Ask NCANode about the CMS `raw` over `document`; return the facts."""
    request = {
        "cms": base64.b64encode(raw).decode("ascii"),
        "revocationCheck": list(settings.NCANODE_REVOCATION_CHECK),
    }
    if parsed.content is None:
        request["data"] = base64.b64encode(document).decode("ascii")
    status, answer = _post("/cms/verify", request)
    if 400 <= status < 500:
        # NCANode answers 400 when it cannot verify the CMS at all, e.g. a
        # message digest that does not match the data.
        security_logger.info(
            "ncanode refused the cms: %s", str(answer.get("message", ""))[:200]
        )
        refuse(
            "ecp_signature_invalid",
            _("The signature could not be verified against the contract."),
        )
    if status != 200:
        _failed(f"status {status}")

    certificates = _certificates(answer)
    if len(certificates) != 1:
        refuse(
            "ecp_signer_count",
            _("The signature must have exactly one signer, not %(count)s.")
            % {"count": len(certificates)},
        )
    certificate = certificates[0]
    if answer.get("valid") is not True:
        _refuse_invalid(certificate)
    if certificate.get("keyUsage") not in (None, "SIGN", "AUTH"):
        refuse(
            "ecp_key_usage",
            _(
                "The certificate's key is not meant for signing; use the "
                "signing (RSA/GOST SIGN) key."
            ),
        )
    return _facts(answer, certificate, parsed.signing_time)


def _post(path: str, payload: dict) -> tuple[int, dict]:
    url = settings.NCANODE_URL.rstrip("/") + path
    request = urllib.request.Request(  # noqa: S310 - URL comes from settings
        url,
        data=json.dumps(payload).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    timeout = settings.NCANODE_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, body = response.status, response.read(_MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(_MAX_ANSWER_BYTES)
    except (OSError, ValueError) as exc:
        _failed(f"{type(exc).__name__}: {exc}")
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        _failed(f"status {status}, not a JSON object")
    return status, answer


def _failed(reason: str) -> NoReturn:
    logger.warning("ncanode verification failed: %s", reason)
    raise UpstreamError(
        _("The signature verification service is unavailable; try again in a minute."),
        code="ecp_verifier_unavailable",
    )


def _certificates(answer: dict) -> list[dict]:
    signers = answer.get("signers")
    if not isinstance(signers, list):
        _failed("answer without signers")
    certificates = []
    for signer in signers:
        if not isinstance(signer, dict):
            continue
        # NCANode 3 lists a signer's certificates under "certificates"; its
        # OpenAPI document calls the field "signers", so both are read.
        found = signer.get("certificates") or signer.get("signers") or []
        certificates += [c for c in found if isinstance(c, dict)]
    return certificates


def _refuse_invalid(certificate: dict) -> NoReturn:
    if certificate.get("valid") is not False:
        refuse(
            "ecp_signature_invalid",
            _("The signature does not match the signer's certificate."),
        )
    now = timezone.now()
    revocations = certificate.get("revocations") or []
    if any(isinstance(r, dict) and r.get("revoked") for r in revocations):
        refuse("ecp_certificate_revoked", _("The signer's certificate is revoked."))
    if _time(certificate.get("notAfter")) < now:
        refuse(
            "ecp_certificate_expired",
            _("The signer's certificate (or its CA's) has expired."),
        )
    if _time(certificate.get("notBefore")) > now:
        refuse(
            "ecp_certificate_not_yet_valid",
            _("The signer's certificate is not valid yet."),
        )
    refuse_untrusted()


def _time(value) -> datetime:
    """Read NCANode's `2022-05-02T08:38:13.000+00:00` timestamps."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        _failed(f"unreadable time {value!r}")
    if timezone.is_naive(moment):
        _failed(f"time without offset {value!r}")
    return moment


def _mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dn_value(dn: str, label: str, pattern: re.Pattern) -> str:
    for part in re.split(r",\s*", dn or ""):
        key, _, value = part.partition("=")
        if key.strip().upper() == label:
            match = pattern.match(value.strip())
            if match:
                return match.group(1)
    return ""


def _facts(
    answer: dict, certificate: dict, signing_time: datetime | None
) -> CertificateFacts:
    subject = _mapping(certificate.get("subject"))
    issuer = _mapping(certificate.get("issuer"))
    dn = str(subject.get("dn") or "")
    iin = str(subject.get("iin") or "") or _dn_value(dn, "SERIALNUMBER", IIN_RE)
    company_bin = str(subject.get("bin") or "") or _dn_value(dn, "OU", BIN_RE)
    signed_at = signing_time
    for signer in answer.get("signers") or []:
        tsp = signer.get("tsp") if isinstance(signer, dict) else None
        if isinstance(tsp, dict) and tsp.get("genTime"):
            # A timestamp authority's time beats the signer's own claim.
            signed_at = _time(tsp["genTime"])
    return CertificateFacts(
        iin=iin if _TWELVE_DIGITS.fullmatch(iin) else "",
        bin=company_bin if _TWELVE_DIGITS.fullmatch(company_bin) else "",
        subject=dn or str(subject.get("commonName") or ""),
        serial=str(certificate.get("serialNumber") or ""),
        issuer=str(issuer.get("dn") or issuer.get("commonName") or ""),
        valid_from=_time(certificate.get("notBefore")),
        valid_to=_time(certificate.get("notAfter")),
        signed_at=signed_at,
    )
