"""Which units see an incident, as one index range per unit (`incidents.models.Reach`).

The scope rule (DESIGN §3) says a user sees an incident when its unit or responsible unit lies
in a subtree where the user holds `incident.view`, when it was forwarded from such a unit, or
asked of one. `Reach` holds, for every reported incident, one row for each unit that answers
"yes" to that rule for someone holding the permission there: the units concerned and all
their ancestors. A user's subtrees have roots (`tops`, usually one: the clinic, the region);
the incidents they see for their units are exactly the rows of those roots.

What this buys (issue 14, docs/benchmarks.md): the work queue and the lists no longer carry
the ids of every incident forwarded out of the user's units (thousands per request at a
million incidents), a page of the newest is read from the index `reach_queue` in order, and
the counts per status are read from `ReachCount` at any size.

`tests/incidents/test_reach.py` checks, property-based, that the rows equal the rule for
random histories of reports, forwards, hand-overs, status changes and moves in the tree.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from accounts.access import scope_paths
from accounts.roles import Perm


def rebuild_all() -> None:
    """Every row and count afresh from the incidents and forwards (after a bulk load with
    COPY, which fires no trigger)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT psweb_reach_rebuild()")


def compact() -> None:
    """Fold the counts' +1/−1 rows (Celery beat; safe at any time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT psweb_reach_compact()")


def tops(user) -> tuple[int, ...]:
    """The roots of the subtrees where `user` holds `incident.view` (nested ones folded into
    their ancestor, `accounts.access.scope_paths`), as unit ids."""
    paths = scope_paths(user).get(Perm.INCIDENT_VIEW, ())
    return tuple(int(path.strip("/").rsplit("/", 1)[-1]) for path in paths)


def reached_q(user, prefix: str = "") -> Q:
    """The incidents `user` sees for their units (not as reporter, not through an extension):
    a row of `Reach` for one of their roots. One index probe per incident (the primary key
    (incident, anc)), so it stays cheap inside an OR and under a relation (`prefix`).

    The probe also says `incident_id >= ` the outer id, which the equality makes always true:
    it keeps PostgreSQL from turning the EXISTS into a hashed `id IN (SELECT ...)` (it does
    that only when every correlation is an equality, `convert_EXISTS_to_ANY`), which reads
    the root's whole range into a hash table before the first row. With the tuned `work_mem`
    of docs/deployment.md the hash of a region's million rows fits, and PostgreSQL chose it
    for the action register under a LIMIT of 50: 70 ms → 740 ms at a million (issue 14)."""
    from incidents.models import Reach

    roots = tops(user)
    if not roots:
        return Q(pk__in=[])
    outer = OuterRef(f"{prefix}pk")
    return Q(Exists(Reach.objects.filter(incident_id=outer, incident_id__gte=outer, anc__any=roots)))


def counts_per_status(user) -> dict[str, int] | None:
    """The rows of the user's root per status, from the folded counts: the incidents the user
    sees for their units, at the cost of a few dozen rows whatever the size. None when the
    user has several roots (an incident may then be reached from two of them, and counts
    cannot be added): the caller counts those directly."""
    roots = tops(user)
    if len(roots) != 1:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, sum(n) FROM incidents_reachcount WHERE anc = %s GROUP BY status", [roots[0]])
        return {status: int(n) for status, n in cursor.fetchall() if n}
