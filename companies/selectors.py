"""Reads for companies, always limited to what the caller may see."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from companies.models import Company
from ozgecontract.errors import NotFoundError
from ozgecontract.tenancy import is_platform_admin
from ozgecontract.validators import normalize_phone


def list_companies(*, user) -> QuerySet[Company]:
    """Return every company for an admin, the user's own for company staff."""
    if not user or not user.is_authenticated:
        return Company.objects.none()
    if is_platform_admin(user):
        return Company.objects.order_by("id")
    if user.company_id is None:
        return Company.objects.none()
    return Company.objects.filter(pk=user.company_id)


def get_company(*, user, company_id: int) -> Company:
    try:
        return list_companies(user=user).get(pk=company_id)
    except Company.DoesNotExist as exc:
        raise NotFoundError(_("Company not found.")) from exc


def get_company_by_phone(*, user, phone: str) -> Company:
    """Find a company by phone written any way Kazakhstan dials it."""
    try:
        normalized = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    try:
        return list_companies(user=user).get(phone=normalized)
    except Company.DoesNotExist as exc:
        raise NotFoundError(_("Company not found.")) from exc
