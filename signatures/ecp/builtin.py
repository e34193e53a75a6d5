"""The builtin verifier: RSA and ECDSA signatures checked in-process.

The message digest and the signature are checked with `cryptography`; the
signer's certificate path up to a CA in `ECP_TRUST_DIR` is validated with
pyhanko-certvalidator, at the current time.
"""

import asyncio
import hashlib
import hmac
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import NoReturn

from asn1crypto import cms, pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as pkix_errors

from signatures.ecp.parsing import (
    BIN_RE,
    GOST_PREFIXES,
    IIN_RE,
    CertificateFacts,
    ParsedCms,
    key_algorithm,
    refuse,
    refuse_untrusted,
    signed_attribute,
)

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_TRUST_SUFFIXES = {".pem", ".crt", ".cer", ".der"}
_NAME_LABELS = {
    NameOID.SERIAL_NUMBER: "SERIALNUMBER",
    NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "G",
    NameOID.EMAIL_ADDRESS: "E",
}


def verify(parsed: ParsedCms, document: bytes) -> CertificateFacts:
    """Check digest, signature, path, time and key usage; return the facts."""
    signer_info = parsed.signer_info
    _reject_gost(signer_info)
    certificate = _signer_certificate(signer_info, parsed.certificates)
    try:
        gost_key = key_algorithm(certificate).startswith(GOST_PREFIXES)
    except ValueError:
        _refuse_unreadable()
    if gost_key:
        _refuse_gost()
    crypto_cert = _load(certificate)

    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES:
        refuse(
            "ecp_unsupported_algorithm",
            _("The signature's digest algorithm %(name)s is not supported.")
            % {"name": digest_name},
        )
    signed_bytes = _check_digest(signer_info, document, digest_name)
    _check_signature(signer_info, crypto_cert, signed_bytes, digest_name)

    _check_path(certificate, parsed.certificates, timezone.now())
    _check_signing_time(crypto_cert, parsed.signing_time)
    try:
        _check_key_usage(crypto_cert)
        return _facts(crypto_cert, parsed.signing_time)
    except ValueError:
        # cryptography reads extensions and names lazily and raises here.
        _refuse_unreadable()


def _reject_gost(signer_info: cms.SignerInfo) -> None:
    oids = (
        signer_info["digest_algorithm"]["algorithm"].dotted,
        signer_info["signature_algorithm"]["algorithm"].dotted,
    )
    if any(oid.startswith(GOST_PREFIXES) for oid in oids):
        _refuse_gost()


def _refuse_gost() -> NoReturn:
    refuse(
        "ecp_gost_unsupported",
        _(
            "This is a GOST signature, which the built-in verifier cannot check: "
            "configure NCANode (ECP_VERIFIER=ncanode) to verify GOST signatures."
        ),
    )


def _refuse_unreadable() -> NoReturn:
    refuse(
        "ecp_certificate_unreadable",
        _("The signer's certificate in the signature cannot be read."),
    )


def _signer_certificate(
    signer_info: cms.SignerInfo, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate:
    sid = signer_info["sid"]
    for certificate in certificates:
        try:
            if sid.name == "issuer_and_serial_number":
                wanted = sid.chosen
                found = (
                    certificate.serial_number == wanted["serial_number"].native
                    and certificate.issuer == wanted["issuer"]
                )
            else:
                found = certificate.key_identifier == sid.chosen.native
        except (ValueError, TypeError, KeyError):
            continue
        if found:
            return certificate
    refuse(
        "ecp_certificate_missing",
        _("The signature does not carry the signer's certificate."),
    )


def _load(certificate: asn1_x509.Certificate) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(certificate.dump())
    except (ValueError, x509.InvalidVersion):
        _refuse_unreadable()


def _check_digest(
    signer_info: cms.SignerInfo, document: bytes, digest_name: str
) -> bytes:
    """Match the signed messageDigest to `document`; return the bytes signed."""
    if not signer_info["signed_attrs"]:
        # Without signed attributes the signature covers the content itself.
        return document
    digest = signed_attribute(signer_info, "message_digest")
    expected = hashlib.new(digest_name, document).digest()
    if digest is None or not hmac.compare_digest(digest.native, expected):
        refuse(
            "ecp_document_mismatch",
            _(
                "The signature was made over a different document; sign the "
                "contract shown on the page again."
            ),
        )
    # The signature covers the attributes re-tagged from [0] IMPLICIT to SET OF.
    encoded = signer_info["signed_attrs"].dump()
    return b"\x31" + encoded[1:]


def _check_signature(
    signer_info: cms.SignerInfo,
    certificate: x509.Certificate,
    signed_bytes: bytes,
    digest_name: str,
) -> None:
    algorithm = signer_info["signature_algorithm"]
    try:
        kind = algorithm.signature_algo
    except ValueError:
        kind = "unknown"
    try:
        hash_name = algorithm.hash_algo
    except ValueError:
        hash_name = digest_name
    if hash_name not in _HASHES or kind not in ("rsassa_pkcs1v15", "ecdsa"):
        refuse(
            "ecp_unsupported_algorithm",
            _(
                "The signature algorithm %(name)s is not supported; "
                "RSA (PKCS#1 v1.5) and ECDSA are."
            )
            % {"name": algorithm["algorithm"].native},
        )
    try:
        public_key = certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        refuse(
            "ecp_unsupported_algorithm",
            _("The signer certificate's key type is not supported."),
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
        refuse(
            "ecp_signature_invalid",
            _("The signature does not match the signer's certificate."),
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
                ders = [
                    d
                    for kind, _, d in pem.unarmor(data, multiple=True)
                    if kind == "CERTIFICATE"
                ]
            else:
                ders = [data]
            for der in ders:
                certificate = asn1_x509.Certificate.load(der)
                certificate.native  # noqa: B018 - fail here on a broken file
                roots.append(certificate)
        except (ValueError, TypeError, KeyError, AttributeError):
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
        refuse_untrusted()
    # TODO(#4): the builtin verifier does not check CRL/OCSP revocation (no
    # network at verification time); use ECP_VERIFIER=ncanode for that.
    try:
        context = ValidationContext(
            trust_roots=roots,
            other_certs=[c for c in others if _readable(c)],
            moment=moment,
            allow_fetching=False,
            revocation_mode="soft-fail",
        )
        validator = CertificateValidator(certificate, validation_context=context)
        _run(validator.async_validate_path())
    except pkix_errors.ExpiredError:
        refuse(
            "ecp_certificate_expired",
            _("The signer's certificate (or its CA's) has expired."),
        )
    except pkix_errors.NotYetValidError:
        refuse(
            "ecp_certificate_not_yet_valid",
            _("The signer's certificate is not valid yet."),
        )
    except pkix_errors.RevokedError:
        refuse("ecp_certificate_revoked", _("The signer's certificate is revoked."))
    except (pkix_errors.PathError, pkix_errors.ValidationError) as exc:
        # The validator's message quotes the subject, IIN included: log the kind.
        security_logger.info("ecp certificate path rejected: %s", type(exc).__name__)
        refuse_untrusted()
    except (ValueError, TypeError):
        # asn1crypto parses certificates lazily: a broken field surfaces here.
        _refuse_unreadable()


def _readable(certificate: asn1_x509.Certificate) -> bool:
    """Tell whether asn1crypto can read every field of `certificate`."""
    try:
        certificate.native  # noqa: B018
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


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
        refuse(
            "ecp_signing_time_invalid",
            _(
                "The signing time in the signature lies outside the certificate's "
                "validity."
            ),
        )


def _check_key_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        refuse(
            "ecp_key_usage",
            _(
                "The certificate's key is not meant for signing; use the "
                "signing (RSA/GOST SIGN) key."
            ),
        )


def _attribute(name: x509.Name, oid, pattern) -> str:
    for attribute in name.get_attributes_for_oid(oid):
        match = pattern.match(str(attribute.value).strip())
        if match:
            return match.group(1)
    return ""


def _dn(name: x509.Name) -> str:
    """Write a name in certificate order (CN first), escaped as in RFC 4514."""
    return x509.Name(list(reversed(name.rdns))).rfc4514_string(_NAME_LABELS)


def _facts(
    certificate: x509.Certificate, signed_at: datetime | None
) -> CertificateFacts:
    subject = certificate.subject
    return CertificateFacts(
        iin=_attribute(subject, NameOID.SERIAL_NUMBER, IIN_RE),
        bin=_attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME, BIN_RE),
        subject=_dn(subject),
        serial=f"{certificate.serial_number:x}",
        issuer=_dn(certificate.issuer),
        valid_from=certificate.not_valid_before_utc,
        valid_to=certificate.not_valid_after_utc,
        signed_at=signed_at,
    )
