"""Django admin for templates: read, search, rename; uploads go through intake.

A template added here would skip the DOCX checks, so the admin cannot add
one; deleting goes through `services.delete_template` (refused while
contracts use the template).
"""

from django.contrib import admin, messages

from ozgecontract.errors import DomainError
from templates_app import services
from templates_app.models import Template


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "original_filename", "created_at"]
    list_filter = ["created_at"]
    list_select_related = ["company"]
    search_fields = ["name", "original_filename", "company__name"]
    fields = [
        "name",
        "company",
        "file",
        "original_filename",
        "fields",
        "field_settings",
        "created_at",
    ]
    readonly_fields = [
        "company",
        "file",
        "original_filename",
        "fields",
        "field_settings",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        services.update_template(template=obj, name=obj.name, user=request.user)

    def delete_model(self, request, obj):
        try:
            services.delete_template(template=obj, user=request.user)
        except DomainError as exc:
            messages.error(request, f"{obj}: {exc.detail}")

    def delete_queryset(self, request, queryset):
        for template in queryset:
            self.delete_model(request, template)
