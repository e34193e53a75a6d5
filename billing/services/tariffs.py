"""Tariff plans: admin-only writes; active plans never overlap."""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from billing.models import TariffPlan
from billing.services.checks import CENT, require_admin
from ozgecontract.errors import NotFoundError, StateConflictError

logger = logging.getLogger(__name__)

# Any fixed number: PostgreSQL advisory lock that serialises tariff plan writes.
_TARIFF_LOCK_KEY = 7_301_002


def _lock_tariff_writes() -> None:
    """Serialise tariff writes so two concurrent ones cannot both pass the check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_TARIFF_LOCK_KEY])


def lock_tariff_plan(*, plan_id: int) -> TariffPlan:
    """Return the plan's row, locked until the transaction ends; 404 once deleted."""
    try:
        return TariffPlan.objects.select_for_update().get(pk=plan_id)
    except TariffPlan.DoesNotExist as exc:
        raise NotFoundError(_("Tariff plan not found.")) from exc


def clean_tariff_plan(plan: TariffPlan) -> None:
    """Refuse bad fields, a backwards range, or an active range that overlaps."""
    errors = {}
    if not (plan.name or "").strip():
        errors["name"] = [_("Enter the plan's name.")]
    try:
        discount = Decimal(str(plan.discount))
    except (InvalidOperation, TypeError, ValueError):
        discount = None
    if discount is None or not (0 <= discount <= 100):
        errors["discount"] = [_("The discount is a percentage from 0 to 100.")]
    elif discount != discount.quantize(CENT):
        errors["discount"] = [_("Use at most two decimal places.")]
    if plan.from_count < 1:
        errors["from_count"] = [_("A plan starts at 1 signature or more.")]
    if plan.to_count < plan.from_count:
        errors["to_count"] = [_("to_count must not be less than from_count.")]
    if errors:
        raise ValidationError(errors)

    if plan.is_active:
        overlapping = (
            TariffPlan.objects.filter(
                is_active=True,
                from_count__lte=plan.to_count,
                to_count__gte=plan.from_count,
            )
            .exclude(pk=plan.pk)
            .order_by("from_count")
            .first()
        )
        if overlapping is not None:
            raise ValidationError(
                {
                    "from_count": [
                        _(
                            "The range %(start)s–%(end)s overlaps the active plan "
                            '"%(name)s" (%(other_start)s–%(other_end)s).'
                        )
                        % {
                            "start": plan.from_count,
                            "end": plan.to_count,
                            "name": overlapping.name,
                            "other_start": overlapping.from_count,
                            "other_end": overlapping.to_count,
                        }
                    ]
                }
            )


@transaction.atomic
def create_tariff_plan(
    *,
    name: str,
    from_count: int,
    to_count: int,
    user,
    discount: Decimal = Decimal("0"),
    is_active: bool = True,
) -> TariffPlan:
    """Create a plan whose range overlaps no other active plan (admin only)."""
    require_admin(user)
    _lock_tariff_writes()
    plan = TariffPlan(
        name=(name or "").strip(),
        discount=discount,
        from_count=from_count,
        to_count=to_count,
        is_active=is_active,
    )
    clean_tariff_plan(plan)
    plan.save()
    logger.info("tariff plan created plan=%s by=%s", plan.pk, user.pk)
    return plan


_TARIFF_FIELDS = ("name", "discount", "from_count", "to_count", "is_active")


@transaction.atomic
def update_tariff_plan(*, plan: TariffPlan, user, **changes) -> TariffPlan:
    """Change a plan's fields; the result must still overlap no active plan."""
    require_admin(user)
    unknown = set(changes) - set(_TARIFF_FIELDS)
    if unknown:
        raise ValueError(f"Unknown tariff plan fields: {sorted(unknown)}")
    _lock_tariff_writes()
    plan = lock_tariff_plan(plan_id=plan.pk)
    for field, value in changes.items():
        setattr(plan, field, value.strip() if field == "name" else value)
    clean_tariff_plan(plan)
    plan.save()
    logger.info(
        "tariff plan updated plan=%s by=%s fields=%s",
        plan.pk,
        user.pk,
        ",".join(sorted(changes)),
    )
    return plan


@transaction.atomic
def delete_tariff_plan(*, plan: TariffPlan, user) -> None:
    """Delete a plan that no payment request uses; otherwise 409."""
    require_admin(user)
    # A purchase locks the plan row while it creates its request, so with the
    # row locked here no request can appear between the check and the delete
    # (the PROTECT foreign key would otherwise fail as an IntegrityError).
    plan = lock_tariff_plan(plan_id=plan.pk)
    if plan.payment_requests.exists():
        raise StateConflictError(
            _(
                "Payment requests use this tariff plan, so it cannot be deleted; "
                "deactivate it instead (is_active=false)."
            ),
            code="tariff_in_use",
        )
    plan_id = plan.pk
    plan.delete()
    logger.info("tariff plan deleted plan=%s by=%s", plan_id, user.pk)
