"""Reporting periods (DOMAIN.md): month, quarter, tertial (four months; the board follows up
per tertial), half-year and calendar year, and point-prevalence days. Pure date arithmetic."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext_lazy as _

GRANULARITIES = ("month", "quarter", "tertial", "half_year", "year")
MONTHS_IN = {"month": 1, "quarter": 3, "tertial": 4, "half_year": 6, "year": 12}
LABELS = {
    "month": _("month"),
    "quarter": _("quarter"),
    "tertial": _("tertial"),
    "half_year": _("half-year"),
    "year": _("year"),
}


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after `day`'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def bucket_start(day: dt.date, granularity: str) -> dt.date:
    """The first day of the period of `granularity` that holds `day`."""
    size = MONTHS_IN[granularity]
    return dt.date(day.year, (day.month - 1) // size * size + 1, 1)


def bucket_end(start: dt.date, granularity: str) -> dt.date:
    return month_end(add_months(start, MONTHS_IN[granularity] - 1))


def buckets(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    """Every period of `granularity` from the one holding `start` to the one holding `end`."""
    first = bucket_start(start, granularity)
    out = []
    while first <= end:
        out.append((first, bucket_end(first, granularity)))
        first = add_months(first, MONTHS_IN[granularity])
    return out


def period_kind(start: dt.date, end: dt.date) -> str:
    """What a measured period is: a point-prevalence day, one of the calendar periods above, or
    another span."""
    if start == end:
        return "point"
    if start.day == 1 and end == month_end(end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        for name in GRANULARITIES:
            if months == MONTHS_IN[name] and bucket_start(start, name) == start:
                return name
    return "other"


def label(start: dt.date, granularity: str) -> str:
    """A short Swedish-style name of a period: 2026-03, 2026 K1, 2026 T1, 2026 H1, 2026."""
    if granularity == "month":
        return f"{start:%Y-%m}"
    if granularity == "year":
        return str(start.year)
    prefix = {"quarter": "K", "tertial": "T", "half_year": "H"}[granularity]
    return f"{start.year} {prefix}{(start.month - 1) // MONTHS_IN[granularity] + 1}"
