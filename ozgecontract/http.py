"""Request helpers the dashboard's HTML views share."""

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """Return the POST data to bind a form to, even when it is empty; else None."""
    return request.POST if request.method == "POST" else None


def wants_json(request: HttpRequest) -> bool:
    """Tell whether the caller (a page's script) asked for a JSON answer."""
    return "application/json" in request.headers.get("Accept", "")
