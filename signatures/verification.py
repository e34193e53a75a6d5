"""What an uploaded PDF is: a document this portal signed, by whom, and is it whole.

A file is recognised by its SHA-256: the sealed signed PDF
(`Signature.signed_pdf_sha256`), the revision a seal covers when content was
appended later, or the unsigned contract document (`document_sha256`). The
seal itself is checked by `signatures.sealing.inspect_seal`.

The certificate of online signing carries no seal and no stored hash: an
unsealed file titled as the certificate is compared byte for byte with the
certificate stored for the contract its printed verification link names.
The link only says which stored file to compare with; the bytes decide.

The verdict:

    authentic           the very file the portal issued, seal intact
    modified            the seal is broken, the sealed file was changed, or a
                        certificate differs from the one issued for its contract
    contract_document   the unsigned contract PDF of a known contract
    certificate         the very certificate of signing the portal issued
    unknown             nothing the portal issued
"""

import hashlib
import io
import logging
import re
import uuid
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from rest_framework import status

from contracts.models import Contract
from ozgecontract.errors import DomainError, InvalidInputError, NotFoundError
from signatures.models import Signature
from signatures.sealing import SealReport, SealStatus, UnreadablePdfError, inspect_seal

logger = logging.getLogger(__name__)

MAX_VERIFY_UPLOAD_BYTES = 20 * 1024 * 1024
PDF_MAGIC = b"%PDF-"

# The <title> of signatures/templates/signatures/certificate.html, which
# WeasyPrint writes into the PDF's metadata.
CERTIFICATE_TITLE = "Сертификат онлайн подписания / Онлайн қол қою сертификаты"
_VERIFICATION_LINK = re.compile(r"/verify/([0-9A-Fa-f-]{36})/")

# Besides its own errors, pypdf trips on these in a damaged PDF (found by
# changing single bytes of certificates, whose compressed object and
# cross-reference streams the parsers trip on).
_DAMAGED_STREAM_ERRORS = (
    zlib.error,
    AssertionError,
    NotImplementedError,
    ArithmeticError,
)
# pypdf reads untrusted bytes: its own errors, and whichever builtin error
# the broken structure trips.
_UNREADABLE_PDF_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    RecursionError,
    *_DAMAGED_STREAM_ERRORS,
)


class UploadTooLargeError(DomainError):
    status = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"
    default_detail = gettext_lazy("The file is too large.")


class Match:
    SIGNED_PDF = "signed_pdf"
    SEALED_REVISION = "sealed_revision"
    CONTRACT_DOCUMENT = "contract_document"
    CERTIFICATE = "certificate"
    NONE = ""


class Verdict:
    AUTHENTIC = "authentic"
    MODIFIED = "modified"
    CONTRACT_DOCUMENT = "contract_document"
    CERTIFICATE = "certificate"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Verification:
    sha256: str
    match: str
    verdict: str
    seal: SealReport
    contract: Contract | None = None
    signature: Signature | None = None
    # The file is titled as a certificate and names a signed contract, yet
    # differs from the certificate issued for it.
    altered_certificate: bool = False

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

    altered_certificate = False
    if match == Match.NONE and not seal.present:
        signature, altered_certificate = _find_certificate(pdf_bytes, sha256)
        if signature is not None:
            match, contract = Match.CERTIFICATE, signature.contract

    verdict = _verdict(match=match, seal=seal, altered_certificate=altered_certificate)
    logger.info(
        "document verified verdict=%s match=%s seal=%s contract=%s",
        verdict,
        match or "none",
        seal.status,
        contract.pk if contract else None,
    )
    return Verification(
        sha256, match, verdict, seal, contract, signature, altered_certificate
    )


def _completed_signatures():
    return Signature.objects.filter(signed_at__isnull=False).select_related(
        "contract__company"
    )


def _find_contract_document(sha256: str) -> tuple[Signature | None, Contract | None]:
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


def _find_certificate(pdf_bytes: bytes, sha256: str) -> tuple[Signature | None, bool]:
    """Return the signature whose stored certificate is this very file.

    The second value is True when the file is titled as a certificate and
    names a signed contract, but is not the certificate issued for it.
    """
    token = _certificate_token(pdf_bytes)
    if token is None:
        return None, False
    signature = _completed_signatures().filter(contract__contract_token=token).first()
    # Every certificate the portal hands out is stored first: without a
    # stored one, none was issued and the file is simply not the portal's.
    if signature is None or not signature.certificate_pdf:
        return None, False
    with signature.certificate_pdf.open("rb") as handle:
        issued = handle.read()
    if hashlib.sha256(issued).hexdigest() == sha256:
        return signature, False
    return None, True


def _certificate_token(pdf_bytes: bytes) -> uuid.UUID | None:
    """Return the contract token in a certificate's verification link, if any.

    Only a file whose metadata carries the certificate's title is read, and
    only its last page, where the link is printed: extracting text costs tens
    of milliseconds a page, too much to spend on every upload.
    """
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes), strict=False)
        if (reader.metadata or {}).get("/Title") != CERTIFICATE_TITLE:
            return None
        text = reader.pages[-1].extract_text()
    except _UNREADABLE_PDF_ERRORS as exc:
        logger.info("uploaded PDF text unreadable: %s", type(exc).__name__)
        return None
    # The link may wrap across lines (the certificate breaks it anywhere).
    found = _VERIFICATION_LINK.search("".join(text.split()))
    if found is None:
        return None
    try:
        return uuid.UUID(found.group(1))
    except ValueError:
        return None


def _verdict(*, match: str, seal: SealReport, altered_certificate: bool) -> str:
    if seal.status == SealStatus.MODIFIED or altered_certificate:
        return Verdict.MODIFIED
    if match == Match.SIGNED_PDF:
        return Verdict.AUTHENTIC
    if match == Match.CONTRACT_DOCUMENT:
        return Verdict.CONTRACT_DOCUMENT
    if match == Match.CERTIFICATE:
        return Verdict.CERTIFICATE
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
