"""Domain exceptions and the one place that turns errors into API JSON.

Every API error has the shape::

    {"detail": "...", "code": "...", "fields": {"client_iin": ["..."]}}

`fields` appears only for validation errors. Services raise `DomainError`
subclasses; the handler below maps them, DRF's own exceptions and Django's
`ValidationError`, `Http404` and `ProtectedError` to that shape, with every
message in the caller's language (the handler rewrites the few texts DRF
builds without gettext).
"""

import json
import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the request; `status` is the HTTP answer."""

    status = status.HTTP_400_BAD_REQUEST
    code = "invalid"
    default_detail = _("The request was refused.")
    # What an anonymous caller (a client with a link) reads instead of
    # `detail`, when `detail` is meant for the company only.
    public_detail = None

    def __init__(self, detail=None, *, code=None, fields=None, headers=None):
        self.detail = str(detail or self.default_detail)
        if code:
            self.code = code
        self.fields = fields
        self.headers = headers or {}
        super().__init__(self.detail)


class InvalidInputError(DomainError):
    code = "invalid"


class NotFoundError(DomainError):
    status = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail = _("Not found.")


class StateConflictError(DomainError):
    status = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = _("The object is not in a state that allows this.")


class BalanceExhaustedError(DomainError):
    status = status.HTTP_402_PAYMENT_REQUIRED
    code = "balance_exhausted"
    default_detail = _("The company's balance has no signatures of this kind left.")


class TooManyAttemptsError(DomainError):
    status = status.HTTP_429_TOO_MANY_REQUESTS
    code = "too_many_attempts"
    default_detail = _("Too many attempts; try again later.")

    def __init__(self, detail=None, *, retry_after: int, **kwargs):
        headers = {"Retry-After": str(max(1, int(retry_after)))}
        super().__init__(detail, headers=headers, **kwargs)
        self.retry_after = max(1, int(retry_after))


class UpstreamError(DomainError):
    """A service outside the portal (SMS gateway, converter) failed."""

    status = status.HTTP_502_BAD_GATEWAY
    code = "upstream_failed"
    default_detail = _("A service the portal relies on failed; try again.")


# Messages of DRF and simplejwt that reach API clients but that their own
# catalogs leave out for Kazakh (which then falls back to Russian) or for
# Russian. Nothing reads this tuple: it only makes makemessages keep them in
# the ozgecontract catalog, which Django consults after the libraries' own.
# DRF looks up its two "Expected available" texts with gettext, not ngettext.
LIBRARY_MESSAGES = (
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop("Authorization header must contain two space-delimited values"),
    gettext_noop("Given token not valid for any token type"),
    gettext_noop("Token contained no recognizable user identification"),
    gettext_noop("User not found"),
    gettext_noop("User is inactive"),
    gettext_noop("The user's password has been changed."),
    gettext_noop("Token is invalid or expired"),
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("Token has no id"),
    gettext_noop("Token has no type"),
    gettext_noop("Token has wrong type"),
    gettext_noop("Token has no '{}' claim"),
    gettext_noop("Token '{}' claim has expired"),
    gettext_noop("Token is blacklisted"),
    gettext_noop("No active account found with the given credentials"),
    gettext_noop("No active account found for the given token."),
)

# Texts DRF builds without gettext: a literal, or a prefix followed by English
# from Python's or Django's parsers ("Expecting value: line 1 column 7 (char
# 6)"), which no catalog can match and which shows the parser's internals.
_DRF_NO_DATA = gettext_noop("No data provided")
_DRF_JSON_ERROR = "JSON parse error - "
_DRF_MULTIPART_ERROR = "Multipart form parse error - "
_DRF_CSRF_FAILED = "CSRF Failed: "


def _parse_error_detail(exc: exceptions.ParseError):
    """Say what is wrong with an unreadable body in the caller's language."""
    detail = str(exc.detail)
    reason = exc.__context__
    if detail.startswith(_DRF_MULTIPART_ERROR):
        return _("Multipart form parse error - the body is not a valid form.")
    if not detail.startswith(_DRF_JSON_ERROR) or not isinstance(reason, ValueError):
        return None
    if isinstance(reason, json.JSONDecodeError):
        return _(
            "JSON parse error - the body is not valid JSON "
            "(line {line}, column {column})."
        ).format(line=reason.lineno, column=reason.colno)
    if isinstance(reason, UnicodeDecodeError):
        return _("JSON parse error - the body is not text in its encoding (UTF-8).")
    return _("JSON parse error - the body is not valid JSON.")


def _library_detail(exc: exceptions.APIException):
    """Translate the detail of a DRF exception whose text DRF left in English."""
    if isinstance(exc, exceptions.ParseError):
        return _parse_error_detail(exc)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith(
        _DRF_CSRF_FAILED
    ):
        # Django's CSRF check already logged its English reason.
        return _(
            "CSRF Failed: a request logged in by session must send the CSRF "
            "token in the X-CSRFToken header; API clients should use a Bearer "
            "token instead."
        )
    return None


def _message(item) -> str:
    text = str(item)
    return gettext(_DRF_NO_DATA) if text == _DRF_NO_DATA else text


def _body(detail, code, fields=None):
    body = {"detail": str(detail), "code": str(code)}
    if fields:
        body["fields"] = fields
    return body


def _flatten_fields(data):
    """Turn DRF's nested error dict into {field: [messages]}."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if isinstance(value, dict):
                for sub_key, sub_value in _flatten_fields(value).items():
                    out[f"{key}.{sub_key}"] = sub_value
            elif isinstance(value, list):
                messages = []
                for item in value:
                    if isinstance(item, dict):
                        for sub_key, sub_value in _flatten_fields(item).items():
                            out[f"{key}.{sub_key}"] = sub_value
                    else:
                        messages.append(_message(item))
                if messages:
                    out[key] = messages
            else:
                out[key] = [_message(value)]
        return out
    if isinstance(data, list):
        return {"non_field_errors": [_message(item) for item in data]}
    return {"non_field_errors": [_message(data)]}


def _validation_response(fields):
    first_field, messages = next(iter(fields.items()))
    if first_field == "non_field_errors":
        detail = messages[0]
    else:
        detail = f"{first_field}: {messages[0]}"
    return Response(_body(detail, "invalid", fields), status=400)


def api_exception_handler(exc, context):
    """Render any handled exception as the project's one JSON error shape."""
    if isinstance(exc, DomainError):
        detail = exc.detail
        request = context.get("request")
        if exc.public_detail and not (request and request.user.is_authenticated):
            detail = str(exc.public_detail)
        return Response(
            _body(detail, exc.code, exc.fields),
            status=exc.status,
            headers=exc.headers,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = {
                k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()
            }
            fields = {
                ("non_field_errors" if k == "__all__" else k): v
                for k, v in fields.items()
            }
        else:
            fields = {"non_field_errors": exc.messages}
        return _validation_response(fields)
    if isinstance(exc, ProtectedError):
        return Response(
            _body(
                _("The object is in use by other records and cannot be deleted."),
                "protected",
            ),
            status=409,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(_flatten_fields(exc.detail))

    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    detail = _library_detail(exc) or detail
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.status_code = 401
        code = (
            "not_authenticated"
            if isinstance(exc, exceptions.NotAuthenticated)
            else code
        )
    response.data = _body(detail or str(exc), code)
    return response
