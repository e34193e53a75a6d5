"""Project-level views: health check, favicon, the benchmarks' floor, the 404."""

from django.db import connection
from django.http import (
    Http404,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.templatetags.static import static
from django.urls import is_valid_path
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response


def healthz(request):
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means "unhealthy"
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


@cache_control(public=True, max_age=24 * 3600)
def favicon(request):
    """Send /favicon.ico to the project's icon: browsers ask for it on every site."""
    return HttpResponseRedirect(static("favicon.svg"))


@extend_schema(
    responses=inline_serializer("Ping", {"pong": serializers.BooleanField()}),
    description="A trivial view: the floor that benchmarks compare against.",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def ping(request):
    return Response({"pong": True})


def _is_api_path(request) -> bool:
    from ozgecontract.urls import API_ROOTS  # imported late: urls imports views

    return request.path_info.lstrip("/").split("/", 1)[0] in API_ROOTS


# Django answers these itself, before or outside any API view (and so outside
# DRF's exception handler): an unknown URL such as /contracts/abc, a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE or with too many fields, an unhandled error.
# Integrators still get the API's JSON error shape; pages keep their HTML.


MAX_REDIRECTED_PATH = 2000


def add_slash(request, path: str):
    """Send a page's address written without its final slash to the page.

    Pages end in a slash and the API's paths do not (APPEND_SLASH is off for
    the API's sake); a signing link whose slash a messenger dropped must still
    open. Only addresses that are pages once the slash is added are sent on.
    """
    # No page address is this long; a longer one is not worth a redirect
    # (Django would refuse to send it, and log the refusal as an error).
    too_long = len(request.path) > MAX_REDIRECTED_PATH
    if too_long or request.method not in ("GET", "HEAD"):
        raise Http404
    if not is_valid_path(f"/{path}/"):
        raise Http404
    # The path as it came, still percent-encoded, so nothing is decoded twice.
    target = escape_uri_path(request.path) + "/"
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def not_found(request, exception=None):
    """Answer 404 in the API's JSON error shape on API paths."""
    if _is_api_path(request):
        return JsonResponse(
            {"detail": _("Not found."), "code": "not_found"}, status=404
        )
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """Answer 400 in the API's JSON error shape on API paths."""
    if _is_api_path(request):
        return JsonResponse(
            {"detail": _("The request could not be read."), "code": "bad_request"},
            status=400,
        )
    return defaults.bad_request(request, exception)


def server_error(request):
    """Answer 500 in the API's JSON error shape on API paths."""
    if _is_api_path(request):
        return JsonResponse(
            {"detail": _("Server error."), "code": "server_error"}, status=500
        )
    return defaults.server_error(request)
