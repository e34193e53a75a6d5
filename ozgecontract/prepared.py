"""Reads whose SQL is built once per process: the few that every page repeats.

Building the SQL of a one-row read through the ORM costs about 0.25 ms on the
benchmark machine, twenty times what running it costs on an indexed key. The
reads that every request of a page makes (its session, the logged-in user, the
signing link's contract and fields) are written as ordinary querysets, built
once with stand-in values and compiled; after that only their SQL runs, with
the caller's values in the stand-ins' places. Each column still goes through
the database's and the field's converters, so the values are the ORM's.

Only for fixed-shape reads: a queryset whose SQL changes with its values (an
`__in` list, a slice) cannot be prepared, and `PreparedRead` refuses one whose
stand-ins it cannot find among the parameters. A paged read takes its window
as parameters instead (`LIMIT %s OFFSET %s`, which SQLite and PostgreSQL, the
two databases this project runs on, both accept).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Field, Model, QuerySet


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # Where each value goes in `params`, by the stand-in's name.
    positions: dict[str, int]
    # Column index -> (converters, expression), as Django's compiler applies them.
    converters: dict


class PreparedRead:
    """A `values_list()` read compiled once per database alias, then only run.

    `build(**stand_ins)` returns the queryset; each keyword names a value as
    `(field, stand_in)`: the model field its value is compared with (which
    turns a value into its database parameter) and a stand-in that prepares to
    a parameter no other part of the query uses. With `paged`, the queryset
    is not sliced and `rows()` takes the window as `limit` and `offset`.
    The stand-ins named in `optional` may be left out of the query (a filter
    that compares with them for some choices only); every other one must
    appear exactly once.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        paged: bool = False,
        optional: tuple[str, ...] = (),
        **stand_ins: tuple[Field, object],
    ):
        self._build = build
        self._paged = paged
        self._optional = set(optional)
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}

    def rows(
        self, *, using: str = "default", limit: int = 0, offset: int = 0, **values
    ) -> list[tuple]:
        """Run the read with `values` in place of the stand-ins; return its rows."""
        connection = connections[using]
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for name, position in compiled.positions.items():
            if values[name] is None:
                # The ORM would write IS NULL; the prepared SQL says "= %s".
                raise ValueError(f"a prepared read cannot compare {name!r} with None")
            field = self._stand_ins[name][0]
            params[position] = field.get_db_prep_value(values[name], connection)
        if self._paged:
            params += [int(limit), int(offset)]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if not compiled.converters:
            return [tuple(row) for row in fetched]
        return [_convert(row, compiled.converters, connection) for row in fetched]

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        queryset = self._build(
            **{name: stand_in for name, (_f, stand_in) in self._stand_ins.items()}
        )
        if self._paged and queryset.query.is_sliced:
            raise ValueError("a paged read takes its window from rows(), unsliced")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if self._paged:
            sql += " LIMIT %s OFFSET %s"
        positions = {}
        for name, (field, stand_in) in self._stand_ins.items():
            prepared = field.get_db_prep_value(stand_in, connection)
            found = [i for i, param in enumerate(params) if param == prepared]
            if not found and name in self._optional:
                continue
            if len(found) != 1:
                raise ValueError(
                    f"stand-in {name!r} appears {len(found)} times among the "
                    "parameters; a prepared read needs it exactly once"
                )
            positions[name] = found[0]
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            positions=positions,
            converters=compiler.get_converters(columns),
        )
        self._compiled[using] = compiled
        return compiled


def _convert(row, converters: dict, connection) -> tuple:
    values = list(row)
    for index, (functions, expression) in converters.items():
        value = values[index]
        for function in functions:
            value = function(value, expression, connection)
        values[index] = value
    return tuple(values)


# --- model instances from prepared rows ----------------------------------------


def columns_of(model: type[Model], *, through: str = "") -> list[str]:
    """Return the `values_list()` names of every concrete field of `model`.

    `through` is the relation the model is reached by (`"company"` gives
    `company__id`, `company__name`, ...).
    """
    prefix = f"{through}__" if through else ""
    return [prefix + field.attname for field in model._meta.concrete_fields]


def instance_from(
    model: type[Model], values: tuple, *, using: str = "default"
) -> Model:
    """Build the instance the ORM would load from `values` (see `columns_of`)."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(using, names, values)
