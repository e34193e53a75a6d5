"""Template pages of the dashboard: list, upload, fields, preview, rename, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from companies.decorators import company_required
from companies.forms import apply_service_error
from ozgecontract.errors import DomainError
from ozgecontract.http import posted, wants_json
from ozgecontract.tenancy import scope_to_company
from templates_app import services
from templates_app.fields import save_field_settings, template_field_settings
from templates_app.forms import (
    FieldSettingsForm,
    TemplateRenameForm,
    TemplateUploadForm,
)
from templates_app.models import Template

PAGE_SIZE = 25


def _templates(request):
    return scope_to_company(Template.objects.all(), request.user)


def _load_template(request, template_id: int) -> Template:
    """Return the caller's template; another company's is a 404."""
    return get_object_or_404(_templates(request), pk=template_id)


@company_required
def template_list(request):
    templates = _templates(request).annotate(contract_count=Count("contracts"))
    page = Paginator(templates.order_by("-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"templates": page.object_list, "page": page}
    return render(request, "templates_app/list.html", context)


@company_required
def template_upload(request):
    form = TemplateUploadForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.upload_template(
                company=request.user.company,
                name=form.cleaned_data["name"],
                file=form.cleaned_data["file"],
                user=request.user,
            )
        except (DomainError, ValidationError) as exc:
            _show_upload_error(form, exc)
        else:
            messages.success(
                request,
                _("The template is uploaded; check the fields found in it."),
            )
            url = reverse("templates_app:template-detail", args=[template.pk])
            if wants_json(request):
                return JsonResponse({"redirect": url})
            return redirect(url)

    if request.method == "POST" and wants_json(request):
        errors = {name: list(messages_) for name, messages_ in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    return render(request, "templates_app/upload.html", {"form": form})


def _show_upload_error(form, exc) -> None:
    if getattr(exc, "code", None) == "invalid_template":
        # The intake's reason (the API's message) names the problem; the page
        # adds what happened to the upload.
        reason = _("The document was refused: %(reason)s") % {"reason": exc.detail}
        form.add_error("file", reason)
    else:
        apply_service_error(form, exc)


@company_required
def template_detail(request, template_id: int):
    template = _load_template(request, template_id)

    form = FieldSettingsForm(field_settings=template_field_settings(template))
    return _detail_page(request, template, settings_form=form)


def _detail_page(request, template: Template, *, settings_form, status: int = 200):
    context = {
        "template": template,
        "settings_form": settings_form,
        "rename_form": TemplateRenameForm(initial={"name": template.name}),
        "contract_count": template.contracts.count(),
    }
    return render(request, "templates_app/detail.html", context, status=status)


@company_required
@require_POST
def template_fields(request, template_id: int):
    template = _load_template(request, template_id)

    form = FieldSettingsForm(
        request.POST, field_settings=template_field_settings(template)
    )
    if form.is_valid():
        try:
            save_field_settings(
                template=template, settings=form.settings(), user=request.user
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The fields are saved."))
            return redirect("templates_app:template-detail", template_id=template.pk)

    return _detail_page(request, template, settings_form=form, status=400)


@company_required
@require_POST
def template_rename(request, template_id: int):
    template = _load_template(request, template_id)

    form = TemplateRenameForm(request.POST)
    if form.is_valid():
        try:
            services.update_template(
                template=template, name=form.cleaned_data["name"], user=request.user
            )
        except (DomainError, ValidationError) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("The template is renamed."))
            return redirect("templates_app:template-detail", template_id=template.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("templates_app:template-detail", template_id=template.pk)


@company_required
@require_POST
def template_delete(request, template_id: int):
    template = _load_template(request, template_id)

    try:
        services.delete_template(template=template, user=request.user)
    except DomainError:
        count = template.contracts.count()
        messages.error(
            request,
            _(
                "The template cannot be deleted: %(count)s contracts are made "
                "from it and keep it as evidence."
            )
            % {"count": count},
        )
        return redirect("templates_app:template-detail", template_id=template.pk)
    messages.success(request, _("The template is deleted."))
    return redirect("templates_app:template-list")


@company_required
@xframe_options_sameorigin
def template_preview(request, template_id: int):
    template = _load_template(request, template_id)

    try:
        pdf = services.preview_template_pdf(template=template)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("templates_app:template-detail", template_id=template.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="template-{template.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
