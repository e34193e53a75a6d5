"""The platform's PAdES seal: its certificate, sealing a PDF, checking a seal.

Every signed PDF carries one seal made by pyHanko with the platform's
certificate: PAdES baseline B-B. B-T would need a timestamp authority (TSA),
and the portal fetches nothing from the network, so the only time in the seal
is the one the portal itself asserts (`/M` in the signature dictionary).

The certificate comes from `settings.SEAL_PKCS12_PATH` when set; otherwise a
self-signed EC P-256 certificate "OzgeContract platform seal" is generated on
first use and kept under `MEDIA_ROOT/seal/` (the key file with mode 0600).
Either is loaded once per process.

`inspect_seal` checks a seal with pyHanko's validator, trusting only the
platform's certificates; `signatures.verification` tells what a file is.
"""

import asyncio
import fcntl
import hashlib
import io
import logging
import os
import threading
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ozgecontract.errors import InvalidInputError

logger = logging.getLogger(__name__)

SEAL_COMMON_NAME = "OzgeContract platform seal"
SEAL_FIELD_NAME = "OzgeContractSeal"
SEAL_REASON = "Подписано на OzgeContract"
SEAL_LOCATION = "Kazakhstan"
SEAL_VALIDITY = timedelta(days=3650)
SEAL_DIR_NAME = "seal"
SEAL_KEY_FILE = "platform-seal.key"
SEAL_CERT_FILE = "platform-seal.crt"

# A file can carry several signatures; checking each costs a parse and a
# digest, so a hostile upload with thousands of them is cut short.
MAX_SIGNATURES_CHECKED = 5

# pyHanko parses untrusted bytes and, on a damaged file, raises its own
# PdfError or whichever builtin error the broken structure trips (found by
# fuzzing sealed PDFs: ValueError, KeyError, IndexError, TypeError...; and by
# changing single bytes of unsealed ones, whose compressed streams trip zlib,
# assertions and unimplemented filters).
_MALFORMED_PDF_ERRORS = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
    ArithmeticError,
    zlib.error,
    AssertionError,
    NotImplementedError,
)


# --- the platform's certificate --------------------------------------------


@dataclass(frozen=True)
class PlatformSeal:
    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    # Certificates a verification trusts as the platform's own.
    trust_roots: tuple[asn1_x509.Certificate, ...]


_seal_cache: dict[tuple[str, str, str], PlatformSeal] = {}
_seal_cache_lock = threading.Lock()


def platform_seal() -> PlatformSeal:
    """Return the platform's seal, loading or generating it once per process."""
    key = (
        str(settings.SEAL_PKCS12_PATH or ""),
        hashlib.sha256(str(settings.SEAL_PKCS12_PASSWORD or "").encode()).hexdigest(),
        str(settings.MEDIA_ROOT),
    )
    with _seal_cache_lock:
        seal = _seal_cache.get(key)
        if seal is None:
            seal = _load_platform_seal()
            _seal_cache[key] = seal
    return seal


def seal_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / SEAL_DIR_NAME


def _load_platform_seal() -> PlatformSeal:
    if settings.SEAL_PKCS12_PATH:
        signer = _load_pkcs12(
            Path(settings.SEAL_PKCS12_PATH), settings.SEAL_PKCS12_PASSWORD
        )
    else:
        signer = _signer_from_pem(*load_or_create_generated_seal(seal_directory()))
    certificate = signer.signing_cert
    trusted = [certificate, *signer.cert_registry]
    # Documents sealed before a PKCS#12 was configured stay verifiable.
    generated = seal_directory() / SEAL_CERT_FILE
    if settings.SEAL_PKCS12_PATH and generated.is_file():
        trusted.append(_asn1_certificate(generated.read_bytes()))
    logger.info(
        "platform seal loaded subject=%s serial=%s",
        certificate.subject.human_friendly,
        certificate.serial_number,
    )
    return PlatformSeal(signer, certificate, tuple(_unique(trusted)))


def _load_pkcs12(path: Path, password: str) -> signers.SimpleSigner:
    try:
        data = path.read_bytes()
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=password.encode() if password else None
        )
    except (OSError, ValueError) as exc:
        # The message names the file, never the password.
        raise ImproperlyConfigured(
            f"SEAL_PKCS12_PATH={path} could not be loaded as a PKCS#12 key and "
            "certificate (check the file and SEAL_PKCS12_PASSWORD)."
        ) from exc


def load_or_create_generated_seal(directory: Path) -> tuple[bytes, bytes]:
    """Return the generated seal's (key PEM, certificate PEM), creating it once.

    An exclusive lock on `directory/.lock` serialises first uses across threads
    and processes, so two concurrent first uses end up with one key.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_path = directory / SEAL_KEY_FILE
    cert_path = directory / SEAL_CERT_FILE
    with open(directory / ".lock", "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        # The certificate is written last, so its presence means "complete".
        if not cert_path.exists():
            key_pem, cert_pem = _generate_seal_certificate()
            _write_atomically(key_path, key_pem, mode=0o600)
            _write_atomically(cert_path, cert_pem, mode=0o644)
            logger.info("platform seal certificate generated in %s", directory)
        try:
            return key_path.read_bytes(), cert_path.read_bytes()
        except FileNotFoundError as exc:
            raise ImproperlyConfigured(
                f"{cert_path} exists but its key {key_path} is missing; restore "
                "the key or remove both files to generate a new seal."
            ) from exc


def _generate_seal_certificate() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SEAL_COMMON_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OzgeContract"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + SEAL_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write `path` so that no reader ever sees it half-written."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _signer_from_pem(key_pem: bytes, cert_pem: bytes) -> signers.SimpleSigner:
    private_key = serialization.load_pem_private_key(key_pem, password=None)
    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate = _asn1_certificate(cert_pem)
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def _asn1_certificate(pem: bytes) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def _unique(certificates):
    seen = set()
    for certificate in certificates:
        if certificate.sha256 not in seen:
            seen.add(certificate.sha256)
            yield certificate


# --- sealing ---------------------------------------------------------------


def seal_pdf(pdf_bytes: bytes) -> bytes:
    """Return `pdf_bytes` with the platform's PAdES seal; no change is allowed after."""
    # TODO(#3): PAdES B-T needs a timestamp authority; the portal reaches no
    # network service, so the seal stays B-B until a TSA can be configured.
    seal = platform_seal()
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD_NAME,
        reason=SEAL_REASON,
        location=SEAL_LOCATION,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    out = _outside_event_loop(signers.sign_pdf, writer, metadata, signer=seal.signer)
    return out.getvalue()


def _outside_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's sync functions, even from a thread running a loop.

    They wrap `asyncio.run()`, which refuses to start inside a running event
    loop (an async caller, a browser-driving test); a worker thread has none.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


# --- checking a seal -------------------------------------------------------


class SealStatus:
    INTACT = "intact"
    MODIFIED = "modified"
    NOT_SEALED = "not_sealed"
    UNTRUSTED = "untrusted"


class UnreadablePdfError(InvalidInputError):
    code = "unreadable_pdf"


@dataclass(frozen=True)
class SealReport:
    status: str
    intact: bool = False
    trusted: bool = False
    signed_by: str = ""
    signed_at: datetime | None = None
    level: str = ""
    covers_whole_file: bool = False
    # SHA-256 of the file up to the end of the sealed revision: when content
    # was appended after sealing, this still names the file that was sealed.
    sealed_revision_sha256: str = ""

    @property
    def present(self) -> bool:
        return self.status != SealStatus.NOT_SEALED


def inspect_seal(pdf_bytes: bytes) -> SealReport:
    """Tell whether `pdf_bytes` carries an intact seal by the platform.

    Raise `UnreadablePdfError` for bytes no PDF reader can make sense of.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        found = reader.embedded_signatures[:MAX_SIGNATURES_CHECKED]
    except _MALFORMED_PDF_ERRORS as exc:
        logger.info("uploaded PDF unreadable: %s", type(exc).__name__)
        if _has_signature_dictionary(pdf_bytes):
            return SealReport(status=SealStatus.MODIFIED)
        message = _("The file is not a readable PDF.")
        raise UnreadablePdfError(message, fields={"file": [message]}) from exc
    if not found:
        if _has_signature_dictionary(pdf_bytes):
            return SealReport(status=SealStatus.MODIFIED)
        return SealReport(status=SealStatus.NOT_SEALED)

    reports = [_check_signature(signature, pdf_bytes) for signature in found]
    # The platform's seal is the one that matters; another signer's only
    # tells that the file was signed by someone else.
    for report in reports:
        if report.trusted or report.status == SealStatus.MODIFIED:
            return report
    return reports[0]


def _has_signature_dictionary(pdf_bytes: bytes) -> bool:
    # A signature dictionary keeps /ByteRange in clear text (it cannot sit in
    # a compressed object stream): a file that has one but whose signature
    # cannot be read was broken after it was signed.
    return b"/ByteRange" in pdf_bytes


def _check_signature(embedded, pdf_bytes: bytes) -> SealReport:
    context = ValidationContext(
        trust_roots=list(platform_seal().trust_roots), allow_fetching=False
    )
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
    try:
        result = _outside_event_loop(
            validate_pdf_signature,
            embedded,
            context,
            key_usage_settings=usage,
            skip_diff=True,
        )
        _, _, tail_start, tail_length = (int(n) for n in embedded.byte_range)
        signed_by = _common_name(result.signing_cert)
        level = _pades_level(embedded, timestamped=bool(result.timestamp_validity))
    except _MALFORMED_PDF_ERRORS as exc:
        logger.info("seal could not be validated: %s", type(exc).__name__)
        return SealReport(status=SealStatus.MODIFIED)

    whole_file = result.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not (result.intact and result.valid) or not whole_file:
        status = SealStatus.MODIFIED
    elif not result.trusted:
        status = SealStatus.UNTRUSTED
    else:
        status = SealStatus.INTACT
    revision = pdf_bytes[: tail_start + tail_length]
    return SealReport(
        status=status,
        intact=bool(result.intact and result.valid),
        trusted=bool(result.trusted),
        signed_by=signed_by,
        signed_at=result.signer_reported_dt,
        level=level,
        covers_whole_file=whole_file,
        sealed_revision_sha256=hashlib.sha256(revision).hexdigest(),
    )


def _common_name(certificate: asn1_x509.Certificate) -> str:
    names = certificate.subject.native
    return names.get("common_name") or certificate.subject.human_friendly


def _pades_level(embedded, *, timestamped: bool) -> str:
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return "PKCS#7"
    return "PAdES B-T" if timestamped else "PAdES B-B"
