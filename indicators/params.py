"""Reading the query parameters of the statistics (the API and the dashboards share these, so
they can never disagree): the unit, the period length, the time span and the grouping. Bad
values raise ValidationError field by field, in Swedish; a unit outside the caller's scope
raises Http404, as if it did not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit
from indicators.periods import GRANULARITIES

MAX_YEARS = 15


@dataclass(frozen=True)
class Span:
    unit: OrgUnit | None
    granularity: str
    start: dt.date
    end: dt.date
    group_by: list[str]


def default_start(today: dt.date | None = None) -> dt.date:
    """Five calendar years: this one and the four before."""
    today = today or timezone.localdate()
    return dt.date(today.year - 4, 1, 1)


def _date(raw: str | None, field: str, errors: dict) -> dt.date | None:
    if raw in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[field] = _("Give a date as YYYY-MM-DD.")
        return None


def parse(params, *, may_see, allowed_groups=(), unit_required: bool = False) -> Span:
    """`may_see(unit)` says whether the caller may see statistics of a unit (else 404)."""
    errors: dict[str, str] = {}
    unit = None
    raw_unit = params.get("unit") or params.get("enhet")
    if raw_unit not in (None, ""):
        if not str(raw_unit).isdigit():
            errors["unit"] = _("Give the unit's id (a whole number).")
        else:
            unit = OrgUnit.objects.select_related("kind").filter(pk=int(raw_unit)).first()
            if unit is None or not may_see(unit):
                raise Http404
    elif unit_required:
        errors["unit"] = _("Choose a unit.")
    granularity = params.get("granularity") or params.get("period") or "month"
    if granularity not in GRANULARITIES:
        errors["granularity"] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(GRANULARITIES)}
    today = timezone.localdate()
    start = _date(params.get("from") or params.get("fran"), "from", errors) or default_start(today)
    end = _date(params.get("to") or params.get("till"), "to", errors) or today
    if "from" not in errors and "to" not in errors:
        if end < start:
            errors["to"] = _("The end lies before the start.")
        elif (end - start).days > MAX_YEARS * 366:
            errors["to"] = _("Ask for at most %(years)s years at a time.") % {"years": MAX_YEARS}
    group_by: list[str] = []
    raw_groups = params.getlist("group_by") if hasattr(params, "getlist") else params.get("group_by", [])
    for raw in raw_groups if isinstance(raw_groups, list) else [raw_groups]:
        for name in (part.strip() for part in str(raw).split(",")):
            if not name:
                continue
            if name not in allowed_groups:
                errors["group_by"] = _("Group by one or more of: %(choices)s.") % {"choices": ", ".join(allowed_groups)}
            elif name not in group_by:
                group_by.append(name)
    if errors:
        raise ValidationError(errors)
    return Span(unit, granularity, start, end, group_by)
