"""Demo data with a past: run the real services as if it were an earlier moment.

The demo investigations and Lex Maria cases are written through their services, so their
timelines, versions, notifications and checks are the real ones. The services stamp "now";
`as_of(moment)` makes "now" (Python's clock, everywhere in the process) that moment while the
block runs, so a case decided last spring says so in its timeline and its clock. Only
`seed_demo` uses it. The field-level audit history is stamped by PostgreSQL's own clock and
keeps the true time the demo was loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def as_of(moment: dt.datetime) -> Iterator[None]:
    """Run the block with the clock set to `moment` (never later than the real now), ticking."""
    import time_machine

    moment = min(moment, timezone.now())
    with time_machine.travel(moment, tick=True):
        yield


def schedule(start: dt.datetime, offsets_days: list[float], *, end: dt.datetime, last_at: dt.datetime | None = None):
    """Moments for steps `offsets_days` after `start`, all before `end`.

    With `last_at` (a case left waiting in its last state: that step came recently) the last
    step moves there when it is later than planned. Steps that would not fit before `end`
    are squeezed in proportionally, keeping their order.
    """
    if not offsets_days:
        return []
    offsets = list(offsets_days)
    if last_at is not None:
        wanted = (last_at - start).total_seconds() / 86400
        if wanted > offsets[-1]:
            offsets[-1] = wanted
    room = (end - start).total_seconds() / 86400
    if offsets[-1] > room:
        factor = max(room, 0) / offsets[-1]
        offsets = [offset * factor for offset in offsets]
    return [start + dt.timedelta(days=offset) for offset in offsets]
