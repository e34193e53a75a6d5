"""Django admin for companies and users; writes go through companies.services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from companies import services
from companies.forms import apply_service_error
from companies.models import Company, User
from ozgecontract.errors import DomainError


class CompanyChangeForm(forms.ModelForm):
    """Fields checked by the same rules as the API (services.clean_company_fields)."""

    phone = forms.CharField(max_length=32, help_text="Any KZ form; kept as E.164.")

    class Meta:
        model = Company
        fields = ["name", "email", "phone", "bin"]

    def validate_unique(self):
        # The service checks uniqueness, across users' emails too.
        pass

    def clean(self):
        data = super().clean()
        try:
            self.cleaned_company = services.clean_company_fields(
                company=self.instance if self.instance.pk else None,
                name=data.get("name"),
                email=data.get("email"),
                phone=data.get("phone"),
                bin=data.get("bin") or "",
                password=data.get("password"),
            )
        except ValidationError as exc:
            apply_service_error(self, exc)
        else:
            data.update(self.cleaned_company)
        return data


class CompanyAddForm(CompanyChangeForm):
    """A new company comes with its owner login, so the admin sets a password."""

    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        strip=False,
        help_text="The owner's login password; the owner logs in with the email.",
    )


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "phone", "bin", "created_at"]
    list_display_links = ["id", "name"]
    search_fields = ["name", "email", "phone", "bin"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    actions = ["delete_keeping_evidence"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CompanyChangeForm if obj else CompanyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "email", "phone", "bin", "password"]
        return ["name", "email", "phone", "bin", "created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            changed = {f: form.cleaned_company[f] for f in form.changed_data}
            services.update_company(company=obj, user=request.user, **changed)
            return
        company = services.register_company(
            password=form.cleaned_data["password"], **form.cleaned_company
        )
        # The admin goes on to log and redirect with `obj`: make it the saved row.
        obj.pk = company.pk
        obj.created_at = company.created_at
        obj._state.adding = False
        obj._state.db = company._state.db

    def has_delete_permission(self, request, obj=None):
        # Deletion keeps evidence only through the service: use the action.
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.is_superuser:
            return actions
        actions.pop("delete_keeping_evidence", None)
        return actions

    @admin.action(description="Delete selected companies (signed work is kept)")
    def delete_keeping_evidence(self, request, queryset):
        deleted = 0
        for company in queryset:
            try:
                services.delete_company(company=company, user=request.user)
                deleted += 1
            except (DomainError, PermissionDenied) as exc:
                self.message_user(request, f"{company}: {exc}", messages.ERROR)
        if deleted:
            self.message_user(request, f"Deleted {deleted} companies.")


class UserAddForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "company", "role", "is_staff"]

    def clean_email(self):
        return _clean_user_email(self)

    def clean(self):
        data = super().clean()
        _check_admin_has_no_company(self, data)
        return data


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return _clean_user_email(self)

    def clean(self):
        data = super().clean()
        _check_admin_has_no_company(self, data)
        return data


def _clean_user_email(form: forms.ModelForm) -> str:
    email = form.cleaned_data["email"].strip().lower()
    taken = User.objects.filter(email__iexact=email).exclude(pk=form.instance.pk)
    if taken.exists():
        raise ValidationError(_("A user with this email already exists."))
    return email


def _check_admin_has_no_company(form: forms.Form, data: dict) -> None:
    # A staff user sees every company; tying one to a company would blur that.
    if data.get("is_staff") and data.get("company"):
        form.add_error(
            "company", _("Platform administrators (staff) belong to no company.")
        )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ["email", "full_name", "company", "role", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_superuser", "is_active"]
    list_select_related = ["company"]
    search_fields = ["email", "full_name", "company__name"]
    ordering = ["email"]
    autocomplete_fields = ["company"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Company", {"fields": ["full_name", "company", "role"]}),
        (
            "Permissions",
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "company",
                    "role",
                    "is_staff",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
