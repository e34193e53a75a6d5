"""Errors raised by DRF and simplejwt themselves reach integrators in their language.

Each kind is tried with `Accept-Language: kk` and `ru` through a real request,
and the JSON shape and `code` are those the API had before. English callers
keep DRF's English, except where DRF used to show Python's parser internals.
"""

import pytest
from django.http import Http404
from django.urls import path
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

INTERNALS = ("Expecting", "char ", "codec", "Invalid boundary", "CSRF cookie")


def post_raw(client, path, body, content_type, language):
    return client.generic(
        "POST", path, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE=language
    )


def assert_error(response, status, code, detail):
    assert response.status_code == status
    assert response.json() == {"detail": detail, "code": code}
    assert not any(text in detail for text in INTERNALS)


# Unreadable bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ru",
            "Ошибка разбора JSON: тело запроса не является корректным JSON "
            "(строка 2, столбец 14).",
        ),
        (
            "kk",
            "JSON талдау қатесі: сұраныс денесі дұрыс JSON емес (2-жол, 14-баған).",
        ),
        (
            "en",
            "JSON parse error - the body is not valid JSON (line 2, column 14).",
        ),
    ],
)
def test_malformed_json_names_the_line_and_column_in_the_callers_language(
    owner_api, language, detail
):
    body = '{"number": "A-1",\n "template": }'

    response = post_raw(owner_api, "/contracts", body, "application/json", language)

    assert_error(response, 400, "parse_error", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ru",
            "Ошибка разбора JSON: тело запроса не является текстом в своей "
            "кодировке (UTF-8).",
        ),
        (
            "kk",
            "JSON талдау қатесі: сұраныс денесі өз кодтауындағы (UTF-8) мәтін емес.",
        ),
    ],
)
def test_json_that_is_not_utf8_is_refused_in_the_callers_language(
    owner_api, language, detail
):
    body = '{"number": "Договор"}'.encode("cp1251")

    response = post_raw(owner_api, "/contracts", body, "application/json", language)

    assert_error(response, 400, "parse_error", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Ошибка разбора JSON: тело запроса не является корректным JSON."),
        ("kk", "JSON талдау қатесі: сұраныс денесі дұрыс JSON емес."),
    ],
)
def test_json_with_nan_is_refused_in_the_callers_language(owner_api, language, detail):
    body = '{"number": NaN}'

    response = post_raw(owner_api, "/contracts", body, "application/json", language)

    assert_error(response, 400, "parse_error", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Данные не переданы"),
        ("kk", "Деректер берілмеген"),
        ("en", "No data provided"),
    ],
)
def test_a_null_body_says_no_data_in_the_callers_language(owner_api, language, detail):
    response = post_raw(owner_api, "/contracts", "null", "application/json", language)

    assert response.status_code == 400
    assert response.json() == {
        "detail": detail,
        "code": "invalid",
        "fields": {"non_field_errors": [detail]},
    }


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ru",
            "Ошибка разбора формы multipart: тело запроса не является "
            "корректной формой.",
        ),
        ("kk", "Multipart формасын талдау қатесі: сұраныс денесі дұрыс форма емес."),
        ("en", "Multipart form parse error - the body is not a valid form."),
    ],
)
def test_a_multipart_upload_without_boundary_is_refused_in_the_callers_language(
    owner_api, language, detail
):
    response = post_raw(
        owner_api, "/templates/upload", b"--x\r\n", "multipart/form-data", language
    )

    assert_error(response, 400, "parse_error", detail)


# Media types, methods, Accept -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", 'Неподдерживаемый тип данных "text/plain" в запросе.'),
        ("kk", 'Сұраныстағы "text/plain" медиа түрі қолдау көрсетілмейді.'),
        ("en", 'Unsupported media type "text/plain" in request.'),
    ],
)
def test_an_unsupported_media_type_is_refused_in_the_callers_language(
    owner_api, language, detail
):
    response = post_raw(owner_api, "/contracts", "number=1", "text/plain", language)

    assert_error(response, 415, "unsupported_media_type", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", 'Метод "PATCH" не разрешен.'),
        ("kk", '"PATCH" әдісіне рұқсат етілмейді.'),
        ("en", 'Method "PATCH" not allowed.'),
    ],
)
def test_a_wrong_method_is_refused_in_the_callers_language(anonymous, language, detail):
    response = anonymous.patch(
        "/companies/register", {}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert_error(response, 405, "method_not_allowed", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", 'Невозможно удовлетворить "Accept" заголовок запроса.'),
        ("kk", "Сұраныстағы Accept тақырыбын қанағаттандыру мүмкін емес."),
        ("en", "Could not satisfy the request Accept header."),
    ],
)
def test_an_unsatisfiable_accept_header_is_refused_in_the_callers_language(
    owner_api, language, detail
):
    response = owner_api.get(
        "/contracts", HTTP_ACCEPT="application/xml", HTTP_ACCEPT_LANGUAGE=language
    )

    assert_error(response, 406, "not_acceptable", detail)


# Credentials ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Учетные данные не были предоставлены."),
        ("kk", "Аутентификация деректері берілмеген."),
        ("en", "Authentication credentials were not provided."),
    ],
)
def test_anonymous_gets_401_in_the_callers_language(anonymous, language, detail):
    response = anonymous.get("/contracts", HTTP_ACCEPT_LANGUAGE=language)

    assert_error(response, 401, "not_authenticated", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Данный токен недействителен для любого типа токена"),
        ("kk", "Берілген токен ешбір токен түріне жарамсыз"),
        ("en", "Given token not valid for any token type"),
    ],
)
def test_a_forged_bearer_token_is_refused_in_the_callers_language(
    anonymous, language, detail
):
    response = anonymous.get(
        "/contracts",
        HTTP_AUTHORIZATION="Bearer not-a-jwt",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert_error(response, 401, "token_not_valid", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ru",
            "Заголовок авторизации должен содержать два значения, разделенных пробелом",
        ),
        ("kk", "Authorization тақырыбында бос орынмен бөлінген екі мән болуы керек"),
    ],
)
def test_a_bearer_header_without_token_is_refused_in_the_callers_language(
    anonymous, language, detail
):
    response = anonymous.get(
        "/contracts", HTTP_AUTHORIZATION="Bearer", HTTP_ACCEPT_LANGUAGE=language
    )

    assert_error(response, 401, "authentication_failed", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Пользователь неактивен"),
        ("kk", "Пайдаланушы белсенді емес"),
    ],
)
def test_a_deactivated_members_token_is_refused_in_the_callers_language(
    member, member_api, language, detail
):
    member.is_active = False
    member.save(update_fields=["is_active"])

    response = member_api.get("/contracts", HTTP_ACCEPT_LANGUAGE=language)

    assert_error(response, 401, "authentication_failed", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Не найдено активной учетной записи с указанными данными"),
        ("kk", "Бұл деректермен белсенді тіркелгі табылмады"),
        ("en", "No active account found with the given credentials"),
    ],
)
def test_a_wrong_password_is_refused_in_the_callers_language(
    anonymous, owner, language, detail
):
    response = anonymous.post(
        "/auth/token",
        {"email": owner.email, "password": "wrong-password"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert_error(response, 401, "no_active_account", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        ("ru", "Токен недействителен"),
        ("kk", "Токен жарамсыз"),
        ("en", "Token is invalid"),
    ],
)
def test_a_forged_refresh_token_is_refused_in_the_callers_language(
    anonymous, language, detail
):
    response = anonymous.post(
        "/auth/token/refresh",
        {"refresh": "not-a-jwt"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert_error(response, 401, "token_not_valid", detail)


@pytest.mark.parametrize(
    ("language", "detail"),
    [
        (
            "ru",
            "Ошибка проверки CSRF: запрос с входом по сессии должен передавать "
            "CSRF-токен в заголовке X-CSRFToken; API-клиентам следует "
            "использовать Bearer-токен.",
        ),
        (
            "kk",
            "CSRF тексеруі өтпеді: сессия арқылы кірген сұраныс CSRF токенін "
            "X-CSRFToken тақырыбында жіберуі керек; API клиенттері оның орнына "
            "Bearer токенін пайдалануы тиіс.",
        ),
        (
            "en",
            "CSRF Failed: a request logged in by session must send the CSRF "
            "token in the X-CSRFToken header; API clients should use a Bearer "
            "token instead.",
        ),
    ],
)
def test_a_session_post_without_csrf_token_is_refused_in_the_callers_language(
    owner, language, detail
):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(owner)

    response = browser.post(
        "/contracts", {}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert_error(response, 403, "permission_denied", detail)


# DRF's defaults, which no portal endpoint raises with its own text today ------


class RefuseEveryone(BasePermission):
    """A permission without a message of its own: DRF's default text."""

    def has_permission(self, request, view):
        return False


class RejectCredentials:
    def authenticate(self, request):
        raise exceptions.AuthenticationFailed

    def authenticate_header(self, request):
        return "Bearer"


class ThrottleEveryone(BaseThrottle):
    def allow_request(self, request, view):
        return False

    def wait(self):
        return 30


class Refusing(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({})


class Missing(Refusing):
    def get(self, request):
        raise Http404


urlpatterns = [
    path(
        "refuse/permission",
        Refusing.as_view(permission_classes=[RefuseEveryone]),
    ),
    path(
        "refuse/credentials",
        Refusing.as_view(authentication_classes=[RejectCredentials]),
    ),
    path("refuse/throttled", Refusing.as_view(throttle_classes=[ThrottleEveryone])),
    path("refuse/missing", Missing.as_view()),
]

DEFAULTS = {
    "ru": {
        "permission": "У вас недостаточно прав для выполнения данного действия.",
        "credentials": "Некорректные учетные данные.",
        "throttled": "Слишком много запросов. Повторите запрос через 30 с.",
        "missing": "Страница не найдена.",
    },
    "kk": {
        "permission": "Бұл әрекетті орындауға рұқсатыңыз жоқ.",
        "credentials": "Аутентификация деректері қате.",
        "throttled": "Сұраныстар тым көп. 30 секундтан кейін қайта қолжетімді болады.",
        "missing": "Табылмады.",
    },
    "en": {
        "permission": "You do not have permission to perform this action.",
        "credentials": "Incorrect authentication credentials.",
        "throttled": "Request was throttled. Expected available in 30 seconds.",
        "missing": "Not found.",
    },
}
ANSWERS = {
    "permission": (403, "permission_denied"),
    "credentials": (401, "authentication_failed"),
    "throttled": (429, "throttled"),
    "missing": (404, "not_found"),
}


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
@pytest.mark.parametrize("kind", list(ANSWERS))
def test_drfs_default_refusals_come_in_the_callers_language(anonymous, kind, language):
    response = anonymous.get(f"/refuse/{kind}", HTTP_ACCEPT_LANGUAGE=language)

    status, code = ANSWERS[kind]
    assert_error(response, status, code, DEFAULTS[language][kind])


@pytest.mark.urls(__name__)
def test_a_throttled_caller_is_told_when_to_retry(anonymous):
    response = anonymous.get("/refuse/throttled", HTTP_ACCEPT_LANGUAGE="kk")

    assert response["Retry-After"] == "30"
