import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


def signature_file_upload_to(instance, filename):
    return f"signatures/contract_{instance.contract_id}/{uuid.uuid4().hex}.pdf"


class Signature(models.Model):
    """Who signs (or is expected to sign) a contract; `signed_at` set once signed.

    A signed record is evidence: it is never edited or deleted.
    """

    class Method(models.TextChoices):
        SMS = "sms", "SMS code"
        ECP = "ecp", "ЭЦП (NCALayer)"

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="signatures"
    )
    client_name = models.CharField(max_length=255)
    client_iin = models.CharField(max_length=12)
    client_phone = models.CharField(max_length=16)
    method = models.CharField(max_length=8, choices=Method.choices)
    signed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    # The SHA-256 of the contract PDF the client saw and signed.
    document_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    certificate_pdf = models.FileField(
        upload_to=signature_file_upload_to, blank=True, max_length=255
    )
    signed_pdf = models.FileField(
        upload_to=signature_file_upload_to, blank=True, max_length=255
    )
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # ЭЦП evidence: the detached CMS and the signer certificate's facts.
    cms = models.TextField(blank=True)
    cert_subject = models.CharField(max_length=1024, blank=True)
    cert_serial = models.CharField(max_length=128, blank=True)
    cert_issuer = models.CharField(max_length=1024, blank=True)
    cert_valid_from = models.DateTimeField(null=True, blank=True)
    cert_valid_to = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # However requests race, a contract has at most one completed signature.
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(signed_at__isnull=False),
                name="one_completed_signature_per_contract",
            ),
            # The expected signer is completed in place, never duplicated.
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(signed_at__isnull=True),
                name="one_expected_signer_per_contract",
            ),
        ]

    def __str__(self):
        return f"{self.client_name} ({self.get_method_display()})"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class SigningCode(models.Model):
    """A one-time SMS code; only its hash is kept."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="signing_codes"
    )
    phone = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["contract", "-created_at"])]

    def __str__(self):
        return f"code for contract {self.contract_id}"


class AuditEvent(models.Model):
    """One step of a contract's life, kept for the certificate's audit trail."""

    class Kind(models.TextChoices):
        CREATED = "created", "Создан / Құрылды"
        OPENED = "opened", "Открыт / Ашылды"
        FIELDS_FILLED = "fields_filled", "Поля заполнены / Өрістер толтырылды"
        CODE_SENT = "code_sent", "Код отправлен / Код жіберілді"
        CODE_FAILED = "code_failed", "Неверный код / Қате код"
        CODE_VERIFIED = "code_verified", "Код подтверждён / Код расталды"
        ECP_VERIFIED = "ecp_verified", "ЭЦП проверена / ЭЦҚ тексерілді"
        SIGNED = "signed", "Подписан / Қол қойылды"
        CANCELLED = "cancelled", "Отменён / Болдырылмады"

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="audit_events"
    )
    signature = models.ForeignKey(
        Signature,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} contract={self.contract_id}"
