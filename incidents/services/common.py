"""The incident's versions of the shared case helpers (psweb.cases): locking, versions,
transitions and the timeline."""

from __future__ import annotations

from django.utils.translation import gettext as _

from incidents.models import TRANSITIONS, Incident
from psweb import cases
from psweb.cases import ConflictError, StaleVersionError, bump, record, require

__all__ = [
    "ConflictError",
    "StaleVersionError",
    "bump",
    "check_transition",
    "check_version",
    "lock",
    "record",
    "require",
]


def lock(incident: Incident) -> Incident:
    """The row, locked for the rest of the transaction, as it is in the database now."""
    return cases.lock(incident)


def check_version(incident: Incident, expected: int | None) -> None:
    """Refuse a change made from an old version, naming what changed meanwhile."""
    cases.check_version(
        incident,
        expected,
        _("Someone else changed this incident meanwhile. Reload to see the changes, then try again."),
    )


def check_transition(incident: Incident, transition: str) -> str:
    """The target state of `transition` from the incident's state, or ConflictError."""
    return cases.check_transition(
        incident, TRANSITIONS, transition, _("This cannot be done while the incident is %(status)s.")
    )
