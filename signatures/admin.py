"""Django admin for signing evidence: read-only, searchable, filterable.

Completed signatures and audit events are evidence: nobody adds, changes or
deletes them here. An expected signer (not signed yet) may be deleted.
"""

from django.contrib import admin

from signatures import services
from signatures.models import AuditEvent, Signature, SigningCode


class ReadOnlyAdmin(admin.ModelAdmin):
    """Show every field; allow no adding or changing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "contract",
        "client_name",
        "masked_iin",
        "client_phone",
        "method",
        "signed_at",
        "created_at",
    ]
    list_filter = ["method", ("signed_at", admin.EmptyFieldListFilter), "signed_at"]
    search_fields = [
        "client_name",
        "client_iin",
        "client_phone",
        "contract__number",
        "contract__company__name",
        "signed_pdf_sha256",
    ]
    list_select_related = ["contract"]
    date_hierarchy = "created_at"
    exclude = ["cms"]

    @admin.display(description="IIN")
    def masked_iin(self, obj):
        return f"{obj.client_iin[:4]}••••{obj.client_iin[-2:]}"

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_signed:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        # Through the service: it refuses a completed signature under a row
        # lock and keeps the contract's signer columns in step.
        services.delete_expected_signer(signature=obj)

    def get_actions(self, request):
        # Bulk delete would skip the per-object check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(SigningCode)
class SigningCodeAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "contract",
        "phone",
        "created_at",
        "expires_at",
        "attempts",
        "used_at",
    ]
    list_filter = ["created_at"]
    search_fields = ["phone", "contract__number"]
    list_select_related = ["contract"]
    exclude = ["code_hash"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "contract", "kind", "ip_address", "signature"]
    list_filter = ["kind", "created_at"]
    search_fields = ["contract__number", "ip_address", "user_agent"]
    list_select_related = ["contract", "signature"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request, obj=None):
        return False
