"""Shared pieces of the incident services: locking, versions, transitions, the timeline."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext as _

from incidents.models import TRANSITIONS, Incident, TimelineEntry


class ConflictError(Exception):
    """The incident's state does not allow this (HTTP 409)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class StaleVersionError(ConflictError):
    """The change was based on an old version (HTTP 409). `changes` lists what happened since."""

    def __init__(self, message: str, changes: list[TimelineEntry]):
        super().__init__(message)
        self.changes = changes


def lock(incident: Incident) -> Incident:
    """The row, locked for the rest of the transaction, as it is in the database now."""
    return Incident.objects.select_for_update().get(pk=incident.pk)


def check_version(incident: Incident, expected: int | None) -> None:
    """Refuse a change made from an old version, naming what changed meanwhile."""
    if expected is None or expected == incident.version:
        return
    since = list(incident.timeline.select_related("actor").filter(data__version__gt=expected).order_by("at", "id"))
    raise StaleVersionError(
        _("Someone else changed this incident meanwhile. Reload to see the changes, then try again."),
        since,
    )


def check_transition(incident: Incident, transition: str) -> str:
    """The target state of `transition` from the incident's state, or ConflictError."""
    sources, target = TRANSITIONS[transition]
    if incident.status not in sources:
        raise ConflictError(
            _("This cannot be done while the incident is %(status)s.")
            % {"status": incident.get_status_display().lower()}
        )
    return target


def require(decision) -> None:
    """Raise PermissionDenied with the decision's reason when it is a Denied."""
    if not decision:
        raise PermissionDenied(decision.reason)


def bump(incident: Incident, *fields: str) -> None:
    """Save `fields` and increment the version in the same UPDATE."""
    incident.version = F("version") + 1
    incident.save(update_fields=[*fields, "version", "updated_at"])
    incident.refresh_from_db(fields=["version"])


def record(incident: Incident, *, actor, kind: str, message: str = "", **data) -> TimelineEntry:
    """Write one timeline entry (never patient identity). `data["version"]` is the
    incident's version after the change, so a stale editor can be shown what came after."""
    return TimelineEntry.objects.create(
        incident=incident, actor=actor, kind=kind, message=message, data={"version": incident.version, **data}
    )
