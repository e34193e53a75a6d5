"""Forms of the balance pages: choosing a package and confirming its price."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing import selectors
from billing.models import TariffPlan
from billing.services import compute_total_amount

# Far above any real package; keeps the arithmetic and the form sane.
MAX_PACKAGE_COUNT = 1_000_000


class PurchaseForm(forms.Form):
    """The counts of a package; cleaning finds the active plan and the price."""

    sms_count = forms.IntegerField(
        label=_("SMS signatures"),
        min_value=0,
        max_value=MAX_PACKAGE_COUNT,
        initial=0,
    )
    ecp_count = forms.IntegerField(
        label=_("ЭЦП signatures"),
        min_value=0,
        max_value=MAX_PACKAGE_COUNT,
        initial=0,
    )

    def clean(self):
        data = super().clean()
        sms_count, ecp_count = data.get("sms_count"), data.get("ecp_count")
        if sms_count is None or ecp_count is None:
            return data

        total = sms_count + ecp_count
        if total == 0:
            raise ValidationError(
                _("Choose at least one SMS or ЭЦП signature."), code="empty"
            )
        plan = (
            selectors.list_tariff_plans(is_active=True)
            .filter(from_count__lte=total, to_count__gte=total)
            .first()
        )
        if plan is None:
            raise ValidationError(
                _(
                    "No active tariff plan covers %(count)s signatures. "
                    "Choose a total within one of the plans listed on this page."
                ),
                code="no_tariff_plan",
                params={"count": total},
            )
        data["tariff_plan"] = plan
        data["total_amount"] = compute_total_amount(
            tariff_plan=plan, sms_count=sms_count, ecp_count=ecp_count
        )
        return data


class ConfirmPurchaseForm(PurchaseForm):
    """The preview sent back: the counts, and the plan and price the owner saw."""

    shown_tariff_plan = forms.ModelChoiceField(
        queryset=TariffPlan.objects.all(), widget=forms.HiddenInput
    )
    shown_total_amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sms_count", "ecp_count"):
            self.fields[name].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        if self.errors or "tariff_plan" not in data:
            return data

        # The plan or the prices may change between the preview and the click;
        # the owner confirms only the price that was on the screen.
        shown = (data.get("shown_tariff_plan"), data.get("shown_total_amount"))
        if shown != (data["tariff_plan"], data["total_amount"]):
            raise ValidationError(
                gettext(
                    "The tariff plan or the price has changed since the preview. "
                    "Check the new price and confirm again."
                ),
                code="price_changed",
            )
        return data

    @classmethod
    def for_preview(cls, cleaned_data: dict) -> "ConfirmPurchaseForm":
        """Return an unbound form carrying a valid preview's values."""
        return cls(
            initial={
                "sms_count": cleaned_data["sms_count"],
                "ecp_count": cleaned_data["ecp_count"],
                "shown_tariff_plan": cleaned_data["tariff_plan"].pk,
                "shown_total_amount": cleaned_data["total_amount"],
            }
        )
