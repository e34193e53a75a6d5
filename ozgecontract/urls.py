"""Root URLs of OzgeContract.

The REST API lives at the site root, on the paths of the original API document
(`seed/ozgecontract-api.md`); each app owns its routes in `api.py`
(`api_urlpatterns`). HTML pages (dashboard, signing page, verification) come
from each app's `urls.py`, mounted at the bottom of this file.
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from billing.api import api_urlpatterns as billing_api
from companies import views as companies_views
from companies.api import api_urlpatterns as companies_api
from contracts.api import api_urlpatterns as contracts_api
from ozgecontract import views
from ozgecontract.routing import api_path, api_patterns
from signatures.api import api_urlpatterns as signatures_api
from stats.api import api_urlpatterns as stats_api
from templates_app.api import api_urlpatterns as templates_api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"
    ),
    *api_path("api/ping", views.ping, "ping"),
    # HTML pages come before the API's seventy routes: Django tries patterns
    # in order, and a person waits for each page. No page shares an API path.
    # The client's signing page and public verification:
    path("", include("signatures.urls")),  # /sign/<token>/, /verify/
    # Company staff: accounts and the dashboard, one app per section.
    path("", companies_views.home, name="home"),
    path("accounts/", include("companies.urls")),
    path("dashboard/", include("stats.urls")),
    path("dashboard/templates/", include("templates_app.urls")),
    path("dashboard/contracts/", include("contracts.urls")),
    path("dashboard/billing/", include("billing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask every site for /favicon.ico; pages also link the SVG icon.
    path("", include([path("favicon.ico", views.favicon, name="favicon")])),
    *api_patterns(
        companies_api,  # /auth/token, /companies/...
        templates_api,  # /templates/...
        contracts_api,  # /contracts/..., /contract-fields/...
        signatures_api,  # /signatures/...
        billing_api,  # /company-balances/..., /tariff-plans/..., /payment_requests/...
        stats_api,  # /stats/company/{id}
    ),
]


# First path segments of the API routes (every route above that is neither an
# include of HTML pages nor the home page): an unknown URL under one of them,
# such as /contracts/abc, answers the API's JSON error (views.not_found).
API_ROOTS = frozenset(
    str(pattern.pattern).split("/", 1)[0]
    for pattern in urlpatterns
    if not hasattr(pattern, "url_patterns")
) - {""}
# Last of all: a page's address without its final slash goes to the page.
urlpatterns.append(
    re_path(
        r"^(?P<path>(?:sign|verify|dashboard|accounts|admin)(?:/[^?#]*[^/])?)$",
        views.add_slash,
    )
)

handler400 = "ozgecontract.views.bad_request"
handler404 = "ozgecontract.views.not_found"
handler500 = "ozgecontract.views.server_error"
