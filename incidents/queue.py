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

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from django.db.models import Count, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from incidents.filtersets import IncidentFilterSet, ordering_keys
from incidents.models import Category, Incident, ProviderSettings, Status
from incidents.summaries import incident_summary, summary_for, with_summary
from psweb.cases import person_name
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
    params.pop("page", None)
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


def status_counts(*, user, params: QueryDict, request=None) -> dict[str, int]:
    """How many incidents of each status match the current filter, status aside (so that
    each count says what choosing that status would show)."""
    without_status = params.copy()
    without_status.pop("status", None)
    without_status.pop("ordering", None)
    if not without_status:
        found = unfiltered_status_counts(user=user)
    else:
        filterset = IncidentFilterSet(without_status, queryset=queue_base(user=user), request=request)
        if not filterset.is_valid():
            return {}
        rows = filterset.qs.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
        found = dict(rows)
    return {status.value: found.get(status.value, 0) for status in QUEUE_STATUSES}


def unfiltered_status_counts(*, user) -> dict[str, int]:
    """The counts per status of everything in the user's queue, without a filter.

    The visibility rule is an OR (unit in scope, or responsible unit in scope, or seen for
    another reason); counting through it reads every row the user sees from the table. Here
    it is split into three parts that do not overlap, each counted from an index alone
    (`incident_unit_status`, `incident_responsible_status`): at a million incidents, with
    77 000 visible to a clinic's coordinator, 220 ms became ~30 ms (docs/benchmarks.md).
    tests/incidents/test_queue.py checks that the sum equals counting through the rule."""
    from accounts.access import scope_unit_ids
    from incidents.models import visible_beyond_units_q

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    units = scope_unit_ids(user, Perm.INCIDENT_VIEW)
    sent = Incident.objects.filter(reported_at__isnull=False).exclude(status=Status.DRAFT)
    in_unit = sent.filter(unit_id__any=units)
    responsible_only = sent.filter(responsible_unit_id__any=units).exclude(unit_id__any=units)
    beyond = visible_beyond_units_q(user)
    others = (
        Incident.objects.filter(Q(reporter=user) | (beyond & Q(reported_at__isnull=False)))
        .exclude(status=Status.DRAFT)
        .exclude(reported_at__isnull=False, unit_id__any=units)
        .exclude(reported_at__isnull=False, responsible_unit_id__any=units)
    )
    found: dict[str, int] = {}
    for part in (in_unit, responsible_only, others) if units else (others,):
        for status, n in part.order_by().values("status").annotate(n=Count("status")).values_list("status", "n"):
            found[status] = found.get(status, 0) + n
    return found


# A filtered list must look at every match to count them per status. When the planner expects
# at most this many matches, one query reads each match's status and sort key and only the
# page's 50 rows are read in full: the filter's index work is done once, not twice, and a
# page is not found by walking the newest-first index past tens of thousands of rows that do
# not match (a million incidents, one ward's closed cases: 350 → 200 ms; docs/benchmarks.md).
# Broader filters are counted and paged in the database, where that is faster.
ONE_QUERY_UP_TO = 20_000


@dataclass(frozen=True)
class Searched:
    counts: dict[str, int]  # per status, of the search without its status filter
    ids: list[int]  # the matches of the chosen statuses, in the chosen order


def filtered_in_one_query(*, user, params: QueryDict, request=None) -> Searched | None:
    """For a filtered list: the counts per status and the ordered ids of the list, from one
    query. None without a filter (status aside), or with too many matches (the caller then
    counts and pages in the database)."""
    if not set(params) - {"status", "ordering"}:
        return None  # no filter: the counts come from the indexes, the page from walking one
    without_status = params.copy()
    without_status.pop("status", None)
    filterset = IncidentFilterSet(without_status, queryset=queue_base(user=user), request=request)
    if not filterset.is_valid():
        return None
    keys = ordering_keys(filterset.form.cleaned_data.get("ordering"))  # always ends with the id
    names = [key.lstrip("-") for key in keys]
    matches = filterset.qs.order_by().values_list("status", *names)
    if _estimated_rows(matches) > ONE_QUERY_UP_TO * 3 // 2:  # estimates are often 2x off either way
        return None
    rows = list(matches[: ONE_QUERY_UP_TO + 1])
    if len(rows) > ONE_QUERY_UP_TO:
        return None
    found = Counter(row[0] for row in rows)
    chosen = set(params.getlist("status")) or {status.value for status in QUEUE_STATUSES}
    selected = [row for row in rows if row[0] in chosen]
    for position in reversed(range(len(keys))):  # stable sorts, the last key first
        selected.sort(key=itemgetter(position + 1), reverse=keys[position].startswith("-"))
    return Searched({status.value: found.get(status.value, 0) for status in QUEUE_STATUSES}, [r[-1] for r in selected])


def _estimated_rows(queryset) -> int:
    """The planner's estimate of the rows a query returns (planning only, a few milliseconds)."""
    plan = json.loads(queryset.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


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
# Excel runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


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
