"""Complaint statistics for a year (SOSFS 2011:9 5 kap. 6 §: the complaints are compiled and
analysed to find patterns; the patientsäkerhetsberättelse reports them): counts per channel,
problem area, unit and month against the year before, how many were answered in time and the
median days to the answer, and how many led to or met an incident report.

Counts only: no reference, summary, name or word of a complaint. Who: `complaint.stats`
(the viewer role, complaint handlers, managers, the chief physician, the safety team), over
the complaints whose responsible unit lies where the user holds it — not the reporter role,
not the patientnämnd's officers (who see only their own cases). Small counts are shown as
they are, as the incident statistics do.

A year is the year the complaint was received. "Answered in time" counts as PN-SVAR does
(`complaints.indicator`), over every complaint received in the year: answered on or before
its due date, out of those answered and those past their due date unanswered (not paused);
forwarded and withdrawn ones are left out. Four queries whatever the number of complaints
and units: the year by channel × area × unit, the two years by month, the median, and the
units the counts are grouped under.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, IntegerField, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.access import has_perm, scope_paths, scope_q
from accounts.models import OrgUnit
from accounts.roles import Perm
from complaints.indicator import answer_counted_q
from complaints.models import NOT_COUNTED, Complaint, ComplaintIncident


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _days_to_answer():
    # date − date in PostgreSQL is whole days (an integer), not an interval.
    return Func(
        F("answered_on"), F("received_on"), template="(%(expressions)s)", arg_joiner=" - ", output_field=IntegerField()
    )


def may_see_stats(user, unit: OrgUnit | None = None) -> bool:
    return has_perm(user, Perm.COMPLAINT_STATS, unit)


def roots(user) -> list[OrgUnit]:
    """The highest units where the user holds `complaint.stats`."""
    paths = scope_paths(user).get(Perm.COMPLAINT_STATS, ())
    return list(OrgUnit.objects.filter(path__in=paths).order_by("path"))


@dataclass
class Stats:
    year: int
    received: int = 0
    answered: int = 0
    counted: int = 0  # answered, or past the due date unanswered (see the module's text)
    in_time: int = 0
    not_counted: int = 0  # forwarded or withdrawn
    linked: int = 0  # with at least one incident
    median_days: float | None = None
    by_channel: Counter = field(default_factory=Counter)
    by_area: Counter = field(default_factory=Counter)
    by_unit: list[tuple[OrgUnit, int]] = field(default_factory=list)
    by_month: list[tuple[dt.date, int, int]] = field(default_factory=list)  # month, this year, the year before

    @property
    def share_in_time(self) -> float | None:
        return self.in_time * 100 / self.counted if self.counted else None


def complaint_stats(*, user, year: int, unit: OrgUnit | None = None, today: dt.date | None = None) -> Stats:
    """The year's figures over the complaints the user may count, within `unit` when given
    (the caller has checked `may_see_stats(user, unit)`)."""
    today = today or timezone.localdate()
    scope = Complaint.objects.filter(scope_q(user, Perm.COMPLAINT_STATS, "unit"))
    if unit is not None:
        scope = scope.filter(unit__in=OrgUnit.objects.filter(path__startswith=unit.path).values("pk"))
    the_year = scope.filter(received_on__gte=dt.date(year, 1, 1), received_on__lte=dt.date(year, 12, 31))
    stats = Stats(year=year)

    linked = Exists(ComplaintIncident.objects.filter(complaint=OuterRef("pk")))
    grouped = (
        the_year.alias(linked_incident=linked)
        .values("channel", "area", "unit_id")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=Q(answered_on__isnull=False)),
            counted=Count("pk", filter=answer_counted_q(today)),
            in_time=Count("pk", filter=~Q(status__in=NOT_COUNTED) & Q(answered_on__lte=F("due_on"))),
            not_counted=Count("pk", filter=Q(status__in=NOT_COUNTED)),
            linked=Count("pk", filter=Q(linked_incident=True)),
        )
        .order_by()
    )
    per_unit: Counter = Counter()
    for row in grouped:
        stats.received += row["n"]
        stats.answered += row["answered"]
        stats.counted += row["counted"]
        stats.in_time += row["in_time"]
        stats.not_counted += row["not_counted"]
        stats.linked += row["linked"]
        stats.by_channel[row["channel"]] += row["n"]
        stats.by_area[row["area"]] += row["n"]
        per_unit[row["unit_id"]] += row["n"]
    stats.median_days = the_year.filter(answered_on__isnull=False).aggregate(median=Median(_days_to_answer()))["median"]
    stats.by_unit = _under_tops(per_unit, [unit] if unit is not None else roots(user))

    months = (
        scope.filter(received_on__gte=dt.date(year - 1, 1, 1), received_on__lte=dt.date(year, 12, 31))
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_month = {(row["month"].year, row["month"].month): row["n"] for row in months}
    stats.by_month = [
        (dt.date(year, m, 1), by_month.get((year, m), 0), by_month.get((year - 1, m), 0)) for m in range(1, 13)
    ]
    return stats


def _under_tops(per_unit: Counter, tops: list[OrgUnit]) -> list[tuple[OrgUnit, int]]:
    """The counts per unit summed under the units one level below `tops` (a complaint of a
    top unit itself stays with it), largest first: one query for the units' paths."""
    if not per_unit or not tops:
        return []
    paths = dict(OrgUnit.objects.filter(pk__in=list(per_unit)).values_list("pk", "path"))
    sums: Counter = Counter()
    for unit_id, count in per_unit.items():
        path = paths.get(unit_id, "")
        top = next((t for t in tops if path.startswith(t.path)), None)
        if top is None:
            continue
        rest = path[len(top.path) :].strip("/")
        sums[int(rest.split("/")[0]) if rest else top.pk] += count
    names = OrgUnit.objects.in_bulk(list(sums))
    return sorted(((names[pk], n) for pk, n in sums.items() if pk in names), key=lambda item: (-item[1], item[0].name))
