"""How the API describes itself: the OpenAPI schema's shared parts and OPTIONS.

drf-spectacular documents each view's success answer; the hook below adds
what every view shares, once: the one error shape of `ozgecontract.errors`
on the error answers a view can give, and the `X-Total-Count` and `Link`
headers of `ozgecontract.pagination` on lists. Clients and the fuzz tests
(`ozgecontract/tests/test_api_fuzz.py`) read these from `GET /api/schema`.
"""

from rest_framework.metadata import SimpleMetadata

ERROR_SCHEMA = {
    "type": "object",
    "description": "The one shape of every API error.",
    "properties": {
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "code": {"type": "string", "description": "A stable code, for programs."},
        "fields": {
            "type": "object",
            "description": "Messages by input field; only for validation errors.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "code"],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

# Answers any operation can give: input is parsed and ids are looked up
# everywhere, and another company's object is a 404 like a missing one.
COMMON_ERRORS = {
    "400": "Bad input; `fields` names each wrong field.",
    "404": "Unknown, or another company's.",
}
# Answers only operations that read credentials can give: a bad or expired
# token is refused even where a token is optional.
AUTH_ERRORS = {
    "401": "No credentials, or bad or expired ones.",
    "403": "The caller's role may not do this.",
}
# Answers only operations that read a body can give.
BODY_ERRORS = {
    "415": "The body's media type is not JSON, a form or multipart.",
}
LIST_HEADERS = {
    "X-Total-Count": {
        "description": "How many objects the whole list has.",
        "schema": {"type": "integer"},
    },
    "Link": {
        "description": 'RFC 8288 links to the rel="next" and rel="prev" pages.',
        "schema": {"type": "string"},
    },
}


def _reads_credentials(operation: dict) -> bool:
    return any(requirement for requirement in operation.get("security", []))


def _is_paginated(method: str, operation: dict) -> bool:
    names = {parameter.get("name") for parameter in operation.get("parameters", [])}
    return method == "get" and {"limit", "offset"} <= names


def _document_operation(method: str, operation: dict) -> None:
    responses = operation.setdefault("responses", {})
    errors = dict(COMMON_ERRORS)
    if _reads_credentials(operation):
        errors.update(AUTH_ERRORS)
    if "requestBody" in operation:
        errors.update(BODY_ERRORS)
    for status, description in errors.items():
        responses.setdefault(status, {"description": description})

    for status, response in responses.items():
        if status.startswith(("4", "5")) and not response.get("content"):
            response["content"] = {"application/json": {"schema": ERROR_REF}}
        elif status == "200" and _is_paginated(method, operation):
            response.setdefault("headers", {}).update(LIST_HEADERS)


def document_shared_answers(result, generator, request, public):
    """Add the error shape and the list headers to every operation of the schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = (
        ERROR_SCHEMA
    )
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            _document_operation(method, operation)
    return result


class SchemaMetadata(SimpleMetadata):
    """Answer OPTIONS with the view's name, description and formats.

    The request and response shapes are in `GET /api/schema`. DRF's default
    also describes the write serializers, which calls `get_object()` on views
    that look objects up by `company_id` or `contract_id` rather than `pk`,
    and fails there with a 500.
    """

    def determine_actions(self, request, view):
        return {}
