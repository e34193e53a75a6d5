"""Tenancy and roles for the API: who may see and change what.

A company user sees only its own company's objects; a platform admin (a
Django staff user, with no company) sees everything. Another company's object
is a 404, never a 403, so its existence does not leak.
"""

from django.apps import apps
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import permissions

from ozgecontract.errors import NotFoundError


def is_platform_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def scope_to_company(queryset: QuerySet, user, *, field: str = "company") -> QuerySet:
    """Filter `queryset` to what `user` may see; an anonymous user sees nothing."""
    if not user or not user.is_authenticated:
        return queryset.none()
    if is_platform_admin(user):
        return queryset
    if user.company_id is None:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": user.company_id})


def check_company_access(user, company_id: int) -> None:
    """Raise a 404 unless `user` may act for the existing company `company_id`."""
    if is_platform_admin(user):
        # Staff can name only their own company, which exists; an admin may
        # name any id, so only then is the company looked up.
        company_model = apps.get_model("companies", "Company")
        if not company_model.objects.filter(pk=company_id).exists():
            raise NotFoundError(_("Company not found."))
        return
    if not user.is_authenticated or user.company_id != company_id:
        raise NotFoundError(_("Company not found."))


class IsPlatformAdmin(permissions.BasePermission):
    message = gettext_lazy("Only platform administrators may do this.")

    def has_permission(self, request, view):
        return is_platform_admin(request.user)
