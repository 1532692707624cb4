"""May this user do this to this round or response? Each predicate returns Allowed or
Denied(reason); visibility (404) is decided first by `visible_to`.

- Any member of a unit (`audit.answer`: every role that works in care, not the statistics-
  only viewer, the administrator or the patientnämnd) answers the unit's open response and
  adds actions for what is missing.
- The unit's manager (`audit.submit`) submits the response, approves it, or returns it.
- The safety team and the measurement owners (`audit.run`) author templates and send rounds
  to the units in their scope, and read those units' responses.
- Results: those who run rounds, and `audit.view` (managers, the chief physician, the safety
  team, measurement owners, the viewer) for the units in their scope.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.access import Allowed, Decision, Denied, has_perm
from accounts.roles import Perm
from audits.models import ANSWERABLE, Response, Round, Status


def can_answer(user, response: Response) -> Decision:
    if not has_perm(user, Perm.AUDIT_ANSWER, response.unit) and not has_perm(user, Perm.AUDIT_SUBMIT, response.unit):
        return Denied(_("Only the unit's staff can answer its self-audit."))
    if response.status == Status.PLANNED:
        return Denied(
            _("The round has not opened yet: answers can be given from %(date)s.") % {"date": response.round.opens_on}
        )
    if response.status not in ANSWERABLE:
        return Denied(_("The response is submitted: the manager can return it for changes."))
    return Allowed


def can_submit(user, response: Response) -> Decision:
    if not has_perm(user, Perm.AUDIT_SUBMIT, response.unit):
        return Denied(_("Only the unit's manager can submit the self-audit."))
    return Allowed


def can_approve(user, response: Response) -> Decision:
    if not has_perm(user, Perm.AUDIT_SUBMIT, response.unit):
        return Denied(_("Only the unit's manager can approve the self-audit."))
    return Allowed


def can_add_action(user, response: Response) -> Decision:
    """An action for what an answer found missing: the staff while they answer, the manager
    and those who run the round at any time before it is approved."""
    if response.status == Status.APPROVED:
        return Denied(_("The response is approved: follow its actions in the action register."))
    if can_answer(user, response) or has_perm(user, Perm.AUDIT_SUBMIT, response.unit):
        return Allowed
    if has_perm(user, Perm.AUDIT_RUN, response.unit):
        return Allowed
    return Denied(_("Only the unit's staff, its manager and those who run the round can add actions."))


def may_manage_actions(user, response: Response) -> Decision:
    """The action register's question: who changes every field of the response's actions."""
    if has_perm(user, Perm.AUDIT_SUBMIT, response.unit) or has_perm(user, Perm.AUDIT_RUN, response.unit):
        return Allowed
    return Denied(_("Only the unit's manager and those who run the round manage its actions."))


def can_run(user, units) -> Decision:
    """Send a round to `units`: `audit.run` over every one of them (the region's safety team
    for the whole region, a clinic's measurement owner for the clinic's units)."""
    units = list(units)
    if units and all(has_perm(user, Perm.AUDIT_RUN, unit) for unit in units):
        return Allowed
    return Denied(_("Only the safety team and measurement owners can send self-audit rounds, to units in their scope."))


def can_manage_round(user, round_: Round) -> Decision:
    """Close the round, read all its responses: who sent it, and whoever runs rounds for the
    whole care provider."""
    if round_.created_by_id == getattr(user, "pk", None) or has_perm(user, Perm.AUDIT_RUN, round_.care_provider):
        return Allowed
    return Denied(_("Only the one who sent the round and the care provider's safety team can manage it."))


def can_view_results(user) -> Decision:
    if has_perm(user, Perm.AUDIT_VIEW) or has_perm(user, Perm.AUDIT_RUN):
        return Allowed
    return Denied(_("You cannot read self-audit results."))
