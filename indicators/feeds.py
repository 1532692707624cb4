"""Indicators psweb computes itself from its own cases: a registry, so that `indicators` knows
of them without importing the app that feeds them (docs/architecture.md, "Registries").

An app that writes an indicator's measurements from its cases (complaints: `PN-SVAR` from the
patientnämnd's cases) registers a `Feed` in its `AppConfig.ready()`. From the first period
the feed covers, hand entry and import of that indicator are refused with the reason (no
double entry, issue 17; the numbers a person typed before the feed began stay, and can still
be corrected). The feed itself writes through `services.upsert`, which does not ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Feed:
    code: str  # the indicator's code in the catalogue
    by: str | Promise  # what computes it, for the refusal: "from the patient board's complaints"
    # The first day from which the feed computes the indicator (None: not yet, hand entry open).
    since: Callable[[], dt.date | None]


FEEDS: dict[str, Feed] = {}
# Feeds whose indicators are data, not code (egenkontroll: a template's statement names the
# indicator its counts feed): (code) -> the Feed of that code, or None.
RESOLVERS: list[Callable[[str], Feed | None]] = []


def register(feed: Feed) -> None:
    FEEDS[feed.code.upper()] = feed


def register_resolver(resolver: Callable[[str], Feed | None]) -> None:
    if resolver not in RESOLVERS:
        RESOLVERS.append(resolver)


def fed_since(code: str) -> tuple[Feed, dt.date] | None:
    """The feed of `code` and the day it covers from, or None when hand entry is open."""
    code = (code or "").upper()
    feed = FEEDS.get(code)
    for resolver in RESOLVERS if feed is None else ():
        feed = resolver(code)
        if feed is not None:
            break
    if feed is None:
        return None
    since = feed.since()
    return (feed, since) if since is not None else None
