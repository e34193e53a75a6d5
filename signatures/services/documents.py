"""Documents around a signature: the contract PDF, the certificate, the signed PDF."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from contracts.models import Contract
from ozgecontract.errors import StateConflictError
from signatures.certificate import render_certificate_pdf
from signatures.models import Signature
from signatures.signed_document import build_signed_pdf

logger = logging.getLogger(__name__)


def contract_document(*, contract: Contract) -> bytes:
    """Return the contract PDF the client signs, generating it if needed."""
    # Imported here: contracts.services records audit events through this
    # package, so a module-level import would be circular.
    from contracts.services import ensure_contract_document

    return ensure_contract_document(contract=contract)


def ensure_certificate_pdf(*, signature: Signature) -> bytes:
    """Return the stored certificate PDF, rendering and storing it if missing.

    Renders outside the row lock and stores under it only while none is
    stored: racing first downloads, and the signed PDF built from it, all get
    the one certificate that was stored first.
    """
    if signature.certificate_pdf:
        with signature.certificate_pdf.open("rb") as handle:
            return handle.read()
    pdf = render_certificate_pdf(signature=signature)
    with transaction.atomic():
        locked = Signature.objects.select_for_update().get(pk=signature.pk)
        if locked.certificate_pdf:
            with locked.certificate_pdf.open("rb") as handle:
                pdf = handle.read()
        else:
            locked.certificate_pdf.save("certificate.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["certificate_pdf"])
            logger.info("certificate stored signature=%s", signature.pk)
    signature.certificate_pdf = locked.certificate_pdf
    return pdf


def ensure_signed_pdf(*, signature: Signature) -> bytes:
    """Return the signed PDF (contract + certificate), building it if missing.

    Locks the signature row while building: two downloads racing must not
    seal two different files of which only one hash is recorded.
    """
    if signature.signed_pdf:
        with signature.signed_pdf.open("rb") as handle:
            return handle.read()
    with transaction.atomic():
        locked = (
            Signature.objects.select_for_update()
            .select_related("contract__company")
            .get(pk=signature.pk)
        )
        if locked.signed_pdf:
            with locked.signed_pdf.open("rb") as handle:
                pdf = handle.read()
        else:
            pdf = _build_signed_pdf(signature=locked)
    for field in ("certificate_pdf", "signed_pdf", "signed_pdf_sha256"):
        setattr(signature, field, getattr(locked, field))
    return pdf


def _build_signed_pdf(*, signature: Signature) -> bytes:
    contract_pdf = contract_document(contract=signature.contract)
    if (
        signature.document_sha256
        and hashlib.sha256(contract_pdf).hexdigest() != signature.document_sha256
    ):
        logger.error(
            "contract pdf differs from the signed one signature=%s contract=%s",
            signature.pk,
            signature.contract_id,
        )
        raise StateConflictError(
            _("The contract document no longer matches the one that was signed."),
            code="document_mismatch",
        )
    certificate_pdf = ensure_certificate_pdf(signature=signature)
    return build_signed_pdf(
        signature=signature, contract_pdf=contract_pdf, certificate_pdf=certificate_pdf
    )


def issue_certificate(*, signature: Signature) -> None:
    """Render and store the certificate; a failure never undoes signing.

    The sealed signed PDF is not made here: merging and sealing it would add
    to every signing, and `ensure_signed_pdf` builds it under a row lock the
    first time anyone downloads or verifies it, from this certificate.
    """
    try:
        ensure_certificate_pdf(signature=signature)
    except Exception:
        # The signature is committed evidence; the certificate is rendered
        # again when someone downloads it, so any failure here is only logged.
        logger.exception(
            "certificate not issued signature=%s; retried on download",
            signature.pk,
        )
