"""Incident statistics: counts, lead times, actions, forwards, causes and Lex Maria per year,
always scoped to what the user may see, and never names, free text or patient data.

Scope: the incidents whose unit (where it happened) or responsible unit lies where the user
holds `stats.view`, plus, for users who see incidents, those they see for another reason
(their own reports, forwarded from their units, an investigation's team): a user is counted
exactly the incidents they may see. A management `viewer` gets the counts of their units
without seeing a single case. Drafts are never counted.

Figures for a unit (`unit=`) count the incidents that unit and its subtree are responsible
for, so the figures of a unit's children add up to the unit's own; the user must hold
`stats.view` in that unit.

Periods are by the day the incident was reported, in Swedish local time (closing figures by
the day it was closed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Extract
from django.utils import timezone

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from incident_stats import cube
from incidents.models import (
    Category,
    CauseArea,
    Forward,
    Incident,
    ProviderSettings,
    ids_of,
    visible_beyond_units_parts,
)
from incidents.models import Status as IncidentStatus
from indicators.periods import bucket_start, label

GROUPS = ("period", "category", "event_class", "case_type", "unit", "status", "risk_level")
# The cube column behind each group (the unit is the cube's ancestor id).
_COLUMNS = {
    "period": "month",
    "category": "category_id",
    "event_class": "event_class",
    "case_type": "case_type",
    "status": "status",
}
# Risk levels are counted apart from the other dimensions (see incident_stats.models.SideCube).
RISK_COMBINES_WITH = frozenset({"period", "unit", "risk_level"})
OPEN_STATES = (IncidentStatus.SUBMITTED, IncidentStatus.IN_PROGRESS)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- Who is counted ------------------------------------------------------------------------------


def may_see_stats(user, unit: OrgUnit | None = None) -> bool:
    return has_perm(user, Perm.STATS_VIEW, unit)


def _roots(user) -> list[int]:
    """The units at the top of the user's `stats.view` scope (disjoint subtrees)."""
    return [int(path.strip("/").split("/")[-1]) for path in scope_paths(user).get(Perm.STATS_VIEW, ())]


def _subtree_q(paths, field: str) -> Q:
    """Units (or the unit of `field`) within the subtrees of `paths`."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{lookup: path})
    return query


@dataclass(frozen=True)
class Scope:
    """What is counted: the subtrees of `ancs` by responsible unit, and `extras`, incidents
    counted one by one (happened in the user's units but another care provider is responsible
    for them now; or seen for another reason)."""

    ancs: list[int]
    extras: list[dict]


_EXTRA_FIELDS = (
    "reported_at",
    "category_id",
    "event_class",
    "case_type",
    "status",
    "risk_probability",
    "risk_consequence",
    "late_report",
    "responsible_unit_id",
    "triaged_at",
    "closed_at",
)


def scope_of(user, unit: OrgUnit | None = None) -> Scope:
    """See the module docstring. With `unit`, its subtree by responsible unit (the caller has
    checked `may_see_stats(user, unit)`)."""
    if unit is not None:
        return Scope([unit.pk], [])
    paths = scope_paths(user).get(Perm.STATS_VIEW, ())
    if not paths:
        return Scope([], [])
    responsible_in = _subtree_q(paths, "responsible_unit")
    # Each reason as its own query: one OR across them would make PostgreSQL read every incident.
    # Happened in the scope, another unit responsible now: responsibility left the scope by a
    # forward sent from one of its units to a unit outside it. Those forwards are few and found
    # by their sending unit; their incidents are then read by id. (Every forward *to* a unit
    # outside the scope, tens of thousands nationally, made PostgreSQL read all five million
    # incidents for them: 2.9 s, issue 14.)
    in_scope = list(OrgUnit.objects.filter(_subtree_q(paths, "")).values_list("pk", flat=True))
    crossed = Forward.objects.filter(from_unit_id__any=in_scope).exclude(to_unit_id__any=in_scope)
    moved_out = ids_of(crossed, "incident_id")
    reasons = [Q(pk__any=moved_out, unit_id__any=in_scope)]
    if has_perm(user, Perm.INCIDENT_VIEW):
        reasons += visible_beyond_units_parts(user)
    extras: dict[int, dict] = {}
    for reason in reasons:
        rows = Incident.objects.filter(reason, reported_at__isnull=False).exclude(responsible_in)
        for row in rows.values("pk", *_EXTRA_FIELDS)[:50_000]:
            extras[row["pk"]] = row
    return Scope(_roots(user), list(extras.values()))


def _extra_key(row: dict, name: str):
    if name == "month":
        return timezone.localtime(row["reported_at"], _zone()).date().replace(day=1)
    if name == "category_id":
        return row["category_id"] or 0
    if name == "risk":
        p, c = row["risk_probability"], row["risk_consequence"]
        return p * c if p and c else 0
    return row[name]


def _month_span(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    return (start.replace(day=1) if start else None, end.replace(day=1) if end else None)


def _in_months(moment: dt.datetime, start: dt.date | None, end: dt.date | None) -> bool:
    month = timezone.localtime(moment, _zone()).date().replace(day=1)
    return (start is None or month >= start) and (end is None or month <= end)


# --- Counts grouped by what the caller asks -----------------------------------------------------------


def _risk_settings(anc_ids) -> dict[int, ProviderSettings]:
    providers = dict(OrgUnit.objects.filter(pk__in=set(anc_ids)).values_list("pk", "care_provider_id"))
    by_provider = {s.care_provider_id: s for s in ProviderSettings.objects.all()}
    default = by_provider.get(None) or ProviderSettings()
    return {pk: by_provider.get(provider, default) for pk, provider in providers.items()}


def incident_counts(
    *,
    user,
    unit: OrgUnit | None,
    group_by: list[str],
    granularity: str = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
    filters: dict | None = None,
) -> list[dict]:
    """[{<each group key>: value, "count": n}] of the incidents counted for `user`, reported
    in the months from `start` to `end`. Group keys: period (its first day, and a label),
    category (id, name; None: not classified), event_class, case_type, unit (id, name: each
    child of `unit`, and `unit` itself for what it is responsible for directly; without
    `unit`, the top units of the user's scope), status, risk_level. Filters: cube dimensions
    (event_class, case_type, status, category_id)."""
    first, last = _month_span(start, end)
    by_risk = "risk_level" in group_by
    if by_risk and not set(group_by) <= RISK_COMBINES_WITH:
        raise ValueError("risk_level combines only with period and unit")
    columns = [_COLUMNS[name] for name in group_by if name not in ("unit", "risk_level")]
    if by_risk:
        columns = ["month", "risk"] if "period" in group_by else ["risk"]
    scope = scope_of(user, unit)
    by_unit = "unit" in group_by
    children: list[OrgUnit] = []
    if by_unit and unit is not None:
        children = list(OrgUnit.objects.filter(parent=unit).order_by("name"))
        ancs = [unit.pk, *[child.pk for child in children]]
    else:
        ancs = scope.ancs

    # {(anc, *columns): n}
    counts: Counter = Counter()
    if by_risk:
        for (anc, month, score), n in cube.side_counts(ancs, "risk", start=first, end=last, by_anc=True).items():
            counts[(anc, month, score) if "period" in group_by else (anc, score)] += n
    else:
        rows = cube.incident_counts(ancs, columns, start=first, end=last, filters=filters)
        for row in rows:
            counts[tuple(row[: 1 + len(columns)])] += row[1 + len(columns)]
    if by_unit and unit is not None:
        # What the unit is responsible for itself: its total less its children's.
        child_ids = {child.pk for child in children}
        for key, n in list(counts.items()):
            if key[0] in child_ids:
                counts[(unit.pk, *key[1:])] -= n
    providers = dict(
        OrgUnit.objects.filter(pk__in={row["responsible_unit_id"] for row in scope.extras}).values_list(
            "pk", "care_provider_id"
        )
    )
    for row in scope.extras:
        if filters and any(_extra_key(row, name) not in _as_set(value) for name, value in filters.items()):
            continue
        if not _in_months(row["reported_at"], first, last):
            continue
        anc = providers.get(row["responsible_unit_id"], row["responsible_unit_id"])
        counts[(anc, *[_extra_key(row, name) for name in columns])] += 1

    risk_settings = _risk_settings({key[0] for key in counts}) if "risk_level" in group_by else {}
    categories = {}
    if "category" in group_by:
        index = columns.index("category_id") + 1
        ids = {key[index] for key in counts if key[index]}
        categories = {c.pk: c for c in Category.objects.filter(pk__in=ids).select_related("parent")}
    names = dict(OrgUnit.objects.filter(pk__in={key[0] for key in counts}).values_list("pk", "name")) if by_unit else {}

    merged: Counter = Counter()
    for key, n in counts.items():
        if n == 0:
            continue
        values = dict(zip(columns, key[1:], strict=True))
        out_key = []
        for name in group_by:
            if name == "unit":
                out_key.append(key[0])
            elif name == "period":
                out_key.append(bucket_start(values["month"], granularity))
            elif name == "risk_level":
                settings_ = risk_settings.get(key[0]) or ProviderSettings()
                out_key.append(settings_.risk_level(values["risk"]) if values["risk"] else "")
            else:
                out_key.append(values[_COLUMNS[name]])
        merged[tuple(out_key)] += n

    out = []
    for key, count in sorted(merged.items(), key=lambda item: tuple(str(k) for k in item[0])):
        if count == 0:
            continue
        entry: dict = {}
        for name, value in zip(group_by, key, strict=True):
            if name == "period":
                entry["period_start"] = value
                entry["period"] = label(value, granularity)
            elif name == "category":
                category = categories.get(value)
                entry["category"] = value or None
                entry["category_name"] = str(category) if category else ""
            elif name == "unit":
                entry["unit"] = value
                entry["unit_name"] = names.get(value, "")
            else:
                entry[name] = value or ""
        entry["count"] = count
        out.append(entry)
    return out


def by_risk_order(rows: list[dict], *, unit: OrgUnit | None) -> list[dict]:
    """Rows grouped by `risk_level`, ordered by the level (low to very high, as the care
    provider's risk matrix defines its levels), not by the alphabet; levels no longer in the
    matrix after those, and "not assessed" last."""
    if unit is not None:
        settings_ = ProviderSettings.for_unit(unit)
    else:
        settings_ = ProviderSettings.objects.filter(care_provider__isnull=True).first() or ProviderSettings()
    order = {name: rank for rank, (_lowest, name) in enumerate(settings_.risk_levels)}

    def key(row: dict):
        level = row["risk_level"]
        return (not level, level not in order, order.get(level, 0), level)

    return sorted(rows, key=key)


def _as_set(value) -> set:
    return set(value) if isinstance(value, (list, tuple, set, frozenset)) else {value}


# --- The summary: lead times, late reports, actions, forwards, causes, Lex Maria -----------------------


@dataclass(frozen=True)
class LeadTimes:
    """Whole days from the report to triage and to closing, over the incidents closed in the
    period (median and 90th percentile, as PostgreSQL's percentile_cont)."""

    closed: int
    triage_median: float | None
    triage_p90: float | None
    close_median: float | None
    close_p90: float | None


@dataclass(frozen=True)
class Summary:
    reported: int
    closed: int
    late: int  # reported more than the provider's limit (72 h) after the event
    open_now: int
    lead_times: LeadTimes
    actions_open: int
    actions_overdue: int
    forwards_waiting: int
    causes: list[dict]  # [{area, area_name, count}]; one incident can have several
    lex_maria_by_year: list[dict]  # [{year, decision, count}]


def _days(later: dt.datetime, earlier: dt.datetime) -> int:
    return max(int((later - earlier).total_seconds() // 86400), 0)


def summary(*, user, unit: OrgUnit | None, start: dt.date | None, end: dt.date | None) -> Summary:
    first, last = _month_span(start, end)
    scope = scope_of(user, unit)
    totals = cube.incident_counts(scope.ancs, [], start=first, end=last)
    reported = sum(row[1] for row in totals)
    late = sum(row[2] for row in totals)
    open_rows = cube.incident_counts(scope.ancs, [], filters={"status": list(OPEN_STATES)})
    open_now = sum(row[1] for row in open_rows)
    close = cube.histogram(cube.side_counts(scope.ancs, "close", start=first, end=last))
    triage = cube.histogram(cube.side_counts(scope.ancs, "triage", start=first, end=last))
    actions = cube.side_counts(scope.ancs, "action")
    today = timezone.localdate()
    causes: Counter = Counter()
    for (_day, area), n in cube.side_counts(scope.ancs, "cause", start=first, end=last).items():
        causes[area] += n
    for row in scope.extras:
        if _in_months(row["reported_at"], first, last):
            reported += 1
            late += bool(row["late_report"])
        if row["status"] in OPEN_STATES:
            open_now += 1
        if row["closed_at"] and _in_months(row["closed_at"], first, last):
            close[_days(row["closed_at"], row["reported_at"])] += 1
            if row["triaged_at"]:
                triage[_days(row["triaged_at"], row["reported_at"])] += 1
    forwards = Forward.objects.filter(answered_at__isnull=True, incident__reported_at__isnull=False)
    if unit is not None:
        forwards = forwards.filter(incident__responsible_unit__path__startswith=unit.path)
    else:
        paths = scope_paths(user).get(Perm.STATS_VIEW, ())
        forwards = forwards.filter(_subtree_q(paths, "incident__responsible_unit"))
    areas = dict(CauseArea.objects.values_list("pk", "name"))
    closed = sum(close.values())
    return Summary(
        reported=reported,
        closed=closed,
        late=late,
        open_now=open_now,
        lead_times=LeadTimes(
            closed=closed,
            triage_median=cube.percentile(triage, 0.5),
            triage_p90=cube.percentile(triage, 0.9),
            close_median=cube.percentile(close, 0.5),
            close_p90=cube.percentile(close, 0.9),
        ),
        actions_open=sum(actions.values()),
        actions_overdue=sum(n for (day, _key), n in actions.items() if day < today),
        forwards_waiting=forwards.count(),
        causes=[
            {"area": area, "area_name": areas.get(area, ""), "count": n}
            for area, n in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
            if n
        ],
        lex_maria_by_year=lex_maria_by_year(user=user, unit=unit),
    )


def closed_counts(*, user, unit, granularity: str, start, end) -> dict[dt.date, int]:
    """Incidents closed per period (for "reported vs closed")."""
    first, last = _month_span(start, end)
    scope = scope_of(user, unit)
    out: dict[dt.date, int] = defaultdict(int)
    for (month, _days_key), n in cube.side_counts(scope.ancs, "close", start=first, end=last).items():
        out[bucket_start(month, granularity)] += n
    for row in scope.extras:
        if row["closed_at"] and _in_months(row["closed_at"], first, last):
            month = timezone.localtime(row["closed_at"], _zone()).date()
            out[bucket_start(month, granularity)] += 1
    return dict(out)


def lex_maria_by_year(*, user, unit: OrgUnit | None) -> list[dict]:
    """Lex Maria cases per year (of the request) and decision: counts only, never which case."""
    from lexmaria.models import LexMariaCase

    if unit is not None:
        cases = LexMariaCase.objects.filter(unit__path__startswith=unit.path)
    else:
        cases = LexMariaCase.objects.filter(_subtree_q(scope_paths(user).get(Perm.STATS_VIEW, ()), "unit"))
    rows = (
        cases.annotate(year=Extract("requested_at", "year", tzinfo=_zone()))
        .order_by()
        .values("year", "decision")
        .annotate(count=Count("id"))
        .order_by("year", "decision")
    )
    return [{"year": r["year"], "decision": r["decision"] or "undecided", "count": r["count"]} for r in rows]
