"""REST API for balances, tariff plans and payment requests (the document's paths)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from billing import selectors, services
from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from billing.serializers import (
    BalanceCreateSerializer,
    BalanceEntrySerializer,
    BalanceSerializer,
    BalanceUpdateSerializer,
    PaymentRequestCreateSerializer,
    PaymentRequestSerializer,
    PaymentRequestUpdateSerializer,
    TariffPlanSerializer,
    TariffPlanWriteSerializer,
)
from companies.selectors import get_company
from ozgecontract.errors import NotFoundError
from ozgecontract.routing import api_path, api_patterns
from ozgecontract.tenancy import IsPlatformAdmin, is_platform_admin

CONFLICT = OpenApiResponse(description="The object's state does not allow this.")
# Public reads: a token is optional (the {} entry means "no auth").
PUBLIC = [{"jwtAuth": []}, {"cookieAuth": []}, {}]


class PublicReadAdminWrite(permissions.BasePermission):
    """Anyone reads; only platform administrators write."""

    message = gettext_lazy("Only platform administrators may change tariff plans.")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_platform_admin(request.user)


# Balances


@extend_schema(tags=["company-balances"])
class BalanceCreate(generics.GenericAPIView):
    """Open a balance for a company that has none (admin only)."""

    serializer_class = BalanceCreateSerializer
    permission_classes = [IsPlatformAdmin]
    queryset = CompanyBalance.objects.none()

    @extend_schema(
        request=BalanceCreateSerializer,
        responses={201: BalanceSerializer, 409: CONFLICT},
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = get_company(user=request.user, company_id=data["company_id"])
        balance = services.create_balance(
            company=company,
            user=request.user,
            sms_signatures=data["sms_signatures"],
            ecp_signatures=data["ecp_signatures"],
        )
        return Response(BalanceSerializer(balance).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["company-balances"])
class BalanceDetail(generics.GenericAPIView):
    """A company's balance: its users read it, only admins change it."""

    serializer_class = BalanceSerializer
    queryset = CompanyBalance.objects.none()
    # Only DRF's OPTIONS metadata calls get_object(); it must find this kwarg.
    lookup_url_kwarg = "company_id"

    def get(self, request, company_id):
        balance = selectors.get_balance(user=request.user, company_id=company_id)
        return Response(BalanceSerializer(balance).data)

    @extend_schema(request=BalanceUpdateSerializer, responses={200: BalanceSerializer})
    def put(self, request, company_id):
        return self._update(request, company_id, partial=False)

    @extend_schema(request=BalanceUpdateSerializer, responses={200: BalanceSerializer})
    def patch(self, request, company_id):
        return self._update(request, company_id, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request, company_id):
        selectors.get_balance(user=request.user, company_id=company_id)
        services.delete_balance(company_id=company_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, company_id, *, partial):
        selectors.get_balance(user=request.user, company_id=company_id)
        serializer = BalanceUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        balance = services.update_balance(
            company_id=company_id, user=request.user, **serializer.validated_data
        )
        return Response(BalanceSerializer(balance).data)


@extend_schema(tags=["company-balances"])
class BalanceLedger(generics.ListAPIView):
    """Every change of a company's balance, newest first."""

    serializer_class = BalanceEntrySerializer
    queryset = BalanceEntry.objects.none()

    def get_queryset(self):
        return selectors.list_ledger(
            user=self.request.user, company_id=self.kwargs["company_id"]
        )


# Tariff plans


@extend_schema(tags=["tariff-plans"])
class TariffPlanList(generics.ListAPIView):
    """List tariff plans (public); admins create them."""

    serializer_class = TariffPlanSerializer
    permission_classes = [PublicReadAdminWrite]
    queryset = TariffPlan.objects.none()

    def get_queryset(self):
        is_active = self.request.query_params.get("is_active")
        flag = {"true": True, "false": False}.get((is_active or "").lower())
        return selectors.list_tariff_plans(is_active=flag)

    @extend_schema(
        parameters=[
            OpenApiParameter("is_active", OpenApiTypes.BOOL, description="Filter.")
        ],
        auth=PUBLIC,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=TariffPlanWriteSerializer, responses={201: TariffPlanSerializer}
    )
    def post(self, request):
        serializer = TariffPlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.create_tariff_plan(
            user=request.user, **serializer.validated_data
        )
        return Response(TariffPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["tariff-plans"])
class TariffPlanDetail(generics.GenericAPIView):
    serializer_class = TariffPlanSerializer
    permission_classes = [PublicReadAdminWrite]
    queryset = TariffPlan.objects.none()

    @extend_schema(auth=PUBLIC)
    def get(self, request, pk):
        plan = selectors.get_tariff_plan(plan_id=pk)
        return Response(TariffPlanSerializer(plan).data)

    @extend_schema(
        request=TariffPlanWriteSerializer, responses={200: TariffPlanSerializer}
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=TariffPlanWriteSerializer, responses={200: TariffPlanSerializer}
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def delete(self, request, pk):
        plan = selectors.get_tariff_plan(plan_id=pk)
        services.delete_tariff_plan(plan=plan, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        plan = selectors.get_tariff_plan(plan_id=pk)
        serializer = TariffPlanWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        plan = services.update_tariff_plan(
            plan=plan, user=request.user, **serializer.validated_data
        )
        return Response(TariffPlanSerializer(plan).data)


# Payment requests


@extend_schema(tags=["payment-requests"])
class PaymentRequestList(generics.ListAPIView):
    """Payment requests the caller may see; company users create their own."""

    serializer_class = PaymentRequestSerializer
    queryset = PaymentRequest.objects.none()

    def get_queryset(self):
        return selectors.list_payment_requests(user=self.request.user)

    @extend_schema(
        request=PaymentRequestCreateSerializer,
        responses={201: PaymentRequestSerializer},
    )
    def post(self, request):
        serializer = PaymentRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company_id = data.get("company_id", request.user.company_id)
        if company_id is None:
            raise ValidationError({"company_id": [_("Name the company to bill.")]})
        company = get_company(user=request.user, company_id=company_id)
        try:
            plan = selectors.get_tariff_plan(plan_id=data["tariff_plan_id"])
        except NotFoundError as exc:
            raise ValidationError(
                {"tariff_plan_id": [_("No such tariff plan.")]}
            ) from exc

        payment = services.create_payment_request(
            company=company,
            tariff_plan=plan,
            sms_count=data["sms_count"],
            ecp_count=data["ecp_count"],
            user=request.user,
            total_amount=data.get("total_amount"),
            payment_url=data.get("payment_url", ""),
            payment_ref=data.get("payment_ref", ""),
        )
        return Response(
            PaymentRequestSerializer(payment).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["payment-requests"])
class PaymentRequestDetail(generics.GenericAPIView):
    """A payment request; company users may cancel, admins mark paid or expired."""

    serializer_class = PaymentRequestSerializer
    queryset = PaymentRequest.objects.none()

    def get(self, request, pk):
        payment = selectors.get_payment_request(user=request.user, payment_id=pk)
        return Response(PaymentRequestSerializer(payment).data)

    @extend_schema(
        request=PaymentRequestUpdateSerializer,
        responses={200: PaymentRequestSerializer, 409: CONFLICT},
    )
    def put(self, request, pk):
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=PaymentRequestUpdateSerializer,
        responses={200: PaymentRequestSerializer, 409: CONFLICT},
    )
    def patch(self, request, pk):
        return self._update(request, pk, partial=True)

    @extend_schema(responses={204: None, 409: CONFLICT})
    def delete(self, request, pk):
        payment = selectors.get_payment_request(user=request.user, payment_id=pk)
        services.delete_payment_request(payment=payment, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, request, pk, *, partial):
        payment = selectors.get_payment_request(user=request.user, payment_id=pk)
        serializer = PaymentRequestUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = services.update_payment_request(
            payment=payment,
            user=request.user,
            status=data.get("status"),
            payment_url=data.get("payment_url"),
            payment_ref=data.get("payment_ref"),
        )
        return Response(PaymentRequestSerializer(payment).data)


@extend_schema(tags=["payment-requests"])
class CompanyPaymentRequests(generics.ListAPIView):
    """A company's payment requests, newest first."""

    serializer_class = PaymentRequestSerializer
    queryset = PaymentRequest.objects.none()

    def get_queryset(self):
        return selectors.list_payment_requests(
            user=self.request.user, company_id=self.kwargs["company_id"]
        )


api_urlpatterns = api_patterns(
    api_path("company-balances", BalanceCreate.as_view(), "balance-create"),
    api_path(
        "company-balances/<int:company_id>", BalanceDetail.as_view(), "balance-detail"
    ),
    api_path(
        "company-balances/<int:company_id>/ledger",
        BalanceLedger.as_view(),
        "balance-ledger",
    ),
    api_path("tariff-plans", TariffPlanList.as_view(), "tariff-plan-list"),
    api_path("tariff-plans/<int:pk>", TariffPlanDetail.as_view(), "tariff-plan-detail"),
    api_path("payment_requests", PaymentRequestList.as_view(), "payment-request-list"),
    api_path(
        "payment_requests/<int:pk>",
        PaymentRequestDetail.as_view(),
        "payment-request-detail",
    ),
    api_path(
        "payment_requests/company/<int:company_id>",
        CompanyPaymentRequests.as_view(),
        "company-payment-requests",
    ),
)
