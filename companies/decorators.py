"""Guards for the dashboard's HTML views: who may open a page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def company_required(view):
    """Let in logged-in staff of a company; send others to the login page.

    Platform admins have no company: they work in Django admin and are sent
    there; any other account without a company gets a 403.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.company_id is None:
            if request.user.is_staff:
                return redirect("admin:index")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """Like `company_required`, and a member (not an owner) gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.company_id is None and request.user.is_staff:
            return redirect("admin:index")
        if not request.user.is_owner:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
