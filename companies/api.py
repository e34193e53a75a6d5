"""REST API for login and companies, on the paths of the API document."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from companies import selectors, services
from companies.models import Company
from companies.serializers import (
    CompanyRegisterSerializer,
    CompanySerializer,
    CompanyUpdateSerializer,
    LoginSerializer,
    TokenPairSerializer,
)
from ozgecontract.routing import api_path, api_patterns


class TokenView(TokenObtainPairView):
    """Log in: the email (any case) and password give an access and refresh token."""

    serializer_class = LoginSerializer

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenPairSerializer,
            401: OpenApiResponse(description="Wrong email or password"),
            429: OpenApiResponse(description="Too many failed logins; see Retry-After"),
        },
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        email = email if isinstance(email, str) else ""
        ip = request.META.get("REMOTE_ADDR")
        services.check_login_allowed(email=email, ip=ip)
        try:
            response = super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            services.record_login_failure(email=email, ip=ip)
            raise
        services.clear_login_failures(email=email, ip=ip)
        return response


class TokenRefresh(TokenRefreshView):
    @extend_schema(
        responses={
            200: inline_serializer("AccessToken", {"access": serializers.CharField()}),
            401: OpenApiResponse(description="A bad or expired refresh token"),
        },
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(tags=["companies"])
class CompanyRegister(generics.GenericAPIView):
    """Register a company with its owner login and a zero balance (public)."""

    serializer_class = CompanyRegisterSerializer
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=CompanyRegisterSerializer, responses={201: CompanySerializer}
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = services.register_company(**serializer.validated_data)
        return Response(CompanySerializer(company).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["companies"])
class CompanyList(generics.ListAPIView):
    """List companies: all of them for an admin, one's own for company staff."""

    serializer_class = CompanySerializer
    queryset = Company.objects.none()

    def get_queryset(self):
        return selectors.list_companies(user=self.request.user)


@extend_schema(tags=["companies"])
class CompanyByPhone(generics.GenericAPIView):
    """Find a company by phone: 87011234567, 77011234567 and +77011234567 match."""

    serializer_class = CompanySerializer
    queryset = Company.objects.none()

    def get(self, request, phone):
        company = selectors.get_company_by_phone(user=request.user, phone=phone)
        return Response(CompanySerializer(company).data)


@extend_schema(tags=["companies"])
class CompanyDetail(generics.GenericAPIView):
    """Read, change or delete a company; changes are for its owner or an admin."""

    serializer_class = CompanySerializer
    queryset = Company.objects.none()

    def get(self, request, pk):
        company = selectors.get_company(user=request.user, company_id=pk)
        return Response(CompanySerializer(company).data)

    @extend_schema(request=CompanyUpdateSerializer, responses={200: CompanySerializer})
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(request=CompanyUpdateSerializer, responses={200: CompanySerializer})
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(
        responses={204: None, 409: OpenApiResponse(description="Has signed contracts")}
    )
    def delete(self, request, pk):
        company = selectors.get_company(user=request.user, company_id=pk)
        services.delete_company(company=company, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        company = selectors.get_company(user=request.user, company_id=pk)
        services.check_can_manage_company(user=request.user, company=company)
        serializer = CompanyUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        company = services.update_company(
            company=company, user=request.user, **serializer.validated_data
        )
        return Response(CompanySerializer(company).data)


class CompanyById(CompanyDetail):
    """The API document's read-only `/companies/id/{id}`: the same company."""

    http_method_names = ["get", "head", "options"]


api_urlpatterns = api_patterns(
    api_path("auth/token", TokenView.as_view(), "auth-token"),
    api_path("auth/token/refresh", TokenRefresh.as_view(), "auth-token-refresh"),
    api_path("companies", CompanyList.as_view(), "company-list"),
    api_path("companies/register", CompanyRegister.as_view(), "company-register"),
    api_path("companies/id/<int:pk>", CompanyById.as_view(), "company-by-id"),
    api_path(
        "companies/phone/<str:phone>", CompanyByPhone.as_view(), "company-by-phone"
    ),
    api_path("companies/<int:pk>", CompanyDetail.as_view(), "company-detail"),
)
