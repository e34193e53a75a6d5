"""Signing links kept in the browser session, and the guard every step goes through.

The first visit swaps the link's token for a short random key kept in the
session (see `remember`); `signing_view` turns the key back into the link and
its contract, or answers with a clear page when that is not possible.
"""

import logging
import secrets
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache

from contracts import selectors as contract_selectors
from contracts.models import Contract
from ozgecontract.errors import NotFoundError

logger = logging.getLogger(__name__)

SESSION_KEY = "signing_links"
# A browser rarely has more than a couple of links open; old ones are dropped.
MAX_LINKS_PER_SESSION = 10


@dataclass
class SigningLink:
    """One signing link opened in this browser session, with its progress."""

    key: str
    contract: Contract
    # Kept in the session: the token, and the client's progress through steps.
    state: dict


def client_ip(request) -> str | None:
    """Return the client's address for the audit trail.

    Only REMOTE_ADDR is trusted: X-Forwarded-For is set by whoever sends the
    request. Behind a reverse proxy, the proxy must pass the client's address
    as REMOTE_ADDR (gunicorn with --forwarded-allow-ips does).
    """
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]


def in_chosen_language(view):
    """Show the page in the language the client chose, else in Russian.

    The browser's Accept-Language is not used: a phone set to English in
    Kazakhstan still gets the Russian page first, with the switch on top.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        return view(request, *args, **kwargs)

    return wrapper


def links_in_session(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def remember(request, token: str) -> str:
    """Keep `token` in the session under a new or existing key; return the key."""
    links = links_in_session(request)
    for key, state in links.items():
        if state["token"] == token:
            return key
    key = secrets.token_urlsafe(9)
    links[key] = {"token": token, "created": timezone.now().timestamp()}
    if len(links) > MAX_LINKS_PER_SESSION:
        oldest = min(links, key=lambda k: links[k]["created"])
        del links[oldest]
    request.session[SESSION_KEY] = links
    return key


def save(request, link: SigningLink) -> None:
    links = links_in_session(request)
    links[link.key] = link.state
    request.session[SESSION_KEY] = links
    request.session.modified = True


def link_problem(request, reason: str, status: int):
    """Render the page for a link that cannot be signed, in the chosen language."""
    return render(
        request,
        "signatures/signing/link_problem.html",
        {"reason": reason},
        status=status,
    )


def contract_problem(request, contract: Contract):
    """Return the 410 page for a cancelled or expired contract, else None."""
    if contract.status == Contract.Status.CANCELLED:
        return link_problem(request, "cancelled", 410)
    if contract.status == Contract.Status.EXPIRED or (
        contract.status == Contract.Status.PENDING and contract.is_expired
    ):
        return link_problem(request, "expired", 410)
    return None


def signing_view(*, allow_signed: bool = False):
    """Load the link behind `key` and its contract, or answer with a clear page.

    An unknown key is a 404 page asking to open the link again; a cancelled or
    expired contract is a 410 page; a signed one goes to the thank-you page
    unless the view serves signed contracts too.
    """

    def decorator(view):
        @wraps(view)
        @never_cache
        @in_chosen_language
        def wrapper(request, key, *args, **kwargs):
            state = links_in_session(request).get(key)
            if state is None:
                return link_problem(request, "session", 404)
            try:
                contract = contract_selectors.get_contract_by_token(state["token"])
            except NotFoundError:
                return link_problem(request, "unknown", 404)
            if contract.status == Contract.Status.SIGNED and not allow_signed:
                return redirect("signatures:signing-done", key=key)
            problem = contract_problem(request, contract)
            if problem is not None:
                return problem
            link = SigningLink(key=key, contract=contract, state=state)
            return view(request, link, *args, **kwargs)

        return wrapper

    return decorator
