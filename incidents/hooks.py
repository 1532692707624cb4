"""The registries through which the apps above `incidents` extend it without `incidents`
importing them (DESIGN §2: accounts ← incidents ← investigations ← lexmaria ← …).

An app registers in its `AppConfig.ready()`:
- `CASE_PANELS`: functions (user, incident) → None or {"template": …, **context}, each a
  panel on the incident's case page (the investigation, the Lex Maria case).
- `VISIBILITY_EXTENSIONS`: functions user → Q over Incident, for incidents a user sees for a
  reason of that app (an investigation's team sees its linked incidents).
- `READ_GRANTS`: functions (user, incident) → None or a `ReadGrant`: the user reads the
  incident under a right of that app (an oversight agreement, `oversight`) — every section,
  as staff read it, and never a handling step (the predicates of `incidents.permissions`
  decide by role in the units, which the grant does not give). The patient's identity only
  when the grant says so; every read of the case page and the API's incident is logged with
  the grant's label (`record_granted_read`), and every incident of a list, a search or an
  export read under it one row each (`record_granted_reads`). The incidents themselves come from a
  `VISIBILITY_EXTENSIONS` entry of the same app.
- `CLOSE_RULES`: functions incident → None or a message saying what must happen before the
  incident may close (a serious event needs a Lex Maria assessment).
- `lex_maria_requested`: a signal sent by `incident_request_lex_maria` inside its
  transaction, after the request is recorded, with `incident` (locked), `actor` and
  `reason`. A receiver that raises undoes the request.

`register(registry, item)` adds an item once, so a second `ready()` (tests) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.dispatch import Signal

CASE_PANELS: list[Callable] = []
VISIBILITY_EXTENSIONS: list[Callable] = []
CLOSE_RULES: list[Callable] = []
READ_GRANTS: list[Callable] = []

lex_maria_requested = Signal()


def register(registry: list, item: Callable) -> None:
    if item not in registry:
        registry.append(item)


@dataclass(frozen=True)
class ReadGrant:
    """A right to read a case without a role in its units: `label` says which (written in the
    AccessLog), `patient_identity` whether the patient's identity may be shown."""

    label: str
    patient_identity: bool = False


def read_grant(user, case, grants: list[Callable] | None = None) -> ReadGrant | None:
    """The first grant under which `user` reads `case` (an incident, or with `grants` another
    app's case), or None."""
    for grant in READ_GRANTS if grants is None else grants:
        if (found := grant(user, case)) is not None:
            return found
    return None


def record_granted_reads(request, cases, grants: list[Callable] | None = None, *, action: str = "view") -> int:
    """One AccessLog row per case of `cases` (a list's page, a search's result, an export)
    that `request.user` reads under a grant, labelled with the grant: an overseer's list is
    logged incident by incident, as her case pages are. A user without a grant costs no query
    per case (the grants answer None before reading a case's units)."""
    from accounts.services import accesslog_record_many

    def entries():
        for case in cases:
            found = read_grant(request.user, case, grants)
            if found is not None:
                unit = getattr(case, "responsible_unit_id", None) or case.unit_id
                yield case, unit, f"{case.reference or ''} — {found.label}"

    return accesslog_record_many(request=request, action=action, entries=entries())


def record_granted_read(request, case, grants: list[Callable] | None = None):
    """One AccessLog row for a read of `case` under a grant, labelled with the grant; nothing
    when the user reads it for a role of her own."""
    from accounts.models import AccessLog
    from accounts.services import accesslog_record

    found = read_grant(request.user, case, grants)
    if found is None:
        return None
    return accesslog_record(
        request=request,
        action=AccessLog.Action.VIEW,
        obj=case,
        unit=getattr(case, "responsible_unit", None) or case.unit,
        label=f"{case.reference or ''} — {found.label}",
    )
