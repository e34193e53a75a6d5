"""The platform's PAdES seal: its certificate, sealing a PDF, verifying a PDF.

Every signed PDF carries one seal made by pyHanko with the platform's
certificate: PAdES baseline B-B. B-T would need a timestamp authority (TSA),
and the portal fetches nothing from the network, so the only time in the seal
is the one the portal itself asserts (`/M` in the signature dictionary).

The certificate comes from `settings.SEAL_PKCS12_PATH` when set; otherwise a
self-signed EC P-256 certificate "OzgeContract platform seal" is generated on
first use and kept under `MEDIA_ROOT/seal/` (the key file with mode 0600).
Either is loaded once per process.

Verification answers, for uploaded bytes: is this a file the portal issued
(SHA-256 of the signed PDF, or of the unsigned contract document), which
contract and signer, and does the seal still hold.
"""

import fcntl
import hashlib
import io
import logging
import os
import threading
import uuid
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
from rest_framework import status

from contracts.models import Contract
from ozgecontract.errors import DomainError, InvalidInputError, NotFoundError
from signatures.models import Signature

logger = logging.getLogger(__name__)

SEAL_COMMON_NAME = "OzgeContract platform seal"
SEAL_FIELD_NAME = "OzgeContractSeal"
SEAL_REASON = "Подписано на OzgeContract"
SEAL_LOCATION = "Kazakhstan"
SEAL_VALIDITY = timedelta(days=3650)
SEAL_DIR_NAME = "seal"
SEAL_KEY_FILE = "platform-seal.key"
SEAL_CERT_FILE = "platform-seal.crt"

MAX_VERIFY_UPLOAD_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"
# A file can carry several signatures; checking each costs a parse and a
# digest, so a hostile upload with thousands of them is cut short.
MAX_SIGNATURES_CHECKED = 5

# pyHanko parses untrusted bytes and, on a damaged file, raises its own
# PdfError or whichever builtin error the broken structure trips (found by
# fuzzing sealed PDFs: ValueError, KeyError, IndexError, TypeError...).
_MALFORMED_PDF_ERRORS = (
    PdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
    OverflowError,
)


class UploadTooLargeError(DomainError):
    status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"
    default_detail = "The file is too large."


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
    return signers.sign_pdf(writer, metadata, signer=seal.signer).getvalue()


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
        raise UnreadablePdfError(_("The file is not a readable PDF.")) from exc
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
        result = validate_pdf_signature(
            embedded, context, key_usage_settings=usage, skip_diff=True
        )
        _, _, tail_start, tail_length = (int(n) for n in embedded.byte_range)
        signed_by = _common_name(result.signing_cert)
        level = _pades_level(embedded, timestamped=bool(result.timestamp_validity))
    except _MALFORMED_PDF_ERRORS as exc:
        logger.info("seal could not be validated: %s", type(exc).__name__)
        return SealReport(status=SealStatus.MODIFIED)

    whole_file = result.coverage == SignatureCoverageLevel.ENTIRE_FILE
    if not (result.intact and result.valid) or not whole_file:
        status_ = SealStatus.MODIFIED
    elif not result.trusted:
        status_ = SealStatus.UNTRUSTED
    else:
        status_ = SealStatus.INTACT
    revision = pdf_bytes[: tail_start + tail_length]
    return SealReport(
        status=status_,
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


# --- verification ----------------------------------------------------------


class Match:
    SIGNED_PDF = "signed_pdf"
    SEALED_REVISION = "sealed_revision"
    CONTRACT_DOCUMENT = "contract_document"
    NONE = ""


class Verdict:
    AUTHENTIC = "authentic"
    MODIFIED = "modified"
    CONTRACT_DOCUMENT = "contract_document"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    sha256: str
    match: str
    verdict: str
    seal: SealReport
    contract: Contract | None = None
    signature: Signature | None = None

    @property
    def known(self) -> bool:
        return self.match != Match.NONE


def read_verification_upload(upload) -> bytes:
    """Return the bytes of an uploaded PDF; refuse anything else with a 400/413."""
    if upload is None:
        raise InvalidInputError(
            _("Choose a PDF file to verify."),
            fields={"file": [_("Choose a PDF file to verify.")]},
        )
    if upload.size > MAX_VERIFY_UPLOAD_BYTES:
        raise_too_large()
    data = upload.read(MAX_VERIFY_UPLOAD_BYTES + 1)
    if len(data) > MAX_VERIFY_UPLOAD_BYTES:
        raise_too_large()
    if not data.startswith(PDF_MAGIC):
        message = _("Only PDF files can be verified; this file is not a PDF.")
        raise InvalidInputError(message, code="not_a_pdf", fields={"file": [message]})
    return data


def raise_too_large():
    limit = MAX_VERIFY_UPLOAD_BYTES // (1024 * 1024)
    message = _("The file is larger than %(limit)s MB.") % {"limit": limit}
    raise UploadTooLargeError(message, fields={"file": [message]})


def verify_pdf(*, pdf_bytes: bytes) -> Verification:
    """Tell whether `pdf_bytes` is a document this portal signed, and by whom."""
    sha256 = hashlib.sha256(pdf_bytes).hexdigest()
    signature = _completed_signatures().filter(signed_pdf_sha256=sha256).first()
    if signature is not None:
        match, contract = Match.SIGNED_PDF, signature.contract
    else:
        signature, contract = _find_contract_document(sha256)
        match = Match.CONTRACT_DOCUMENT if contract else Match.NONE

    try:
        seal = inspect_seal(pdf_bytes)
    except UnreadablePdfError:
        if match == Match.NONE:
            raise
        seal = SealReport(status=SealStatus.NOT_SEALED)

    if match == Match.NONE and seal.sealed_revision_sha256:
        signature = (
            _completed_signatures()
            .filter(signed_pdf_sha256=seal.sealed_revision_sha256)
            .first()
        )
        if signature is not None:
            match, contract = Match.SEALED_REVISION, signature.contract

    verdict = _verdict(match=match, seal=seal)
    logger.info(
        "document verified verdict=%s match=%s seal=%s contract=%s",
        verdict,
        match or "none",
        seal.status,
        contract.pk if contract else None,
    )
    return Verification(sha256, match, verdict, seal, contract, signature)


def _completed_signatures():
    return Signature.objects.filter(signed_at__isnull=False).select_related(
        "contract__company"
    )


def _find_contract_document(sha256: str) -> tuple[Signature | None, Contract | None]:
    # TODO(#3): Signature.document_sha256 and Contract.document_sha256 have no
    # index (their apps own the models), so these look-ups scan the tables.
    signature = _completed_signatures().filter(document_sha256=sha256).first()
    if signature is not None:
        return signature, signature.contract
    contract = (
        Contract.objects.select_related("company")
        .filter(document_sha256=sha256)
        .order_by("id")
        .first()
    )
    if contract is None:
        return None, None
    return completed_signature(contract), contract


def _verdict(*, match: str, seal: SealReport) -> str:
    if seal.status == SealStatus.MODIFIED:
        return Verdict.MODIFIED
    if match == Match.SIGNED_PDF:
        return Verdict.AUTHENTIC
    if match == Match.CONTRACT_DOCUMENT:
        return Verdict.CONTRACT_DOCUMENT
    # The platform's seal holds over the content, yet the file is not the one
    # issued: bytes the seal cannot cover (its own padding) were changed.
    if seal.status == SealStatus.INTACT:
        return Verdict.MODIFIED
    return Verdict.UNKNOWN


# --- a contract by its token (the certificate's QR code) -------------------


@dataclass(frozen=True)
class ContractVerification:
    contract: Contract
    signature: Signature | None

    @property
    def status(self) -> str:
        """Return the contract's status, counting a lapsed link as expired."""
        pending = self.contract.status == Contract.Status.PENDING
        if pending and self.contract.is_expired:
            return Contract.Status.EXPIRED
        return self.contract.status


def verify_contract_token(token: str) -> ContractVerification:
    """Return a contract and its completed signature by token; unknown is a 404."""
    try:
        token_uuid = uuid.UUID(str(token))
        contract = Contract.objects.select_related("company").get(
            contract_token=token_uuid
        )
    except (ValueError, Contract.DoesNotExist) as exc:
        raise NotFoundError(_("There is no contract with this link.")) from exc
    return ContractVerification(contract, completed_signature(contract))


def completed_signature(contract: Contract) -> Signature | None:
    return (
        Signature.objects.filter(contract=contract, signed_at__isnull=False)
        .order_by("-signed_at")
        .first()
    )


# --- shown by the page and the API ------------------------------------------


def mask_iin(iin: str) -> str:
    """Hide all but the last four digits: 850615300129 becomes ********0129."""
    if len(iin) < 8:
        return "*" * len(iin)
    return "*" * (len(iin) - 4) + iin[-4:]
