"""Finding a case by its reference, however it is typed.

A case's reference (`AV-2026-000189`: prefix, year, a number counted per year) is what the
receipt tells the reporter to quote, so people search for it in every spelling:
`AV-2026-000189`, `av-2026-000189`, `2026-000189`, `000189`, `189`. A search text that reads
as a reference becomes the references it can mean — the number in the year given, or in each
year the case type has numbered that far (its counter table holds one row per year) — so the
search is an `IN` on the unique index of `reference`: a handful of index lookups at any
number of cases, where a `LIKE '%189'` would read them all.

A bare number needs at least three digits (`12` is more likely a word of the text than a
case); with a year or a prefix any number will do. Only the prefixes of case types count
(each `CaseKit` registers its own: `register_prefix`); the prefix of another case type
(`UT-…` searched among incidents) means no case of this type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

# An optional two-letter prefix, an optional year, the number (at most the six digits of a
# reference). Separators may be hyphens or spaces; the prefix's hyphen may be left out.
_REFERENCE = re.compile(r"^(?:(?P<prefix>[A-Z]{2})[\s-]*)?(?:(?P<year>(?:19|20|21)\d{2})[\s-]+)?(?P<number>\d{1,6})$")
# The shortest bare number read as a reference.
MIN_BARE_DIGITS = 3
# The prefixes of the case types (AV, UT, LM, …), registered by their CaseKit.
PREFIXES: set[str] = set()


def register_prefix(prefix: str) -> None:
    if prefix:
        PREFIXES.add(prefix.upper())


@dataclass(frozen=True)
class ReferenceQuery:
    prefix: str  # "" when none was typed
    year: int | None
    number: int


def parse_reference(text: str | None) -> ReferenceQuery | None:
    """What a search text says about a reference, or None when it does not read as one."""
    match = _REFERENCE.match((text or "").strip().upper())
    if not match:
        return None
    prefix, year, digits = match.group("prefix") or "", match.group("year"), match.group("number")
    if prefix and prefix not in PREFIXES:
        return None  # "ab 123" is words, not a reference
    if not prefix and not year and len(digits) < MIN_BARE_DIGITS:
        return None
    number = int(digits)
    if number == 0:
        return None
    return ReferenceQuery(prefix, int(year) if year else None, number)


def candidate_references(query: ReferenceQuery, *, prefix: str, counter_table: str) -> list[str]:
    """The references of one case type that `query` can mean (possibly none)."""
    if query.prefix and query.prefix != prefix:
        return []
    if query.year is not None:
        years = [query.year]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT year FROM {connection.ops.quote_name(counter_table)} WHERE last >= %s ORDER BY year",  # noqa: S608
                [query.number],
            )
            years = [row[0] for row in cursor.fetchall()]
    return [f"{prefix}-{year}-{query.number:06d}" for year in years]


def is_reference_search(text: str | None) -> bool:
    """Does the search text read as a reference (of any case type)?"""
    return parse_reference(text) is not None
