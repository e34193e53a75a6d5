"""The signed PDF: the contract's pages, then the certificate's, sealed once."""

import hashlib
import io
import logging

from django.core.files.base import ContentFile
from pypdf import PdfWriter

logger = logging.getLogger(__name__)


def build_signed_pdf(
    *, signature, contract_pdf: bytes, certificate_pdf: bytes
) -> bytes:
    """Merge the contract and certificate PDFs, store the result on `signature`."""
    writer = PdfWriter()
    for part in (contract_pdf, certificate_pdf):
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    # TODO(#3): seal the merged PDF with the platform's PAdES certificate.
    pdf = out.getvalue()
    signature.signed_pdf.save("signed.pdf", ContentFile(pdf), save=False)
    signature.signed_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    signature.save(update_fields=["signed_pdf", "signed_pdf_sha256"])
    logger.info("signed pdf stored signature=%s", signature.pk)
    return pdf
