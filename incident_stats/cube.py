"""Reading the pre-aggregated incident statistics (models `IncidentCube`, `SideCube` and their
deltas, kept by the triggers listed in `incident_stats.models`). A subtree's figures are the rows of its
root's id; the compacted rows and the deltas not yet folded in are added in the same query,
so the figures are exact. `compact()` and `rebuild()` run the database functions."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import connection, connections, router

from incident_stats.models import IncidentCube

# Dimensions of IncidentCube that callers may group or filter by.
DIMENSIONS = ("month", "category_id", "event_class", "case_type", "status")


def compact() -> None:
    """Fold the deltas into the compacted tables (Celery beat; safe to run at any time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT psweb_stats_compact()")


def rebuild() -> None:
    """Compute every count afresh from the incidents (after a bulk load with triggers off)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT psweb_stats_rebuild()")


def _reading():
    """The connection the figures are read from: inside replica-safe code, the read replica
    (raw SQL does not pass the database router by itself; psweb.db_router)."""
    return connections[router.db_for_read(IncidentCube)]


def _where(ancs, start: dt.date | None, end: dt.date | None, filters: dict | None, month_column: str):
    clauses, params = ["anc = ANY(%s)"], [list(ancs)]
    if start is not None:
        clauses.append(f"{month_column} >= %s")
        params.append(start)
    if end is not None:
        clauses.append(f"{month_column} <= %s")
        params.append(end)
    for name, value in (filters or {}).items():
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}")
        if isinstance(value, (list, tuple, set, frozenset)):
            clauses.append(f"{name} = ANY(%s)")
            params.append(list(value))
        else:
            clauses.append(f"{name} = %s")
            params.append(value)
    return " AND ".join(clauses), params


def incident_counts(
    ancs, group: list[str], *, start: dt.date | None = None, end: dt.date | None = None, filters=None
) -> list[tuple]:
    """[(anc, *group values, n, late)] for incidents responsible within each of `ancs`'
    subtrees, reported in the months from `start` to `end` (firsts of months)."""
    for name in group:
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}")
    if not ancs:
        return []
    where, params = _where(ancs, start, end, filters, "month")
    columns = ", ".join(["anc", *group])
    # Column names are checked against DIMENSIONS above; every value is a parameter.
    sql = (
        f"SELECT {columns}, sum(n)::bigint, sum(late)::bigint FROM ("  # noqa: S608
        f" SELECT {columns}, n, late FROM indicators_incidentcube WHERE {where}"
        f" UNION ALL SELECT {columns}, n, late FROM indicators_incidentcubedelta WHERE {where}"
        f") AS rows GROUP BY {columns} HAVING sum(n) <> 0 OR sum(late) <> 0"
    )
    with _reading().cursor() as cursor:
        cursor.execute(sql, params + params)
        return list(cursor.fetchall())


def side_counts(
    ancs, kind: str, *, start: dt.date | None = None, end: dt.date | None = None, by_anc: bool = False
) -> dict[tuple, int]:
    """{(day, key): n} of one kind of side count, summed over `ancs` (with `by_anc`:
    {(anc, day, key): n})."""
    if not ancs:
        return {}
    where, params = _where(ancs, start, end, None, "day")
    columns = "anc, day, key" if by_anc else "day, key"
    sql = (  # the WHERE clause is built from fixed column names; every value is a parameter
        f"SELECT {columns}, sum(n)::bigint FROM ("  # noqa: S608
        f" SELECT {columns}, n FROM indicators_sidecube WHERE kind = %s AND {where}"
        f" UNION ALL SELECT {columns}, n FROM indicators_sidecubedelta WHERE kind = %s AND {where}"
        f") AS rows GROUP BY {columns} HAVING sum(n) <> 0"
    )
    with _reading().cursor() as cursor:
        cursor.execute(sql, [kind, *params, kind, *params])
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


def histogram(counts: dict[tuple, int]) -> Counter:
    out: Counter = Counter()
    for (_day, key), n in counts.items():
        out[key] += n
    return out


def percentile(values: Counter, fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over the values a histogram holds (linear interpolation
    between the two nearest ranks)."""
    total = sum(values.values())
    if total <= 0:
        return None
    position = fraction * (total - 1)
    lower_rank, upper_rank = int(position), min(int(position) + 1, total - 1)
    lower = upper = None
    seen = 0
    for value in sorted(values):
        count = values[value]
        if count <= 0:
            continue
        if lower is None and lower_rank < seen + count:
            lower = value
        if upper_rank < seen + count:
            upper = value
            break
        seen += count
    return float(lower + (upper - lower) * (position - int(position)))


def by_first(rows, index: int = 0) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[row[index]].append(row)
    return grouped
