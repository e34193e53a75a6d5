"""Project-level views: health check, the floor view for benchmarks, the 404."""

from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
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


@extend_schema(
    responses=inline_serializer("Ping", {"pong": serializers.BooleanField()}),
    description="A trivial view: the floor that benchmarks compare against.",
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def ping(request):
    return Response({"pong": True})


def not_found(request, exception=None):
    """Answer an unknown URL under an API path in the API's JSON error shape.

    A URL such as `/contracts/abc` matches no route, so no API view (and no
    DRF exception handler) ever sees it; integrators still get JSON. Every
    other unknown URL gets the HTML page.
    """
    from ozgecontract.urls import API_ROOTS  # imported late: urls imports views

    root = request.path_info.lstrip("/").split("/", 1)[0]
    if root in API_ROOTS:
        return JsonResponse(
            {"detail": _("Not found."), "code": "not_found"}, status=404
        )
    return page_not_found(request, exception)
