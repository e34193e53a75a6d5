"""Django admin for billing; every balance or payment change goes through services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from billing import services
from billing.models import BalanceEntry, CompanyBalance, PaymentRequest, TariffPlan
from companies.forms import apply_service_error
from ozgecontract.errors import DomainError


class CompanyBalanceForm(forms.ModelForm):
    sms_signatures = forms.IntegerField(min_value=0)
    ecp_signatures = forms.IntegerField(min_value=0)

    class Meta:
        model = CompanyBalance
        fields = ["company", "sms_signatures", "ecp_signatures"]


@admin.register(CompanyBalance)
class CompanyBalanceAdmin(admin.ModelAdmin):
    form = CompanyBalanceForm
    list_display = ["company", "sms_signatures", "ecp_signatures", "updated_at"]
    list_select_related = ["company"]
    search_fields = ["company__name", "company__email", "company__phone"]
    autocomplete_fields = ["company"]
    readonly_fields = ["updated_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["company", "updated_at"] if obj else ["updated_at"]

    def save_model(self, request, obj, form, change):
        counts = {
            "sms_signatures": form.cleaned_data["sms_signatures"],
            "ecp_signatures": form.cleaned_data["ecp_signatures"],
        }
        if change:
            # The form already set the new counts on `obj`; the ledger needs the
            # old ones, so the service starts again from the database row.
            services.set_balance(company_id=obj.company_id, user=request.user, **counts)
            return
        balance = services.create_balance(
            company=obj.company, user=request.user, **counts
        )
        obj.pk = balance.pk
        obj._state.adding = False
        obj._state.db = balance._state.db

    def delete_model(self, request, obj):
        services.delete_balance(company_id=obj.company_id, user=request.user)

    def delete_queryset(self, request, queryset):
        for balance in queryset:
            services.delete_balance(company_id=balance.company_id, user=request.user)


@admin.register(BalanceEntry)
class BalanceEntryAdmin(admin.ModelAdmin):
    """The ledger is evidence of every change: it can be read, never edited."""

    list_display = [
        "created_at",
        "company",
        "kind",
        "delta",
        "balance_after",
        "reason",
        "payment_request",
        "signature",
        "created_by",
        "note",
    ]
    list_filter = ["kind", "reason", "created_at"]
    list_select_related = ["company", "payment_request", "signature", "created_by"]
    search_fields = ["company__name", "note", "payment_request__payment_ref"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TariffPlanForm(forms.ModelForm):
    class Meta:
        model = TariffPlan
        fields = ["name", "discount", "from_count", "to_count", "is_active"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        plan = TariffPlan(pk=self.instance.pk, **data)
        try:
            services.clean_tariff_plan(plan)
        except ValidationError as exc:
            apply_service_error(self, exc)
        return data


@admin.register(TariffPlan)
class TariffPlanAdmin(admin.ModelAdmin):
    form = TariffPlanForm
    list_display = ["name", "from_count", "to_count", "discount", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        fields = {f: form.cleaned_data[f] for f in TariffPlanForm.Meta.fields}
        if change:
            services.update_tariff_plan(plan=obj, user=request.user, **fields)
            return
        plan = services.create_tariff_plan(user=request.user, **fields)
        obj.pk = plan.pk
        obj.created_at = plan.created_at
        obj._state.adding = False
        obj._state.db = plan._state.db

    @admin.action(description="Deactivate selected plans")
    def deactivate(self, request, queryset):
        for plan in queryset.filter(is_active=True):
            services.update_tariff_plan(plan=plan, user=request.user, is_active=False)
        self.message_user(request, "The selected plans are inactive.")


class PaymentRequestAddForm(forms.ModelForm):
    class Meta:
        model = PaymentRequest
        fields = [
            "company",
            "tariff_plan",
            "sms_count",
            "ecp_count",
            "payment_url",
            "payment_ref",
        ]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_payment_counts(
                tariff_plan=data["tariff_plan"],
                sms_count=data["sms_count"],
                ecp_count=data["ecp_count"],
            )
        except ValidationError as exc:
            apply_service_error(self, exc)
        return data


@admin.register(PaymentRequest)
class PaymentRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "company",
        "tariff_plan",
        "sms_count",
        "ecp_count",
        "total_amount",
        "status",
        "created_at",
        "paid_at",
    ]
    list_filter = ["status", "tariff_plan", "created_at"]
    list_select_related = ["company", "tariff_plan"]
    search_fields = ["company__name", "payment_ref", "=id"]
    autocomplete_fields = ["company"]
    date_hierarchy = "created_at"
    actions = ["mark_paid", "mark_expired", "mark_cancelled"]
    readonly_fields = [
        "company",
        "tariff_plan",
        "sms_count",
        "ecp_count",
        "total_amount",
        "status",
        "payment_url",
        "payment_ref",
        "created_by",
        "created_at",
        "paid_at",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PaymentRequestAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # A request's amount and counts are fixed once made; status moves by action.
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return PaymentRequestAddForm.Meta.fields
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        payment = services.create_payment_request(
            company=data["company"],
            tariff_plan=data["tariff_plan"],
            sms_count=data["sms_count"],
            ecp_count=data["ecp_count"],
            user=request.user,
            payment_url=data["payment_url"],
            payment_ref=data["payment_ref"],
        )
        obj.pk = payment.pk
        obj.total_amount = payment.total_amount
        obj._state.adding = False
        obj._state.db = payment._state.db

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status == PaymentRequest.Status.PAID:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for payment in queryset:
            self._run(request, payment, services.delete_payment_request)

    def _change_status(self, request, queryset, status):
        done = 0
        for payment in queryset:
            done += self._run(
                request,
                payment,
                lambda **kw: services.change_payment_status(status=status, **kw),
            )
        if done:
            self.message_user(request, f"{done} payment request(s) marked {status}.")

    def _run(self, request, payment, action) -> int:
        try:
            action(payment=payment, user=request.user)
        except (DomainError, PermissionDenied) as exc:
            self.message_user(request, f"#{payment.pk}: {exc}", messages.ERROR)
            return 0
        except ValidationError as exc:
            self.message_user(
                request, f"#{payment.pk}: {' '.join(exc.messages)}", messages.ERROR
            )
            return 0
        return 1

    @admin.action(description="Mark paid (credits the balance once)")
    def mark_paid(self, request, queryset):
        self._change_status(request, queryset, PaymentRequest.Status.PAID)

    @admin.action(description="Mark expired")
    def mark_expired(self, request, queryset):
        self._change_status(request, queryset, PaymentRequest.Status.EXPIRED)

    @admin.action(description="Mark cancelled")
    def mark_cancelled(self, request, queryset):
        self._change_status(request, queryset, PaymentRequest.Status.CANCELLED)
