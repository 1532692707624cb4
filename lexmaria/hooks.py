"""The registries through which an app above `lexmaria` widens who reads a Lex Maria case
without `lexmaria` importing it (DESIGN §2), as `incidents/hooks.py` does for incidents.

An app registers in its `AppConfig.ready()` (with `incidents.hooks.register`):
- `VISIBILITY_EXTENSIONS`: functions user → Q over LexMariaCase, for cases a user reads for a
  reason of that app (an oversight agreement's named users read the provider's cases).
- `READ_GRANTS`: functions (user, case) → None or an `incidents.hooks.ReadGrant`: the case
  and its report to IVO are read under that right, never prepared nor decided (the
  predicates of `lexmaria.permissions` decide by role in the unit); every read of the case
  page and of the report to IVO is logged with the grant's label (`record_granted_read`).
"""

from __future__ import annotations

from collections.abc import Callable

from incidents import hooks as incident_hooks

VISIBILITY_EXTENSIONS: list[Callable] = []
READ_GRANTS: list[Callable] = []


def record_granted_read(request, case):
    return incident_hooks.record_granted_read(request, case, READ_GRANTS)


def record_granted_reads(request, cases, *, action: str = "view") -> int:
    return incident_hooks.record_granted_reads(request, cases, READ_GRANTS, action=action)
