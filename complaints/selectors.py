"""Reads of complaints, each scoped to a user: every one starts from
`Complaint.objects.visible_to(user)` (STYLE rule 3).

The lists (the queue, "Mina klagomål", the export) show what a list may show: the reference,
the dates, the handler's short summary, the units, the channel, the area and the status —
never the complainant's words, the patient's identity or the contact details. Their rows
bring the unit and the handler in the same query, so a page costs the same few queries at 5
rows as at 50.

The queue is paged by keyset (`after=`/`before=` a row's received date and id) on the index
`complaint_received`, not by OFFSET: the 6 000th page of 300 000 complaints costs what the
first one does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.access import scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from complaints.models import BOARD_KIND, OPEN_STATES, Complaint

PAGE_SIZE = 50
# "Mina klagomål" lists a handler's own complaints on one page, up to this many.
MINE_LIMIT = 500


def complaint_list(*, user) -> QuerySet[Complaint]:
    """The queue: what `user` sees, newest received first, with what a row shows."""
    return Complaint.objects.visible_to(user).select_related("unit", "handler").order_by("-received_on", "-id")


def complaints_mine(*, user) -> QuerySet[Complaint]:
    """The complaints `user` handles ("Mina klagomål"), the open ones first, the most urgent
    answer first among them."""
    open_first = Case(When(status__in=OPEN_STATES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Complaint.objects.visible_to(user)
        .filter(handler=user)
        .select_related("unit", "handler")
        .order_by(open_first, "due_on", "-id")
    )


def units_in_scope(*, user) -> QuerySet[OrgUnit]:
    """The units the queue's unit filter offers: the active units where `user` sees
    complaints as staff (a patientnämnd's officer has none: her nämnd's cases are her list)."""
    in_scope = Q(pk__in=[])
    for path in scope_paths(user).get(Perm.COMPLAINT_VIEW, ()):
        in_scope |= Q(path__startswith=path)
    return OrgUnit.objects.filter(in_scope, is_active=True).order_by("path")


def care_units() -> QuerySet[OrgUnit]:
    """Units a complaint can concern: active, and not a patientnämnd."""
    return OrgUnit.objects.filter(is_active=True).exclude(kind__code=BOARD_KIND).order_by("path")


def register_units(*, user) -> QuerySet[OrgUnit]:
    """The units where `user` may register a complaint as its handler (`complaint.handle`)."""
    in_scope = Q(pk__in=[])
    for path in scope_paths(user).get(Perm.COMPLAINT_HANDLE, ()):
        in_scope |= Q(path__startswith=path)
    return care_units().filter(in_scope)


def board_units(*, user) -> QuerySet[OrgUnit]:
    """The patientnämnder whose cases `user` registers (`complaint.board`)."""
    in_scope = Q(pk__in=[])
    for path in scope_paths(user).get(Perm.COMPLAINT_BOARD, ()):
        in_scope |= Q(path__startswith=path)
    return OrgUnit.objects.filter(in_scope, is_active=True, kind__code=BOARD_KIND).order_by("path")


# --- Keyset paging --------------------------------------------------------------------------------


class BadCursorError(ValueError):
    """A page link edited by hand."""


@dataclass(frozen=True)
class Cursor:
    """A row of the queue: its received date and id (`2026-03-01.4711`). Not secret: the date
    and the id are on the page anyway."""

    received_on: dt.date
    pk: int

    def encode(self) -> str:
        return f"{self.received_on.isoformat()}.{self.pk}"

    @classmethod
    def decode(cls, token: str) -> Cursor:
        day, _dot, pk = token.partition(".")
        try:
            cursor = cls(dt.date.fromisoformat(day), int(pk))
        except ValueError as error:
            raise BadCursorError(token) from error
        if cursor.pk < 1:
            raise BadCursorError(token)
        return cursor

    @classmethod
    def of(cls, complaint: Complaint) -> Cursor:
        return cls(complaint.received_on, complaint.pk)


@dataclass(frozen=True)
class Page:
    complaints: list[Complaint]
    next: Cursor | None  # the last row, when more follow
    previous: Cursor | None  # the first row, when rows come before it


def queue_page(complaints: QuerySet[Complaint], *, after: Cursor | None = None, before: Cursor | None = None) -> Page:
    """One page of `complaints` (ordered newest received first) after or before a row.

    The condition repeats the date alone (`received_on <= d`) beside the pair so that the
    index serves it as a range, not only as a filter on every row it walks."""
    if before is not None:
        rows = list(
            complaints.filter(Q(received_on__gte=before.received_on))
            .filter(Q(received_on__gt=before.received_on) | Q(pk__gt=before.pk))
            .order_by("received_on", "id")[: PAGE_SIZE + 1]
        )
        more_before = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        return Page(rows, Cursor.of(rows[-1]) if rows else None, Cursor.of(rows[0]) if rows and more_before else None)
    if after is not None:
        complaints = complaints.filter(Q(received_on__lte=after.received_on)).filter(
            Q(received_on__lt=after.received_on) | Q(pk__lt=after.pk)
        )
    rows = list(complaints[: PAGE_SIZE + 1])
    more_after = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(
        rows,
        Cursor.of(rows[-1]) if rows and more_after else None,
        Cursor.of(rows[0]) if rows and after is not None else None,
    )


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    overdue: bool
    handler_name: str


def rows(complaints, *, today: dt.date | None = None) -> list[Row]:
    """The list's rows: no query (unit and handler came with the complaints)."""
    today = today or timezone.localdate()
    return [
        Row(
            complaint,
            complaint.is_overdue(today),
            (complaint.handler.get_full_name() or complaint.handler.username) if complaint.handler else "",
        )
        for complaint in complaints
    ]
