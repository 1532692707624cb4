"""What an incident is about, in one line: the lists' summary.

A coordinator triages from lists (the work queue, the Lex Maria list, the API's lists) and
should not have to open every case to know what happened. The summary is the short title a
handler may set (`Incident.title`), else the beginning of "What happened?" cut at a word
boundary. It is computed here only, for every list and the API.

Lists load only the beginning of the description (`with_summary`: 200 characters, not texts
of pages) — the queue pages through a million incidents. Anything in it that looks like a
personal identity number is replaced: showing one is logged on the case page, and a list must
not show it unlogged.

The handler's title is the handlers' working text: the reporter following her own report
(without seeing the case as staff) reads the beginning of her own words instead
(`summary_for`), as her case page shows no title.
"""

from __future__ import annotations

import re

from django.db.models.functions import Left
from django.utils.translation import gettext as _

from accounts.access import has_perm
from accounts.roles import Perm

SUMMARY_LENGTH = 100
# The beginning of the description a list loads: enough for a summary after whitespace is
# folded, much less than a whole report.
DESCRIPTION_START = 200
# YYMMDD or YYYYMMDD, an optional separator, four digits; not part of a longer number.
_IDENTITY_NUMBER = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")


def summary_text(title: str | None, description: str | None, *, cut: bool = False) -> str:
    """One line of at most ~100 characters: the title, else the description's beginning,
    shortened at a word boundary with "…". `cut`: the description is itself only a beginning
    (its last word may be broken off, so it is dropped)."""
    text = " ".join((title or "").split())
    shortened_already = False
    if not text:
        words = (description or "").split()
        if cut and words:
            words, shortened_already = words[:-1], True
        text = " ".join(words)
    text = _IDENTITY_NUMBER.sub(_("[identity number removed]"), text)
    if len(text) > SUMMARY_LENGTH:
        shortened = text[:SUMMARY_LENGTH]
        space = shortened.rfind(" ")
        if text[SUMMARY_LENGTH] != " " and space > SUMMARY_LENGTH // 2:  # not in the middle of a word
            shortened = shortened[:space]
        return f"{shortened.rstrip(' ,.;:–-')}…"
    return f"{text}…" if shortened_already and text else text


def with_summary(queryset):
    """The queryset without whole descriptions: their beginning as `description_start`."""
    return queryset.defer("description").annotate(description_start=Left("description", DESCRIPTION_START))


def incident_summary(incident, *, with_title: bool = True) -> str:
    """The summary of one incident (loaded `with_summary` or whole)."""
    title = incident.title if with_title else ""
    start = getattr(incident, "description_start", None)
    if start is not None:
        return summary_text(title, start, cut=len(start) >= DESCRIPTION_START)
    return summary_text(title, incident.description)


def summary_for(user, incident) -> str:
    """The summary as `user` may read it: with the handler's title for those who see the case
    as staff, from her own words for the reporter who only follows her report. Needs the
    incident's `unit` and `responsible_unit` loaded."""
    if incident.reporter_id == getattr(user, "pk", None):
        staff = any(
            has_perm(user, Perm.INCIDENT_VIEW, unit)
            for unit in (incident.unit, incident.responsible_unit)
            if unit is not None
        )
        return incident_summary(incident, with_title=staff)
    return incident_summary(incident)
