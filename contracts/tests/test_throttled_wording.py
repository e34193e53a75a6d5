"""A throttled API request is told "too many requests" in the caller's language.

DRF's Russian catalog says «Запрос был проигнорирован» (as if the request had
been dropped); the project's catalog in locale/ overrides it for ru and kk.
No endpoint of the portal uses DRF throttling yet, so a test-only view does.
"""

import pytest
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db


class ThrottleEveryone(BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 30


class Throttled(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ThrottleEveryone]

    def get(self, request):
        return Response({})


urlpatterns = [path("throttled", Throttled.as_view())]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Слишком много запросов. Повторите запрос через 30 с."),
        ("kk", "Сұраныстар тым көп. 30 секундтан кейін қайта қолжетімді болады."),
        ("en", "Request was throttled. Expected available in 30 seconds."),
    ],
)
def test_a_throttled_caller_is_told_there_were_too_many_requests(
    anonymous, language, detail
):
    response = anonymous.get("/throttled", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 429
    assert response.json() == {"detail": detail, "code": "throttled"}
    assert response["Retry-After"] == "30"
