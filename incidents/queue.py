"""The handler's work queue: the scoped, filtered list, its counts per status, and the CSV export.

Everything here starts from `Incident.objects.visible_to(user)` (drafts excluded: they belong
to their author) and narrows it with `IncidentFilterSet`, the same filters as the REST API.
The number of queries does not depend on the number of rows: related rows are joined, the
care providers' risk matrices are read once.

The export is for Swedish Excel (`;` separated, UTF-8 with a byte-order mark). It holds no
patient identity and no free text (description, actions, feedback): it is a list of cases to
plan work with, not a copy of the case content.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from incidents.filtersets import IncidentFilterSet, ordering_keys
from incidents.models import Category, Incident, ProviderSettings, Status
from incidents.reach import tops
from incidents.summaries import incident_summary, summary_for, with_summary
from psweb.cases import person_name
from psweb.exports import formula_safe
from psweb.references import is_reference_search

QUEUE_STATUSES = [Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN]
# What a queue with no filter shows: the open cases.
DEFAULT_STATUSES = [Status.SUBMITTED, Status.IN_PROGRESS]


def can_view_queue(user) -> bool:
    return has_perm(user, Perm.INCIDENT_VIEW)


def queue_base(*, user):
    """The incidents a user's queue is built from: visible to them, not drafts."""
    return (
        Incident.objects.visible_to(user)
        .exclude(status=Status.DRAFT)
        .select_related("unit", "responsible_unit", "category", "category__parent", "handler")
    )


def queue_params(params: QueryDict) -> QueryDict:
    """The filter parameters, with the default status (open cases) when none is chosen and
    no other filter was sent. Pagination is not a filter. A search for a reference looks in
    every status: the form sends the open statuses it showed, but a case quoted by its
    reference is wanted whatever its state."""
    params = params.copy()
    for name in ("page", "after", "before"):
        params.pop(name, None)
    if not params:
        params.setlist("status", list(DEFAULT_STATUSES))
    if is_reference_search(params.get("q")):
        params.pop("status", None)
    return params


def the_one_reference_match(filterset: IncidentFilterSet) -> int | None:
    """The incident's id when the search is for a reference and exactly one incident has it
    (the queue then opens the case); None otherwise."""
    if not filterset.is_valid() or not is_reference_search(filterset.form.cleaned_data.get("q")):
        return None
    found = list(filterset.qs.order_by().values_list("pk", flat=True)[:2])
    return found[0] if len(found) == 1 else None


def queue_filterset(*, user, params: QueryDict, request=None) -> IncidentFilterSet:
    filterset = IncidentFilterSet(params, queryset=queue_base(user=user), request=request)
    narrow_filter_choices(filterset, user=user)
    return filterset


@dataclass(frozen=True)
class Unscoped:
    """The queue's filters over every sent incident, *without* the user's scope: the page and
    the counts add the scope themselves (`queue_page`, `capped_counts`), as ranges of `Reach`.
    The filter choices are narrowed to the user's units as on the form, so a filter can only
    narrow what the user sees, never widen it."""

    user: object
    params: QueryDict
    request: object = None
    narrow: bool = True  # the queue's form: units of the user's scope only (the API: any unit)
    drafts: bool = False  # the API lists the user's own drafts too; the queue never

    def _qs(self, params: QueryDict, *, everything: bool = False):
        everything = everything or self.drafts
        incidents = Incident.objects.all() if everything else Incident.objects.exclude(status=Status.DRAFT)
        filterset = IncidentFilterSet(params, queryset=incidents, request=self.request)
        if self.narrow:
            narrow_filter_choices(filterset, user=self.user)
        if not filterset.is_valid():  # the caller checked the same parameters on the scoped form
            raise ValueError(filterset.errors)
        return filterset.qs

    def qs_unordered(self):
        return self._qs(self.params)

    def unit(self) -> OrgUnit | None:
        """The unit filter's unit, or None. Only where to read from depends on it
        (`_ranges`); the filter itself, checked on the form, still applies to every row."""
        value = self.params.get("unit")
        if not value or not str(value).isdigit():
            return None
        return OrgUnit.objects.filter(pk=int(value)).only("pk", "path").first()

    def without_status(self, *, everything: bool = False, unit: bool = True):
        """The filter without its status; with `everything`, drafts not excluded either (for
        the parts read from Reach, which holds no draft); without `unit`, without the unit
        filter too (for the parts read from the unit's own direct rows, which are exactly that
        filter: `_ranges`)."""
        params = self.params.copy()
        params.pop("status", None)
        params.pop("ordering", None)
        if not unit:
            params.pop("unit", None)
        return self._qs(params, everything=everything).order_by()

    def for_ranges(self, ranges: list[Range]):
        """What the parts read from `ranges` filter on: all of the filter but its status, or,
        for a unit's direct rows, but its unit too — so PostgreSQL walks the unit's range in
        order instead of intersecting the unit's subtree with the other filters over the
        whole table (a clinic and a common category at five million: 200 ms → a few)."""
        direct = bool(ranges) and all(found.direct_only for found in ranges)
        return self.without_status(everything=True, unit=not direct)


def narrow_filter_choices(filterset: IncidentFilterSet, *, user) -> None:
    """Offer only what makes sense on the queue: no drafts, units within the user's scope,
    categories with their parent's name read in the same query."""
    fields = filterset.form.fields
    fields["status"].choices = [(s.value, s.label) for s in QUEUE_STATUSES]
    paths = scope_paths(user).get(Perm.INCIDENT_VIEW, ())
    in_scope = Q(pk__in=[])
    for path in paths:
        in_scope |= Q(path__startswith=path)
    fields["unit"].queryset = OrgUnit.objects.filter(in_scope, is_active=True).order_by("path")
    fields["responsible_unit"].queryset = fields["unit"].queryset
    fields["category"].queryset = Category.objects.select_related("parent").order_by("case_type", "parent_id", "sort")


def incidents_in_order(*, user, ids: list[int]) -> list[Incident]:
    """The incidents of `ids` (still only those the user sees), in that order."""
    by_pk = with_summary(queue_base(user=user)).in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


class RiskLevels:
    """The risk level label of an incident, from its care provider's matrix; all providers'
    settings are read with one query."""

    def __init__(self):
        self._by_provider = {s.care_provider_id: s for s in ProviderSettings.objects.all()}
        self._fallback = self._by_provider.get(None) or ProviderSettings()

    def settings_for(self, incident: Incident) -> ProviderSettings:
        unit = incident.responsible_unit or incident.unit
        return self._by_provider.get(unit.care_provider_id if unit else None) or self._fallback

    def level(self, incident: Incident) -> str:
        score = incident.risk_score
        return self.settings_for(incident).risk_level(score) if score else ""


@dataclass(frozen=True)
class ForwardTag:
    """What the queue says of a hand-over or a question on a row: `received` when it came to
    the user's units (a question they are to answer, a case handed over to them)."""

    kind: str
    received: bool
    unit: str  # the other side: where it came from, or whom it was asked of
    due: object = None


@dataclass(frozen=True)
class QueueRow:
    incident: Incident
    risk_level: str
    forwards: tuple[ForwardTag, ...] = ()
    handler_name: str = ""  # as the user may know him: "the reporter" when hidden (incidents.viewing)
    summary: str = ""  # what happened, in one line, as the user may read it (incidents.summaries)


def forward_tags(*, user, incidents) -> dict[int, list[ForwardTag]]:
    """For a page of the queue (one query): the questions still waiting for an answer, and a
    hand-over to the user's units of a case not yet taken there."""
    from incidents.models import Forward
    from incidents.permissions import on_receiving_side

    by_incident = {incident.pk: incident for incident in incidents}
    waiting = Forward.objects.filter(incident_id__in=list(by_incident)).filter(
        Q(kind=Forward.Kind.ASK, answered_at__isnull=True)
        | Q(kind=Forward.Kind.HAND_OVER, incident__status=Status.SUBMITTED)
    )
    tags: dict[int, list[ForwardTag]] = {}
    for forward in waiting.select_related("from_unit", "to_unit").order_by("forwarded_at", "id"):
        received = on_receiving_side(user, forward)
        incident = by_incident[forward.incident_id]
        if forward.kind == Forward.Kind.ASK:
            unit = forward.from_unit if received else forward.to_unit
            tags.setdefault(incident.pk, []).append(ForwardTag(forward.kind, received, unit.name, forward.answer_due))
        elif received and forward.to_unit_id == incident.responsible_unit_id:
            tags.setdefault(incident.pk, []).append(ForwardTag(forward.kind, True, forward.from_unit.name))
    return tags


def queue_rows(
    incidents, levels: RiskLevels, tags: dict[int, list[ForwardTag]] | None = None, *, user=None
) -> list[QueueRow]:
    tags = tags or {}
    return [
        QueueRow(
            incident,
            levels.level(incident),
            tuple(tags.get(incident.pk, ())),
            _handler_name(incident, user),
            summary=summary_for(user, incident) if user is not None else incident_summary(incident),
        )
        for incident in incidents
    ]


def _handler_name(incident: Incident, user) -> str:
    """The handler as `user` may know him: a handler who reported his own incident is "the
    reporter" to those who may not know who reported, here as on the case page."""
    from incidents.viewing import CaseView

    if not incident.handler_id:
        return ""
    if user is None:  # not on behalf of anyone (a test, a script)
        return person_name(incident.handler)
    return CaseView.of(user, incident).name(incident.handler) or ""


# --- CSV --------------------------------------------------------------------------------------

CSV_BOM = "\ufeff"


def _cell(value) -> str:
    return formula_safe("" if value is None else str(value))  # the one escape of every export


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_header() -> list[str]:
    return [
        _("Reference"),
        _("Reported"),
        _("Happened"),
        _("Where it happened"),
        _("Responsible unit"),
        _("Status"),
        _("Event class"),
        _("Case type"),
        _("Category"),
        _("Risk score"),
        _("Risk level"),
        _("Handler"),
        _("Reported late"),
    ]


def csv_row(incident: Incident, levels: RiskLevels, user=None) -> list[str]:
    return [
        _cell(value)
        for value in (
            incident.reference,
            _local(incident.reported_at),
            _local(incident.occurred_at),
            incident.unit.name if incident.unit else "",
            incident.responsible_unit.name if incident.responsible_unit else "",
            incident.get_status_display(),
            incident.get_event_class_display() if incident.event_class else "",
            incident.get_case_type_display() if incident.case_type else "",
            str(incident.category) if incident.category else "",
            incident.risk_score or "",
            levels.level(incident),
            _handler_name(incident, user),
            _("Yes") if incident.late_report else _("No"),
        )
    ]


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def queue_csv_lines(incidents, *, user=None) -> Iterator[str]:
    """The export, line by line: BOM and header first, then one line per incident."""
    levels = RiskLevels()
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield CSV_BOM + writer.writerow(csv_header())
    for incident in incidents.iterator(chunk_size=500):
        yield writer.writerow(csv_row(incident, levels, user))


def export_filename() -> str:
    return f"avvikelser-{timezone.localdate():%Y-%m-%d}.csv"


# --- Pages and counts at any size (issue 14) ---------------------------------------------------
#
# A page is read by keyset ("after this row"), never by OFFSET: page 600 costs what page 1
# costs. The incidents a user sees for their units are the rows of `Reach` under their roots;
# for each root and each chosen status, the newest rows are one range of the index
# `reach_queue` read in order, and the ranges are merged (one UNION ALL, each part with its
# own LIMIT). The user's own reports and the incidents of an extension (an investigation's
# team) are one more part. Counts per status come from `ReachCount` without a filter, and are
# counted up to `COUNT_CAP` with one.

PAGE_SIZE = 50
COUNT_CAP = 1000


class BadCursorError(ValueError):
    """A page link that is not one psweb made (edited by hand, or from another version)."""


@dataclass(frozen=True)
class Cursor:
    key: object  # the first sort key of the row (a time, a number, a text)
    pk: int
    backwards: bool = False  # "before" this row (the previous page), not "after" it

    def encode(self) -> str:
        key = self.key.isoformat() if hasattr(self.key, "isoformat") else self.key
        raw = json.dumps([key, self.pk, int(self.backwards)], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, *, kind: str, backwards: bool | None = None) -> Cursor:
        """The cursor of `token`; `backwards` overrides the direction it holds (the queue's
        `before=` link)."""
        try:
            key, pk, held = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if held not in (0, 1):
                raise ValueError("not a direction")
            if kind == "time":
                key = dt.datetime.fromisoformat(key)
                if key.tzinfo is None:
                    raise ValueError("a time without a zone")
            elif kind == "int":
                key = int(key)
            elif not isinstance(key, str):
                raise ValueError("not a text")
            if isinstance(pk, bool) or not isinstance(pk, int):
                raise ValueError("not an id")
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
            raise BadCursorError(str(error)) from error
        return cls(key, pk, bool(held) if backwards is None else backwards)


# The first key of each ordering: its kind (for reading a cursor back) and, for the default
# order, the column of `Reach` that holds it.
_KEY_KIND = {
    "sort_reported": "time",
    "sort_occurred": "time",
    "sort_risk": "int",
    "sort_status": "int",
    "sort_reference": "text",
}


@dataclass(frozen=True)
class QueuePage:
    incidents: list[Incident]
    next: Cursor | None
    previous: Cursor | None


def _own_and_extension_q(user) -> Q:
    """What a user sees beyond their units' rows in `Reach`: their own reports, and incidents
    an extension shows them (reported ones: a draft is only ever its author's)."""
    from incidents.models import extension_ids

    return Q(reporter=user) | Q(pk__any=extension_ids(user), reported_at__isnull=False)


@dataclass(frozen=True)
class Range:
    """One unit's rows of `Reach`: all of them (a root of the user's scope), or only those it
    reaches directly (the unit filter's unit, inside a root: what happened in or is the
    responsibility of its subtree — exactly the filter's incidents, read as one index range)."""

    anc: int
    direct_only: bool = False

    def q(self, status) -> Q:
        found = Q(reach__anc=self.anc, reach__status=status)
        return found & Q(reach__direct=True) if self.direct_only else found


def _ranges(user, unscoped: Unscoped) -> list[Range]:
    """The ranges of `Reach` whose union holds what the user sees of the filter for their
    units. With a unit filter whose unit lies inside one of the user's roots, the unit's direct
    rows alone: every incident that happened in (or is the responsibility of) a unit below a
    root is seen through that root, so nothing is lost, and a ward's range is read instead of
    the region's. Otherwise the roots (the filter itself still applies to every row)."""
    roots = tops(user)
    unit = unscoped.unit()
    if unit is not None:
        paths = dict(OrgUnit.objects.filter(pk__in=roots).values_list("pk", "path"))
        if any(unit.path.startswith(path) for path in paths.values()):
            return [Range(unit.pk, direct_only=True)]
    return [Range(root) for root in roots]


def _parts(
    *, user, base, unstatused, statuses, keys: tuple[str, ...], cursor: Cursor | None, limit: int, ranges: list[Range]
) -> list:
    """The querysets whose union is the list, each ordered and limited: one per (range,
    status) from `Reach` (`_ranges`), and the user's own reports and extensions. Each yields (id, key).
    `unstatused` is `base` without its status filter (and without excluding drafts, which
    have no rows in Reach)."""
    key, descending = keys[0].lstrip("-"), keys[0].startswith("-")
    if cursor is not None and cursor.backwards:
        descending = not descending
    direction = "-" if descending else ""
    parts = []
    for found in ranges:
        for status in statuses:
            if status == Status.DRAFT:
                continue  # a draft is only ever its author's: no rows in Reach
            # The row's status is the incident's (kept by the same trigger): the part filters
            # on Reach alone, so PostgreSQL reads the range in order and stops after `limit`.
            part = unstatused.filter(found.q(status))
            # The default order's key is in the index reach_queue: the range is read in order.
            part = part.annotate(k=F("reach__sort_at") if key == "sort_reported" else F(key))
            parts.append(part)
    others = base.filter(_own_and_extension_q(user), status__in=statuses).annotate(k=F(key))
    parts.append(others)
    ordered = []
    for part in parts:
        if cursor is not None:
            beyond = "lt" if descending else "gt"
            up_to = "lte" if descending else "gte"
            part = part.filter(**{f"k__{up_to}": cursor.key}).filter(
                Q(**{f"k__{beyond}": cursor.key}) | Q(k=cursor.key, **{f"pk__{beyond}": cursor.pk})
            )
        ordered.append(part.order_by(f"{direction}k", f"{direction}pk").values_list("pk", "k")[:limit])
    return ordered


def _compiled(parts) -> tuple[list[str], list]:
    """Each part's SQL (in parentheses) and parameters; a part that can match nothing (a
    search for a reference no incident can have) is left out."""
    sqls, params = [], []
    for part in parts:
        try:
            sql, part_params = part.query.sql_with_params()
        except EmptyResultSet:
            continue
        sqls.append(f"({sql})")
        params.extend(part_params)
    return sqls, params


def _union(parts, *, descending: bool, limit: int) -> list[tuple[int, object]]:
    """The first `limit` distinct rows of the parts' union, in order (one query)."""
    sqls, params = _compiled(parts)
    if not sqls:
        return []
    order = "DESC" if descending else "ASC"
    # The parts are Django's compiled SQL with their values as parameters; nothing typed by a
    # user is in the text.
    query = (
        f"SELECT id, k FROM ({' UNION ALL '.join(sqls)}) AS parts(id, k) "  # noqa: S608
        f"GROUP BY id, k ORDER BY k {order}, id {order} LIMIT %s"
    )
    with connection.cursor() as db:
        db.execute(query, [*params, limit])
        return db.fetchall()


def queue_page(
    *,
    user,
    unscoped: Unscoped,
    statuses,
    ordering: str | None,
    cursor: Cursor | None,
    size: int = PAGE_SIZE,
    load=None,
) -> QueuePage:
    """One page of the list: `unscoped` is the filter *without* the user's scope (the scope is
    the parts' business), `statuses` the chosen ones. `load(ids)` reads the page's incidents
    in that order (default: the queue's rows); the work queue and `GET /api/v1/incidents/`
    are both paged here."""
    keys = ordering_keys(ordering)
    ranges = _ranges(user, unscoped)
    parts = _parts(
        user=user,
        base=unscoped.qs_unordered().order_by(),  # the filter set's sort keys are annotated already
        unstatused=unscoped.for_ranges(ranges),
        statuses=statuses,
        keys=keys,
        cursor=cursor,
        limit=size + 1,
        ranges=ranges,
    )
    descending = keys[0].startswith("-") != bool(cursor and cursor.backwards)
    rows = _union(parts, descending=descending, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if cursor is not None and cursor.backwards:
        rows.reverse()
    ids = [pk for pk, _key in rows]
    incidents = load(ids) if load is not None else incidents_in_order(user=user, ids=ids)
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    if cursor is None or not cursor.backwards:
        next_ = Cursor(last[1], last[0]) if more else None
        previous = Cursor(first[1], first[0], backwards=True) if cursor is not None and first else None
    else:
        next_ = Cursor(last[1], last[0]) if last else None
        previous = Cursor(first[1], first[0], backwards=True) if more else None
    return QueuePage(incidents, next_, previous)


def cursor_kind(ordering: str | None) -> str:
    return _KEY_KIND[ordering_keys(ordering)[0].lstrip("-")]


def capped_counts(*, user, unscoped: Unscoped, capped_at: int | None = None) -> dict[str, int]:
    """Per queue status, how many of the filter (`unscoped`) the user sees, counted up to
    `capped_at` (default `COUNT_CAP`) + 1 (a list that long is narrowed, not read: "more than
    1 000")."""
    if capped_at is None:
        capped_at = COUNT_CAP
    ranges = _ranges(user, unscoped)
    base, unstatused = unscoped.without_status(), unscoped.for_ranges(ranges)
    counts = {}
    for status in QUEUE_STATUSES:
        parts = []
        for found in ranges:
            reached = unstatused.filter(found.q(status))
            parts.append(reached.order_by().values_list("pk")[: capped_at + 1])
        others = base.filter(_own_and_extension_q(user), status=status)
        parts.append(others.order_by().values_list("pk")[: capped_at + 1])
        counts[status.value] = _count_distinct(parts, capped_at + 1)
    return counts


def _count_distinct(parts, limit: int) -> int:
    sqls, params = _compiled(parts)
    if not sqls:
        return 0
    union = " UNION ALL ".join(sqls)  # Django's compiled parts, values as parameters
    query = f"SELECT count(*) FROM (SELECT DISTINCT id FROM ({union}) AS p(id) LIMIT %s) AS d"  # noqa: S608
    with connection.cursor() as db:
        db.execute(query, [*params, limit])
        return db.fetchone()[0]


def all_counts(*, user) -> dict[str, int]:
    """Per queue status, everything the user sees (no filter): the folded counts of their root,
    plus their own reports and extensions that the root does not reach."""
    from incidents.models import Reach
    from incidents.reach import counts_per_status, reached_q

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    found = counts_per_status(user)
    if found is None:  # several roots: count the distinct incidents (rare: two clinics, two regions)
        roots = tops(user)
        rows = (
            Reach.objects.filter(anc__any=roots).values("status").annotate(n=Count("incident_id", distinct=True))
            if roots
            else []
        )
        found = {row["status"]: row["n"] for row in rows}
    extra = (
        Incident.objects.filter(_own_and_extension_q(user))
        .exclude(status=Status.DRAFT)
        .exclude(reached_q(user))
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    for row in extra:
        found[row["status"]] = found.get(row["status"], 0) + row["n"]
    return {status.value: found.get(status.value, 0) for status in QUEUE_STATUSES}
