"""REST API for templates: multipart upload, read, rename, delete."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from contracts.selectors import get_acting_company
from ozgecontract.routing import api_path, api_patterns
from templates_app import selectors, services
from templates_app.models import Template
from templates_app.serializers import (
    TemplateSerializer,
    TemplateUpdateSerializer,
    TemplateUploadSerializer,
)

CONFLICT = OpenApiResponse(description="Contracts are made from the template.")
TOO_LARGE = OpenApiResponse(description="The file is larger than 10 MB.")
# Room for the multipart envelope and the other form fields around the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def _refuse_oversized_body(request) -> None:
    """Answer 413 from the declared length, before the body is read at all."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if length > settings.TEMPLATE_MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
        raise services.too_large_error()


@extend_schema(tags=["templates"])
class TemplateUpload(generics.GenericAPIView):
    """Upload a DOCX template; its placeholders come back as `fields`."""

    serializer_class = TemplateUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    queryset = Template.objects.none()

    @extend_schema(
        request={"multipart/form-data": TemplateUploadSerializer},
        responses={201: TemplateSerializer, 413: TOO_LARGE},
    )
    def post(self, request):
        _refuse_oversized_body(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = get_acting_company(
            user=request.user, company_id=data.get("company_id")
        )
        template = services.upload_template(
            company=company, name=data["name"], file=data["file"], user=request.user
        )
        return Response(
            TemplateSerializer(template).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["templates"])
class TemplateList(generics.ListAPIView):
    """The caller's templates (every company's for an admin), newest first."""

    serializer_class = TemplateSerializer
    queryset = Template.objects.none()

    def get_queryset(self):
        return selectors.list_templates(user=self.request.user)


@extend_schema(tags=["templates"])
class CompanyTemplateList(generics.ListAPIView):
    """A company's templates; another company's is a 404."""

    serializer_class = TemplateSerializer
    queryset = Template.objects.none()

    def get_queryset(self):
        return selectors.list_templates(
            user=self.request.user, company_id=self.kwargs["company_id"]
        )


@extend_schema(tags=["templates"])
class TemplateDetail(generics.GenericAPIView):
    serializer_class = TemplateSerializer
    queryset = Template.objects.none()

    def get(self, request, pk):
        template = selectors.get_template(user=request.user, template_id=pk)
        return Response(TemplateSerializer(template).data)

    @extend_schema(
        request=TemplateUpdateSerializer,
        responses={200: TemplateSerializer, 409: CONFLICT},
    )
    def put(self, request, pk):
        return self._update(request, pk)

    @extend_schema(
        request=TemplateUpdateSerializer,
        responses={200: TemplateSerializer, 409: CONFLICT},
    )
    def patch(self, request, pk):
        return self._update(request, pk)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def delete(self, request, pk):
        template = selectors.get_template(user=request.user, template_id=pk)
        services.delete_template(template=template, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk):
        # The document's PUT body names only what changes, so PUT is partial too.
        template = selectors.get_template(user=request.user, template_id=pk)
        serializer = TemplateUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = services.update_template(
            template=template, user=request.user, **serializer.validated_data
        )
        return Response(TemplateSerializer(template).data)


api_urlpatterns = api_patterns(
    api_path("templates/upload", TemplateUpload.as_view(), "template-upload"),
    api_path("templates", TemplateList.as_view(), "template-list"),
    api_path("templates/<int:pk>", TemplateDetail.as_view(), "template-detail"),
    api_path(
        "templates/company/<int:company_id>",
        CompanyTemplateList.as_view(),
        "company-template-list",
    ),
)
