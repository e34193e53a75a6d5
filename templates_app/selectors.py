"""Reads for templates, always scoped to the caller's company."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ozgecontract.errors import NotFoundError
from ozgecontract.tenancy import check_company_access, scope_to_company
from templates_app.models import Template


def visible_templates(user) -> QuerySet[Template]:
    return scope_to_company(Template.objects.all(), user)


def list_templates(*, user, company_id: int | None = None) -> QuerySet[Template]:
    queryset = visible_templates(user)
    if company_id is not None:
        check_company_access(user, company_id)
        # company__pk, not company_id: an id beyond BIGINT then matches no row
        # instead of overflowing the SQLite driver (a 500).
        queryset = queryset.filter(company__pk=company_id)
    return queryset.order_by("-id")


def get_template(*, user, template_id: int) -> Template:
    try:
        return visible_templates(user).get(pk=template_id)
    except Template.DoesNotExist as exc:
        raise NotFoundError(_("Template not found.")) from exc


def get_company_template(*, company_id: int, template_id) -> Template:
    """Return the company's template `template_id`; another company's is a 404."""
    try:
        return Template.objects.get(pk=int(template_id), company_id=company_id)
    except (Template.DoesNotExist, TypeError, ValueError) as exc:
        raise NotFoundError(_("Template not found.")) from exc


def template_file_of_company(*, company_id: int, path: str) -> Template | None:
    """Return a template of the company stored at `path`, if there is one."""
    return Template.objects.filter(company_id=company_id, file=path).first()
