"""Reads behind the dashboard's contract list: status filter, search, one page."""

import contextlib
import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from contracts.models import Contract, normalize_search_text
from contracts.selectors import filter_by_status
from ozgecontract.prepared import PreparedRead
from ozgecontract.tenancy import is_platform_admin, scope_to_company
from ozgecontract.validators import normalize_phone


@dataclass
class ContractRow:
    """What the list shows of one contract; `status` is the status shown."""

    pk: int
    number: str
    status: str
    created_at: datetime
    signed_at: datetime | None
    template_name: str
    client_name: str


def list_dashboard_contracts(*, user, status: str = "", query: str = "") -> QuerySet:
    """Return the caller's contracts, newest first, filtered and searched."""
    contracts = scope_to_company(Contract.objects.all(), user).order_by("-id")
    if status in Contract.Status.values:
        contracts = filter_by_status(contracts, status)

    query = " ".join((query or "").split())
    if query:
        contracts = contracts.filter(_matches(query))
    return contracts


# A search counts at most this many matches (and the pages up to the one
# asked for): counting every match of a frequent term would read every row.
SEARCH_COUNT_CAP = 1000


class SearchPaginator(Paginator):
    """Count a search's matches only up to `cap`, one more telling there are more.

    `known_count` is a count already learnt from the first page's rows.
    """

    def __init__(self, object_list, per_page, *, cap: int, known_count=None):
        super().__init__(object_list, per_page)
        self.cap = cap
        if known_count is not None:
            self.__dict__["count"] = known_count

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        """Tell whether more contracts match than were counted."""
        return self.count > self.cap


def get_dashboard_page(
    *, user, status: str = "", query: str = "", number=None, per_page: int = 25
) -> tuple[Page, list[ContractRow]]:
    """Return one page of the caller's list and its rows, in two queries.

    The page is cut from the contract ids alone (the count and the OFFSET walk
    an index, not the rows); only the page's rows are then read. A search's
    count stops past `SEARCH_COUNT_CAP` (or past the page asked for), and a
    search's first page is read first: when it has room to spare it is the
    count, and a rare term's search reads the matching rows once, not twice.
    """
    # Company staff see their company's contracts; a platform admin (who may
    # have a company too) sees every company's, through the ORM below.
    if not (query or "").strip() and user.company_id and not is_platform_admin(user):
        listing = _Listing(
            company_id=user.company_id,
            status=status if status in Contract.Status.values else "",
            now=timezone.now(),
        )
        page = Paginator(listing, per_page).get_page(number)
        return page, page.object_list

    contracts = list_dashboard_contracts(user=user, status=status, query=query)
    ids = contracts.values_list("pk", flat=True)
    if not (query or "").strip():
        page = Paginator(ids, per_page).get_page(number)
        return page, _read_page_rows(page)

    wanted = _page_number(number)
    cap = max(SEARCH_COUNT_CAP, wanted * per_page)
    if wanted == 1:
        rows = _read_rows(contracts, limit=per_page)
        known = len(rows) if len(rows) < per_page else None
        page = SearchPaginator(ids, per_page, cap=cap, known_count=known).page(1)
        return page, rows
    page = SearchPaginator(ids, per_page, cap=cap).get_page(wanted)
    return page, _read_page_rows(page)


def _page_number(number) -> int:
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def _read_page_rows(page: Page) -> list[ContractRow]:
    if not page.paginator.count:
        return []
    return _read_rows(Contract.objects.filter(pk__in=page.object_list))


_ROW_COLUMNS = (
    "pk",
    "number",
    "status",
    "expires_at",
    "created_at",
    "signed_at",
    "template__name",
    "signer_name",
)


def _read_rows(contracts: QuerySet, *, limit: int | None = None) -> list[ContractRow]:
    values = contracts.order_by("-id").values_list(*_ROW_COLUMNS)[:limit]
    return _rows_from(values, now=timezone.now())


def _rows_from(values, *, now: datetime) -> list[ContractRow]:
    rows = []
    for pk, number, status, expires_at, created, signed, template, client in values:
        if status == Contract.Status.PENDING and expires_at and expires_at <= now:
            status = Contract.Status.EXPIRED
        rows.append(ContractRow(pk, number, status, created, signed, template, client))
    return rows


# --- the plain list and its status filters, prepared ------------------------------
#
# The list without a search is the dashboard's most visited page. Its three
# reads (the count, the page's ids, the page's rows) have one shape per status
# filter, each prepared once per process (see `ozgecontract.prepared`).

_STAND_INS = {
    "company_id": (Contract._meta.get_field("company"), -7_265_301),
    "now": (Contract._meta.get_field("expires_at"), datetime(1901, 2, 3, tzinfo=UTC)),
    "top": (Contract._meta.pk, -1),
    "bottom": (Contract._meta.pk, -2),
}


def _listed(status: str, company_id, now) -> QuerySet:
    contracts = Contract.objects.filter(company_id=company_id)
    return filter_by_status(contracts, status, now=now) if status else contracts


@functools.cache
def _listing_reads(status: str) -> tuple[PreparedRead, PreparedRead, PreparedRead]:
    """Return the prepared (count, ids, rows) reads of the list with `status`.

    Every status is given the time: only the pending and expired filters
    compare deadlines with it today, and one that starts to will compare
    with each request's time, not with the time its SQL was built.
    """
    stand_ins = {"company_id": _STAND_INS["company_id"], "now": _STAND_INS["now"]}

    def listed(company_id, now):
        return _listed(status, company_id, now)

    count = PreparedRead(
        lambda **values: listed(**values).order_by().values_list(_CountAll()),
        optional=("now",),
        **stand_ins,
    )
    # The page is cut from the ids alone: the OFFSET walks an index, not rows.
    ids = PreparedRead(
        lambda **values: listed(**values).order_by("-id").values_list("pk"),
        paged=True,
        optional=("now",),
        **stand_ins,
    )
    # The same filter between the page's first and last id gives its rows.
    rows = PreparedRead(
        lambda top, bottom, **values: (
            listed(**values)
            .filter(pk__lte=top, pk__gte=bottom)
            .order_by("-id")
            .values_list(*_ROW_COLUMNS)
        ),
        top=_STAND_INS["top"],
        bottom=_STAND_INS["bottom"],
        optional=("now",),
        **stand_ins,
    )
    return count, ids, rows


class _CountAll(Func):
    """`COUNT(*)` as a column of a `values_list()`, for a prepared count.

    Django's `Count` is an aggregate and would add a GROUP BY, which makes
    SQLite count twice as slowly; this expression has no source to group by.
    """

    template = "COUNT(*)"
    output_field = IntegerField()


class _Listing:
    """One company's contracts, maybe filtered by status, as a Paginator reads them.

    `count()` counts them; a slice reads that window's rows, newest first.
    """

    def __init__(self, *, company_id: int, status: str, now: datetime):
        self._count, self._ids, self._rows = _listing_reads(status)
        self._now = now
        self._values = {"company_id": company_id, "now": now}

    def count(self) -> int:
        counted = self._count.rows(**self._values)
        return counted[0][0] if counted else 0

    def __getitem__(self, window: slice) -> list[ContractRow]:
        limit = window.stop - window.start
        ids = self._ids.rows(limit=limit, offset=window.start, **self._values)
        if not ids:
            return []
        values = self._rows.rows(top=ids[0][0], bottom=ids[-1][0], **self._values)
        # A contract committed between the two reads with an id inside the
        # range (PostgreSQL hands out ids before commit) is not on this page.
        on_page = {pk for (pk,) in ids}
        return _rows_from([row for row in values if row[0] in on_page], now=self._now)


def _matches(query: str) -> Q:
    """Match a contract number, or any signer's name, IIN or phone.

    Signers are matched on the contract's case-folded copy of their details
    (`Contract.signer_search`): one table, and Cyrillic and Kazakh letters
    match in any case on SQLite too, whose LIKE folds ASCII only.
    """
    terms = [normalize_search_text(query)]
    digits = "".join(ch for ch in query if ch.isdigit())
    # Mostly digits: an IIN or a phone, written whole or in part.
    if len(digits) >= 4 and len(digits) >= len(query.replace(" ", "")) - 2:
        terms.append(digits)
        with contextlib.suppress(ValidationError):
            terms.append(normalize_phone(query))
    # TODO(#5): `contains` is a LIKE over every contract of the company; a term
    # or trigram index would turn a rare term's search into a lookup.
    signers = Q()
    for term in dict.fromkeys(terms):
        signers |= Q(signer_search__contains=term)
    return Q(number__icontains=query) | signers
