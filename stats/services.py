"""Keep the statistics counters in step with contracts and signatures.

The contract and signing services call these inside their own transaction,
after the change, with the contract row locked; so a counter moves exactly
when the change commits. Each call is one upsert that adds in the database
(`count = count + 1`), never a read then a write: two signings at once both
count. `stats.tests.test_counters` holds the counters equal to counting the
rows directly.
"""

from datetime import datetime

from django.apps import apps
from django.db import connection, transaction

from contracts.models import Contract
from stats.counting import ALMATY, recount
from stats.models import CompanyContractCounts, DailySignatureCount


def _add(model, *, keys: dict, deltas: dict) -> None:
    """Add `deltas` to the row of `model` named by `keys`, creating it at zero.

    Django's ORM has no upsert that adds; SQLite and PostgreSQL share this one.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [*keys, *deltas]
    updates = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}"
        for name in deltas
    )
    # Only quoted names of this module's models are formatted in; values are
    # parameters.
    names = ", ".join(quote(name) for name in columns)
    sql = (
        f"INSERT INTO {table} ({names}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(quote(name) for name in keys)}) "
        f"DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys.values(), *deltas.values()])


def _pending_bucket(contract: Contract) -> str:
    return "pending_open" if contract.expires_at is None else "pending_dated"


def _add_counts(*, company_id: int, **deltas: int) -> None:
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if deltas:
        _add(
            CompanyContractCounts,
            keys={"company_id": company_id},
            deltas=deltas,
        )


def count_contract_created(*, contract: Contract) -> None:
    """Count a new pending contract."""
    _add_counts(company_id=contract.company_id, **{_pending_bucket(contract): 1})


def count_deadline_change(*, contract: Contract, expires_at: datetime | None) -> None:
    """Move a pending contract between "no deadline" and "deadline" if it changes.

    Call it before `contract.expires_at` takes the new value.
    """
    if contract.status != Contract.Status.PENDING:
        return
    before = _pending_bucket(contract)
    after = "pending_open" if expires_at is None else "pending_dated"
    if before != after:
        _add_counts(company_id=contract.company_id, **{before: -1, after: 1})


def count_contract_left_pending(*, contract: Contract) -> None:
    """Uncount a pending contract that is cancelled or deleted."""
    _add_counts(company_id=contract.company_id, **{_pending_bucket(contract): -1})


def count_contract_deleted(*, contract: Contract) -> None:
    """Uncount a deleted contract (never a signed one: those are kept)."""
    if contract.status == Contract.Status.PENDING:
        count_contract_left_pending(contract=contract)


def count_contract_signed(
    *, contract: Contract, method: str, signed_at: datetime
) -> None:
    """Count a pending contract becoming signed, and its signature on its day."""
    _add_counts(
        company_id=contract.company_id, **{_pending_bucket(contract): -1, "signed": 1}
    )
    _add(
        DailySignatureCount,
        keys={
            "company_id": contract.company_id,
            "day": connection.ops.adapt_datefield_value(
                signed_at.astimezone(ALMATY).date()
            ),
            "method": method,
        },
        deltas={"count": 1},
    )


def recount_companies(*, company_ids: list[int] | None = None) -> None:
    """Count the counters of `company_ids` (every company when None) afresh.

    For rows loaded without the services (fixtures, bulk loads); run it
    while those companies' contracts do not change.
    """
    # TODO(#5): nothing notices rows written around the services; a periodic
    # check of counters against this recount would catch a missed path.
    with transaction.atomic():
        recount(
            contract_model=Contract,
            signature_model=apps.get_model("signatures", "Signature"),
            counts_model=CompanyContractCounts,
            daily_model=DailySignatureCount,
            company_ids=company_ids,
        )
