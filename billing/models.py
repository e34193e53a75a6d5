from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class SignatureKind(models.TextChoices):
    SMS = "sms", "SMS"
    ECP = "ecp", "ЭЦП"


class CompanyBalance(models.Model):
    """Prepaid signatures a company may still spend; changed only through the ledger."""

    company = models.OneToOneField(
        "companies.Company", on_delete=models.CASCADE, related_name="balance"
    )
    sms_signatures = models.IntegerField(default=0)
    ecp_signatures = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sms_signatures__gte=0) & Q(ecp_signatures__gte=0),
                name="balance_never_negative",
            ),
        ]

    def __str__(self):
        return f"{self.company}: SMS {self.sms_signatures}, ЭЦП {self.ecp_signatures}"


class BalanceEntry(models.Model):
    """One change of a balance: who, why, how much, and what caused it."""

    class Reason(models.TextChoices):
        SIGNATURE = "signature", "Signature spent"
        PAYMENT = "payment", "Payment credited"
        ADMIN = "admin", "Set by an administrator"

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="ledger"
    )
    kind = models.CharField(max_length=8, choices=SignatureKind.choices)
    delta = models.IntegerField()
    balance_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    signature = models.ForeignKey(
        "signatures.Signature",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment_request = models.ForeignKey(
        "billing.PaymentRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    created_by = models.ForeignKey(
        "companies.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "balance entries"

    def __str__(self):
        return f"{self.kind} {self.delta:+d} ({self.reason})"


class TariffPlan(models.Model):
    name = models.CharField(max_length=255)
    discount = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    from_count = models.PositiveIntegerField()
    to_count = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["from_count", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_count__lte=F("to_count")), name="tariff_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=100),
                name="tariff_discount_0_100",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.from_count}–{self.to_count}, −{self.discount}%)"


class PaymentRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="payment_requests"
    )
    tariff_plan = models.ForeignKey(
        TariffPlan, on_delete=models.PROTECT, related_name="payment_requests"
    )
    sms_count = models.PositiveIntegerField(default=0)
    ecp_count = models.PositiveIntegerField(default=0)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    payment_url = models.URLField(max_length=500, blank=True)
    payment_ref = models.CharField(max_length=128, blank=True)
    created_by = models.ForeignKey(
        "companies.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"Payment request #{self.pk} ({self.status})"
