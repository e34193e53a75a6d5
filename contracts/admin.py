"""Django admin for contracts: read and search; changes go through services.

A contract's data, fields and PDF are evidence once signed, so the admin
shows them read-only; deleting goes through `services.delete_contract`, which
refuses a signed contract.
"""

from django.contrib import admin, messages

from contracts import services
from contracts.models import Contract, ContractField
from ozgecontract.errors import DomainError


class ContractFieldInline(admin.TabularInline):
    model = ContractField
    extra = 0
    can_delete = False
    fields = ["position", "field_name", "field_type", "label", "required", "value"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "company",
        "template",
        "status",
        "document_status",
        "client_filled",
        "created_at",
        "signed_at",
    ]
    list_filter = ["status", "document_status", "client_filled", "created_at"]
    list_select_related = ["company", "template"]
    search_fields = ["number", "contract_token", "company__name", "template__name"]
    date_hierarchy = "created_at"
    inlines = [ContractFieldInline]
    readonly_fields = [
        "company",
        "template",
        "number",
        "contract_token",
        "status",
        "client_filled",
        "generated_pdf",
        "document_sha256",
        "document_status",
        "document_error",
        "expires_at",
        "created_by",
        "created_at",
        "updated_at",
        "signed_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        # Contracts are made from templates by the API or the dashboard.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A signed contract is evidence: no delete button to click in vain.
        if obj is not None and obj.status == Contract.Status.SIGNED:
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        try:
            services.delete_contract(contract=obj, user=request.user)
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc.detail}")

    def delete_queryset(self, request, queryset):
        for contract in queryset:
            self.delete_model(request, contract)


@admin.register(ContractField)
class ContractFieldAdmin(admin.ModelAdmin):
    list_display = ["field_name", "field_type", "contract", "required"]
    list_filter = ["field_type", "required"]
    list_select_related = ["contract"]
    search_fields = ["field_name", "label", "contract__number"]
    readonly_fields = [
        "contract",
        "field_name",
        "field_type",
        "label",
        "required",
        "value",
        "position",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
