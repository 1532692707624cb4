"""May this user do this to this investigation? Each predicate returns Allowed or Denied(reason).

Visibility (404) is decided by `Investigation.objects.visible_to(user)` first; these decide
the 403s, with a reason a page can show next to a disabled button.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.access import Allowed, Decision, Denied, has_perm
from accounts.roles import Perm
from incidents.deciders import chief_only, may_decide_investigation
from incidents.models import Incident, Status
from investigations.models import Investigation


def _chief_only_denial(user, unit) -> Decision | None:
    """A manager of a care provider where only the chief physician decides (`incidents.deciders`)."""
    if has_perm(user, Perm.INVESTIGATION_DECIDE, unit) and chief_only(unit):
        return Denied(_("In this care provider only the chief physician decides on investigations and their method."))
    return None


def can_open(user, incident: Incident) -> Decision:
    """A manager or the chief physician of the incident's responsible unit (the chief physician
    alone where the care provider says so)."""
    if incident.status in (Status.DRAFT, Status.WITHDRAWN):
        return Denied(_("Only a reported incident can be investigated."))
    unit = incident.responsible_unit or incident.unit
    if unit is not None and may_decide_investigation(user, unit):
        return Allowed
    if unit is not None and (denial := _chief_only_denial(user, unit)) is not None:
        return denial
    return Denied(_("Only a manager or the chief physician can open an investigation."))


def can_decide(user, investigation: Investigation) -> Decision:
    """Method, leader and team, linking incidents: the manager or the chief physician (the chief
    physician alone where the care provider says so)."""
    if may_decide_investigation(user, investigation.unit):
        return Allowed
    if (denial := _chief_only_denial(user, investigation.unit)) is not None:
        return denial
    return Denied(_("Only a manager or the chief physician can decide this."))


def can_lead(user, investigation: Investigation) -> Decision:
    """Conclusions, actions, the report, follow-up: the analysis leader or a decider."""
    if investigation.leader_id == user.pk or can_decide(user, investigation):
        return Allowed
    return Denied(_("Only the analysis leader can do this."))


def can_contribute(user, investigation: Investigation) -> Decision:
    """The course of events and causes: the leader, a decider and the team."""
    if can_lead(user, investigation):
        return Allowed
    if investigation.team.filter(user=user, removed_at__isnull=True).exists():
        return Allowed
    return Denied(_("Only the analysis leader and the team can do this."))
