"""REST API for signatures: expected signers, signing codes, signing, the files.

Public callers name a contract by its signing token; company staff may name it
by id. Every rule lives in `signatures.services`; these views only parse,
resolve the contract for the caller, and answer.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ozgecontract.errors import InvalidInputError, StateConflictError
from ozgecontract.routing import api_path, api_patterns
from ozgecontract.validators import mask_phone
from signatures import selectors, services
from signatures.models import Signature
from signatures.serializers import (
    ExpectedSignerSerializer,
    SignatureSerializer,
    SigningCodeRequestSerializer,
    SigningCodeSentSerializer,
    SignSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Bad input"),
    404: OpenApiResponse(description="Unknown, or another company's"),
    409: OpenApiResponse(description="The contract is not pending"),
}
PDF = {
    (200, "application/pdf"): OpenApiTypes.BINARY,
    404: ERRORS[404],
    409: OpenApiResponse(description="Not signed yet: there is no file"),
}


def client_ip(request) -> str | None:
    """Return the caller's address as the server saw it."""
    # TODO(#2): behind a proxy this is the proxy; trust X-Forwarded-For only
    # once a setting names the proxies.
    return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]


def resolve_contract(request, data: dict):
    """Return the contract named in `data`, and whether it was named publicly."""
    if "contract_token" in data:
        return selectors.get_contract_by_token(data["contract_token"]), True
    if not request.user.is_authenticated:
        raise NotAuthenticated(
            _("Send contract_token, or log in to name the contract by contract_id.")
        )
    contract = selectors.get_contract_for_user(
        user=request.user, contract_id=data["contract_id"]
    )
    return contract, False


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The files carry an IIN and a phone: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


class PdfDownloadView(generics.GenericAPIView):
    """Answer a PDF on success and the JSON error shape otherwise."""

    def perform_content_negotiation(self, request, force=False):
        # Successful answers are PDFs built by hand; errors are always JSON,
        # whatever the client put in Accept (e.g. application/pdf).
        return JSONRenderer(), JSONRenderer.media_type


@extend_schema(tags=["signatures"])
class SignatureCreate(generics.GenericAPIView):
    """Record who is to sign a contract (the expected signer, not signed yet)."""

    serializer_class = ExpectedSignerSerializer
    queryset = Signature.objects.none()

    @extend_schema(responses={201: SignatureSerializer, **ERRORS})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = selectors.get_contract_for_user(
            user=request.user, contract_id=data["contract_id"]
        )
        signature = services.create_expected_signer(
            contract=contract,
            client_name=data["client_name"],
            client_iin=data["client_iin"],
            client_phone=data["client_phone"],
            method=data["method"],
        )
        body = SignatureSerializer(signature, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["signatures"])
class SigningCodeRequest(generics.GenericAPIView):
    """Send the signer a one-time code by SMS (public with contract_token)."""

    serializer_class = SigningCodeRequestSerializer
    permission_classes = [AllowAny]
    queryset = Signature.objects.none()

    @extend_schema(
        responses={
            202: SigningCodeSentSerializer,
            **ERRORS,
            402: OpenApiResponse(description="No SMS signatures left; nothing sent"),
            429: OpenApiResponse(description="Too soon or too many; see Retry-After"),
            502: OpenApiResponse(description="The SMS gateway failed; retry"),
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract, _public = resolve_contract(request, serializer.validated_data)
        signing_code = services.request_signing_code(
            contract=contract,
            phone=serializer.validated_data["client_phone"],
            ip=client_ip(request),
            user_agent=client_user_agent(request),
        )
        body = SigningCodeSentSerializer(
            {
                "expires_at": signing_code.expires_at,
                "resend_after": settings.SIGNING_CODE_RESEND_SECONDS,
                "client_phone": mask_phone(signing_code.phone),
            }
        ).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["signatures"])
class SignContract(generics.GenericAPIView):
    """Sign a contract with the SMS code or an ЭЦП CMS; one unit is spent."""

    serializer_class = SignSerializer
    permission_classes = [AllowAny]
    queryset = Signature.objects.none()

    @extend_schema(
        responses={
            201: SignatureSerializer,
            **ERRORS,
            402: OpenApiResponse(description="No signatures of this kind left"),
        }
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract, public = resolve_contract(request, data)
        if "company_id" in data and data["company_id"] != contract.company_id:
            raise InvalidInputError(
                _("company_id does not match the contract's company."),
                fields={"company_id": [_("Not the contract's company.")]},
            )
        signature = services.sign_contract(
            contract=contract,
            client_name=data["client_name"],
            client_iin=data["client_iin"],
            client_phone=data["client_phone"],
            method=data["method"],
            otp_code=data.get("otp_code"),
            cms=data.get("cms"),
            ip=client_ip(request),
            user_agent=client_user_agent(request),
        )
        context = {"request": request, "public": public}
        body = SignatureSerializer(signature, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["signatures"])
class SignatureDetail(generics.GenericAPIView):
    """Read a signature, or delete an expected signer who has not signed."""

    serializer_class = SignatureSerializer
    queryset = Signature.objects.none()

    def get(self, request, pk):
        signature = selectors.get_signature_for_user(user=request.user, signature_id=pk)
        return Response(self.get_serializer(signature).data)

    @extend_schema(
        responses={
            204: None,
            404: ERRORS[404],
            409: OpenApiResponse(description="A completed signature is kept"),
        }
    )
    def delete(self, request, pk):
        signature = selectors.get_signature_for_user(user=request.user, signature_id=pk)
        services.delete_expected_signer(signature=signature)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["signatures"])
class SignaturesByContract(generics.ListAPIView):
    """List a contract's signatures: its expected signer and its completed one."""

    serializer_class = SignatureSerializer
    queryset = Signature.objects.none()

    def get_queryset(self):
        contract = selectors.get_contract_for_user(
            user=self.request.user, contract_id=self.kwargs["contract_id"]
        )
        return selectors.list_signatures_for_contract(contract=contract)


def _signed(signature: Signature) -> Signature:
    if not signature.is_signed:
        raise StateConflictError(
            _("The contract is not signed yet; there is no file."), code="not_signed"
        )
    return signature


def _completed_signature_of(contract) -> Signature:
    signature = selectors.get_completed_signature(contract=contract)
    if signature is None:
        raise StateConflictError(
            _("The contract is not signed yet; there is no file."), code="not_signed"
        )
    return signature


def _label(signature: Signature) -> str:
    return signature.contract.number or str(signature.contract_id)


@extend_schema(tags=["signatures"], responses=PDF)
class SignatureCertificate(PdfDownloadView):
    """Download the certificate of online signing (rendered now if missing)."""

    queryset = Signature.objects.none()

    def get(self, request, pk):
        signature = _signed(
            selectors.get_signature_for_user(user=request.user, signature_id=pk)
        )
        pdf = services.ensure_certificate_pdf(signature=signature)
        return pdf_response(pdf, filename=f"certificate-{_label(signature)}.pdf")


@extend_schema(tags=["signatures"], responses=PDF)
class SignatureDocument(PdfDownloadView):
    """Download the signed PDF: the contract, then the certificate."""

    queryset = Signature.objects.none()

    def get(self, request, pk):
        signature = _signed(
            selectors.get_signature_for_user(user=request.user, signature_id=pk)
        )
        pdf = services.ensure_signed_pdf(signature=signature)
        return pdf_response(pdf, filename=f"signed-{_label(signature)}.pdf")


@extend_schema(tags=["signatures"], responses=PDF)
class ContractTokenCertificate(PdfDownloadView):
    """Download the certificate by the contract's signing link (public)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = Signature.objects.none()

    def get(self, request, token):
        signature = _completed_signature_of(selectors.get_contract_by_token(token))
        pdf = services.ensure_certificate_pdf(signature=signature)
        return pdf_response(pdf, filename=f"certificate-{_label(signature)}.pdf")


@extend_schema(tags=["signatures"], responses=PDF)
class ContractTokenSignedDocument(PdfDownloadView):
    """Download the signed PDF by the contract's signing link (public)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    queryset = Signature.objects.none()

    def get(self, request, token):
        signature = _completed_signature_of(selectors.get_contract_by_token(token))
        pdf = services.ensure_signed_pdf(signature=signature)
        return pdf_response(pdf, filename=f"signed-{_label(signature)}.pdf")


api_urlpatterns = api_patterns(
    api_path("signatures", SignatureCreate.as_view(), "signature-create"),
    api_path("signatures/otp", SigningCodeRequest.as_view(), "signature-otp"),
    api_path("signatures/sign", SignContract.as_view(), "signature-sign"),
    api_path(
        "signatures/contract/<int:contract_id>",
        SignaturesByContract.as_view(),
        "signatures-by-contract",
    ),
    api_path("signatures/<int:pk>", SignatureDetail.as_view(), "signature-detail"),
    api_path(
        "signatures/<int:pk>/certificate",
        SignatureCertificate.as_view(),
        "signature-certificate",
    ),
    api_path(
        "signatures/<int:pk>/document",
        SignatureDocument.as_view(),
        "signature-document",
    ),
    api_path(
        "contracts/token/<str:token>/certificate",
        ContractTokenCertificate.as_view(),
        "contract-token-certificate",
    ),
    api_path(
        "contracts/token/<str:token>/signed-document",
        ContractTokenSignedDocument.as_view(),
        "contract-token-signed-document",
    ),
)
