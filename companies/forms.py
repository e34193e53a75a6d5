"""Forms of the accounts pages: sign-up, login by email, profile, members."""

import math
import unicodedata

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from companies import services
from companies.models import Company, User
from ozgecontract.errors import TooManyAttemptsError
from ozgecontract.validators import normalize_phone, validate_iin


def apply_service_error(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on `form`, on the fields it names when it does."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            field = name if name in form.fields else None
            for error in errors:
                form.add_error(field, error.messages)
        return
    if isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
        return
    fields = getattr(exc, "fields", None) or {}
    placed = False
    for name, messages in fields.items():
        if name in form.fields:
            form.add_error(name, list(messages))
            placed = True
    if not placed:
        form.add_error(None, getattr(exc, "detail", str(exc)))


class PhoneField(forms.CharField):
    """A Kazakhstan phone number, cleaned to E.164 (+77011234567)."""

    def __init__(self, *, mobile_only: bool = False, **kwargs):
        self.mobile_only = mobile_only
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        return normalize_phone(value, mobile_only=self.mobile_only)


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=255)
    bin = forms.CharField(
        label=_("BIN"),
        max_length=12,
        required=False,
        validators=[validate_iin],
        help_text=_("12 digits; optional."),
    )
    phone = PhoneField(label=_("Company phone"), help_text=_("e.g. +7 701 123 4567"))
    email = forms.EmailField(
        label=_("Email"), help_text=_("You will log in with this address.")
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exists()
        if taken or Company.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("An account with this email already exists; log in instead."),
                code="duplicate_email",
            )
        return email

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if Company.objects.filter(phone=phone).exists():
            raise ValidationError(
                _("A company with this phone number is already registered."),
                code="duplicate_phone",
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        password1 = cleaned.get("password1")
        password2 = cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            probe = User(email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class EmailLoginForm(AuthenticationForm):
    """Log in by email; repeated failures lock the email and address for a while.

    The lockout is the one the API's token endpoint uses, so failures on
    either count together.
    """

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _("Wrong email or password."),
        "inactive": _("This account is inactive."),
        "throttled": _(
            "Too many failed logins. Wait %(minutes)s min and try again, "
            "or reset your password."
        ),
    }

    def clean(self):
        email = (self.data.get("username") or "").strip().lower()
        ip = self.request.META.get("REMOTE_ADDR") if self.request else None
        try:
            services.check_login_allowed(email=email, ip=ip)
        except TooManyAttemptsError as exc:
            raise ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": math.ceil(exc.retry_after / 60)},
            ) from exc

        try:
            cleaned = super().clean()
        except ValidationError:
            services.record_login_failure(email=email, ip=ip)
            raise
        services.clear_login_failures(email=email, ip=ip)
        return cleaned


class ResetPasswordForm(PasswordResetForm):
    """Django's reset form, which also reaches invitees whose link has lapsed.

    Django skips accounts with no usable password. An invited member has none
    until the invitation's link is used, and that link expires with
    PASSWORD_RESET_TIMEOUT; without this the invitee could never get in. Only
    company staff who have never logged in qualify, so an account whose
    password an owner took away (a removed member is also inactive) stays out.
    """

    def get_users(self, email):
        wanted = _fold(email)
        users = User.objects.filter(email__iexact=email, is_active=True)
        for user in users:
            if _fold(user.email) != wanted:
                continue
            invitee = user.company_id is not None and user.last_login is None
            if user.has_usable_password() or invitee:
                yield user


def _fold(email: str) -> str:
    return unicodedata.normalize("NFKC", email).casefold()


class CompanyProfileForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=255)
    bin = forms.CharField(
        label=_("BIN"), max_length=12, required=False, validators=[validate_iin]
    )
    phone = PhoneField(label=_("Company phone"))
    email = forms.EmailField(
        label=_("Company email"),
        help_text=_("The company's first owner logs in with this address."),
    )


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=255, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=[], initial=User.Role.MEMBER.value
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(
                _("A user with this email already exists."), code="duplicate_email"
            )
        return email


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices()


def role_choices():
    return [(User.Role.OWNER.value, _("Owner")), (User.Role.MEMBER.value, _("Member"))]
