"""URL helper for the API: every documented path answers with and without a slash."""

from django.urls import path


def api_path(route: str, view, name: str):
    """Return the two patterns for `route`: bare (canonical, named) and with `/`."""
    return [path(route, view, name=name), path(f"{route}/", view)]


def api_patterns(*groups):
    return [pattern for group in groups for pattern in group]


def drop_slash_duplicates(endpoints, **kwargs):
    """Document each API route once: drop the trailing-slash twin of `api_path`."""
    paths = {path for path, *_ in endpoints}
    return [
        endpoint
        for endpoint in endpoints
        if not (endpoint[0].endswith("/") and endpoint[0].rstrip("/") in paths)
    ]
