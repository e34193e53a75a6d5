"""REST API for contracts and contract fields (the document's paths, plus files).

Company users see their own company's contracts; `GET /contracts/token/{token}`
and its document are public: the token in the signing link is the credential.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from contracts import selectors, services
from contracts.models import Contract, ContractField
from contracts.serializers import (
    CONTRACT_ROW_COLUMNS,
    PUBLIC_FIELD_COLUMNS,
    ContractCreateSerializer,
    ContractFieldCreateSerializer,
    ContractFieldSerializer,
    ContractSerializer,
    ContractUpdateSerializer,
    FieldValuesSerializer,
    PublicContractSerializer,
    contract_rows,
    public_contract_data,
)
from ozgecontract.routing import api_path, api_patterns
from templates_app.selectors import get_company_template

CONFLICT = OpenApiResponse(description="The contract's status does not allow this.")
DOCUMENT_FAILED = OpenApiResponse(
    description="The PDF could not be generated; the next request retries."
)
DOCUMENT_UNFILLABLE = OpenApiResponse(
    description="The contract's values cannot fill its template in "
    "(`document_unfillable`); for the company, `detail` names the placeholder "
    "and why; a caller with only the link is asked to contact the company."
)
CONFLICT_OR_UNFILLABLE = OpenApiResponse(
    description="The contract's status does not allow this, or its template "
    "cannot be filled in with the values (`document_unfillable`, nothing saved)."
)
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="The contract PDF.")
PUBLIC = [{}]
STATUS_FILTER = OpenApiParameter(
    "status",
    OpenApiTypes.STR,
    enum=Contract.Status.values,
    description="Only contracts with this status (as shown).",
)


def _pdf_response(contract: Contract, pdf: bytes) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contract-{contract.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class PdfAnswer:
    """Answer the PDF on success and JSON errors, whatever the client accepts."""

    def perform_content_negotiation(self, request, force=False):
        # The PDF is built by hand; negotiating would answer a client that
        # sends `Accept: application/pdf` a 406 instead of its document.
        return JSONRenderer(), JSONRenderer.media_type


class PublicView(generics.GenericAPIView):
    """A view anyone may call: no credentials are read, so none can be wrong."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]


class ContractRowsList(generics.ListAPIView):
    """List contracts in `ContractSerializer`'s shape, built from plain rows."""

    serializer_class = ContractSerializer

    def list(self, request, *args, **kwargs):
        # TODO(#2): 100 rows cost about 5x the trivial view (target 3x): the
        # JWT user, the count and the rows are still ORM reads, not prepared.
        queryset = self.get_queryset().values_list(*CONTRACT_ROW_COLUMNS)
        page = self.paginate_queryset(queryset)
        if page is None:
            return Response(contract_rows(queryset))
        return self.get_paginated_response(contract_rows(page))


# Contracts


@extend_schema(tags=["contracts"])
class ContractList(ContractRowsList):
    """The caller's contracts, newest first; admins create for any company."""

    queryset = Contract.objects.none()

    def get_queryset(self):
        return selectors.list_contracts(
            user=self.request.user, status=self.request.query_params.get("status")
        )

    @extend_schema(parameters=[STATUS_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ContractCreateSerializer,
        responses={201: ContractSerializer, 409: DOCUMENT_UNFILLABLE},
    )
    def post(self, request):
        serializer = ContractCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = selectors.get_acting_company(
            user=request.user, company_id=data.get("company_id")
        )
        template = get_company_template(
            company_id=company.pk, template_id=data["template_id"]
        )
        contract = services.create_contract(
            company=company,
            template=template,
            user=request.user,
            number=data.get("number") or None,
            field_types=data.get("fields"),
            values=data.get("values"),
            expires_at=data.get("expires_at"),
            generated_pdf_path=data.get("generated_pdf_path") or "",
            client_filled=data["client_filled"],
        )
        return Response(
            ContractSerializer(contract).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["contracts"])
class CompanyContractList(ContractRowsList):
    """A company's contracts; another company's is a 404."""

    queryset = Contract.objects.none()

    def get_queryset(self):
        return selectors.list_contracts(
            user=self.request.user,
            company_id=self.kwargs["company_id"],
            status=self.request.query_params.get("status"),
        )

    @extend_schema(parameters=[STATUS_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["contracts"])
class ContractDetail(generics.GenericAPIView):
    serializer_class = ContractSerializer
    queryset = Contract.objects.none()

    def get(self, request, pk):
        contract = selectors.get_contract(user=request.user, contract_id=pk)
        return Response(ContractSerializer(contract).data)

    @extend_schema(
        request=ContractUpdateSerializer,
        responses={200: ContractSerializer, 409: CONFLICT},
    )
    def put(self, request, pk):
        return self._update(request, pk)

    @extend_schema(
        request=ContractUpdateSerializer,
        responses={200: ContractSerializer, 409: CONFLICT},
    )
    def patch(self, request, pk):
        return self._update(request, pk)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def delete(self, request, pk):
        contract = selectors.get_contract(user=request.user, contract_id=pk)
        services.delete_contract(contract=contract, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk):
        # The document's PUT body names only what changes, so PUT is partial too.
        contract = selectors.get_contract(user=request.user, contract_id=pk)
        serializer = ContractUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.update_contract(
            contract=contract, user=request.user, **serializer.validated_data
        )
        return Response(ContractSerializer(contract).data)


@extend_schema(tags=["contracts"])
class ContractCancel(generics.GenericAPIView):
    """Cancel a pending contract: its signing link stops working."""

    serializer_class = ContractSerializer
    queryset = Contract.objects.none()

    @extend_schema(request=None, responses={200: ContractSerializer, 409: CONFLICT})
    def post(self, request, pk):
        contract = selectors.get_contract(user=request.user, contract_id=pk)
        contract = services.cancel_contract(contract=contract, user=request.user)
        return Response(ContractSerializer(contract).data)


@extend_schema(tags=["contracts"])
class ContractDocument(PdfAnswer, generics.GenericAPIView):
    """The contract PDF, generated first when it is missing."""

    queryset = Contract.objects.none()

    @extend_schema(
        responses={
            (200, "application/pdf"): PDF,
            409: DOCUMENT_UNFILLABLE,
            502: DOCUMENT_FAILED,
        }
    )
    def get(self, request, pk):
        contract = selectors.get_contract(user=request.user, contract_id=pk)
        pdf = services.ensure_contract_document(contract=contract)
        return _pdf_response(contract, pdf)


@extend_schema(tags=["contracts"])
class ContractByToken(PublicView):
    """What the client holding the signing link sees (public)."""

    serializer_class = PublicContractSerializer
    queryset = Contract.objects.none()

    @extend_schema(auth=PUBLIC)
    def get(self, request, token):
        contract = selectors.get_contract_by_token(token)
        fields = selectors.list_contract_fields(contract=contract).values_list(
            *PUBLIC_FIELD_COLUMNS
        )
        return Response(public_contract_data(contract, fields))


@extend_schema(tags=["contracts"])
class ContractDocumentByToken(PdfAnswer, PublicView):
    """The contract PDF for the client holding the signing link (public)."""

    queryset = Contract.objects.none()

    @extend_schema(
        auth=PUBLIC,
        responses={
            (200, "application/pdf"): PDF,
            409: DOCUMENT_UNFILLABLE,
            502: DOCUMENT_FAILED,
        },
    )
    def get(self, request, token):
        contract = selectors.get_contract_by_token(token)
        pdf = services.ensure_contract_document(contract=contract)
        return _pdf_response(contract, pdf)


# Contract fields


@extend_schema(tags=["contract-fields"])
class ContractFieldCreate(generics.GenericAPIView):
    """Add a field to a pending contract."""

    serializer_class = ContractFieldCreateSerializer
    queryset = ContractField.objects.none()

    @extend_schema(
        request=ContractFieldCreateSerializer,
        responses={
            201: ContractFieldSerializer,
            409: CONFLICT_OR_UNFILLABLE,
        },
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = selectors.get_contract(
            user=request.user, contract_id=data.pop("contract_id")
        )
        field = services.add_contract_field(
            contract=contract, user=request.user, **data
        )
        return Response(
            ContractFieldSerializer(field).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["contract-fields"])
class ContractFieldList(generics.ListAPIView):
    """A contract's fields in order; PUT sets their values and re-renders the PDF."""

    serializer_class = ContractFieldSerializer
    queryset = ContractField.objects.none()

    def get_queryset(self):
        contract = selectors.get_contract(
            user=self.request.user, contract_id=self.kwargs["contract_id"]
        )
        return selectors.list_contract_fields(contract=contract)

    @extend_schema(
        request=FieldValuesSerializer,
        responses={
            200: ContractFieldSerializer(many=True),
            409: CONFLICT_OR_UNFILLABLE,
            502: DOCUMENT_FAILED,
        },
        # The answer is every field at once: the list's paging is not for PUT.
        parameters=[
            OpenApiParameter("limit", exclude=True),
            OpenApiParameter("offset", exclude=True),
        ],
    )
    def put(self, request, contract_id):
        contract = selectors.get_contract(user=request.user, contract_id=contract_id)
        serializer = FieldValuesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.set_field_values(
            contract=contract,
            values=serializer.validated_data["values"],
            actor=request.user,
        )
        fields = selectors.list_contract_fields(contract=contract)
        return Response(ContractFieldSerializer(fields, many=True).data)


api_urlpatterns = api_patterns(
    api_path("contracts", ContractList.as_view(), "contract-list"),
    api_path("contracts/<int:pk>", ContractDetail.as_view(), "contract-detail"),
    api_path(
        "contracts/<int:pk>/document", ContractDocument.as_view(), "contract-document"
    ),
    api_path("contracts/<int:pk>/cancel", ContractCancel.as_view(), "contract-cancel"),
    api_path(
        "contracts/company/<int:company_id>",
        CompanyContractList.as_view(),
        "company-contract-list",
    ),
    api_path(
        "contracts/token/<str:token>", ContractByToken.as_view(), "contract-by-token"
    ),
    api_path(
        "contracts/token/<str:token>/document",
        ContractDocumentByToken.as_view(),
        "contract-token-document",
    ),
    api_path("contract-fields", ContractFieldCreate.as_view(), "contract-field-create"),
    api_path(
        "contract-fields/<int:contract_id>",
        ContractFieldList.as_view(),
        "contract-field-list",
    ),
)
