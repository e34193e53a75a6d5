"""The signed PDF: the contract's pages, then the certificate's, sealed once."""

import hashlib
import io
import logging

from django.core.files.base import ContentFile
from pypdf import PdfWriter

from signatures.sealing import seal_pdf

logger = logging.getLogger(__name__)


def merge_pdfs(*parts: bytes, title: str = "") -> bytes:
    """Return one PDF holding the pages of `parts`, in order."""
    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    writer.add_metadata({"/Title": title, "/Creator": "OzgeContract"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_signed_pdf(
    *, signature, contract_pdf: bytes, certificate_pdf: bytes
) -> bytes:
    """Merge the contract and certificate PDFs, seal them, store them on `signature`.

    The stored SHA-256 is what public verification recognises the file by.
    """
    contract = signature.contract
    title = f"Договор {contract.number or contract.pk} / Келісім-шарт"
    pdf = seal_pdf(merge_pdfs(contract_pdf, certificate_pdf, title=title))

    signature.signed_pdf.save("signed.pdf", ContentFile(pdf), save=False)
    signature.signed_pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    signature.save(update_fields=["signed_pdf", "signed_pdf_sha256"])
    logger.info(
        "signed pdf sealed and stored signature=%s contract=%s",
        signature.pk,
        contract.pk,
    )
    return pdf
