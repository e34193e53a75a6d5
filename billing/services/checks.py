"""Checks the billing services share: who may act, what a count may be."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from ozgecontract.tenancy import is_platform_admin

CENT = Decimal("0.01")


def require_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("Only platform administrators may do this."))


def check_counts(**counts: int) -> None:
    errors = {
        name: [_("Must be a whole number of at least 0.")]
        for name, value in counts.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0
    }
    if errors:
        raise ValidationError(errors)
