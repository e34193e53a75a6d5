"""REST API for company statistics: `GET /stats/company/{company_id}`."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from companies.models import Company
from ozgecontract.routing import api_path, api_patterns
from ozgecontract.tenancy import check_company_access
from stats.selectors import company_stats
from stats.serializers import CompanyStatsSerializer


@extend_schema(
    tags=["stats"],
    responses={
        200: CompanyStatsSerializer,
        404: OpenApiResponse(description="Unknown, or another company"),
    },
)
class CompanyStats(generics.GenericAPIView):
    """Show a company's signed and active contracts and its five newest signings."""

    serializer_class = CompanyStatsSerializer
    queryset = Company.objects.none()

    def get(self, request, company_id):
        # A 404 for another company, and for an unknown one named by an admin.
        check_company_access(request.user, company_id)
        return Response(self.get_serializer(company_stats(company_id=company_id)).data)


api_urlpatterns = api_patterns(
    api_path("stats/company/<int:company_id>", CompanyStats.as_view(), "company-stats"),
)
