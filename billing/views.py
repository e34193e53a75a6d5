"""Balance pages of the dashboard: balance, ledger, packages and payment requests.

Every company user sees the balance, the ledger and the payment requests;
only owners buy packages and cancel requests. Prices come from the billing
services, never from the browser.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.forms import ConfirmPurchaseForm, PurchaseForm
from billing.models import BalanceEntry, PaymentRequest, SignatureKind
from companies.decorators import company_required, owner_required
from companies.forms import apply_service_error
from ozgecontract.errors import DomainError, NotFoundError, StateConflictError
from ozgecontract.http import posted

LEDGER_PAGE_SIZE = 25
PAYMENTS_PAGE_SIZE = 25
RECENT_ROWS = 5

KIND_LABELS = {
    SignatureKind.SMS: gettext_lazy("SMS"),
    SignatureKind.ECP: gettext_lazy("ЭЦП"),
}
REASON_LABELS = {
    BalanceEntry.Reason.SIGNATURE: gettext_lazy("Signature"),
    BalanceEntry.Reason.PAYMENT: gettext_lazy("Package paid"),
    BalanceEntry.Reason.ADMIN: gettext_lazy("Set by the platform"),
}
STATUS_LABELS = {
    PaymentRequest.Status.PENDING: pgettext_lazy("payment status", "Awaiting payment"),
    PaymentRequest.Status.PAID: pgettext_lazy("payment status", "Paid"),
    PaymentRequest.Status.CANCELLED: pgettext_lazy("payment status", "Cancelled"),
    PaymentRequest.Status.EXPIRED: pgettext_lazy("payment status", "Expired"),
}


def _labelled_entries(entries):
    """Attach the translated kind and reason the templates show."""
    for entry in entries:
        entry.kind_label = KIND_LABELS.get(entry.kind, entry.kind)
        entry.reason_label = REASON_LABELS.get(entry.reason, entry.reason)
    return entries


def _labelled_payments(payments):
    for payment in payments:
        payment.status_label = STATUS_LABELS.get(payment.status, payment.status)
    return payments


def _ledger(request):
    return selectors.list_ledger(
        user=request.user, company_id=request.user.company_id
    ).select_related("signature__contract", "created_by")


def _payments(request):
    return selectors.list_payment_requests(
        user=request.user, company_id=request.user.company_id
    ).select_related("tariff_plan")


def _payment_or_404(request, payment_id: int) -> PaymentRequest:
    try:
        payment = selectors.get_payment_request(
            user=request.user, payment_id=payment_id
        )
    except NotFoundError as exc:
        raise Http404 from exc
    if payment.company_id != request.user.company_id:
        raise Http404
    return payment


def _balance_counts(request) -> dict:
    try:
        balance = selectors.get_balance(
            user=request.user, company_id=request.user.company_id
        )
    except NotFoundError:
        # A company registered outside the services may lack its row: nothing left.
        return {"sms": 0, "ecp": 0}
    return {"sms": balance.sms_signatures, "ecp": balance.ecp_signatures}


def _active_plans():
    return list(selectors.list_tariff_plans(is_active=True))


def _prices() -> dict:
    return {"sms": settings.SMS_SIGNATURE_PRICE, "ecp": settings.ECP_SIGNATURE_PRICE}


@company_required
def overview(request):
    context = {
        "balance": _balance_counts(request),
        "entries": _labelled_entries(list(_ledger(request)[:RECENT_ROWS])),
        "payments": _labelled_payments(list(_payments(request)[:RECENT_ROWS])),
        "plans": _active_plans(),
        "prices": _prices(),
        "form": PurchaseForm() if request.user.is_owner else None,
    }
    return render(request, "billing/overview.html", context)


@company_required
def ledger(request):
    page = Paginator(_ledger(request), LEDGER_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _labelled_entries(page.object_list)
    return render(
        request,
        "billing/ledger.html",
        {"page": page, "balance": _balance_counts(request)},
    )


@company_required
def payment_list(request):
    page = Paginator(_payments(request), PAYMENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _labelled_payments(page.object_list)
    return render(request, "billing/payment_list.html", {"page": page})


@company_required
def payment_detail(request, payment_id: int):
    payment = _payment_or_404(request, payment_id)
    _labelled_payments([payment])
    return render(request, "billing/payment_detail.html", {"payment": payment})


@owner_required
@require_POST
def payment_cancel(request, payment_id: int):
    payment = _payment_or_404(request, payment_id)

    try:
        services.change_payment_status(
            payment=payment, status=PaymentRequest.Status.CANCELLED, user=request.user
        )
    except StateConflictError:
        messages.error(
            request,
            _("Only a request awaiting payment can be cancelled."),
        )
    else:
        messages.success(request, _("The payment request is cancelled."))
    return redirect("billing:payment-detail", payment_id=payment.pk)


def _render_preview(request, cleaned_data: dict, *, errors=()):
    context = {
        "preview": cleaned_data,
        "form": ConfirmPurchaseForm.for_preview(cleaned_data),
        "errors": list(errors),
        "prices": _prices(),
    }
    return render(request, "billing/purchase_preview.html", context)


def _render_choice(request, form):
    return render(
        request,
        "billing/purchase.html",
        {"form": form, "plans": _active_plans(), "prices": _prices()},
    )


@owner_required
def purchase(request):
    """Let the owner choose counts (GET) and see the plan and price (POST)."""
    form = PurchaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        return _render_preview(request, form.cleaned_data)
    return _render_choice(request, form)


@owner_required
@require_POST
def purchase_confirm(request):
    """Create the payment request for the previewed counts, plan and price."""
    form = ConfirmPurchaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.create_payment_request(
                company=request.user.company,
                tariff_plan=data["tariff_plan"],
                sms_count=data["sms_count"],
                ecp_count=data["ecp_count"],
                user=request.user,
                total_amount=data["shown_total_amount"],
            )
        except (DomainError, ValidationError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Payment request no. %(id)s is created and awaits payment.")
                % {"id": payment.pk},
            )
            return redirect("billing:payment-detail", payment_id=payment.pk)
    return _refused_confirmation(request, form)


def _refused_confirmation(request, form):
    """Price the posted counts afresh: a new preview if they fit a plan, else why."""
    retry = PurchaseForm(
        {
            "sms_count": request.POST.get("sms_count"),
            "ecp_count": request.POST.get("ecp_count"),
        }
    )
    if retry.is_valid():
        errors = [
            message for messages_ in form.errors.values() for message in messages_
        ]
        return _render_preview(request, retry.cleaned_data, errors=errors)
    return _render_choice(request, retry)
