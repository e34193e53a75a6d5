"""HTML-to-PDF through WeasyPrint, with a URL fetcher that cannot leave the project.

A template or a field value may carry `<img src="http://169.254.169.254/...">`
or `file:///etc/passwd`; the fetcher below serves only `data:` URIs and files
inside the project's `static/` folder, so rendering never makes the server
fetch anything else. Refused URLs are logged and the resource is left out.
"""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

STATIC_DIR = Path(settings.BASE_DIR, "static").resolve()
STATIC_BASE_URL = STATIC_DIR.as_uri() + "/"


class RefusedURLError(ValueError):
    """A document asked for a URL outside the project's static files."""


class SafeURLFetcher(URLFetcher):
    """Serve data URIs and the project's static files; refuse everything else."""

    def __init__(self):
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(STATIC_DIR) and path.is_file():
                return URLFetcherResponse(url, body=path.read_bytes())
        logger.warning(
            "refused to fetch a URL while rendering a PDF: scheme=%s", scheme
        )
        raise RefusedURLError("URL refused")


def safe_url_fetcher(url: str) -> URLFetcherResponse:
    return SafeURLFetcher().fetch(url)


def html_to_pdf(html: str) -> bytes:
    """Render `html` (which may link `static/` files relatively) to PDF bytes."""
    document = weasyprint.HTML(
        string=html, base_url=STATIC_BASE_URL, url_fetcher=SafeURLFetcher()
    )
    return document.write_pdf()
