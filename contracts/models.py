import uuid

from django.apps import apps
from django.db import models
from django.db.models import F
from django.utils import timezone


def contract_pdf_upload_to(instance, filename):
    return f"contracts/company_{instance.company_id}/{uuid.uuid4().hex}.pdf"


class Contract(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting signature"
        SIGNED = "signed", "Signed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    class DocumentStatus(models.TextChoices):
        NONE = "none", "Not generated"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed, can be retried"

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="contracts"
    )
    template = models.ForeignKey(
        "templates_app.Template", on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(max_length=64, blank=True)
    contract_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    client_filled = models.BooleanField(default=False)
    generated_pdf = models.FileField(
        upload_to=contract_pdf_upload_to, blank=True, max_length=255
    )
    document_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    document_status = models.CharField(
        max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.NONE
    )
    document_error = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "companies.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(
        default=timezone.now, editable=False, db_index=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Kept by `refresh_signers` from the contract's signatures, for the list.
    # The name shown: the signer who signed, else the expected signer.
    signer_name = models.CharField(max_length=255, blank=True, editable=False)
    # Every signer's name, IIN and phone, case-folded: what search matches.
    signer_search = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The dashboard's pages: a company's contracts newest first,
            # filtered by status or not, with no sort of every row.
            models.Index(fields=["company", "-id"], name="contract_company_newest"),
            models.Index(
                fields=["company", "status", "-id"], name="contract_status_newest"
            ),
            # Statistics: the newest signed five, and pending contracts still
            # before their deadline, each a walk of one index range.
            models.Index(
                fields=["company", "status", "signed_at"],
                name="contract_status_signed",
            ),
            models.Index(
                fields=["company", "status", "expires_at"],
                name="contract_status_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "number"],
                condition=~models.Q(number=""),
                name="contract_number_unique_per_company",
            ),
        ]

    def __str__(self):
        return self.number or f"Contract #{self.pk}"

    @property
    def generated_pdf_path(self) -> str:
        return self.generated_pdf.name or ""

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def current_status(self) -> str:
        """Return the status shown: a pending contract past its deadline is expired."""
        if self.status == self.Status.PENDING and self.is_expired:
            return self.Status.EXPIRED
        return self.status


class ContractField(models.Model):
    class FieldType(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        IIN = "iin", "IIN/BIN"
        CHECKBOX = "checkbox", "Checkbox"

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="fields"
    )
    field_name = models.CharField(max_length=100)
    field_type = models.CharField(
        max_length=16, choices=FieldType.choices, default="text"
    )
    label = models.CharField(max_length=255, blank=True)
    required = models.BooleanField(default=False)
    value = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "field_name"], name="contract_field_name_unique"
            ),
        ]

    def __str__(self):
        return self.field_name


def normalize_search_text(value: str) -> str:
    """Fold case (Cyrillic and Kazakh too) and spaces the same way for search."""
    return " ".join(str(value or "").split()).casefold()


def refresh_signers(*, contract_ids) -> None:
    """Recompute the signer name and search text of the given contracts.

    The signature services call it in the transaction of every change to a
    signer; rows written around them (fixtures, bulk loads) need a call too.
    """
    signature_model = apps.get_model("signatures", "Signature")
    signers = {pk: [] for pk in contract_ids}
    # The completed signature first, then the newest expected signer.
    rows = (
        signature_model.objects.filter(contract_id__in=signers)
        .order_by("contract_id", F("signed_at").desc(nulls_last=True), "-id")
        .values_list("contract_id", "client_name", "client_iin", "client_phone")
    )
    for contract_id, name, iin, phone in rows:
        signers[contract_id].append((name, iin, phone))
    for contract_id, found in signers.items():
        Contract.objects.filter(pk=contract_id).update(
            signer_name=found[0][0] if found else "",
            signer_search=signer_search_text(found),
        )


def signer_search_text(signers) -> str:
    """Join the signers' details one per line, each folded for search.

    A folded query never holds a line break, so it cannot match across two
    details ("Иван 85" does not find Иван with an IIN starting 85).
    """
    return "\n".join(
        normalize_search_text(detail) for signer in signers for detail in signer
    )
