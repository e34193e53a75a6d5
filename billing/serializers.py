"""API shapes for balances, the ledger, tariff plans and payment requests."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from companies.serializers import StrictCharField
from ozgecontract.serializers import UTCDateTimeField, UTCModelSerializer


class StrictIntegerField(serializers.IntegerField):
    """An IntegerField that refuses strings, floats and booleans."""

    default_error_messages = {"not_an_integer": _("Expected a whole number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_an_integer")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"not_a_boolean": _("Expected true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class NumberDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON number (a numeric string is accepted too)."""

    default_error_messages = {"not_a_number": _("Expected a number.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("not_a_number")
        if isinstance(data, float):
            # repr() gives the shortest text that round-trips, so 10.1 stays 10.1.
            data = repr(data)
        return super().to_internal_value(data)


# Far above any real package, well below the database's 32-bit columns.
MAX_BALANCE_COUNT = 10_000_000


class BalanceSerializer(UTCModelSerializer):
    company_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = CompanyBalance
        fields = ["company_id", "sms_signatures", "ecp_signatures", "updated_at"]
        read_only_fields = fields


class BalanceCreateSerializer(serializers.Serializer):
    company_id = StrictIntegerField(min_value=1)
    sms_signatures = StrictIntegerField(
        min_value=0, max_value=MAX_BALANCE_COUNT, required=False, default=0
    )
    ecp_signatures = StrictIntegerField(
        min_value=0, max_value=MAX_BALANCE_COUNT, required=False, default=0
    )


class BalanceUpdateSerializer(serializers.Serializer):
    """PUT needs both counts; PATCH either of them."""

    sms_signatures = StrictIntegerField(min_value=0, max_value=MAX_BALANCE_COUNT)
    ecp_signatures = StrictIntegerField(min_value=0, max_value=MAX_BALANCE_COUNT)


class BalanceEntrySerializer(UTCModelSerializer):
    company_id = serializers.IntegerField(read_only=True)
    signature_id = serializers.IntegerField(read_only=True, allow_null=True)
    payment_request_id = serializers.IntegerField(read_only=True, allow_null=True)
    created_by_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = BalanceEntry
        fields = [
            "id",
            "company_id",
            "kind",
            "delta",
            "balance_after",
            "reason",
            "note",
            "signature_id",
            "payment_request_id",
            "created_by_id",
            "created_at",
        ]
        read_only_fields = fields


class TariffPlanSerializer(UTCModelSerializer):
    discount = NumberDecimalField(max_digits=5, decimal_places=2)

    class Meta:
        model = TariffPlan
        fields = [
            "id",
            "name",
            "discount",
            "from_count",
            "to_count",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class TariffPlanWriteSerializer(serializers.Serializer):
    """PUT needs every field but is_active; PATCH any of them."""

    name = StrictCharField(max_length=255)
    discount = NumberDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
    )
    from_count = StrictIntegerField(min_value=1, max_value=2_000_000_000)
    to_count = StrictIntegerField(min_value=1, max_value=2_000_000_000)
    is_active = StrictBooleanField(required=False)


class PaymentRequestSerializer(UTCModelSerializer):
    company_id = serializers.IntegerField(read_only=True)
    tariff_plan_id = serializers.IntegerField(read_only=True)
    # Empty until the payment gateway gives one, so not always a valid URI.
    payment_url = serializers.CharField(
        read_only=True, help_text="The gateway's payment page, or empty."
    )
    total_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True
    )

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "company_id",
            "tariff_plan_id",
            "sms_count",
            "ecp_count",
            "total_amount",
            "status",
            "payment_url",
            "payment_ref",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields


class PaymentRequestCreateSerializer(serializers.Serializer):
    company_id = StrictIntegerField(
        min_value=1,
        required=False,
        help_text="Defaults to the caller's company; admins must send it.",
    )
    tariff_plan_id = StrictIntegerField(min_value=1)
    sms_count = StrictIntegerField(min_value=0, max_value=2_000_000_000, default=0)
    ecp_count = StrictIntegerField(min_value=0, max_value=2_000_000_000, default=0)
    total_amount = NumberDecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="Optional; when sent it must equal the amount the server computes.",
    )
    status = StrictCharField(
        required=False, help_text='Optional; a new request is always "pending".'
    )
    payment_url = StrictCharField(required=False, allow_blank=True, max_length=500)
    payment_ref = StrictCharField(required=False, allow_blank=True, max_length=128)

    def validate_status(self, value):
        if value != PaymentRequest.Status.PENDING:
            raise serializers.ValidationError(_('A new payment request is "pending".'))
        return value

    def validate(self, attrs):
        if attrs.get("sms_count", 0) + attrs.get("ecp_count", 0) == 0:
            raise serializers.ValidationError(
                {"sms_count": [_("Buy at least one SMS or ЭЦП signature.")]}
            )
        return attrs


_FIXED_PAYMENT_FIELDS = (
    "company_id",
    "tariff_plan_id",
    "sms_count",
    "ecp_count",
    "total_amount",
)


class PaymentRequestUpdateSerializer(serializers.Serializer):
    """Change the status (paid_at is set by the server) or the gateway details."""

    status = serializers.ChoiceField(choices=PaymentRequest.Status.choices)
    payment_url = StrictCharField(required=False, allow_blank=True, max_length=500)
    payment_ref = StrictCharField(required=False, allow_blank=True, max_length=128)
    paid_at = UTCDateTimeField(
        required=False,
        allow_null=True,
        help_text="Ignored: the server records the time it learns of the payment.",
    )

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            fixed = sorted(set(self.initial_data) & set(_FIXED_PAYMENT_FIELDS))
            if fixed:
                raise serializers.ValidationError(
                    {
                        name: [
                            _(
                                "This cannot change after creation; "
                                "create a new payment request instead."
                            )
                        ]
                        for name in fixed
                    }
                )
        return attrs
