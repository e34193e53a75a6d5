"""Verification of ЭЦП (NCA RK) CMS signatures over a contract PDF.

NCALayer hands the signing page a CMS SignedData (base64) over the exact bytes
of the contract PDF. `verify_cms` checks it with the verifier named by the
`ECP_VERIFIER` setting:

- `builtin` (default): parses the CMS with asn1crypto, checks the message
  digest and the RSA or ECDSA signature with `cryptography`, and validates
  the signer's certificate path up to a CA certificate in `ECP_TRUST_DIR`
  with pyhanko-certvalidator. It cannot check GOST signatures.
- `ncanode`: asks an NCANode 3.x server (`POST {NCANODE_URL}/cms/verify`),
  which also checks GOST signatures and, if asked, OCSP/CRL revocation.

Either way the signer's IIN (subject `serialNumber=IIN...`) must equal the
IIN the client typed. Every refusal is an `InvalidInputError` with its own
`code`; an unreachable NCANode is an `UpstreamError`.
"""

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as pkix_errors

from ozgecontract.errors import InvalidInputError, UpstreamError

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

# Kazakhstan's GOST 34.310/34.311 (1.2.398.3.10...) and Russian GOST (1.2.643...).
_GOST_PREFIXES = ("1.2.398.3.10.", "1.2.643.")
_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_TRUST_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_IIN_RE = re.compile(r"^IIN(\d{12})$")
_BIN_RE = re.compile(r"^BIN(\d{12})$")
_NAME_LABELS = {
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "G",
    NameOID.EMAIL_ADDRESS: "E",
}


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


@dataclass(frozen=True)
class _Parsed:
    signer_info: cms.SignerInfo
    certificates: list[asn1_x509.Certificate]
    content: bytes | None
    signing_time: datetime | None


def verify_cms(*, cms_b64: str, document: bytes, expected_iin: str) -> CertificateFacts:
    """Check a CMS signature over `document` and return its signer's facts."""
    raw = _decode(cms_b64)
    parsed = _parse(raw)
    if parsed.content is not None and not hmac.compare_digest(parsed.content, document):
        _refuse(
            "ecp_document_mismatch",
            "The signature was made over a different document; sign the "
            "contract shown on the page again.",
        )

    verifier = settings.ECP_VERIFIER
    if verifier == "builtin":
        facts = _verify_builtin(parsed, document)
    elif verifier == "ncanode":
        facts = _verify_with_ncanode(raw, parsed, document)
    else:
        raise ImproperlyConfigured(
            f"ECP_VERIFIER must be 'builtin' or 'ncanode', not {verifier!r}."
        )

    if not facts.iin:
        _refuse(
            "ecp_no_iin",
            "The certificate does not name an IIN; sign with a personal NCA RK key.",
        )
    if not hmac.compare_digest(facts.iin, expected_iin or ""):
        _refuse(
            "ecp_iin_mismatch",
            "The signature was made with another person's certificate: its IIN "
            "differs from the IIN entered.",
        )
    logger.info("ecp signature verified verifier=%s serial=%s", verifier, facts.serial)
    return facts


def _refuse(code: str, message: str):
    security_logger.warning("ecp signature refused code=%s", code)
    raise InvalidInputError(message, code=code)


def _decode(cms_b64: str) -> bytes:
    text = "".join((cms_b64 or "").split())
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not raw:
        _refuse("ecp_not_base64", "The signature (cms) must be base64 text.")
    return raw


def _parse(raw: bytes) -> _Parsed:
    """Read the one signer of a CMS SignedData; refuse anything else."""
    try:
        info = cms.ContentInfo.load(raw, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = info["content"]
        signer_infos = list(signed_data["signer_infos"])
        certificates = [
            choice.chosen
            for choice in (signed_data["certificates"] or [])
            if choice.name == "certificate"
        ]
        content = signed_data["encap_content_info"]["content"].native
        signing_time = None
        if len(signer_infos) == 1:
            signer_info = signer_infos[0]
            signing_time = _signing_time(signer_info)
            for certificate in certificates:
                certificate.native  # noqa: B018 - parse it now, not mid-check
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        _refuse(
            "ecp_not_cms",
            "The signature is not a CMS (PKCS#7) signed message.",
        )
    if len(signer_infos) != 1:
        _refuse(
            "ecp_signer_count",
            f"The signature must have exactly one signer, not {len(signer_infos)}.",
        )
    return _Parsed(
        signer_info=signer_info,
        certificates=certificates,
        content=content,
        signing_time=signing_time,
    )


def _signed_attribute(signer_info: cms.SignerInfo, name: str):
    for attribute in signer_info["signed_attrs"] or []:
        if attribute["type"].native == name:
            return attribute["values"][0]
    return None


def _signing_time(signer_info: cms.SignerInfo) -> datetime | None:
    value = _signed_attribute(signer_info, "signing_time")
    return value.native if value is not None else None


# --- builtin verifier -------------------------------------------------------


def _verify_builtin(parsed: _Parsed, document: bytes) -> CertificateFacts:
    signer_info = parsed.signer_info
    _reject_gost(signer_info)
    certificate = _signer_certificate(signer_info, parsed.certificates)
    _reject_gost_key(certificate)

    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES:
        _refuse(
            "ecp_unsupported_algorithm",
            f"The signature's digest algorithm {digest_name} is not supported.",
        )
    signed_bytes = _check_digest(signer_info, document, digest_name)
    _check_signature(signer_info, certificate, signed_bytes, digest_name)

    now = timezone.now()
    _check_path(certificate, parsed.certificates, now)
    crypto_cert = x509.load_der_x509_certificate(certificate.dump())
    _check_signing_time(crypto_cert, parsed.signing_time)
    _check_key_usage(crypto_cert)
    return _facts_from_certificate(crypto_cert, parsed.signing_time)


def _reject_gost(signer_info: cms.SignerInfo) -> None:
    oids = (
        signer_info["digest_algorithm"]["algorithm"].dotted,
        signer_info["signature_algorithm"]["algorithm"].dotted,
    )
    if any(oid.startswith(_GOST_PREFIXES) for oid in oids):
        _refuse_gost()


def _reject_gost_key(certificate: asn1_x509.Certificate) -> None:
    key_info = certificate["tbs_certificate"]["subject_public_key_info"]
    if key_info["algorithm"]["algorithm"].dotted.startswith(_GOST_PREFIXES):
        _refuse_gost()


def _refuse_gost():
    _refuse(
        "ecp_gost_unsupported",
        "This is a GOST signature, which the built-in verifier cannot check: "
        "configure NCANode (ECP_VERIFIER=ncanode) to verify GOST signatures.",
    )


def _signer_certificate(
    signer_info: cms.SignerInfo, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate:
    sid = signer_info["sid"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                certificate.serial_number == wanted["serial_number"].native
                and certificate.issuer == wanted["issuer"]
            ):
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    return _refuse(
        "ecp_certificate_missing",
        "The signature does not carry the signer's certificate.",
    )


def _check_digest(
    signer_info: cms.SignerInfo, document: bytes, digest_name: str
) -> bytes:
    """Match the signed messageDigest to `document`; return the bytes signed."""
    if not signer_info["signed_attrs"]:
        # Without signed attributes the signature covers the content itself.
        return document
    digest = _signed_attribute(signer_info, "message_digest")
    expected = hashlib.new(digest_name, document).digest()
    if digest is None or not hmac.compare_digest(digest.native, expected):
        _refuse(
            "ecp_document_mismatch",
            "The signature was made over a different document; sign the "
            "contract shown on the page again.",
        )
    # The signature covers the attributes re-tagged from [0] IMPLICIT to SET OF.
    encoded = signer_info["signed_attrs"].dump()
    return b"\x31" + encoded[1:]


def _check_signature(
    signer_info: cms.SignerInfo,
    certificate: asn1_x509.Certificate,
    signed_bytes: bytes,
    digest_name: str,
) -> None:
    algorithm = signer_info["signature_algorithm"]
    kind = algorithm.signature_algo
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = digest_name
    if hash_name not in _HASHES or kind not in ("rsassa_pkcs1v15", "ecdsa"):
        _refuse(
            "ecp_unsupported_algorithm",
            f"The signature algorithm {algorithm['algorithm'].native} is not "
            "supported; RSA (PKCS#1 v1.5) and ECDSA are.",
        )
    try:
        public_key = x509.load_der_x509_certificate(certificate.dump()).public_key()
    except (ValueError, UnsupportedAlgorithm):
        _refuse(
            "ecp_unsupported_algorithm",
            "The signer certificate's key type is not supported.",
        )
    signature = signer_info["signature"].native
    try:
        if kind == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(
                signature, signed_bytes, padding.PKCS1v15(), _HASHES[hash_name]()
            )
        elif kind == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, signed_bytes, ec.ECDSA(_HASHES[hash_name]()))
        else:
            raise InvalidSignature
    except InvalidSignature:
        _refuse(
            "ecp_signature_invalid",
            "The signature does not match the signer's certificate.",
        )


def _trust_roots() -> list[asn1_x509.Certificate]:
    """Read every CA certificate (PEM or DER) in ECP_TRUST_DIR."""
    folder = Path(settings.ECP_TRUST_DIR)
    roots = []
    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in paths:
        if path.suffix.lower() not in _TRUST_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        try:
            if pem.detect(data):
                roots += [
                    asn1_x509.Certificate.load(der)
                    for kind, _, der in pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"
                ]
            else:
                certificate = asn1_x509.Certificate.load(data)
                certificate.native  # noqa: B018 - fail here on a broken file
                roots.append(certificate)
        except (ValueError, TypeError):
            logger.warning("ECP_TRUST_DIR file is not a certificate: %s", path.name)
    if not roots:
        logger.warning("ECP_TRUST_DIR %s holds no CA certificates", folder)
    return roots


def _run(coroutine):
    """Run a coroutine to the end, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _check_path(
    certificate: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    moment: datetime,
) -> None:
    roots = _trust_roots()
    if not roots:
        # An empty trust list would make the validator fall back to the
        # operating system's TLS roots, which never vouch for a signer.
        _refuse_untrusted()
    context = ValidationContext(
        trust_roots=roots,
        other_certs=others,
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(certificate, validation_context=context)
    # TODO(#4): the builtin verifier does not check CRL/OCSP revocation (no
    # network at verification time); use ECP_VERIFIER=ncanode for that.
    try:
        _run(validator.async_validate_path())
    except pkix_errors.ExpiredError:
        _refuse(
            "ecp_certificate_expired",
            "The signer's certificate (or its CA's) has expired.",
        )
    except pkix_errors.NotYetValidError:
        _refuse(
            "ecp_certificate_not_yet_valid",
            "The signer's certificate is not valid yet.",
        )
    except pkix_errors.RevokedError:
        _refuse("ecp_certificate_revoked", "The signer's certificate is revoked.")
    except (pkix_errors.PathError, pkix_errors.ValidationError) as exc:
        # The validator's message quotes the subject, IIN included: log the kind.
        security_logger.info("ecp certificate path rejected: %s", type(exc).__name__)
        _refuse_untrusted()


def _refuse_untrusted():
    _refuse(
        "ecp_certificate_untrusted",
        "The signer's certificate was not issued by a trusted certification "
        "authority (NCA RK).",
    )


def _check_signing_time(
    certificate: x509.Certificate, signing_time: datetime | None
) -> None:
    # The signer writes signingTime, so it is checked in addition to the
    # path validation at the current time, never instead of it.
    if signing_time is None:
        return
    if not (
        certificate.not_valid_before_utc
        <= signing_time
        <= certificate.not_valid_after_utc
    ):
        _refuse(
            "ecp_signing_time_invalid",
            "The signing time in the signature lies outside the certificate's "
            "validity.",
        )


def _check_key_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        _refuse(
            "ecp_key_usage",
            "The certificate's key is not meant for signing; use the "
            "signing (RSA/GOST SIGN) key.",
        )


def _attribute(name: x509.Name, oid, pattern: re.Pattern) -> str:
    for attribute in name.get_attributes_for_oid(oid):
        match = pattern.match(str(attribute.value).strip())
        if match:
            return match.group(1)
    return ""


def _dn(name: x509.Name) -> str:
    """Write a name in certificate order (CN first), escaped as in RFC 4514."""
    return x509.Name(list(reversed(name.rdns))).rfc4514_string(_NAME_LABELS)


def _facts_from_certificate(
    certificate: x509.Certificate, signed_at: datetime | None
) -> CertificateFacts:
    subject = certificate.subject
    return CertificateFacts(
        iin=_attribute(subject, NameOID.SERIAL_NUMBER, _IIN_RE),
        bin=_attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME, _BIN_RE),
        subject=_dn(subject),
        serial=f"{certificate.serial_number:x}",
        issuer=_dn(certificate.issuer),
        valid_from=certificate.not_valid_before_utc,
        valid_to=certificate.not_valid_after_utc,
        signed_at=signed_at,
    )


# --- NCANode verifier -------------------------------------------------------


def _verify_with_ncanode(
    raw: bytes, parsed: _Parsed, document: bytes
) -> CertificateFacts:
    request = {
        "cms": base64.b64encode(raw).decode("ascii"),
        "revocationCheck": list(settings.NCANODE_REVOCATION_CHECK),
    }
    if parsed.content is None:
        request["data"] = base64.b64encode(document).decode("ascii")
    status, answer = _ncanode_post("/cms/verify", request)
    if 400 <= status < 500:
        # NCANode answers 400 when it cannot verify the CMS at all, e.g. a
        # message digest that does not match the data.
        security_logger.info(
            "ncanode refused the cms: %s", str(answer.get("message", ""))[:200]
        )
        _refuse(
            "ecp_signature_invalid",
            "The signature could not be verified against the contract.",
        )
    if status != 200:
        _ncanode_failed(f"status {status}")

    certificates = _ncanode_certificates(answer)
    if len(certificates) != 1:
        _refuse(
            "ecp_signer_count",
            f"The signature must have exactly one signer, not {len(certificates)}.",
        )
    certificate = certificates[0]
    if answer.get("valid") is not True:
        _refuse_ncanode_invalid(certificate)
    if certificate.get("keyUsage") not in (None, "SIGN", "AUTH"):
        _refuse(
            "ecp_key_usage",
            "The certificate's key is not meant for signing; use the "
            "signing (RSA/GOST SIGN) key.",
        )
    return _facts_from_ncanode(answer, certificate, parsed.signing_time)


def _ncanode_post(path: str, payload: dict) -> tuple[int, dict]:
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
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (OSError, ValueError) as exc:
        _ncanode_failed(f"{type(exc).__name__}: {exc}")
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        _ncanode_failed(f"status {status}, not a JSON object")
    return status, answer


def _ncanode_failed(reason: str):
    logger.warning("ncanode verification failed: %s", reason)
    raise UpstreamError(
        "The signature verification service is unavailable; try again in a minute.",
        code="ecp_verifier_unavailable",
    )


def _ncanode_certificates(answer: dict) -> list[dict]:
    signers = answer.get("signers")
    if not isinstance(signers, list):
        _ncanode_failed("answer without signers")
    certificates = []
    for signer in signers:
        if not isinstance(signer, dict):
            continue
        # NCANode 3 lists a signer's certificates under "certificates"; its
        # OpenAPI document calls the field "signers", so both are read.
        found = signer.get("certificates") or signer.get("signers") or []
        certificates += [c for c in found if isinstance(c, dict)]
    return certificates


def _refuse_ncanode_invalid(certificate: dict) -> None:
    if certificate.get("valid") is not False:
        _refuse(
            "ecp_signature_invalid",
            "The signature does not match the signer's certificate.",
        )
    now = timezone.now()
    revocations = certificate.get("revocations") or []
    if any(isinstance(r, dict) and r.get("revoked") for r in revocations):
        _refuse("ecp_certificate_revoked", "The signer's certificate is revoked.")
    not_after = _ncanode_time(certificate.get("notAfter"))
    not_before = _ncanode_time(certificate.get("notBefore"))
    if not_after < now:
        _refuse(
            "ecp_certificate_expired",
            "The signer's certificate (or its CA's) has expired.",
        )
    if not_before > now:
        _refuse(
            "ecp_certificate_not_yet_valid",
            "The signer's certificate is not valid yet.",
        )
    _refuse_untrusted()


def _ncanode_time(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        _ncanode_failed(f"unreadable time {value!r}")
    if timezone.is_naive(moment):
        _ncanode_failed(f"time without offset {value!r}")
    return moment


def _dn_value(dn: str, label: str, pattern: re.Pattern) -> str:
    for part in re.split(r",\s*", dn or ""):
        key, _, value = part.partition("=")
        if key.strip().upper() == label:
            match = pattern.match(value.strip())
            if match:
                return match.group(1)
    return ""


def _facts_from_ncanode(
    answer: dict, certificate: dict, signing_time: datetime | None
) -> CertificateFacts:
    subject = certificate.get("subject") or {}
    issuer = certificate.get("issuer") or {}
    dn = str(subject.get("dn") or "")
    iin = str(subject.get("iin") or "") or _dn_value(dn, "SERIALNUMBER", _IIN_RE)
    company_bin = str(subject.get("bin") or "") or _dn_value(dn, "OU", _BIN_RE)
    signed_at = signing_time
    for signer in answer.get("signers") or []:
        tsp = signer.get("tsp") if isinstance(signer, dict) else None
        if isinstance(tsp, dict) and tsp.get("genTime"):
            # A timestamp authority's time beats the signer's own claim.
            signed_at = _ncanode_time(tsp["genTime"])
    return CertificateFacts(
        iin=iin if re.fullmatch(r"\d{12}", iin) else "",
        bin=company_bin if re.fullmatch(r"\d{12}", company_bin) else "",
        subject=dn or str(subject.get("commonName") or ""),
        serial=str(certificate.get("serialNumber") or ""),
        issuer=str(issuer.get("dn") or issuer.get("commonName") or ""),
        valid_from=_ncanode_time(certificate.get("notBefore")),
        valid_to=_ncanode_time(certificate.get("notAfter")),
        signed_at=signed_at,
    )
