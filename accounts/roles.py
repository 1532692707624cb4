"""Roles and the named permissions they grant: the one table of who may do what.

Code asks "may this user do X on this object" (`accounts.access`), never "is the role ≥ N".
A permission is held *in a unit*: a membership grants its role's permissions in the unit
and every unit below it. Later issues add permissions here; each must be named in the
table below and nowhere else.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    HANDLER = "handler", _("Case handler")
    MANAGER = "manager", _("Manager")
    ANALYST = "analyst", _("Analysis leader")
    CHIEF_PHYSICIAN = "chief_physician", _("Chief physician")
    SAFETY_OFFICER = "safety_officer", _("Patient-safety officer")
    INDICATOR_EDITOR = "indicator_editor", _("Measurement owner")
    VIEWER = "viewer", _("Management (statistics only)")
    ADMIN = "admin", _("System administrator")
    # Klagomålshandläggare: receives and answers complaints in a unit's subtree (issue 17).
    COMPLAINT_HANDLER = "complaint_handler", _("Complaint handler")
    # The patientnämnd's officer: a member of the nämnd's own unit, not of a care unit; sees
    # only the complaints that nämnd sent and the answers to them (lag 2017:372).
    PATIENT_BOARD = "patient_board", _("Patient board officer")


class Perm:
    """Names of permissions. Strings, so that they read the same in code, tests and docs."""

    INCIDENT_REPORT = "incident.report"
    INCIDENT_VIEW = "incident.view"
    INCIDENT_TRIAGE = "incident.triage"
    INCIDENT_VIEW_PATIENT = "incident.view_patient"
    INVESTIGATION_VIEW = "investigation.view"
    INVESTIGATION_DECIDE = "investigation.decide"
    LEXMARIA_VIEW = "lexmaria.view"
    LEXMARIA_PREPARE = "lexmaria.prepare"
    LEXMARIA_DECIDE = "lexmaria.decide"
    INDICATOR_VIEW = "indicator.view"
    INDICATOR_EDIT = "indicator.edit"
    INDICATOR_IMPORT = "indicator.import"
    INDICATOR_DEFINE = "indicator.define"
    STATS_VIEW = "stats.view"
    MEMBERSHIP_VIEW = "membership.view"
    ORG_ADMIN = "org.admin"
    ACCESSLOG_VIEW = "accesslog.view"
    # The action register's list (not "Mina åtgärder", which is everyone's own).
    ACTION_VIEW = "action.view"
    # Complaints (klagomål och synpunkter, issue 17): see a unit's complaints; receive and
    # answer them (and read the complainant's contact details); see the patient's identity;
    # the statistics only; the patientnämnd's cases sent from the nämnd's unit.
    COMPLAINT_VIEW = "complaint.view"
    COMPLAINT_HANDLE = "complaint.handle"
    COMPLAINT_VIEW_PATIENT = "complaint.view_patient"
    COMPLAINT_STATS = "complaint.stats"
    COMPLAINT_BOARD = "complaint.board"
    # Egenkontroll (issue 18): a unit's members answer its rounds, its manager submits and
    # approves, the safety team and measurement owners author templates and run rounds, and
    # results are read by those who follow the work (the viewer: statistics only).
    AUDIT_ANSWER = "audit.answer"
    AUDIT_SUBMIT = "audit.submit"
    AUDIT_RUN = "audit.run"
    AUDIT_VIEW = "audit.view"


_REPORTER = {Perm.INCIDENT_REPORT}
_STATS = {Perm.STATS_VIEW, Perm.INDICATOR_VIEW}
_HANDLER = _REPORTER | _STATS | {Perm.INCIDENT_VIEW, Perm.INCIDENT_TRIAGE, Perm.INCIDENT_VIEW_PATIENT, Perm.ACTION_VIEW}
# Managers, the chief physician and the safety team see their units' complaints (not the
# complainant's contact details, which only the complaint's handlers read).
_COMPLAINT_READER = {Perm.COMPLAINT_VIEW, Perm.COMPLAINT_VIEW_PATIENT, Perm.COMPLAINT_STATS}
# The staff of a unit answer its egenkontroll; not the viewer, the administrator or the nämnd.
_AUDIT = {Perm.AUDIT_ANSWER}
_AUDIT_LEAD = _AUDIT | {Perm.AUDIT_VIEW}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REPORTER: frozenset(_REPORTER | _AUDIT),
    Role.HANDLER: frozenset(_HANDLER | _AUDIT),
    Role.MANAGER: frozenset(
        _HANDLER
        | _COMPLAINT_READER
        | _AUDIT_LEAD
        | {Perm.INVESTIGATION_VIEW, Perm.INVESTIGATION_DECIDE, Perm.LEXMARIA_VIEW, Perm.MEMBERSHIP_VIEW}
        | {Perm.AUDIT_SUBMIT}
    ),
    Role.ANALYST: frozenset(_REPORTER | _AUDIT),
    Role.CHIEF_PHYSICIAN: frozenset(
        _HANDLER
        | _COMPLAINT_READER
        | _AUDIT_LEAD
        | {
            Perm.INVESTIGATION_VIEW,
            Perm.INVESTIGATION_DECIDE,
            Perm.LEXMARIA_VIEW,
            Perm.LEXMARIA_PREPARE,
            Perm.LEXMARIA_DECIDE,
            Perm.MEMBERSHIP_VIEW,
        }
    ),
    Role.SAFETY_OFFICER: frozenset(
        _REPORTER
        | _STATS
        | _COMPLAINT_READER
        | _AUDIT_LEAD
        | {Perm.AUDIT_RUN}
        | {
            Perm.INCIDENT_VIEW,
            Perm.INCIDENT_VIEW_PATIENT,
            Perm.ACTION_VIEW,
            Perm.INVESTIGATION_VIEW,
            Perm.LEXMARIA_VIEW,
            Perm.LEXMARIA_PREPARE,
            Perm.INDICATOR_EDIT,
            Perm.INDICATOR_IMPORT,
            Perm.INDICATOR_DEFINE,
            Perm.MEMBERSHIP_VIEW,
            Perm.ACCESSLOG_VIEW,
        }
    ),
    Role.INDICATOR_EDITOR: frozenset(
        _REPORTER | _STATS | _AUDIT_LEAD | {Perm.INDICATOR_EDIT, Perm.INDICATOR_IMPORT, Perm.AUDIT_RUN}
    ),
    Role.VIEWER: frozenset(_REPORTER | _STATS | {Perm.COMPLAINT_STATS, Perm.AUDIT_VIEW}),
    Role.ADMIN: frozenset(_REPORTER | {Perm.ORG_ADMIN, Perm.MEMBERSHIP_VIEW}),
    Role.COMPLAINT_HANDLER: frozenset(
        _REPORTER | _AUDIT | _COMPLAINT_READER | {Perm.COMPLAINT_HANDLE, Perm.ACTION_VIEW, Perm.INDICATOR_VIEW}
    ),
    Role.PATIENT_BOARD: frozenset({Perm.COMPLAINT_BOARD}),
}

ALL_PERMISSIONS: frozenset[str] = frozenset(
    value for name, value in vars(Perm).items() if not name.startswith("_") and isinstance(value, str)
)


def roles_with(perm: str) -> list[str]:
    """The roles that grant `perm`, for building one scoped query."""
    if perm not in ALL_PERMISSIONS:
        raise KeyError(f"Unknown permission {perm!r}; add it to accounts.roles.Perm and ROLE_PERMISSIONS.")
    return [str(role) for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
