"""Indicator givens on top of the named cast: measurements entered through the service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from indicators import services
from indicators.models import IndicatorDefinition, Measurement


def indicator(code: str) -> IndicatorDefinition:
    return IndicatorDefinition.objects.prefetch_related("methods").get(code=code)


def measure(actor, code: str, unit, start: dt.date, end: dt.date | None, numerator, denominator=None, **kw):
    """Enter one measurement as `actor` (through the service, with all its checks)."""
    row, _outcome = services.measurement_save(
        actor=actor,
        indicator=indicator(code),
        unit=unit,
        period_start=start,
        period_end=end or start,
        numerator=Decimal(str(numerator)),
        denominator=None if denominator is None else Decimal(str(denominator)),
        **kw,
    )
    return row


def month(year: int, number: int) -> tuple[dt.date, dt.date]:
    from indicators.periods import month_end

    first = dt.date(year, number, 1)
    return first, month_end(first)


def values(points) -> list:
    return [None if p.value is None else p.display for p in points]


def exact(value) -> Decimal:
    return Decimal(str(value))


__all__ = ["Measurement", "exact", "indicator", "measure", "month", "values"]
