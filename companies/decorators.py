"""Guards for the dashboard's HTML views: who may open a page."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def company_required(view):
    """Let in logged-in staff of a company; send others to the login page.

    Platform admins have no company: they work in Django admin, so a
    dashboard page answers them 403 rather than showing an empty company.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.company_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def owner_required(view):
    """Like `company_required`, and a member (not an owner) gets 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_owner:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
