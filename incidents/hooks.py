"""The registries through which the apps above `incidents` extend it without `incidents`
importing them (DESIGN §2: accounts ← incidents ← investigations ← lexmaria ← …).

An app registers in its `AppConfig.ready()`:
- `CASE_PANELS`: functions (user, incident) → None or {"template": …, **context}, each a
  panel on the incident's case page (the investigation, the Lex Maria case).
- `VISIBILITY_EXTENSIONS`: functions user → Q over Incident, for incidents a user sees for a
  reason of that app (an investigation's team sees its linked incidents).
- `CLOSE_RULES`: functions incident → None or a message saying what must happen before the
  incident may close (a serious event needs a Lex Maria assessment).
- `lex_maria_requested`: a signal sent by `incident_request_lex_maria` inside its
  transaction, after the request is recorded, with `incident` (locked), `actor` and
  `reason`. A receiver that raises undoes the request.

`register(registry, item)` adds an item once, so a second `ready()` (tests) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

CASE_PANELS: list[Callable] = []
VISIBILITY_EXTENSIONS: list[Callable] = []
CLOSE_RULES: list[Callable] = []

lex_maria_requested = Signal()


def register(registry: list, item: Callable) -> None:
    if item not in registry:
        registry.append(item)
