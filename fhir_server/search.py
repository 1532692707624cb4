"""The search parameters of `GET /fhir/AdverseEvent` (https://hl7.org/fhir/R5/search.html):
`_lastUpdated` and `date` (a prefix and a date of any precision, repeatable), `_count`, and
`_cursor` for the next page. A parameter psweb does not support is refused with 400, so that
a client never takes an unfiltered list for a filtered one (FHIR's "strict" handling).

A date is a range at its precision (`2026`, `2026-03`, `2026-03-01`, Swedish local time) or,
with a time and an offset, an instant; the prefixes compare the incident's time with that
range as FHIR §3.2.1.5.6 says: `ge` from its start, `gt` after its end, `le` up to its end,
`lt` before its start, `eq` within it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# FHIR's general parameters a client may send that change nothing in psweb's answer (JSON).
IGNORED = frozenset({"_format", "_pretty"})
DATE_PARAMETERS = {"_lastUpdated": "updated_at", "date": "occurred_at"}
PREFIXES = ("eq", "ge", "gt", "le", "lt")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class SearchError(ValueError):
    def __init__(self, parameter: str, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
        self.code = code


@dataclass
class Search:
    q: Q = field(default_factory=Q)
    count: int = PAGE_SIZE
    cursor: str = ""


def _range(parameter: str, text: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a date at its precision, or [t, t] for an instant."""
    local = timezone.get_default_timezone()
    if match := _PARTIAL.match(text):
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            start = dt.datetime(year, month or 1, day or 1, tzinfo=local)
        except ValueError:
            raise SearchError(parameter, _("“%(value)s” is not a date.") % {"value": text}) from None
        if day:
            end = start + dt.timedelta(days=1)
        elif month:
            end = (start + dt.timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=year + 1)
        return start, end.replace(tzinfo=local)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in text:
        raise SearchError(
            parameter,
            _("“%(value)s” is not a date (YYYY, YYYY-MM, YYYY-MM-DD) or a time with its offset.") % {"value": text},
        )
    return moment, moment


def date_q(parameter: str, value: str) -> Q:
    column = DATE_PARAMETERS[parameter]
    prefix, text = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
    if not text[:1].isdigit():
        raise SearchError(
            parameter,
            _("Use one of the prefixes eq, ge, gt, le, lt and a date, for example ge2026-01-01."),
        )
    start, end = _range(parameter, text)
    instant = start == end
    return {
        "ge": Q(**{f"{column}__gte": start}),
        "gt": Q(**{f"{column}__gt" if instant else f"{column}__gte": end}),
        "le": Q(**{f"{column}__lte" if instant else f"{column}__lt": end}),
        "lt": Q(**{f"{column}__lt": start}),
        "eq": Q(**{column: start}) if instant else Q(**{f"{column}__gte": start, f"{column}__lt": end}),
    }[prefix]


def parse(params) -> Search:
    """The search asked for, or SearchError naming the first bad parameter."""
    search = Search()
    for name in params:
        values = params.getlist(name)
        if name in IGNORED:
            continue
        if name in DATE_PARAMETERS:
            for value in values:
                search.q &= date_q(name, value.strip())
        elif name == "_count":
            raw = values[-1].strip()
            if not raw.isdigit() or int(raw) < 1:
                raise SearchError(name, _("_count must be a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE})
            search.count = min(int(raw), MAX_PAGE_SIZE)
        elif name == "_cursor":
            search.cursor = values[-1]
        else:
            raise SearchError(
                name,
                _("The search parameter “%(name)s” is not supported. Supported: _lastUpdated, date, _count.")
                % {"name": name},
                code="not-supported",
            )
    return search
