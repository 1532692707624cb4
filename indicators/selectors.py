"""Reading indicators: a unit's series for any period length, the dashboard's overview and
the drill-down to child units. Services write; these only look.

The rules the regions' own reports get wrong (DOMAIN.md), applied here once:
- A unit's value includes its whole subtree: the sum of the numerators over the sum of the
  denominators, never an average of percentages.
- Months roll up to quarters, tertials, half-years and years the same way; an indicator with
  a rolling window (MJG: 12 months) gives, for each period, the window ending with it.
- Invalid points are left out of everything.
- Where the method changes the point says so; a period measured with two methods counts the
  newer one only, so the two are never added together.
- Targets and trends are judged on the exact value; rounding (one decimal, half up) is only
  for display.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Func, IntegerField, Sum, Value
from django.db.models.functions import Cast, TruncMonth

from accounts.access import has_perm, scope_paths
from accounts.models import OrgUnit
from accounts.roles import Perm
from indicators.models import NATIONAL_KIND, Direction, IndicatorDefinition, Kind, Measurement, TargetKind
from indicators.periods import add_months, bucket_end, bucket_start, buckets, label

DISPLAY = Decimal("0.1")


def rounded(value: Decimal | None) -> Decimal | None:
    """The display rule: one decimal, half up (74.05 → 74.1), for showing only."""
    return None if value is None else value.quantize(DISPLAY, rounding=ROUND_HALF_UP)


# --- Who sees which unit -------------------------------------------------------------------------


def may_see_unit(user, unit: OrgUnit) -> bool:
    """Indicators of a unit: `indicator.view` there; the national reference values: anyone who
    may see indicators at all."""
    if unit.kind.code == NATIONAL_KIND:
        return has_perm(user, Perm.INDICATOR_VIEW)
    return has_perm(user, Perm.INDICATOR_VIEW, unit)


def top_units(user) -> list[OrgUnit]:
    """The highest units where the user may see indicators (their starting points)."""
    paths = sorted(scope_paths(user).get(Perm.INDICATOR_VIEW, ()))
    tops = [path for path in paths if not any(path != other and path.startswith(other) for other in paths)]
    return list(OrgUnit.objects.filter(path__in=tops).select_related("kind").order_by("path"))


# --- Judging a value -------------------------------------------------------------------------------


def target_met(indicator: IndicatorDefinition, value: Decimal | None, previous: Decimal | None) -> bool | None:
    """Is the target met? None: no target, no value, or (for "lower/higher than the previous
    period") no previous value."""
    kind = indicator.target_kind
    if value is None or not kind:
        return None
    if kind == TargetKind.AT_LEAST:
        return value >= indicator.target_value
    if kind == TargetKind.AT_MOST:
        return value <= indicator.target_value
    if kind == TargetKind.BELOW:
        return value < indicator.target_value
    if kind == TargetKind.ABOVE:
        return value > indicator.target_value
    if kind == TargetKind.RANGE:
        return indicator.target_low <= value <= indicator.target_high
    if previous is None:
        return None
    return value < previous if kind == TargetKind.DECREASE else value > previous


def trend(indicator: IndicatorDefinition, value: Decimal | None, previous: Decimal | None) -> str | None:
    """ "better", "worse" or "unchanged" against the previous value, judged by the desired
    direction (lower VRI is better). Values equal at display precision are unchanged; for a
    range target, closer to the range is better."""
    if value is None or previous is None:
        return None
    now, before = rounded(value), rounded(previous)
    if now == before:
        return "unchanged"
    if indicator.direction == Direction.HIGHER:
        return "better" if now > before else "worse"
    if indicator.direction == Direction.LOWER:
        return "better" if now < before else "worse"
    if indicator.target_kind == TargetKind.RANGE:
        distance_now, distance_before = _distance(indicator, now), _distance(indicator, before)
        if distance_now == distance_before:
            return "unchanged"
        return "better" if distance_now < distance_before else "worse"
    return None


def _distance(indicator: IndicatorDefinition, value: Decimal) -> Decimal:
    if value < indicator.target_low:
        return indicator.target_low - value
    if value > indicator.target_high:
        return value - indicator.target_high
    return Decimal(0)


def movement(value: Decimal | None, previous: Decimal | None) -> str | None:
    """ "up", "down" or "flat": which way the number moved (at display precision)."""
    if value is None or previous is None:
        return None
    now, before = rounded(value), rounded(previous)
    return "flat" if now == before else ("up" if now > before else "down")


def value_of(indicator: IndicatorDefinition, numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None:
        return None
    if indicator.kind == Kind.COUNT:
        return Decimal(numerator)
    if not denominator:
        return None
    return Decimal(numerator) * indicator.multiplier / Decimal(denominator)


# --- Sums from the database --------------------------------------------------------------------------

# {indicator id: {first of month: {method: [numerator, denominator, points]}}}
MonthlySums = dict[int, dict[dt.date, dict[str, list]]]


def monthly_sums(indicators, unit: OrgUnit, start: dt.date, end: dt.date) -> MonthlySums:
    """Valid measurements of `unit`'s subtree starting in [start, end], summed per indicator,
    month and method: one query, whatever the number of units and points."""
    rows = (
        Measurement.objects.filter(
            indicator__in=indicators,
            is_valid=True,
            unit__path__startswith=unit.path,
            period_start__gte=start,
            period_start__lte=end,
        )
        .annotate(month=TruncMonth("period_start"))
        .values("indicator_id", "month", "method")
        .annotate(numerator_sum=Sum("numerator"), denominator_sum=Sum("denominator"), points=Count("id"))
    )
    sums: MonthlySums = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        sums[row["indicator_id"]][month][row["method"]] = [
            row["numerator_sum"],
            row["denominator_sum"],
            row["points"],
        ]
    return sums


def child_sums(indicators, unit: OrgUnit, start: dt.date, end: dt.date) -> dict[int, dict[int, dict]]:
    """Like `monthly_sums` for one period, per direct child of `unit` (each child with its
    subtree), in one query: {child id: {indicator id: {method: [num, den, points]}}}. Points
    entered on `unit` itself are under the key 0."""
    child_part = Func(F("unit__path"), Value("/"), Value(unit.depth + 3), function="split_part")
    rows = (
        Measurement.objects.filter(
            indicator__in=indicators,
            is_valid=True,
            unit__path__startswith=unit.path,
            period_start__gte=start,
            period_start__lte=end,
        )
        .annotate(child=Cast(Func(child_part, Value(""), function="nullif"), IntegerField()))
        .values("child", "indicator_id", "method")
        .annotate(numerator_sum=Sum("numerator"), denominator_sum=Sum("denominator"), points=Count("id"))
    )
    sums: dict[int, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        sums[row["child"] or 0][row["indicator_id"]][row["method"]] = [
            row["numerator_sum"],
            row["denominator_sum"],
            row["points"],
        ]
    return sums


def _method_rank(indicator: IndicatorDefinition) -> dict[str, tuple]:
    return {m.code: (m.valid_from, m.code) for m in indicator.methods.all()}


def _newest(methods, rank: dict[str, tuple]) -> str:
    return max(methods, key=lambda code: rank.get(code, (dt.date.min, code)))


def _combine(cells: list[dict[str, list]], rank: dict[str, tuple]) -> tuple[Decimal | None, Decimal | None, int, str]:
    """Add up several months (or children) of sums, counting only the newest method present."""
    methods = {method for cell in cells for method in cell}
    if not methods:
        return None, None, 0, ""
    method = _newest(methods, rank)
    numerator = denominator = None
    points = 0
    for cell in cells:
        if method in cell:
            num, den, n = cell[method]
            numerator = (numerator or 0) + num
            denominator = (denominator or 0) + den if den is not None else denominator
            points += n
    return numerator, denominator, points, method


def window_start(indicator: IndicatorDefinition, first: dt.date, last: dt.date) -> dt.date:
    """The first month a period's value covers: the period's own start, or for a rolling
    indicator the start of the window of `rolling_months` that ends with the period."""
    if indicator.rolling_months:
        return add_months(bucket_start(last, "month"), -(indicator.rolling_months - 1))
    return first


# --- Series ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    period_start: dt.date
    period_end: dt.date
    label: str
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    points: int  # how many measurements were added up
    method: str
    method_changed: bool  # the method differs from the previous point with data
    target_met: bool | None
    trend: str | None  # against the previous point: better / worse / unchanged
    movement: str | None  # up / down / flat

    @property
    def display(self) -> Decimal | None:
        return rounded(self.value)


def series(
    indicator: IndicatorDefinition,
    unit: OrgUnit,
    granularity: str,
    start: dt.date,
    end: dt.date,
    *,
    sums: MonthlySums | None = None,
) -> list[Point]:
    """The indicator for `unit` and its subtree, one point per period of `granularity` from the
    one holding `start` to the one holding `end` (periods without data have no value). The
    caller has checked that the user may see the unit (`may_see_unit`)."""
    periods = buckets(start, end, granularity)
    window = indicator.rolling_months
    fetch_from = add_months(periods[0][0], -(window - 1)) if window else periods[0][0]
    if sums is None:
        sums = monthly_sums([indicator], unit, fetch_from, periods[-1][1])
    months = sums.get(indicator.pk, {})
    rank = _method_rank(indicator)
    points: list[Point] = []
    previous_value, previous_method = None, None
    for first, last in periods:
        span_start = window_start(indicator, first, last)
        cells = [cell for month, cell in months.items() if span_start <= month <= last]
        numerator, denominator, count, method = _combine(cells, rank)
        value = value_of(indicator, numerator, denominator) if count else None
        changed = bool(count and previous_method is not None and method != previous_method)
        points.append(
            Point(
                period_start=first,
                period_end=last,
                label=label(first, granularity),
                numerator=numerator if count else None,
                denominator=denominator if count else None,
                value=value,
                points=count,
                method=method,
                method_changed=changed,
                target_met=target_met(indicator, value, previous_value),
                trend=trend(indicator, value, previous_value),
                movement=movement(value, previous_value),
            )
        )
        if value is not None:
            previous_value, previous_method = value, method
    return points


def value_for(
    indicator: IndicatorDefinition, cells: list[dict[str, list]]
) -> tuple[Decimal | None, Decimal | None, Decimal | None, int, str]:
    """(numerator, denominator, value, points, method) of some summed cells."""
    rank = _method_rank(indicator)
    numerator, denominator, count, method = _combine(cells, rank)
    return numerator, denominator, value_of(indicator, numerator, denominator) if count else None, count, method


# --- The overview: every indicator, one period ------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    indicator: IndicatorDefinition
    current: Point
    previous: Point  # the period before
    previous_year: Point  # the same period a year earlier
    # The latest point with a value up to the period shown (within the year before it): what
    # the dashboard shows, with its period, when the period itself has no measurement.
    latest: Point | None = None

    @property
    def status(self) -> str:
        met = self.current.target_met
        return "no_target" if met is None else ("met" if met else "not_met")


def period_window(granularity: str, day: dt.date) -> tuple[dt.date, dt.date]:
    first = bucket_start(day, granularity)
    return first, bucket_end(first, granularity)


def overview(unit: OrgUnit, granularity: str, day: dt.date, indicators=None) -> list[OverviewRow]:
    """Each indicator's value for the period of `granularity` holding `day`, the period before
    and the same period a year earlier, with target status and trend: two queries in all."""
    if indicators is None:
        indicators = list(IndicatorDefinition.objects.filter(is_active=True).prefetch_related("methods"))
    first, last = period_window(granularity, day)
    year_before = add_months(first, -12)
    window = max((indicator.rolling_months for indicator in indicators), default=0)
    fetch_from = add_months(year_before, -max(window - 1, 0))
    sums = monthly_sums(indicators, unit, fetch_from, last)
    rows = []
    for indicator in indicators:
        points = series(indicator, unit, granularity, year_before, last, sums=sums)
        current, previous = points[-1], points[-2]
        latest = next((point for point in reversed(points) if point.value is not None), None)
        rows.append(OverviewRow(indicator, current, previous, points[0], latest))
    return rows


DEFAULT_LOOKBACK_MONTHS = 24
# A period counts as "measured" when it has at least this share of the most indicators any
# recent period had: yearly indicators fall in one tertial of three, and should not push the
# default a year back.
DEFAULT_COVERAGE = Decimal("0.75")


def default_period(unit: OrgUnit, granularity: str, today: dt.date, indicators=None) -> dt.date:
    """The period the dashboard opens on: the latest complete period of `granularity` in which
    (nearly) all the indicators measured in the last two years have a value for `unit`, so
    that a measurement owner sees a filled table rather than the months nobody has reported
    yet. Without any measurement, the last complete period. Returns the period's first day."""
    if indicators is None:
        indicators = list(IndicatorDefinition.objects.filter(is_active=True).prefetch_related("methods"))
    latest = bucket_start(bucket_start(today, granularity) - dt.timedelta(days=1), granularity)
    start = add_months(latest, -DEFAULT_LOOKBACK_MONTHS)
    window = max((indicator.rolling_months for indicator in indicators), default=0)
    sums = monthly_sums(indicators, unit, add_months(start, -max(window - 1, 0)), bucket_end(latest, granularity))
    coverage: dict[dt.date, int] = defaultdict(int)
    for indicator in indicators:
        if indicator.pk not in sums:
            continue
        for point in series(indicator, unit, granularity, start, latest, sums=sums):
            if point.value is not None:
                coverage[point.period_start] += 1
    if not coverage:
        return latest
    enough = max(coverage.values()) * DEFAULT_COVERAGE
    return max(first for first, count in coverage.items() if count >= enough)


@dataclass(frozen=True)
class ChildValue:
    unit: OrgUnit
    numerator: Decimal | None
    denominator: Decimal | None
    value: Decimal | None
    points: int
    target_met: bool | None

    @property
    def display(self) -> Decimal | None:
        return rounded(self.value)


def children(indicator: IndicatorDefinition, unit: OrgUnit, granularity: str, day: dt.date) -> list[ChildValue]:
    """The drill-down: the indicator for each direct child of `unit` (with its subtree) in the
    period holding `day`, and for what was entered on `unit` itself (if anything)."""
    first, last = period_window(granularity, day)
    span_start = window_start(indicator, first, last)
    sums = child_sums([indicator], unit, span_start, last)
    kids = list(OrgUnit.objects.filter(parent=unit).select_related("kind").order_by("name"))
    out = []
    for kid in [*kids, unit]:
        cells = [sums.get(0 if kid == unit else kid.pk, {}).get(indicator.pk, {})]
        if kid == unit and not cells[0]:
            continue
        numerator, denominator, value, points, _method = value_for(indicator, cells)
        out.append(ChildValue(kid, numerator, denominator, value, points, target_met(indicator, value, None)))
    return out


def target_text(indicator: IndicatorDefinition) -> str:
    """The target as people write it: "≥ 90 %", "< 5 %", "85–90 %", "lower than the previous period"."""
    unit = f" {indicator.unit_label}" if indicator.unit_label in ("%", "‰") else ""
    value = indicator.target_value.normalize() if indicator.target_value is not None else None
    symbols = {
        TargetKind.AT_LEAST: "≥",
        TargetKind.AT_MOST: "≤",
        TargetKind.BELOW: "<",
        TargetKind.ABOVE: ">",
    }
    if indicator.target_kind in symbols and value is not None:
        return f"{symbols[indicator.target_kind]} {_number(value)}{unit}"
    if indicator.target_kind == TargetKind.RANGE:
        return f"{_number(indicator.target_low.normalize())}–{_number(indicator.target_high.normalize())}{unit}"
    if indicator.target_kind in (TargetKind.DECREASE, TargetKind.INCREASE):
        return str(TargetKind(indicator.target_kind).label).lower()
    return ""


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.replace(".", ",")


def invalid_counts(unit: OrgUnit, start: dt.date, end: dt.date) -> dict[int, int]:
    """How many invalid measurements of the subtree each indicator has in the span."""
    rows = (
        Measurement.objects.filter(
            is_valid=False, unit__path__startswith=unit.path, period_start__gte=start, period_start__lte=end
        )
        .values("indicator_id")
        .annotate(count=Count("id"))
    )
    return {row["indicator_id"]: row["count"] for row in rows}
