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
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet
from django.db.models.functions import Extract, TruncMonth
from django.utils import timezone

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from incidents.models import (
    Action,
    Category,
    Cause,
    CauseArea,
    Forward,
    Incident,
    ProviderSettings,
    visible_beyond_units_q,
)
from incidents.models import Status as IncidentStatus
from indicators.periods import MONTHS_IN, bucket_start, label

GROUPS = ("period", "category", "event_class", "case_type", "unit", "status", "risk_level")
# The database column behind each group (unit and risk level are mapped afterwards).
_COLUMNS = {
    "period": "month",
    "category": "category_id",
    "event_class": "event_class",
    "case_type": "case_type",
    "unit": "responsible_unit_id",
    "status": "status",
    "risk_level": "risk",
}


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- Who is counted ------------------------------------------------------------------------------


def stats_unit_ids(user) -> list[int]:
    """Ids of the units where the user holds `stats.view` (each with its subtree)."""
    paths = scope_paths(user).get(Perm.STATS_VIEW, ())
    if not paths:
        return []
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return list(OrgUnit.objects.filter(query).values_list("pk", flat=True))


def may_see_stats(user, unit: OrgUnit | None = None) -> bool:
    return has_perm(user, Perm.STATS_VIEW, unit)


def counted(user, unit: OrgUnit | None = None) -> QuerySet[Incident]:
    """The incidents counted for `user`: see the module docstring. With `unit`, those the
    unit's subtree is responsible for (the caller checked `may_see_stats(user, unit)`)."""
    sent = Incident.objects.filter(reported_at__isnull=False)
    if unit is not None:
        subtree = OrgUnit.objects.filter(path__startswith=unit.path).values("pk")
        return sent.filter(responsible_unit_id__in=subtree)
    ids = stats_unit_ids(user)
    if not ids:
        return sent.none()
    in_units = Q(responsible_unit_id__in=ids) | Q(unit_id__in=ids)
    if has_perm(user, Perm.INCIDENT_VIEW):
        beyond = list(
            Incident.objects.filter(visible_beyond_units_q(user), reported_at__isnull=False)
            .exclude(in_units)
            .values_list("pk", flat=True)[:10_000]
        )
        if beyond:
            in_units |= Q(pk__in=beyond)
    return sent.filter(in_units)


def _between(queryset: QuerySet, field: str, start: dt.date | None, end: dt.date | None) -> QuerySet:
    zone = _zone()
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": dt.datetime.combine(start, dt.time.min, tzinfo=zone)})
    if end is not None:
        upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        queryset = queryset.filter(**{f"{field}__lt": upper})
    return queryset


# --- Counts grouped by what the caller asks -----------------------------------------------------------


def _child_of(unit: OrgUnit | None, ids) -> dict[int, OrgUnit]:
    """Each responsible unit id → the direct child of `unit` it lies under (or the unit itself
    when it is the unit; without `unit`, the care provider)."""
    rows = {u.pk: u for u in OrgUnit.objects.filter(pk__in=set(ids)).only("pk", "path", "care_provider_id")}
    if unit is None:
        providers = {u.care_provider_id for u in rows.values()}
        named = {p.pk: p for p in OrgUnit.objects.filter(pk__in=providers)}
        return {pk: named[u.care_provider_id] for pk, u in rows.items()}
    children = {c.pk: c for c in OrgUnit.objects.filter(parent=unit)}
    out = {}
    for pk, row in rows.items():
        parts = [int(p) for p in row.path.strip("/").split("/")]
        index = unit.depth + 1
        out[pk] = children.get(parts[index], unit) if len(parts) > index else unit
    return out


def _risk_levels(unit_ids) -> dict[int, ProviderSettings]:
    providers = dict(OrgUnit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "care_provider_id"))
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
    in [start, end]. Group keys: period (its first day, and a label), category (id, name),
    event_class, case_type, unit (id, name: the child of `unit`, or the care provider),
    status, risk_level. One query."""
    queryset = _between(counted(user, unit), "reported_at", start, end)
    if filters:
        queryset = queryset.filter(**filters)
    columns = [_COLUMNS[name] for name in group_by]
    if "period" in group_by:
        queryset = queryset.annotate(month=TruncMonth("reported_at", tzinfo=_zone()))
    if "risk_level" in group_by:
        queryset = queryset.annotate(risk=F("risk_probability") * F("risk_consequence"))
        if "responsible_unit_id" not in columns:
            columns.append("responsible_unit_id")
    rows = list(queryset.order_by().values(*columns).annotate(count=Count("id")))

    categories = {}
    if "category" in group_by:
        ids = {row["category_id"] for row in rows if row["category_id"]}
        categories = {c.pk: c for c in Category.objects.filter(pk__in=ids).select_related("parent")}
    children = _child_of(unit, [row["responsible_unit_id"] for row in rows]) if "unit" in group_by else {}
    settings_of = _risk_levels([row["responsible_unit_id"] for row in rows]) if "risk_level" in group_by else {}

    merged: Counter = Counter()
    for row in rows:
        key = []
        for name in group_by:
            if name == "period":
                month = timezone.localtime(row["month"], _zone()).date() if row["month"] else None
                key.append(bucket_start(month, granularity) if month else None)
            elif name == "unit":
                child = children.get(row["responsible_unit_id"])
                key.append(child.pk if child else None)
            elif name == "risk_level":
                level = settings_of[row["responsible_unit_id"]].risk_level(row["risk"]) if row["risk"] else ""
                key.append(level)
            else:
                key.append(row[_COLUMNS[name]])
        merged[tuple(key)] += row["count"]

    unit_names = {u.pk: u.name for u in children.values()}
    out = []
    for key, count in sorted(merged.items(), key=lambda item: tuple(str(k) for k in item[0])):
        entry: dict = {}
        for name, value in zip(group_by, key, strict=True):
            if name == "period":
                entry["period_start"] = value
                entry["period"] = label(value, granularity) if value else ""
            elif name == "category":
                category = categories.get(value)
                entry["category"] = value
                entry["category_name"] = str(category) if category else ""
            elif name == "unit":
                entry["unit"] = value
                entry["unit_name"] = unit_names.get(value, "")
            else:
                entry[name] = value or ""
        entry["count"] = count
        out.append(entry)
    return out


# --- The summary: lead times, late reports, actions, forwards, causes, Lex Maria -----------------------


class Percentile(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _days(field: str):
    return Extract(F(field) - F("reported_at"), "epoch") / 86400.0


@dataclass(frozen=True)
class LeadTimes:
    """Days from the report, over the incidents closed in the period."""

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


def summary(*, user, unit: OrgUnit | None, start: dt.date | None, end: dt.date | None) -> Summary:
    base = counted(user, unit)
    in_period = _between(base, "reported_at", start, end)
    closed_in_period = _between(base.filter(closed_at__isnull=False), "closed_at", start, end)
    totals = in_period.aggregate(reported=Count("id"), late=Count("id", filter=Q(late_report=True)))
    lead = closed_in_period.aggregate(
        closed=Count("id"),
        triage_median=Percentile(_days("triaged_at"), 0.5, filter=Q(triaged_at__isnull=False)),
        triage_p90=Percentile(_days("triaged_at"), 0.9, filter=Q(triaged_at__isnull=False)),
        close_median=Percentile(_days("closed_at"), 0.5),
        close_p90=Percentile(_days("closed_at"), 0.9),
    )
    open_now = base.filter(status__in=[IncidentStatus.SUBMITTED, IncidentStatus.IN_PROGRESS]).count()
    today = timezone.localdate()
    open_actions = Action.objects.filter(incident__in=base.values("pk")).exclude(
        state__in=[Action.State.DONE, Action.State.CANCELLED]
    )
    actions = open_actions.aggregate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    forwards_waiting = Forward.objects.filter(incident__in=base.values("pk"), answered_at__isnull=True).count()
    cause_rows = (
        Cause.objects.filter(incident__in=in_period.values("pk"), removed_at__isnull=True)
        .values("area_id")
        .annotate(count=Count("incident_id", distinct=True))
        .order_by("-count")
    )
    areas = dict(CauseArea.objects.values_list("pk", "name"))
    return Summary(
        reported=totals["reported"],
        closed=lead["closed"],
        late=totals["late"],
        open_now=open_now,
        lead_times=LeadTimes(
            closed=lead["closed"],
            triage_median=_round(lead["triage_median"]),
            triage_p90=_round(lead["triage_p90"]),
            close_median=_round(lead["close_median"]),
            close_p90=_round(lead["close_p90"]),
        ),
        actions_open=actions["open"],
        actions_overdue=actions["overdue"],
        forwards_waiting=forwards_waiting,
        causes=[
            {"area": r["area_id"], "area_name": areas.get(r["area_id"], ""), "count": r["count"]} for r in cause_rows
        ],
        lex_maria_by_year=lex_maria_by_year(user=user, unit=unit),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def closed_counts(*, user, unit, granularity: str, start, end) -> dict[dt.date, int]:
    """Incidents closed per period (for "reported vs closed")."""
    rows = (
        _between(counted(user, unit).filter(closed_at__isnull=False), "closed_at", start, end)
        .annotate(month=TruncMonth("closed_at", tzinfo=_zone()))
        .order_by()
        .values("month")
        .annotate(count=Count("id"))
    )
    out: dict[dt.date, int] = defaultdict(int)
    for row in rows:
        out[bucket_start(timezone.localtime(row["month"], _zone()).date(), granularity)] += row["count"]
    return dict(out)


def lex_maria_by_year(*, user, unit: OrgUnit | None) -> list[dict]:
    """Lex Maria cases per year (of the request) and decision: counts only, never which case."""
    from lexmaria.models import LexMariaCase

    if unit is not None:
        cases = LexMariaCase.objects.filter(unit__path__startswith=unit.path)
    else:
        ids = stats_unit_ids(user)
        cases = LexMariaCase.objects.filter(unit_id__in=ids)
    rows = (
        cases.annotate(year=Extract("requested_at", "year", tzinfo=_zone()))
        .order_by()
        .values("year", "decision")
        .annotate(count=Count("id"))
        .order_by("year", "decision")
    )
    return [{"year": r["year"], "decision": r["decision"] or "undecided", "count": r["count"]} for r in rows]


def months_in(granularity: str) -> int:
    return MONTHS_IN[granularity]
