"""May this user do this to this incident? Each predicate returns Allowed or Denied(reason).

Visibility (404) is decided by `Incident.objects.visible_to(user)` before any of these run;
these decide the 403s, with a reason the page can show next to a disabled button.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.access import Allowed, Decision, Denied, has_perm
from accounts.roles import Perm
from incidents import hooks
from incidents.models import OPEN_STATES, Incident, Status


def can_report(user) -> Decision:
    """Everyone with a role in a unit, and every member of staff the region's identity
    provider signed in: an active user with an HSA-id (sso/, hsa/) reports from her first day
    even before any role is hers (PSL 6 kap. 4 §: staff report risks and incidents), choosing
    the unit in the form. A local account without a role and without an HSA-id may not."""
    if has_perm(user, Perm.INCIDENT_REPORT):
        return Allowed
    if getattr(user, "is_active", False) and getattr(user, "hsa_id", ""):
        return Allowed
    return Denied(_("You need a role in a unit to report incidents. Ask your manager."))


def can_edit_draft(user, incident: Incident) -> Decision:
    if incident.reporter_id != user.pk:
        return Denied(_("Only the person who wrote the draft can change it."))
    if incident.status != Status.DRAFT:
        return Denied(_("The report has been sent; add a comment instead."))
    return Allowed


def can_handle(user, incident: Incident) -> Decision:
    """Triage and handle: handlers and managers of the responsible unit (or above it)."""
    if incident.responsible_unit_id and has_perm(user, Perm.INCIDENT_TRIAGE, incident.responsible_unit):
        return Allowed
    return Denied(_("Only handlers of the responsible unit can do this."))


def sees_as_staff(user, incident: Incident, forwards=None) -> bool:
    """Does the user see the case as staff (handling, classification, all comments), or only
    as the reporter who follows their own report? `forwards` may be passed when loaded."""
    if forwards is None:
        forwards = incident.forwards.select_related("from_unit", "to_unit")
    units = [u for u in (incident.unit, incident.responsible_unit) if u is not None]
    units += [f.from_unit for f in forwards]
    # A unit asked for an answer reads the case to answer it (read-only, without identities).
    units += [f.to_unit for f in forwards if f.kind == f.Kind.ASK]
    return any(has_perm(user, Perm.INCIDENT_VIEW, unit) for unit in units)


def can_see_reporter(user, incident: Incident) -> Decision:
    """Who reported is known to the reporter and to the case's handlers: those who may
    triage where it happened or in the responsible unit (DESIGN §3). Others who see the case
    (a safety officer, a unit it was forwarded to) see "the reporter", not a name."""
    if incident.reporter_id == user.pk:
        return Allowed
    units = [u for u in (incident.unit, incident.responsible_unit) if u is not None]
    if any(has_perm(user, Perm.INCIDENT_TRIAGE, unit) for unit in units):
        return Allowed
    return Denied(_("Only the case's handlers see who reported."))


def can_handle_open(user, incident: Incident) -> Decision:
    decision = can_handle(user, incident)
    if not decision:
        return decision
    if incident.status not in OPEN_STATES:
        return Denied(_("The incident is not open."))
    return Allowed


def can_comment(user, incident: Incident) -> Decision:
    if incident.status == Status.DRAFT:
        return Denied(_("A draft has no comments; write in the report itself."))
    if incident.reporter_id == user.pk or can_handle(user, incident):
        return Allowed
    return Denied(_("Only the reporter and the handlers can comment."))


def can_share_comment(user, incident: Incident) -> Decision:
    """A handler's comment may be addressed to the reporter (a question, a message)."""
    if incident.reporter_id == user.pk:
        return Denied(_("Your comments always reach the case handler."))
    return can_handle(user, incident)


def can_view_patient(user, incident: Incident) -> Decision:
    units = [u for u in (incident.unit, incident.responsible_unit) if u is not None]
    if any(has_perm(user, Perm.INCIDENT_VIEW_PATIENT, u) for u in units):
        return Allowed
    # Read under another app's grant (an oversight agreement): only when it says so.
    grant = hooks.read_grant(user, incident)
    if grant is not None and grant.patient_identity:
        return Allowed
    return Denied(_("You may not see the patient's identity."))


def can_withdraw(user, incident: Incident) -> Decision:
    if incident.status == Status.DRAFT:
        return Allowed if incident.reporter_id == user.pk else Denied(_("Only the author can discard a draft."))
    return can_handle_open(user, incident)


# --- Handling ------------------------------------------------------------------------------
# The services check who (these predicates, 403) and then the state (ConflictError, 409);
# the predicates that also look at the state are for pages, to say why a button is off.


def can_take(user, incident: Incident) -> Decision:
    decision = can_handle_open(user, incident)
    if decision and incident.handler_id == user.pk and incident.status == Status.IN_PROGRESS:
        return Denied(_("You are already handling this incident."))
    return decision


def can_assign(user, incident: Incident) -> Decision:
    return can_handle_open(user, incident)


def may_be_handler(user, incident: Incident) -> Decision:
    """Can `user` be made the handler: an active user who handles in the responsible unit."""
    if not user.is_active or not can_handle(user, incident):
        return Denied(_("The handler must be a handler or manager of the responsible unit."))
    return Allowed


def can_forward(user, incident: Incident) -> Decision:
    return can_handle_open(user, incident)


def can_answer_forward(user, forward) -> Decision:
    """Only the receiving side answers: the unit the case was handed over to, or the unit
    asked for an answer (which answers without becoming responsible for the case)."""
    if has_perm(user, Perm.INCIDENT_TRIAGE, forward.to_unit):
        return Allowed
    if forward.kind == forward.Kind.ASK:
        return Denied(_("Only handlers of the unit that was asked can answer."))
    return Denied(_("Only handlers of the unit it was forwarded to can answer."))


def on_receiving_side(user, forward) -> bool:
    """Is the user one of those the case was handed over to or asked of, rather than of the
    sending side (someone whose scope covers both, a chief physician, is not)?"""
    return has_perm(user, Perm.INCIDENT_TRIAGE, forward.to_unit) and not has_perm(
        user, Perm.INCIDENT_TRIAGE, forward.from_unit
    )


def can_request_investigation(user, incident: Incident) -> Decision:
    decision = can_handle_open(user, incident)
    if decision and incident.investigation_requested_at:
        return Denied(_("An investigation has already been requested."))
    return decision


def can_request_lex_maria(user, incident: Incident) -> Decision:
    decision = can_handle_open(user, incident)
    if decision and incident.lex_maria_requested_at:
        return Denied(_("A Lex Maria assessment has already been requested."))
    return decision


def can_record_patient_information(user, incident: Incident) -> Decision:
    return can_handle_open(user, incident)


def can_close(user, incident: Incident) -> Decision:
    """Handlers of the responsible unit, on an incident in progress with nothing missing."""
    from incidents.selectors import close_blockers

    decision = can_handle(user, incident)
    if not decision:
        return decision
    if incident.status != Status.IN_PROGRESS:
        return Denied(_("Only an incident in progress can be closed."))
    blockers = close_blockers(incident)
    if blockers:
        return Denied(" ".join(str(b) for b in blockers))
    return Allowed


def can_reopen(user, incident: Incident) -> Decision:
    decision = can_handle(user, incident)
    if decision and incident.status != Status.CLOSED:
        return Denied(_("Only a closed incident can be reopened."))
    return decision
