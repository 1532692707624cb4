"""What every versioned case (incident, investigation, Lex Maria case) shares in its services.

DESIGN §4: a transition locks the row, checks who may (403) and from which state (409),
refuses a change made from an old version (409), saves with the version bumped, and writes
a timeline entry in the same transaction. A case model has `status`, `version`, `updated_at`
and a `timeline` of entries with `actor`, `kind`, `message` and `data`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F, Model


class ConflictError(Exception):
    """The case's state does not allow this (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleVersionError(ConflictError):
    """The change was based on an old version (HTTP 409). `changes` lists what happened since."""

    def __init__(self, message: str, changes: list):
        super().__init__(message)
        self.changes = changes


def require(decision) -> None:
    """Raise PermissionDenied with the decision's reason when it is a Denied."""
    if not decision:
        raise PermissionDenied(decision.reason)


def lock(case: Model, *related: str) -> Model:
    """The row, locked for the rest of the transaction, as it is in the database now.
    Only the case's own row is locked, not the rows `related` joins in."""
    return type(case).objects.select_for_update(of=("self",)).select_related(*related).get(pk=case.pk)


def check_version(case: Model, expected: int | None, message: str) -> None:
    """Refuse a change made from an old version, naming what changed meanwhile."""
    if expected is None or expected == case.version:
        return
    since = list(case.timeline.select_related("actor").filter(data__version__gt=expected).order_by("at", "id"))
    raise StaleVersionError(message, since)


def check_transition(case: Model, transitions: dict, transition: str, message: str) -> str:
    """The target state of `transition` from the case's state, or ConflictError.
    `message` may use %(status)s for the current state's name."""
    sources, target = transitions[transition]
    if case.status not in sources:
        raise ConflictError(message % {"status": case.get_status_display().lower()})
    return target


def bump(case: Model, *fields: str) -> None:
    """Save `fields` and increment the version in the same UPDATE."""
    case.version = F("version") + 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    case.refresh_from_db(fields=["version"])


def record(case: Model, *, actor, kind: str, message: str = "", **data):
    """Write one timeline entry (never patient identity). `data["version"]` is the case's
    version after the change, so a stale editor can be shown what came after."""
    return case.timeline.create(actor=actor, kind=kind, message=message, data={"version": case.version, **data})


def next_number(counter_table: str, year: int) -> int:
    """The next number of `year` from a (year, last) counter table, incremented atomically."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(counter_table)} (year, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (year) DO UPDATE SET last = {connection.ops.quote_name(counter_table)}.last + 1 "
            "RETURNING last",
            [year],
        )
        return cursor.fetchone()[0]
