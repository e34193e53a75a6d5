"""Write workflows for companies: registration, profile changes, deletion."""

import hashlib
import logging
import smtplib
import time

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from billing.models import CompanyBalance, PaymentRequest
from companies.models import Company, User
from contracts.models import Contract
from ozgecontract.errors import (
    NotFoundError,
    StateConflictError,
    TooManyAttemptsError,
)
from ozgecontract.tenancy import is_platform_admin
from ozgecontract.validators import normalize_phone, validate_iin
from signatures.models import AuditEvent, Signature

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

NAME_MAX_LENGTH = Company._meta.get_field("name").max_length


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter the company name.")]})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": [_("Use at most %(n)s characters.") % {"n": NAME_MAX_LENGTH}]}
        )
    return name


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from exc
    return email


def _clean_phone(phone: str) -> str:
    try:
        return normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc


def _clean_bin(bin_value: str) -> str:
    bin_value = (bin_value or "").strip()
    if bin_value:
        try:
            validate_iin(bin_value)
        except ValidationError as exc:
            raise ValidationError({"bin": exc.messages}) from exc
    return bin_value


def _clean_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _check_unique(
    *, email: str | None, phone: str | None, company: Company | None = None
) -> None:
    """Refuse an email already used by any company or user, or a taken phone.

    The company being edited and its own users are not counted as conflicts.
    """
    errors = {}
    if email is not None:
        companies = Company.objects.filter(email__iexact=email)
        users = User.objects.filter(email__iexact=email)
        if company is not None:
            companies = companies.exclude(pk=company.pk)
            users = users.exclude(pk__in=_owner_ids(company))
        if companies.exists() or users.exists():
            errors["email"] = [_("This email address is already registered.")]
    if phone is not None:
        phones = Company.objects.filter(phone=phone)
        if company is not None:
            phones = phones.exclude(pk=company.pk)
        if phones.exists():
            errors["phone"] = [_("This phone number is already registered.")]
    if errors:
        raise ValidationError(errors)


def _owner_ids(company: Company) -> list[int]:
    owner = primary_owner(company)
    return [owner.pk] if owner else []


def primary_owner(company: Company) -> User | None:
    """Return the user who logs in with the company's email (made at registration).

    Found by email, not by role, so a change of roles never moves the login.
    """
    if company.pk is None:
        return None
    users = company.users.order_by("id")
    return (
        users.filter(email__iexact=company.email).first()
        or users.filter(role=User.Role.OWNER).first()
    )


def clean_company_fields(
    *,
    company: Company | None = None,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    bin: str | None = None,
    password: str | None = None,
) -> dict:
    """Validate the fields given (None: not given) and report every problem at once.

    Return the cleaned values (the password is checked, never returned).
    """
    cleaned, errors = {}, {}
    for field, value, clean in (
        ("name", name, _clean_name),
        ("email", email, _clean_email),
        ("phone", phone, _clean_phone),
        ("bin", bin, _clean_bin),
    ):
        if value is None:
            continue
        try:
            cleaned[field] = clean(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        _check_unique(
            email=cleaned.get("email"), phone=cleaned.get("phone"), company=company
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if password is not None:
        owner = primary_owner(company) if company is not None else None
        # An unsaved stand-in: similarity is judged against the email it will have.
        probe = User(
            email=cleaned.get("email") or (owner.email if owner else ""),
            full_name=owner.full_name if owner else "",
        )
        try:
            _clean_password(password, user=probe)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def register_company(
    *, name: str, email: str, phone: str, password: str, bin: str = ""
) -> Company:
    """Create a company, its owner user (login by `email`) and a zero balance."""
    cleaned = clean_company_fields(
        name=name, email=email, phone=phone, bin=bin, password=password
    )

    try:
        with transaction.atomic():
            company = Company.objects.create(**cleaned)
            owner = User(email=cleaned["email"], role=User.Role.OWNER, company=company)
            owner.set_password(password)
            owner.save()
            CompanyBalance.objects.create(company=company)
    except IntegrityError:
        # A concurrent registration took the email or phone after the check
        # above; say which, as the check would have.
        _check_unique(email=cleaned["email"], phone=cleaned["phone"])
        raise

    logger.info("company registered company=%s owner=%s", company.pk, owner.pk)
    return company


def _lock_company(company_id: int) -> Company:
    """Return the company's row, locked until the transaction ends; 404 once gone."""
    try:
        return Company.objects.select_for_update().get(pk=company_id)
    except Company.DoesNotExist as exc:
        raise NotFoundError(_("Company not found.")) from exc


def check_can_manage_company(*, user, company: Company) -> None:
    """Allow the company's owners and platform admins; members get a 403."""
    if is_platform_admin(user):
        return
    if user.company_id == company.pk and user.is_owner:
        return
    raise PermissionDenied(
        _("Only the company's owner or an administrator may do this.")
    )


def update_company(
    *,
    company: Company,
    user,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    password: str | None = None,
    bin: str | None = None,
) -> Company:
    """Change the given fields; a new email or password goes to the owner's login."""
    check_can_manage_company(user=user, company=company)
    owner = primary_owner(company)
    if password is not None and owner is None:
        raise StateConflictError(
            _("The company has no owner account to set a password on.")
        )
    changes = clean_company_fields(
        company=company, name=name, email=email, phone=phone, bin=bin, password=password
    )

    try:
        with transaction.atomic():
            for field, value in changes.items():
                setattr(company, field, value)
            if changes:
                company.save(update_fields=list(changes))
            if owner is not None and ("email" in changes or password is not None):
                owner.email = changes.get("email", owner.email)
                if password is not None:
                    # TODO(#2): JWTs issued before the change stay valid until
                    # they expire; revoking them needs simplejwt's blacklist app.
                    owner.set_password(password)
                owner.save(update_fields=["email", "password"])
    except IntegrityError:
        _check_unique(
            email=changes.get("email"), phone=changes.get("phone"), company=company
        )
        raise

    logger.info(
        "company updated company=%s by=%s fields=%s",
        company.pk,
        user.pk,
        ",".join(sorted([*changes, *(["password"] if password is not None else [])])),
    )
    return company


@transaction.atomic
def delete_company(*, company: Company, user) -> None:
    """Delete a company and everything it owns, unless it holds evidence.

    Signed contracts and paid payment requests are evidence: a company that
    has any is kept (409).
    """
    check_can_manage_company(user=user, company=company)
    company = _lock_company(company.pk)

    if company.contracts.filter(signatures__signed_at__isnull=False).exists() or (
        company.contracts.filter(status=Contract.Status.SIGNED).exists()
    ):
        raise StateConflictError(
            _("The company has signed contracts; they are evidence and are kept."),
            code="has_signed_contracts",
        )
    if company.payment_requests.filter(status=PaymentRequest.Status.PAID).exists():
        raise StateConflictError(
            _("The company has paid payment requests; they are kept as records."),
            code="has_paid_payments",
        )

    _delete_unsigned_work(company)
    company_id = company.pk
    company.delete()
    logger.info("company deleted company=%s by=%s", company_id, user.pk)


def _delete_unsigned_work(company: Company) -> None:
    """Remove contracts before the company: they protect their templates."""
    contracts = Contract.objects.filter(company=company)
    AuditEvent.objects.filter(contract__in=contracts).delete()
    Signature.objects.filter(contract__in=contracts).delete()
    contracts.delete()


# Members: owners invite colleagues, change their role or take their access away.


def check_can_manage_members(*, user, company: Company) -> None:
    """Allow only the company's owners; members and outsiders get a 403."""
    if not (user.company_id == company.pk and user.is_owner):
        raise PermissionDenied(_("Only an owner of the company may manage members."))


def invite_member(
    *,
    company: Company,
    invited_by: User,
    email: str,
    full_name: str = "",
    role: str = User.Role.MEMBER,
) -> User:
    """Create a user with no usable password and email a set-password link."""
    check_can_manage_members(user=invited_by, company=company)
    email = _clean_email(email)
    if role not in User.Role.values:
        raise ValidationError({"role": [_("Choose a role: owner or member.")]})
    taken = ValidationError({"email": [_("A user with this email already exists.")]})
    if User.objects.filter(email__iexact=email).exists():
        raise taken

    try:
        with transaction.atomic():
            member = User(
                email=email, full_name=full_name.strip(), company=company, role=role
            )
            member.set_unusable_password()
            member.save()
            transaction.on_commit(
                lambda: _send_invitation(member=member, invited_by=invited_by)
            )
    except IntegrityError as exc:
        # A concurrent invitation or registration took the email after the check.
        raise taken from exc

    logger.info(
        "member invited company=%s user=%s by=%s", company.pk, member.pk, invited_by.pk
    )
    return member


def _send_invitation(*, member: User, invited_by: User) -> None:
    path = reverse(
        "companies:password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
            "token": default_token_generator.make_token(member),
        },
    )
    context = {
        "company": member.company,
        "invited_by": invited_by,
        "link": f"{settings.SITE_URL}{path}",
    }
    subject = render_to_string("companies/email/invite_subject.txt", context)
    body = render_to_string("companies/email/invite.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [member.email])
    except (smtplib.SMTPException, OSError):
        # The member exists and can ask for a link from the password reset
        # page, so a mail server that is down must not turn into a 500.
        logger.warning(
            "invitation email not sent company=%s user=%s",
            member.company_id,
            member.pk,
            exc_info=True,
        )


def _check_owner_remains(*, company: Company, without: User) -> None:
    others = company.users.filter(role=User.Role.OWNER, is_active=True).exclude(
        pk=without.pk
    )
    if not others.exists():
        raise StateConflictError(
            _("The company must keep at least one owner."), code="last_owner"
        )


@transaction.atomic
def change_member_role(*, member: User, role: str, user: User) -> User:
    """Make `member` an owner or a member; the company keeps at least one owner."""
    company = _lock_company(member.company_id)
    check_can_manage_members(user=user, company=company)
    if role not in User.Role.values:
        raise ValidationError({"role": [_("Choose a role: owner or member.")]})
    if member.role == User.Role.OWNER and role != User.Role.OWNER:
        _check_owner_remains(company=company, without=member)

    member.role = role
    member.save(update_fields=["role"])
    logger.info(
        "member role changed company=%s user=%s role=%s by=%s",
        company.pk,
        member.pk,
        role,
        user.pk,
    )
    return member


@transaction.atomic
def remove_member(*, member: User, user: User) -> None:
    """Take away a member's access; the account stays so its history keeps a name."""
    company = _lock_company(member.company_id)
    check_can_manage_members(user=user, company=company)
    if member.pk == user.pk:
        raise StateConflictError(
            _("You cannot remove yourself; ask another owner."), code="self_removal"
        )
    if member.pk in _owner_ids(company):
        raise StateConflictError(
            _("This owner holds the company's login email and cannot be removed."),
            code="primary_owner",
        )
    if member.role == User.Role.OWNER:
        _check_owner_remains(company=company, without=member)

    member.is_active = False
    member.set_unusable_password()
    member.save(update_fields=["is_active", "password"])
    logger.info(
        "member removed company=%s user=%s by=%s", company.pk, member.pk, user.pk
    )


# Failed logins: after LOGIN_FAILURE_LIMIT failures for one email from one
# address, that pair waits until the window since its first failure ends.
# TODO(#2): the counters live in the default cache, which is per process unless
# CACHES names a shared one; with several gunicorn workers the limit multiplies.
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


def _login_key(*, email: str, ip: str | None) -> str:
    pair = f"{(email or '').strip().lower()}|{ip or ''}"
    return "login-failures:" + hashlib.sha256(pair.encode()).hexdigest()


def check_login_allowed(*, email: str, ip: str | None) -> None:
    """Raise a 429 while this email and address are locked out by failures."""
    state = cache.get(_login_key(email=email, ip=ip))
    if not state or state["count"] < LOGIN_FAILURE_LIMIT:
        return
    retry_after = int(state["first"] + LOGIN_FAILURE_WINDOW_SECONDS - time.time())
    if retry_after > 0:
        security_logger.warning("login throttled ip=%s", ip)
        raise TooManyAttemptsError(
            _("Too many failed logins; try again later."), retry_after=retry_after
        )


def record_login_failure(*, email: str, ip: str | None) -> None:
    key = _login_key(email=email, ip=ip)
    now = time.time()
    state = cache.get(key) or {"count": 0, "first": now}
    state["count"] += 1
    remaining = max(1, int(state["first"] + LOGIN_FAILURE_WINDOW_SECONDS - now))
    cache.set(key, state, timeout=remaining)
    security_logger.warning("login failed ip=%s failures=%s", ip, state["count"])


def clear_login_failures(*, email: str, ip: str | None) -> None:
    cache.delete(_login_key(email=email, ip=ip))
