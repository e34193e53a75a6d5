"""The client's signing page, /sign/<token>/.

The first visit swaps the link's token for a short random key kept in the
session and redirects to /sign/s/<key>/, so the address bar, the history and
any screenshot carry the key (useless without the session cookie), never the
token. Several links may be open in one browser; each has its own key (see
`signing_links`). What the client reads when a service refuses is in
`signing_errors`.

Steps: the contract (PDF and the fields the company asked for), the signer
(ФИО, ИИН, phone, the three statements, the method), the SMS code, done. Each
step is a GET that only shows and a POST that acts; the work is done by
`signatures.services` and `contracts.services`.
"""

import hashlib
import io
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST
from pypdf import PdfReader

from contracts import selectors as contract_selectors
from contracts.models import Contract
from contracts.services import ensure_contract_document, set_field_values
from ozgecontract.errors import (
    DomainError,
    NotFoundError,
    StateConflictError,
    TooManyAttemptsError,
)
from ozgecontract.validators import mask_phone
from signatures import selectors, services
from signatures.forms import (
    ContractFieldsForm,
    EcpSignForm,
    SignerForm,
    SigningCodeForm,
    field_label,
    input_context,
)
from signatures.models import AuditEvent, Signature
from signatures.views.signing_errors import attach_validation_error, error_message
from signatures.views.signing_links import (
    SigningLink,
    client_ip,
    contract_problem,
    in_chosen_language,
    link_problem,
    remember,
    save,
    signing_view,
    user_agent,
)

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("ozgecontract.security")

DEFAULT_NCALAYER_URL = "wss://127.0.0.1:13579"
_TRUE_VALUES = ("true", "1", "yes", "on")


# --- what the page shows ----------------------------------------------------


def _contract_fields(contract: Contract) -> list:
    return contract_selectors.read_contract_fields(contract=contract)


def _needs_client(field) -> bool:
    value = field.value.strip()
    if field.field_type == field.FieldType.CHECKBOX and field.required:
        # A required box the company left unticked is the client's to tick.
        return value.lower() not in _TRUE_VALUES
    return not value


def _split_fields(link: SigningLink, contract_fields) -> tuple[list, list]:
    """Return (the fields the client fills in, the ones the company filled in).

    A field the company left empty is the client's, and stays theirs after
    they save it (kept in the session), so "change the fields" shows it again.
    """
    asked_before = set(link.state.get("asked_fields", ()))
    asked, filled = [], []
    for field in contract_fields:
        if field.field_name in asked_before or _needs_client(field):
            asked.append(field)
        else:
            filled.append(field)
    return asked, filled


def _page_count(contract: Contract) -> int:
    """Count the contract PDF's pages, cached by the document's SHA-256.

    A known SHA-256 answers from the cache without reading the file; the PDF
    is read (and made, the first time) only when the count is not known yet.
    """
    if contract.document_sha256:
        count = cache.get(f"signing-pdf-pages:{contract.document_sha256}")
        if count is not None:
            return count
    return _remember_page_count(ensure_contract_document(contract=contract))


def _remember_page_count(document: bytes) -> int:
    # Keyed by content, so a cached count can never belong to another PDF.
    # TODO(#2): keep the count on the contract when its PDF is made; the
    # cache is per process, so each worker parses each PDF once.
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
    asked, filled = _split_fields(link, contract_fields)
    if form is None:
        form = _blank_form(step, link, asked)
    try:
        page_count = _page_count(contract)
    except DomainError as exc:
        # Nobody may sign a contract the page cannot show.
        logger.warning("signing page without a document contract=%s", contract.pk)
        return link_problem(request, "document", exc.status)
    context = {
        **_page_context(link, step, has_fields=bool(asked)),
        "form": form,
        "company_fields": [
            {
                "label": field_label(field),
                "value": field.value,
                "checked": field.value.strip().lower() in _TRUE_VALUES,
                "field": field,
            }
            for field in filled
        ],
        "error": error,
        "page_count": page_count,
        **_form_inputs(step, form),
    }
    return render(request, "signatures/signing/page.html", context, status=status)


# The inputs each step shows, in order; the fields step shows all its form's.
_STEP_INPUTS = {
    "details": ("client_name", "client_iin", "client_phone"),
    "code": ("code",),
}


def _form_inputs(step: str, form) -> dict:
    """Return the step's inputs (and the details step's consents) as plain dicts."""
    names = _STEP_INPUTS.get(step)
    fields = [form[name] for name in names] if names else list(form)
    shown = {"inputs": [input_context(field) for field in fields]}
    if step == "details":
        # Unticked and without errors, the statements read the same for every
        # client in a language: the page keeps them (`_details.html`). A form
        # not yet posted ticks none, so its list is made (the template calls
        # the method) only when the kept copy is.
        if form.is_bound:
            consents = form.consent_inputs()
            shown["consents"] = consents
            shown["consents_blank"] = not any(
                consent["value"] or consent["errors"] for consent in consents
            )
        else:
            shown["consents"] = form.consent_inputs
            shown["consents_blank"] = True
    return shown


def _page_context(link: SigningLink, step: str, *, has_fields: bool) -> dict:
    """Return what every step of the page shows besides its form."""
    steps = [("details", _("Signer")), ("code", _("Code")), ("done", _("Done"))]
    if has_fields:
        steps.insert(0, ("fields", _("Contract")))
    signer = link.state.get("signer") or {}
    index = [name for name, _label in steps].index(step)
    number = link.contract.number or link.contract.pk
    return {
        "title": _("Contract № %(number)s") % {"number": number},
        "link": link,
        "contract": link.contract,
        "company": link.contract.company,
        "step": step,
        "steps": steps,
        "has_fields": has_fields,
        "step_index": index,
        # Marked here rather than by comparing loop counters in the template.
        "step_marks": [
            {
                "number": str(number),
                "label": label,
                "mark": " is-done" if number - 1 < index else "",
                "current": number - 1 == index,
            }
            for number, (_name, label) in enumerate(steps, 1)
        ],
        "masked_phone": mask_phone(signer.get("client_phone", "")),
        "resend_seconds": _resend_seconds(link),
        "resend_time": _resend_time(link),
        **_page_urls(link.key),
        "ncalayer_url": getattr(settings, "NCALAYER_URL", DEFAULT_NCALAYER_URL),
        "code_ttl_minutes": settings.SIGNING_CODE_TTL_SECONDS // 60,
    }


def _page_urls(key: str) -> dict:
    """Return the page's address and the addresses its forms and links use.

    The page names its own address in `<base href>`, and every other address
    is relative to it (see `urlpatterns`; a test checks them against
    `reverse`). Only the base tag then differs from one link to another, so
    the document card is kept per language and page count, and the step
    reads the same whether it was rendered by the page's GET or by a POST
    to one of its actions.
    """
    return {
        "page_url": reverse("signatures:signing-page", kwargs={"key": key}),
        "urls": {"fields": "fields/", "code": "code/", "sign": "sign/"},
        "document_url": "contract.pdf",
        "download_url": "contract.pdf?download=1",
    }


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
    if not link.contract.signer_name:
        # The contract keeps its signer's name in step with its signatures:
        # none named means there is nobody to look up.
        return {}
    return selectors.get_expected_signer_contact(contract=link.contract) or {}


# --- the views ---------------------------------------------------------------


@never_cache
@in_chosen_language
@require_GET
def signing_entry(request, token: str):
    """Open a signing link: remember it in the session and hide the token."""
    try:
        contract = contract_selectors.get_contract_by_token(token)
    except NotFoundError:
        security_logger.info("unknown signing link opened ip=%s", client_ip(request))
        return link_problem(request, "unknown", 404)

    problem = contract_problem(request, contract)
    if problem is not None:
        return problem
    key = remember(request, str(contract.contract_token))
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
    asked, _filled = _split_fields(link, contract_fields)
    step = _current_step(request, link, bool(asked))
    return _render_step(request, link, step, contract_fields=contract_fields)


def _show_refusal(request, link, step, form, exc, *, renames=None):
    """Show `step` again with what a service refused, answering with its status.

    A domain error's own text is English and for integrators; the client reads
    the translated message at the top of the step instead.
    """
    if isinstance(exc, ValidationError):
        error = attach_validation_error(form, exc, renames=renames)
        return _render_step(request, link, step, form=form, error=error, status=400)
    return _render_step(
        request,
        link,
        step,
        form=form,
        error=error_message(exc, link.contract),
        status=exc.status,
    )


@require_POST
@signing_view()
def signing_fields(request, link: SigningLink):
    """Save the client's field values and re-render the PDF before signing."""
    contract_fields = _contract_fields(link.contract)
    asked, _filled = _split_fields(link, contract_fields)
    # Only the client's fields are read from the form: a value posted for a
    # field the company filled in is ignored, not saved.
    form = ContractFieldsForm(request.POST, contract_fields=asked)
    if not form.is_valid():
        return _render_step(request, link, "fields", form=form, status=400)

    # The fields stay the client's to change even when a service refuses them
    # after saving (a value the company's template cannot take).
    link.state["asked_fields"] = [field.field_name for field in asked]
    save(request, link)
    try:
        set_field_values(
            contract=link.contract,
            values=form.values(),
            actor=None,
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
        document = ensure_contract_document(contract=link.contract)
    except (ValidationError, DomainError) as exc:
        renames = {field.field_name: f"field__{field.field_name}" for field in asked}
        return _show_refusal(request, link, "fields", form, exc, renames=renames)

    # The page shown next tells the new PDF's page count: count it while the
    # bytes are at hand instead of reading the file again on that GET.
    _remember_page_count(document)
    link.state["fields_saved"] = True
    save(request, link)
    return redirect("signatures:signing-page", key=link.key)


def _needs_fields(link: SigningLink) -> bool:
    if link.state.get("fields_saved"):
        return False
    asked, _filled = _split_fields(link, _contract_fields(link.contract))
    return bool(asked)


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
            save(request, link)
        return _show_refusal(request, link, step, form, exc)
    except (ValidationError, DomainError) as exc:
        return _show_refusal(request, link, step, form, exc)

    link.state["signer"] = signer
    if not resend:
        link.state["document_sha256"] = request.POST.get("document_sha256", "")
    link.state["resend_at"] = (
        timezone.now().timestamp() + settings.SIGNING_CODE_RESEND_SECONDS
    )
    save(request, link)
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
    save(request, link)
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
    save(request, link)
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
        return link_problem(request, "document", exc.status)

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
