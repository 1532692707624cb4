"""May this user do this to this Lex Maria case? Each predicate returns Allowed or Denied(reason).

Visibility (404) is decided by `LexMariaCase.objects.visible_to(user)` first; these decide
the 403s, with a reason a page can show next to a disabled button. The chief physician and
the patient-safety officer prepare a case (`lexmaria.prepare`); the decision is made by the
person the care provider has designated (HSLF-FS 2017:41, 4 §), her deputy or delegate within
their period, or — where the care provider has designated no one — the chief physician by role
(`lexmaria.decide`); the rule is `lexmaria.deciders.decider_capacity`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.access import Allowed, Decision, Denied, has_perm
from accounts.roles import Perm
from incidents.models import Incident
from incidents.models import Status as IncidentStatus
from investigations.models import Investigation
from lexmaria.deciders import decider_capacity, designated_in_force, provider_of
from lexmaria.models import LexMariaCase


def can_open(user, incident: Incident) -> Decision:
    """The chief physician or the patient-safety officer of the incident's responsible unit."""
    if incident.status in (IncidentStatus.DRAFT, IncidentStatus.WITHDRAWN):
        return Denied(_("Only a reported incident can be assessed for Lex Maria."))
    unit = incident.responsible_unit or incident.unit
    if unit is not None and has_perm(user, Perm.LEXMARIA_PREPARE, unit):
        return Allowed
    return Denied(_("Only the chief physician or the patient-safety officer can open a Lex Maria case."))


def can_open_from_investigation(user, investigation: Investigation) -> Decision:
    if has_perm(user, Perm.LEXMARIA_PREPARE, investigation.unit):
        return Allowed
    return Denied(_("Only the chief physician or the patient-safety officer can open a Lex Maria case."))


def can_prepare(user, case: LexMariaCase) -> Decision:
    """The preparer, the investigation and incidents, the IVO dialogue, the follow-up."""
    if has_perm(user, Perm.LEXMARIA_PREPARE, case.unit):
        return Allowed
    return Denied(_("Only the chief physician or the patient-safety officer can prepare a Lex Maria case."))


def can_decide(user, case: LexMariaCase) -> Decision:
    """Report or not, and reopening a decision not to report (`deciders.decider_capacity`)."""
    if decider_capacity(user, case.unit) is not None:
        return Allowed
    if designated_in_force(provider_of(case.unit)):
        return Denied(
            _(
                "Only the person the care provider has designated to decide on Lex Maria, "
                "or her deputy or delegate, decides."
            )
        )
    return Denied(_("Only the chief physician decides on Lex Maria."))


def may_prepare(user, case: LexMariaCase) -> Decision:
    """Can `user` be made the case's preparer: an active chief physician or patient-safety
    officer of the case's unit."""
    if user is None or not user.is_active or not has_perm(user, Perm.LEXMARIA_PREPARE, case.unit):
        return Denied(_("The preparer must be the chief physician or a patient-safety officer of the unit."))
    return Allowed
