"""Public verification of signed PDFs, for anyone holding a document or its QR code.

    /verify/                     page: upload form (GET), its result (POST)
    /verify/<token>/             page: a contract by its token (the QR target)
    /verify/<token>/signed.pdf   the contract's sealed signed PDF
    /verify                      API: POST multipart `file`, answers JSON

The API path has no trailing slash on purpose: `/verify/` is the page, whose
form posts to itself with a CSRF token, so the two never shadow each other.
"""

import logging
import re
from datetime import UTC

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
)
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from ozgecontract.errors import DomainError, NotFoundError, TooManyAttemptsError
from signatures.certificate import format_almaty
from signatures.services import ensure_signed_pdf
from signatures.verification import (
    MAX_VERIFY_UPLOAD_BYTES,
    mask_iin,
    raise_too_large,
    read_verification_upload,
    verify_contract_token,
    verify_pdf,
)

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

# Multipart framing around the file: a body past the limit plus this is
# refused before Django spools it to disk.
_MULTIPART_OVERHEAD = 64 * 1024


class VerificationThrottle(SimpleRateThrottle):
    """Limit uploads per client address: each one costs a parse and a digest."""

    scope = "verify"
    rate = "20/minute"

    def get_ident(self, request):
        # DRF's own get_ident reads X-Forwarded-For, which any client can set
        # to a new value per request; only the address the server saw counts.
        return request.META.get("REMOTE_ADDR") or ""

    def get_cache_key(self, request, view):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


def _guard_upload_request(request) -> None:
    """Refuse a throttled client or an oversized body before reading the upload."""
    throttle = VerificationThrottle()
    if not throttle.allow_request(request, None):
        security_logger.warning("verification throttled")
        raise TooManyAttemptsError(
            _("Too many files verified; try again in a minute."),
            retry_after=throttle.wait() or 60,
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_VERIFY_UPLOAD_BYTES + _MULTIPART_OVERHEAD:
        raise_too_large()


# --- the API: POST /verify -------------------------------------------------


class VerificationContractSerializer(serializers.Serializer):
    number = serializers.CharField()
    company = serializers.CharField(source="company.name")
    status = serializers.CharField()
    document_sha256 = serializers.CharField()


class VerificationSignatureSerializer(serializers.Serializer):
    client_name = serializers.CharField()
    client_iin = serializers.SerializerMethodField(help_text="Masked IIN.")
    method = serializers.CharField()
    signed_at = serializers.DateTimeField(default_timezone=UTC)
    signed_at_almaty = serializers.SerializerMethodField(
        help_text="Signing time in Almaty, dd.mm.yyyy, HH:MM:SS."
    )
    signed_pdf_sha256 = serializers.CharField()

    def get_client_iin(self, signature) -> str:
        return mask_iin(signature.client_iin)

    def get_signed_at_almaty(self, signature) -> str:
        return format_almaty(signature.signed_at)


class VerificationSealSerializer(serializers.Serializer):
    present = serializers.BooleanField()
    status = serializers.ChoiceField(
        choices=["intact", "modified", "not_sealed", "untrusted"]
    )
    intact = serializers.BooleanField()
    trusted = serializers.BooleanField()
    signed_by = serializers.CharField()
    signed_at = serializers.DateTimeField(default_timezone=UTC, allow_null=True)
    level = serializers.CharField(help_text="PAdES B-B: no timestamp authority.")
    covers_whole_file = serializers.BooleanField()


class VerificationSerializer(serializers.Serializer):
    known = serializers.BooleanField(
        help_text="The file, or the revision the seal covers, is one the portal made."
    )
    match = serializers.ChoiceField(
        choices=[
            "signed_pdf",
            "sealed_revision",
            "contract_document",
            "certificate",
            "",
        ]
    )
    verdict = serializers.ChoiceField(
        choices=["authentic", "modified", "contract_document", "certificate", "unknown"]
    )
    sha256 = serializers.CharField()
    contract = VerificationContractSerializer(allow_null=True)
    signature = VerificationSignatureSerializer(allow_null=True)
    seal = VerificationSealSerializer()


class VerificationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The PDF to verify, at most 20 MB.")


@extend_schema(
    operation_id="verify_document",
    request={"multipart/form-data": VerificationUploadSerializer},
    responses={
        200: VerificationSerializer,
        413: OpenApiResponse(description="The file is larger than 20 MB."),
        429: OpenApiResponse(description="Too many files; see Retry-After."),
    },
    description=(
        "Tell whether an uploaded PDF is a document this portal signed (by its "
        "SHA-256), its contract document or its certificate of signing (the "
        "stored file, byte for byte), which contract and signer, and whether "
        "the PAdES seal holds."
    ),
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@parser_classes([MultiPartParser])
def verification_api(request):
    _guard_upload_request(request)
    pdf_bytes = read_verification_upload(request.FILES.get("file"))
    result = verify_pdf(pdf_bytes=pdf_bytes)
    return Response(VerificationSerializer(result).data)


# --- the pages --------------------------------------------------------------


class VerificationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Signed PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verification_page(request):
    # The CSRF check reads the whole body, so a throttled client or an
    # oversized upload is turned away first; the check then runs as usual.
    if request.method == "POST":
        try:
            _guard_upload_request(request)
        except DomainError as exc:
            return _upload_failed(request, VerificationUploadForm(), exc)
    return _verification_page(request)


@csrf_protect
def _verification_page(request):
    if request.method == "GET":
        return _upload_page(request, VerificationUploadForm())

    form = VerificationUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    try:
        pdf_bytes = read_verification_upload(form.cleaned_data["file"])
        result = verify_pdf(pdf_bytes=pdf_bytes)
    except DomainError as exc:
        return _upload_failed(request, form, exc)
    return _upload_page(request, VerificationUploadForm(), result=result)


def _upload_failed(request, form, exc: DomainError):
    return _upload_page(
        request, form, error=exc.detail, status=exc.status, headers=exc.headers
    )


def _upload_page(request, form, *, result=None, error="", status=200, headers=None):
    context = {"form": form, "result": result, "error": error}
    if result is not None:
        context["signature_facts"] = _signature_facts(result.signature)
    response = render(request, "signatures/verify/upload.html", context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _find_contract(token: str, where: str):
    """Return what a token names, or None (logged: a bad token may be a probe)."""
    try:
        return verify_contract_token(token)
    except NotFoundError:
        security_logger.info("%s: unknown contract token", where)
        return None


def _not_found(request):
    return render(request, "signatures/verify/not_found.html", status=404)


@require_GET
def contract_verification_page(request, token):
    found = _find_contract(token, "verification page")
    if found is None:
        return _not_found(request)
    if found.signature is not None and not found.signature.signed_pdf_sha256:
        _ensure_signed_pdf_hash(found)
    context = {
        "found": found,
        "contract": found.contract,
        "signature_facts": _signature_facts(found.signature),
        "token": token,
    }
    return render(request, "signatures/verify/contract.html", context)


def _ensure_signed_pdf_hash(found) -> None:
    """Build the signed PDF if nobody has asked for it yet, so its hash shows.

    Signing stores only the certificate; the sealed file is made on first
    demand. A file that cannot be made leaves the hash out of the page.
    """
    try:
        ensure_signed_pdf(signature=found.signature)
    except DomainError as exc:
        logger.warning(
            "signed PDF unavailable contract=%s: %s", found.contract.pk, exc.code
        )
    except Exception:
        # A broken seal key or storage must not take down the page that says
        # who signed; the download reports the failure, this page only logs it.
        logger.exception("signed PDF not built contract=%s", found.contract.pk)


@require_GET
def signed_pdf_download(request, token):
    found = _find_contract(token, "signed PDF download")
    if found is None or found.signature is None:
        return _not_found(request)

    try:
        pdf = ensure_signed_pdf(signature=found.signature)
    except DomainError as exc:
        logger.warning(
            "signed PDF unavailable contract=%s: %s", found.contract.pk, exc.code
        )
        return render(request, "signatures/verify/unavailable.html", status=exc.status)
    number = re.sub(
        r"[^\w-]", "_", found.contract.number or str(found.contract.pk), flags=re.ASCII
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="contract-{number}.pdf"'
    return response


def _signature_facts(signature) -> dict | None:
    """Return what the pages show of a signer: never the full IIN."""
    if signature is None:
        return None
    return {
        "client_name": signature.client_name,
        "client_iin": mask_iin(signature.client_iin),
        "method": signature.method,
        "method_label": signature.get_method_display(),
        "signed_at": format_almaty(signature.signed_at),
        "document_sha256": signature.document_sha256,
        "signed_pdf_sha256": signature.signed_pdf_sha256,
    }


urlpatterns = [
    path("verify", verification_api, name="verify-api"),
    path("verify/", verification_page, name="verify"),
    path("verify/<str:token>/", contract_verification_page, name="verify-contract"),
    path(
        "verify/<str:token>/signed.pdf",
        signed_pdf_download,
        name="verify-signed-pdf",
    ),
]
