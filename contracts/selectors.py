"""Reads for contracts and contract fields, always scoped to the caller."""

import logging
import uuid

from django.db import router
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models import Company
from contracts.models import Contract, ContractField
from ozgecontract.errors import InvalidInputError, NotFoundError
from ozgecontract.prepared import PreparedRead, columns_of, instance_from
from ozgecontract.tenancy import (
    check_company_access,
    is_platform_admin,
    scope_to_company,
)

security_logger = logging.getLogger("ozgecontract.security")


def visible_contracts(user) -> QuerySet[Contract]:
    """Return the contracts `user` may see (none for an anonymous user)."""
    return scope_to_company(Contract.objects.all(), user)


def filter_by_status(
    queryset: QuerySet[Contract], status: str, *, now=None
) -> QuerySet[Contract]:
    """Filter by the status shown: a pending contract past its deadline is expired."""
    now = now or timezone.now()
    past_deadline = Q(status=Contract.Status.PENDING, expires_at__lte=now)
    if status == Contract.Status.PENDING:
        return queryset.filter(status=Contract.Status.PENDING).exclude(
            expires_at__lte=now
        )
    if status == Contract.Status.EXPIRED:
        return queryset.filter(Q(status=Contract.Status.EXPIRED) | past_deadline)
    if status in Contract.Status.values:
        return queryset.filter(status=status)
    raise InvalidInputError(
        _("Unknown status %(status)r; use one of: %(choices)s.")
        % {"status": status, "choices": ", ".join(Contract.Status.values)},
        fields={"status": [_("Unknown status.")]},
    )


def list_contracts(
    *, user, company_id: int | None = None, status: str | None = None
) -> QuerySet[Contract]:
    queryset = visible_contracts(user)
    if company_id is not None:
        check_company_access(user, company_id)
        # company__pk, not company_id: an id beyond BIGINT then matches no row
        # instead of overflowing the SQLite driver (a 500).
        queryset = queryset.filter(company__pk=company_id)
    if status:
        queryset = filter_by_status(queryset, status)
    return queryset.order_by("-id")


def get_contract(*, user, contract_id: int) -> Contract:
    try:
        return visible_contracts(user).select_related("company").get(pk=contract_id)
    except Contract.DoesNotExist as exc:
        raise NotFoundError(_("Contract not found.")) from exc


# The signing page reads its link's contract and fields on every request: both
# reads are prepared once (see `ozgecontract.prepared`).
_CONTRACT_COLUMNS = columns_of(Contract)
_contract_by_token = PreparedRead(
    lambda token: Contract.objects.filter(contract_token=token).values_list(
        *_CONTRACT_COLUMNS, *columns_of(Company, through="company")
    ),
    token=(Contract._meta.get_field("contract_token"), uuid.UUID(int=0x5EED)),
)
_fields_of_contract = PreparedRead(
    lambda contract_id: (
        ContractField.objects.filter(contract_id=contract_id)
        .order_by("position", "id")
        .values_list(*columns_of(ContractField))
    ),
    contract_id=(ContractField._meta.get_field("contract"), -7_265_301),
)


def get_contract_by_token(token: str) -> Contract:
    """Return the contract behind a signing link, with its company.

    A malformed or unknown token is a 404.
    """
    try:
        parsed = uuid.UUID(str(token))
    except ValueError as exc:
        security_logger.info("malformed contract token")
        raise NotFoundError(_("Contract not found.")) from exc
    using = router.db_for_read(Contract)
    rows = _contract_by_token.rows(using=using, token=parsed)
    if not rows:
        security_logger.info("unknown contract token")
        raise NotFoundError(_("Contract not found."))
    values = rows[0]
    contract = instance_from(Contract, values[: len(_CONTRACT_COLUMNS)], using=using)
    contract.company = instance_from(
        Company, values[len(_CONTRACT_COLUMNS) :], using=using
    )
    return contract


def list_contract_fields(*, contract: Contract) -> QuerySet[ContractField]:
    return ContractField.objects.filter(contract=contract).order_by("position", "id")


def read_contract_fields(*, contract: Contract) -> list[ContractField]:
    """Return the contract's fields in order, as `list_contract_fields` would."""
    using = router.db_for_read(ContractField)
    fields = []
    for values in _fields_of_contract.rows(using=using, contract_id=contract.pk):
        field = instance_from(ContractField, values, using=using)
        field.contract = contract
        fields.append(field)
    return fields


def company_pdf_exists(*, company_id: int, path: str) -> bool:
    """Tell whether `path` is the PDF of one of the company's contracts."""
    return Contract.objects.filter(company_id=company_id, generated_pdf=path).exists()


def get_acting_company(*, user, company_id) -> Company:
    """Return the company a request acts for.

    A company user acts for its own company (a `company_id` naming another is
    a 404); a platform admin must name the company.
    """
    if is_platform_admin(user):
        if company_id is None:
            raise InvalidInputError(
                _("Platform administrators must name the company."),
                fields={"company_id": [_("This field is required.")]},
            )
        try:
            return Company.objects.get(pk=company_id)
        except Company.DoesNotExist as exc:
            raise NotFoundError(_("Company not found.")) from exc
    if company_id is not None and company_id != user.company_id:
        raise NotFoundError(_("Company not found."))
    return user.company
