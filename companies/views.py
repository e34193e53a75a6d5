"""Accounts pages: sign-up, login by email, passwords, company profile, members."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from companies import services
from companies.decorators import owner_required
from companies.forms import (
    CompanyProfileForm,
    EmailLoginForm,
    InviteMemberForm,
    MemberRoleForm,
    ResetPasswordForm,
    SignupForm,
    apply_service_error,
)
from companies.models import User
from ozgecontract.errors import DomainError
from ozgecontract.http import posted

DASHBOARD_URL = "/dashboard/"


def home(request):
    """Send staff to the dashboard and everyone else to the login page."""
    if request.user.is_authenticated:
        return redirect(DASHBOARD_URL)
    return redirect("companies:login")


def signup(request):
    if request.user.is_authenticated:
        return redirect(DASHBOARD_URL)

    form = SignupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company = services.register_company(
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
                bin=data["bin"],
            )
        except (DomainError, ValidationError) as exc:
            apply_service_error(form, exc)
        else:
            user = company.users.get(email__iexact=data["email"])
            auth_login(request, user, backend="companies.backends.EmailBackend")
            messages.success(request, _("Welcome! Your company is registered."))
            return redirect(DASHBOARD_URL)

    return render(request, "companies/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = EmailLoginForm
    template_name = "companies/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("companies:login")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    template_name = "companies/password_reset.html"
    email_template_name = "companies/email/password_reset.txt"
    subject_template_name = "companies/email/password_reset_subject.txt"
    success_url = reverse_lazy("companies:password-reset-done")

    @property
    def extra_email_context(self):
        # The link is built on SITE_URL, as invitations are: the request's
        # Host header is the sender's to choose, and a reset link pointing at
        # another host would hand that host the token.
        return {"site_url": settings.SITE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "companies/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "companies/password_reset_confirm.html"
    success_url = reverse_lazy("companies:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "companies/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "companies/password_change.html"
    success_url = reverse_lazy("companies:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "companies/password_change_done.html"


@owner_required
def company_profile(request):
    company = request.user.company

    initial = {
        "name": company.name,
        "bin": company.bin,
        "phone": company.phone,
        "email": company.email,
    }
    form = CompanyProfileForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_company(
                company=company, user=request.user, **form.cleaned_data
            )
        except (DomainError, ValidationError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The company profile is saved."))
            return redirect("companies:profile")

    return render(request, "companies/profile.html", {"form": form, "company": company})


@owner_required
def member_list(request):
    company = request.user.company

    form = InviteMemberForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = services.invite_member(
                company=company, invited_by=request.user, **form.cleaned_data
            )
        except (DomainError, ValidationError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(email)s is invited: a link to set a password was sent.")
                % {"email": member.email},
            )
            return redirect("companies:members")

    members = company.users.order_by("email")
    context = {"form": form, "members": members, "role_form": MemberRoleForm()}
    return render(request, "companies/members.html", context)


def _load_member(request, user_id: int) -> User:
    return get_object_or_404(User, pk=user_id, company_id=request.user.company_id)


@owner_required
@require_POST
def member_role(request, user_id: int):
    member = _load_member(request, user_id)

    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role: owner or member."))
        return redirect("companies:members")
    try:
        services.change_member_role(
            member=member, role=form.cleaned_data["role"], user=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("The role of %(email)s is changed.") % {"email": member.email}
        )
    return redirect(reverse("companies:members"))


@owner_required
@require_POST
def member_remove(request, user_id: int):
    member = _load_member(request, user_id)

    try:
        services.remove_member(member=member, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("%(email)s no longer has access.") % {"email": member.email}
        )
    return redirect("companies:members")
