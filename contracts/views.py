"""Contract pages of the dashboard: list, new, detail, link, files, bulk."""

import html
import json
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from companies.decorators import company_required
from companies.forms import apply_service_error
from contracts import bulk, links, search
from contracts import services as contract_services
from contracts.forms import (
    BulkUploadForm,
    ContractFilterForm,
    NewContractForm,
    SendLinkForm,
    status_badge,
    status_badges,
)
from contracts.models import Contract
from ozgecontract.errors import DomainError
from ozgecontract.http import posted, wants_json
from ozgecontract.tenancy import scope_to_company
from signatures import services as signature_services
from signatures.models import Signature
from templates_app.fields import template_field_settings
from templates_app.models import Template

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
BULK_BATCH_ROWS = 10


def _load_contract(request, contract_id: int) -> Contract:
    """Return the caller's contract; another company's is a 404."""
    contracts = scope_to_company(
        Contract.objects.select_related("company", "template"), request.user
    )
    return get_object_or_404(contracts, pk=contract_id)


def _company_templates(request):
    return scope_to_company(Template.objects.order_by("name"), request.user)


def _load_template(templates, template_id: str) -> Template:
    """Return the template named by a query-string id; junk or a stranger's is 404."""
    try:
        pk = int(template_id)
    except ValueError:
        raise Http404 from None
    return get_object_or_404(templates, pk=pk)


@company_required
def contract_list(request):
    form = ContractFilterForm(request.GET)
    form.is_valid()
    status = form.cleaned_data.get("status", "")
    query = form.cleaned_data.get("q", "")

    if form.errors:
        # A search or status that cannot run lists nothing: listing every
        # contract would read as if the filter matched them all.
        page, rows = Paginator([], PAGE_SIZE).page(1), []
    else:
        page, rows = search.get_dashboard_page(
            user=request.user,
            status=status,
            query=query,
            number=request.GET.get("page"),
            per_page=PAGE_SIZE,
        )
    filters = request.GET.copy()
    filters.pop("page", None)

    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "rows_html": _rows_html(rows),
        "filters": filters.urlencode(),
    }
    return render(request, "contracts/list.html", context)


# One table row of the list; every value is escaped before it is put in.
_ROW_HTML = (
    '<tr><td><a href="{}/">{}</a></td><td>{}</td><td>{}</td>'
    '<td><span class="badge {}">{}</span></td>'
    '<td class="nowrap">{}</td><td class="nowrap">{}</td></tr>'
)


def _rows_html(rows) -> str:
    """Render the list's table rows, every value escaped.

    Built here rather than by a template loop: a page of 25 rows would
    otherwise resolve some 200 template variables on each visit. The values
    are plain text (never markup), so the standard library's `html.escape`
    serves, at a third of the cost of `format_html_join`'s lazy-aware escaping.
    """
    badges = status_badges()
    zone = timezone.get_current_timezone()
    lines = []
    for row in rows:
        values = (
            row.pk,
            row.number or row.pk,
            row.client_name or "—",
            row.template_name,
            *badges[row.status],
            _short_datetime(row.created_at, zone),
            _short_datetime(row.signed_at, zone) or "—",
        )
        lines.append(_ROW_HTML.format(*(html.escape(str(v)) for v in values)))
    return mark_safe("\n".join(lines))  # noqa: S308 - each value escaped above


def _short_datetime(value, zone) -> str:
    """Format as dd.mm.yyyy HH:MM in Almaty time, as the `date` filter would."""
    return value.astimezone(zone).strftime("%d.%m.%Y %H:%M") if value else ""


@company_required
def contract_new(request):
    templates = _company_templates(request)
    template_id = request.GET.get("template") or request.POST.get("template")
    if not template_id:
        return render(
            request, "contracts/choose_template.html", {"templates": templates}
        )
    template = _load_template(templates, template_id)

    settings_list = template_field_settings(template)
    form = NewContractForm(posted(request), field_settings=settings_list)
    if request.method == "POST" and form.is_valid():
        try:
            contract = _create_contract(request, template=template, form=form)
        except (DomainError, ValidationError) as exc:
            _show_creation_error(form, exc)
        else:
            messages.success(request, _("The contract is created."))
            return redirect("contracts:contract-detail", contract_id=contract.pk)

    context = {"form": form, "template": template}
    return render(request, "contracts/new.html", context)


def _create_contract(request, *, template, form) -> Contract:
    data = form.cleaned_data
    settings_list = form.field_settings
    with transaction.atomic():
        contract = contract_services.create_contract(
            company=request.user.company,
            template=template,
            user=request.user,
            number=data["number"] or None,
            field_types={s["name"]: s["type"] for s in settings_list},
            values=form.values(),
            expires_at=data["expires_at"],
            # The contract page's preview renders it, outside this transaction.
            render_document=False,
        )
        if form.has_signer():
            signature_services.create_expected_signer(
                contract=contract,
                client_name=data["client_name"],
                client_iin=data["client_iin"],
                client_phone=data["client_phone"],
                method=data["method"],
            )
    return contract


def _show_creation_error(form, exc) -> None:
    """Show the service's refusal, a field value's on that value's input."""
    fields = getattr(exc, "fields", None) or (
        exc.message_dict if hasattr(exc, "error_dict") else {}
    )
    renamed = {}
    for name, errors in fields.items():
        bare = name.removeprefix("values.")
        key = f"value__{bare}" if f"value__{bare}" in form.fields else name
        renamed[key] = errors
    if renamed:
        apply_service_error(form, ValidationError(renamed))
    else:
        apply_service_error(form, exc)


@company_required
def contract_detail(request, contract_id: int):
    contract = _load_contract(request, contract_id)

    signatures = list(contract.signatures.order_by("-signed_at", "-id"))
    signed = next((s for s in signatures if s.signed_at), None)
    expected = next((s for s in signatures if not s.signed_at), None)
    initial_phone = expected.client_phone if expected else ""
    context = {
        "contract": contract,
        "badge": status_badge(contract),
        "fields": contract.fields.all(),
        "signatures": signatures,
        "signed": signed,
        "events": contract.audit_events.all(),
        "signing_url": links.signing_url(contract),
        "qr_svg": links.signing_qr_svg(contract),
        "link_form": SendLinkForm(initial={"phone": initial_phone}),
    }
    return render(request, "contracts/detail.html", context)


@company_required
@require_POST
def contract_send_link(request, contract_id: int):
    contract = _load_contract(request, contract_id)

    form = SendLinkForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("phone", []):
            messages.error(request, error)
        return redirect("contracts:contract-detail", contract_id=contract.pk)
    try:
        phone = links.send_signing_link(
            contract=contract, phone=form.cleaned_data["phone"], user=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("The link is sent to %(phone)s.") % {"phone": phone}
        )
    return redirect("contracts:contract-detail", contract_id=contract.pk)


@company_required
@require_POST
def contract_cancel(request, contract_id: int):
    contract = _load_contract(request, contract_id)

    try:
        contract_services.cancel_contract(contract=contract, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("The contract is cancelled; its link no longer works.")
        )
    return redirect("contracts:contract-detail", contract_id=contract.pk)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The files name the signer, with IIN and phone: no shared cache keeps them.
    response["Cache-Control"] = "private, no-store"
    return response


def _file_label(contract: Contract) -> str:
    return "".join(
        ch for ch in (contract.number or str(contract.pk)) if ch.isalnum() or ch in "-_"
    )


@company_required
@xframe_options_sameorigin
def contract_document(request, contract_id: int):
    contract = _load_contract(request, contract_id)

    try:
        pdf = contract_services.ensure_contract_document(contract=contract)
    except DomainError as exc:
        # Shown inside the contract page's preview frame, or on its own. A
        # template the values cannot fill in says why; other failures pass.
        unfillable = isinstance(exc, contract_services.DocumentUnfillableError)
        context = {"contract": contract, "reason": exc.detail if unfillable else ""}
        return render(
            request, "contracts/document_unavailable.html", context, status=exc.status
        )
    return _pdf(pdf, f"contract-{_file_label(contract)}.pdf")


def _load_signature(request, contract_id: int) -> Signature:
    contract = _load_contract(request, contract_id)
    return get_object_or_404(
        Signature.objects.select_related("contract"),
        contract=contract,
        signed_at__isnull=False,
    )


@company_required
def contract_certificate(request, contract_id: int):
    signature = _load_signature(request, contract_id)

    return _signature_file(
        request, signature, signature_services.ensure_certificate_pdf, "certificate"
    )


@company_required
def contract_signed_document(request, contract_id: int):
    signature = _load_signature(request, contract_id)

    return _signature_file(
        request, signature, signature_services.ensure_signed_pdf, "signed"
    )


def _signature_file(request, signature: Signature, make, prefix: str):
    """Answer a signature's PDF, or send the reader back when it cannot be made."""
    try:
        pdf = make(signature=signature)
    except DomainError as exc:
        # A missing evidence file or a document that no longer matches is
        # logged for the operator; the reader gets the contract page back.
        logger.warning(
            "signature file unavailable contract=%s signature=%s kind=%s code=%s",
            signature.contract_id,
            signature.pk,
            prefix,
            exc.code,
        )
        messages.error(
            request,
            _(
                "This file cannot be made just now. Try again in a minute; if it "
                "keeps failing, contact support."
            ),
        )
        return redirect("contracts:contract-detail", contract_id=signature.contract_id)
    return _pdf(pdf, f"{prefix}-{_file_label(signature.contract)}.pdf")


@company_required
def contract_bulk(request):
    templates = _company_templates(request)

    form = BulkUploadForm(posted(request), request.FILES or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        upload = form.cleaned_data["file"]
        try:
            sheet = bulk.read_sheet(content=upload.read(), filename=upload.name)
            bulk.check_header(header=sheet.header, field_names=_field_names(template))
        except DomainError as exc:
            form.add_error("file", exc.detail)
        else:
            if wants_json(request):
                # The browser creates the rows in batches to show progress.
                rows = [[line, cells] for line, cells in sheet.rows]
                body = {"template": template.pk, "header": sheet.header, "rows": rows}
                return JsonResponse(body)
            return _bulk_report(request, form=form, template=template, sheet=sheet)

    if request.method == "POST" and wants_json(request):
        errors = {name: list(errors) for name, errors in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    context = {
        "form": form,
        "max_rows": bulk.MAX_ROWS,
        "max_mb": bulk.MAX_FILE_BYTES // (1024 * 1024),
    }
    return render(request, "contracts/bulk.html", context)


def _field_names(template) -> list[str]:
    return [s["name"] for s in template_field_settings(template)]


def _bulk_report(request, *, form, template, sheet):
    """Create every row in this request: the path for browsers without JS."""
    results = bulk.run_rows(
        company=request.user.company,
        template=template,
        user=request.user,
        header=sheet.header,
        rows=sheet.rows,
    )
    created = sum(1 for result in results if result.contract_id)
    context = {
        "form": form,
        "template": template,
        "results": results,
        "created": created,
        "refused": len(results) - created,
    }
    return render(request, "contracts/bulk_report.html", context)


@company_required
@require_POST
def contract_bulk_rows(request):
    """Create the contracts of one batch of rows; answer JSON for the progress bar."""
    try:
        payload = json.loads(request.body)
        template_id = int(payload["template"])
        header = [str(name) for name in payload["header"]]
        rows = [(int(line), [str(c) for c in cells]) for line, cells in payload["rows"]]
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        # OverflowError: int(Infinity); RecursionError: JSON nested too deep.
        return JsonResponse({"error": _("The batch is malformed.")}, status=400)
    if len(rows) > BULK_BATCH_ROWS:
        return JsonResponse({"error": _("Too many rows in one batch.")}, status=400)
    template = get_object_or_404(_company_templates(request), pk=template_id)
    try:
        bulk.check_header(header=header, field_names=_field_names(template))
    except DomainError as exc:
        return JsonResponse({"error": exc.detail}, status=400)

    results = bulk.run_rows(
        company=request.user.company,
        template=template,
        user=request.user,
        header=header,
        rows=rows,
    )
    return JsonResponse({"results": [_result_json(r) for r in results]})


def _result_json(result: bulk.RowResult) -> dict:
    url = None
    if result.contract_id:
        url = reverse("contracts:contract-detail", args=[result.contract_id])
    return {
        "line": result.line,
        "contract_id": result.contract_id,
        "number": result.number,
        "url": url,
        "errors": result.errors,
    }
