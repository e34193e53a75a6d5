"""The client's signing page, /sign/<token>/.

The first visit swaps the link's token for a short random key kept in the
session and redirects to /sign/s/<key>/, so the address bar, the history and
any screenshot carry the key (useless without the session cookie), never the
token. Several links may be open in one browser; each has its own key.

Steps: the contract (PDF and the fields the company asked for), the signer
(ФИО, ИИН, phone, the three statements, the method), the SMS code, done. Each
step is a GET that only shows and a POST that acts; the work is done by
`signatures.services` and `contracts.services`.
"""

import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from pypdf import PdfReader

from contracts import selectors as contract_selectors
from contracts.models import Contract
from contracts.services import ensure_contract_document, set_field_values
from ozgecontract.errors import (
    BalanceExhaustedError,
    DomainError,
    NotFoundError,
    StateConflictError,
    TooManyAttemptsError,
    UpstreamError,
)
from ozgecontract.validators import mask_phone
from signatures import selectors, services
from signatures.forms import (
    ContractFieldsForm,
    EcpSignForm,
    SignerForm,
    SigningCodeForm,
)
from signatures.models import AuditEvent, Signature

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

SESSION_KEY = "signing_links"
# A browser rarely has more than a couple of links open; old ones are dropped.
MAX_LINKS_PER_SESSION = 10
DEFAULT_NCALAYER_URL = "wss://127.0.0.1:13579"


@dataclass
class SigningLink:
    """One signing link opened in this browser session, with its progress."""

    key: str
    contract: Contract
    state: dict

    @property
    def token(self) -> str:
        return self.state["token"]


# --- request helpers --------------------------------------------------------


def client_ip(request) -> str | None:
    """Return the client's address for the audit trail.

    Only REMOTE_ADDR is trusted: X-Forwarded-For is set by whoever sends the
    request. Behind a reverse proxy, the proxy must pass the client's address
    as REMOTE_ADDR (gunicorn with --forwarded-allow-ips does).
    """
    return request.META.get("REMOTE_ADDR") or None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:512]


def _in_chosen_language(view):
    """Show the page in the language the client chose, else in Russian.

    The browser's Accept-Language is not used: a phone set to English in
    Kazakhstan still gets the Russian page first, with the switch on top.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen
        return view(request, *args, **kwargs)

    return wrapper


def _links(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _remember(request, token: str) -> str:
    """Keep `token` in the session under a new or existing key; return the key."""
    links = _links(request)
    for key, state in links.items():
        if state["token"] == token:
            return key
    key = secrets.token_urlsafe(9)
    links[key] = {"token": token, "created": timezone.now().timestamp()}
    if len(links) > MAX_LINKS_PER_SESSION:
        oldest = min(links, key=lambda k: links[k]["created"])
        del links[oldest]
    request.session[SESSION_KEY] = links
    return key


def _save(request, link: SigningLink) -> None:
    links = _links(request)
    links[link.key] = link.state
    request.session[SESSION_KEY] = links
    request.session.modified = True


def _link_problem(request, reason: str, status: int):
    """Render the page for a link that cannot be signed, in the chosen language."""
    return render(
        request,
        "signatures/signing/link_problem.html",
        {"reason": reason},
        status=status,
    )


def _contract_problem(request, contract: Contract):
    """Return the 410 page for a cancelled or expired contract, else None."""
    if contract.status == Contract.Status.CANCELLED:
        return _link_problem(request, "cancelled", 410)
    if contract.status == Contract.Status.EXPIRED or (
        contract.status == Contract.Status.PENDING and contract.is_expired
    ):
        return _link_problem(request, "expired", 410)
    return None


def signing_view(*, allow_signed: bool = False):
    """Load the link behind `key` and its contract, or answer with a clear page.

    An unknown key is a 404 page asking to open the link again; a cancelled or
    expired contract is a 410 page; a signed one goes to the thank-you page
    unless the view serves signed contracts too.
    """

    def decorator(view):
        @wraps(view)
        @never_cache
        @_in_chosen_language
        def wrapper(request, key, *args, **kwargs):
            state = _links(request).get(key)
            if state is None:
                return _link_problem(request, "session", 404)
            try:
                contract = contract_selectors.get_contract_by_token(state["token"])
            except NotFoundError:
                return _link_problem(request, "unknown", 404)
            if contract.status == Contract.Status.SIGNED and not allow_signed:
                return redirect("signatures:signing-done", key=key)
            problem = _contract_problem(request, contract)
            if problem is not None:
                return problem
            link = SigningLink(key=key, contract=contract, state=state)
            return view(request, link, *args, **kwargs)

        return wrapper

    return decorator


# --- what the page shows ----------------------------------------------------


def _contract_fields(contract: Contract) -> list:
    return list(contract_selectors.list_contract_fields(contract=contract))


def _page_count(contract: Contract) -> int:
    """Count the contract PDF's pages, cached by the document's SHA-256.

    A known SHA-256 answers from the cache without reading the file; the PDF
    is read (and made, the first time) only when the count is not known yet.
    """
    if contract.document_sha256:
        count = cache.get(f"signing-pdf-pages:{contract.document_sha256}")
        if count is not None:
            return count
    document = ensure_contract_document(contract=contract)
    count = len(PdfReader(io.BytesIO(document)).pages)
    sha256 = hashlib.sha256(document).hexdigest()
    cache.set(f"signing-pdf-pages:{sha256}", count, 24 * 3600)
    return count


def _current_step(request, link: SigningLink, has_fields: bool) -> str:
    asked = request.GET.get("step")
    if asked == "fields" and has_fields:
        return "fields"
    if asked == "details":
        return "details"
    if has_fields and not link.state.get("fields_saved"):
        return "fields"
    if link.state.get("signer") and link.state.get("resend_at"):
        return "code"
    return "details"


def _resend_seconds(link: SigningLink) -> int:
    resend_at = link.state.get("resend_at")
    if not resend_at:
        return 0
    return max(0, int(resend_at - timezone.now().timestamp() + 0.999))


def _resend_time(link: SigningLink) -> datetime | None:
    resend_at = link.state.get("resend_at")
    return datetime.fromtimestamp(resend_at, tz=UTC) if resend_at else None


def _render_step(
    request,
    link: SigningLink,
    step: str,
    *,
    form=None,
    error: str = "",
    status: int = 200,
    contract_fields=None,
):
    contract = link.contract
    if contract_fields is None:
        contract_fields = _contract_fields(contract)
    if form is None:
        form = _blank_form(step, link, contract_fields)
    try:
        page_count = _page_count(contract)
    except DomainError as exc:
        # Nobody may sign a contract the page cannot show.
        logger.warning("signing page without a document contract=%s", contract.pk)
        return _link_problem(request, "document", exc.status)
    steps = [("details", _("Signer")), ("code", _("Code")), ("done", _("Done"))]
    if contract_fields:
        steps.insert(0, ("fields", _("Contract")))
    context = {
        "link": link,
        "contract": contract,
        "company": contract.company,
        "step": step,
        "steps": steps,
        "step_index": [name for name, _label in steps].index(step),
        "form": form,
        "error": error,
        "page_count": page_count,
        "signer": link.state.get("signer") or {},
        "masked_phone": mask_phone(
            link.state.get("signer", {}).get("client_phone", "")
        ),
        "resend_seconds": _resend_seconds(link),
        "resend_time": _resend_time(link),
        "document_url": file_url(link.key, "contract"),
        "download_url": file_url(link.key, "contract", download=True),
        "ncalayer_url": getattr(settings, "NCALAYER_URL", DEFAULT_NCALAYER_URL),
        "code_ttl_minutes": settings.SIGNING_CODE_TTL_SECONDS // 60,
    }
    return render(request, "signatures/signing/page.html", context, status=status)


def _blank_form(step: str, link: SigningLink, contract_fields):
    if step == "fields":
        return ContractFieldsForm(contract_fields=contract_fields)
    if step == "code":
        return SigningCodeForm()
    return SignerForm(initial=_signer_initial(link))


def _signer_initial(link: SigningLink) -> dict:
    """Prefill the signer from this session, or from the signer the company named."""
    if link.state.get("signer"):
        return link.state["signer"]
    expected = selectors.get_expected_signer(contract=link.contract)
    if expected is None:
        return {}
    return {"client_name": expected.client_name, "client_phone": expected.client_phone}


# --- turning service errors into messages ------------------------------------


def _messages_by_code() -> dict[str, str]:
    """Return the page's wording for the services' error codes, translated now."""
    ecp_unreadable = _(
        "NCALayer returned a signature the portal cannot accept. Try again, or "
        "sign with an SMS code."
    )
    return {
        "code_exhausted": _("Too many wrong codes. Request a new code."),
        "code_expired": _("The code has expired. Request a new code."),
        "code_missing": _("Request a code first."),
        "phone_mismatch": _(
            "This phone number differs from the one the company gave for the signer."
        ),
        "iin_mismatch": _(
            "This IIN differs from the one the company gave for the signer."
        ),
        "method_mismatch": _(
            "The company asked for this contract to be signed another way."
        ),
        "document_changed": _(
            "The contract changed while you were signing. Read it again and sign."
        ),
        "contract_signed": _("The contract is already signed."),
        "sms_failed": _("We could not send the SMS. Please try again in a minute."),
        "ecp_iin_mismatch": _(
            "The key belongs to another person: the IIN in its certificate "
            "differs from the IIN you entered."
        ),
        "ecp_document_mismatch": _(
            "The signature was made over another document. Reload the page and "
            "sign again."
        ),
        "ecp_certificate_untrusted": _(
            "The key's certificate was not issued by the National Certification "
            "Authority of Kazakhstan (NCA RK)."
        ),
        "ecp_certificate_expired": _(
            "The key's certificate has expired. Get a new key from NCA RK."
        ),
        "ecp_certificate_not_yet_valid": _("The key's certificate is not valid yet."),
        "ecp_certificate_revoked": _("The key's certificate has been revoked."),
        "ecp_key_usage": _(
            "This key is not for signing. Choose your signing key, not the "
            "authentication one (AUTH_…)."
        ),
        "ecp_gost_unsupported": _(
            "The portal cannot check this kind of key (GOST) yet. Sign with an "
            "RSA key or with an SMS code."
        ),
        "ecp_verifier_unavailable": _(
            "The signature could not be checked right now. Try again in a minute."
        ),
        "ecp_not_cms": ecp_unreadable,
        "ecp_signature_invalid": ecp_unreadable,
        "ecp_signer_count": ecp_unreadable,
        "ecp_unsupported_algorithm": ecp_unreadable,
        "ecp_certificate_missing": ecp_unreadable,
        "ecp_no_iin": ecp_unreadable,
        "ecp_signing_time_invalid": ecp_unreadable,
    }


def _error_message(exc: DomainError, link: SigningLink) -> str:
    """Say what went wrong in the page's language; fall back to the service's text."""
    code = exc.code
    if isinstance(exc, TooManyAttemptsError):
        if code == "code_resend_too_soon":
            return ngettext(
                "A code was just sent. You can ask for a new one in %(seconds)d "
                "second.",
                "A code was just sent. You can ask for a new one in %(seconds)d "
                "seconds.",
                exc.retry_after,
            ) % {"seconds": exc.retry_after}
        minutes = max(1, (exc.retry_after + 59) // 60)
        return ngettext(
            "Too many codes were requested. Try again in %(minutes)d minute.",
            "Too many codes were requested. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
    if code == "code_invalid":
        left = _attempts_left(link)
        return ngettext(
            "Wrong code. %(left)d attempt left.",
            "Wrong code. %(left)d attempts left.",
            left,
        ) % {"left": left}
    if isinstance(exc, BalanceExhaustedError):
        return _(
            "The company cannot accept signatures right now. Please contact "
            "the company that sent you the link."
        )
    message = _messages_by_code().get(code)
    if message is not None:
        return message
    if isinstance(exc, UpstreamError):
        return _("A service the portal relies on failed. Try again in a minute.")
    return exc.detail


def _attempts_left(link: SigningLink) -> int:
    latest = selectors.get_latest_signing_code(contract=link.contract)
    attempts = latest.attempts if latest is not None else 0
    return max(0, settings.SIGNING_CODE_MAX_ATTEMPTS - attempts)


def _attach_validation_error(form, exc: ValidationError, *, renames=None) -> str:
    """Put a service's field errors on `form`; return what fits no field."""
    renames = renames or {}
    leftover = []
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    for name, errors in exc.message_dict.items():
        target = renames.get(name, name)
        if form is not None and target in form.fields:
            for message in errors:
                form.add_error(target, message)
        else:
            leftover.extend(errors)
    return " ".join(leftover)


# --- the views ---------------------------------------------------------------


@never_cache
@_in_chosen_language
@require_GET
def signing_entry(request, token: str):
    """Open a signing link: remember it in the session and hide the token."""
    try:
        contract = contract_selectors.get_contract_by_token(token)
    except NotFoundError:
        security_logger.info("unknown signing link opened ip=%s", client_ip(request))
        return _link_problem(request, "unknown", 404)

    problem = _contract_problem(request, contract)
    if problem is not None:
        return problem
    key = _remember(request, str(contract.contract_token))
    if contract.status == Contract.Status.SIGNED:
        return redirect("signatures:signing-done", key=key)

    services.record_audit_event(
        contract=contract,
        kind=AuditEvent.Kind.OPENED,
        ip=client_ip(request),
        user_agent=user_agent(request),
    )
    logger.info("signing link opened contract=%s", contract.pk)
    return redirect("signatures:signing-page", key=key)


@require_GET
@signing_view()
def signing_page(request, link: SigningLink):
    contract_fields = _contract_fields(link.contract)
    step = _current_step(request, link, bool(contract_fields))
    return _render_step(request, link, step, contract_fields=contract_fields)


def _show_refusal(request, link, step, form, exc, *, renames=None):
    """Show `step` again with what a service refused, answering with its status.

    A domain error's own text is English and for integrators; the client reads
    the translated message at the top of the step instead.
    """
    if isinstance(exc, ValidationError):
        error = _attach_validation_error(form, exc, renames=renames)
        return _render_step(request, link, step, form=form, error=error, status=400)
    return _render_step(
        request,
        link,
        step,
        form=form,
        error=_error_message(exc, link),
        status=exc.status,
    )


@require_POST
@signing_view()
def signing_fields(request, link: SigningLink):
    """Save the client's field values and re-render the PDF before signing."""
    contract_fields = _contract_fields(link.contract)
    form = ContractFieldsForm(request.POST, contract_fields=contract_fields)
    if not form.is_valid():
        return _render_step(request, link, "fields", form=form, status=400)

    try:
        set_field_values(
            contract=link.contract,
            values=form.values(),
            actor=None,
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
        ensure_contract_document(contract=link.contract)
    except (ValidationError, DomainError) as exc:
        renames = {
            field.field_name: f"field__{field.field_name}" for field in contract_fields
        }
        return _show_refusal(request, link, "fields", form, exc, renames=renames)

    link.state["fields_saved"] = True
    _save(request, link)
    return redirect("signatures:signing-page", key=link.key)


def _needs_fields(link: SigningLink) -> bool:
    return not link.state.get("fields_saved") and link.contract.fields.exists()


@require_POST
@signing_view()
def signing_code(request, link: SigningLink):
    """Send a signing code by SMS to the signer's phone (or send it again)."""
    if _needs_fields(link):
        return redirect("signatures:signing-page", key=link.key)
    resend = bool(request.POST.get("resend") and link.state.get("signer"))
    step, form = ("code", None) if resend else ("details", SignerForm(request.POST))
    if form is not None and not form.is_valid():
        return _render_step(request, link, step, form=form, status=400)
    signer = link.state["signer"] if resend else form.signer()

    try:
        services.request_signing_code(
            contract=link.contract,
            phone=signer["client_phone"],
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
    except TooManyAttemptsError as exc:
        if resend:
            # The countdown on the code step now shows the server's wait.
            link.state["resend_at"] = timezone.now().timestamp() + exc.retry_after
            _save(request, link)
        return _show_refusal(request, link, step, form, exc)
    except (ValidationError, DomainError) as exc:
        return _show_refusal(request, link, step, form, exc)

    link.state["signer"] = signer
    if not resend:
        link.state["document_sha256"] = request.POST.get("document_sha256", "")
    link.state["resend_at"] = (
        timezone.now().timestamp() + settings.SIGNING_CODE_RESEND_SECONDS
    )
    _save(request, link)
    return redirect("signatures:signing-page", key=link.key)


def _sign_request(request, link: SigningLink):
    """Read how the client signs: (step, form, signer, proof) or a response."""
    if request.POST.get("method") == Signature.Method.ECP:
        form = EcpSignForm(request.POST)
        if not form.is_valid():
            return _render_step(request, link, "details", form=form, status=400)
        proof = {"method": Signature.Method.ECP, "cms": form.cleaned_data["cms"]}
        return "details", form, form.signer(), proof

    if not link.state.get("signer"):
        return redirect("signatures:signing-page", key=link.key)
    form = SigningCodeForm(request.POST)
    if not form.is_valid():
        return _render_step(request, link, "code", form=form, status=400)
    if link.state.get("document_sha256") != link.contract.document_sha256:
        return _document_changed(request, link)
    proof = {"method": Signature.Method.SMS, "otp_code": form.cleaned_data["code"]}
    return "code", form, link.state["signer"], proof


def _document_changed(request, link: SigningLink):
    """Send the client back to read the contract: it changed after they read it.

    The code was asked for over the document shown then; signing the new one
    with it would sign something the client has not seen.
    """
    logger.info(
        "contract changed after the code was sent contract=%s", link.contract.pk
    )
    link.state.pop("resend_at", None)
    _save(request, link)
    exc = StateConflictError(code="document_changed")
    return _show_refusal(request, link, "details", None, exc)


@require_POST
@signing_view()
def signing_sign(request, link: SigningLink):
    """Sign with the SMS code, or with the CMS NCALayer made over the PDF."""
    if _needs_fields(link):
        return redirect("signatures:signing-page", key=link.key)
    read = _sign_request(request, link)
    if isinstance(read, HttpResponse):
        return read
    step, form, signer, proof = read

    try:
        services.sign_contract(
            contract=link.contract,
            **signer,
            **proof,
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
    except StateConflictError as exc:
        if exc.code == "contract_signed":
            return redirect("signatures:signing-done", key=link.key)
        return _show_refusal(request, link, step, form, exc)
    except (ValidationError, DomainError) as exc:
        renames = {"otp_code": "code"}
        return _show_refusal(request, link, step, form, exc, renames=renames)

    link.state.pop("signer", None)
    link.state.pop("resend_at", None)
    _save(request, link)
    return redirect("signatures:signing-done", key=link.key)


@require_GET
@signing_view(allow_signed=True)
def signing_done(request, link: SigningLink):
    """Thank the client and offer the signed PDF and the certificate."""
    signature = selectors.get_completed_signature(contract=link.contract)
    if signature is None:
        return redirect("signatures:signing-page", key=link.key)
    return render(
        request,
        "signatures/signing/done.html",
        {
            "link": link,
            "contract": link.contract,
            "signature": signature,
            "signed_url": file_url(link.key, "signed", download=True),
            "certificate_url": file_url(link.key, "certificate", download=True),
        },
    )


_FILES = {
    "contract": "contract",
    "signed": "signed-contract",
    "certificate": "certificate",
}


@require_GET
@xframe_options_sameorigin
@signing_view(allow_signed=True)
def signing_file(request, link: SigningLink, kind: str):
    """Serve the contract PDF (embedded on the page) or, once signed, its results."""
    if kind not in _FILES:
        raise Http404
    try:
        pdf = _file_bytes(link, kind)
    except DomainError as exc:
        logger.warning("signing page file unavailable contract=%s", link.contract.pk)
        return _link_problem(request, "document", exc.status)

    number = "".join(
        ch for ch in (link.contract.number or "") if ch.isascii() and ch.isalnum()
    )
    filename = f"{_FILES[kind]}-{number or link.contract.pk}.pdf"
    disposition = "attachment" if request.GET.get("download") else "inline"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _file_bytes(link: SigningLink, kind: str) -> bytes:
    if kind == "contract":
        return ensure_contract_document(contract=link.contract)
    signature = selectors.get_completed_signature(contract=link.contract)
    if signature is None:
        raise Http404
    if kind == "signed":
        return services.ensure_signed_pdf(signature=signature)
    return services.ensure_certificate_pdf(signature=signature)


def file_url(key: str, kind: str, *, download: bool = False) -> str:
    url = reverse("signatures:signing-file", kwargs={"key": key, "kind": kind})
    return url + ("?download=1" if download else "")


urlpatterns = [
    path("sign/<str:token>/", signing_entry, name="signing-entry"),
    path("sign/s/<str:key>/", signing_page, name="signing-page"),
    path("sign/s/<str:key>/fields/", signing_fields, name="signing-fields"),
    path("sign/s/<str:key>/code/", signing_code, name="signing-code"),
    path("sign/s/<str:key>/sign/", signing_sign, name="signing-sign"),
    path("sign/s/<str:key>/done/", signing_done, name="signing-done"),
    path("sign/s/<str:key>/<str:kind>.pdf", signing_file, name="signing-file"),
]
