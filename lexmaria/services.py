"""Every write to a Lex Maria case, one function per operation (DESIGN §4).

Each locks the row, checks who (permissions, 403), the version (StaleVersionError, 409) and
the state (ConflictError, 409), validates the input (ValidationError naming each field),
changes the case, bumps its version and writes a timeline entry in the same transaction.
Notifications go through the outbox and carry a reference and a link only.

Who: the chief physician and the patient-safety officer prepare (`lexmaria.prepare`: the
preparer, the investigation, the IVO dialogue, the follow-up); the designated decider, her
deputy or delegate, or by default the chief physician decides (`lexmaria.deciders`: report or
not, and reopening a decision not to report), and the decision records in what capacity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Perm
from accounts.selectors import users_with_perm_in
from actions.models import Action, EffectClass
from actions.services import action_create
from incidents.models import Incident
from incidents.models import TimelineEntry as IncidentTimelineEntry
from incidents.services.common import KIT as INCIDENT
from investigations.models import Investigation
from lexmaria import permissions
from lexmaria.deciders import capacity_text, decider_capacity
from lexmaria.models import (
    OPEN_STATES,
    REPORTED_STATES,
    TRANSITIONS,
    CaseIncident,
    Decision,
    IvoDecision,
    LexMariaCase,
    LexMariaSettings,
    PromisedAction,
    Status,
    SupplementRequest,
    TimelineEntry,
)
from lexmaria.selectors import ClockStatus, action_blockers, case_actions, clocks_for, local_date
from psweb.cases import (
    CaseKit,
    ConflictError,
    StaleVersionError,
    bump,
    clean_past_date,
    clean_text,
    person_name,
    raise_errors,
    record,
    require,
)

__all__ = ["ConflictError", "StaleVersionError"]


KIT = CaseKit(
    transitions=TRANSITIONS,
    stale_message=gettext_lazy(
        "Someone else changed this Lex Maria case meanwhile. Reload to see the changes, then try again."
    ),
    state_message=gettext_lazy("This cannot be done while the Lex Maria case is %(status)s."),
    lock_related=("unit",),
    reference_prefix="LM",
    counter_table="lexmaria_referencecounter",
)


# --- Shared pieces -----------------------------------------------------------------------------


def _check_open(case: LexMariaCase) -> None:
    if case.status not in OPEN_STATES:
        raise ConflictError(_("The Lex Maria case is closed."))


def case_path(case: LexMariaCase) -> str:
    """The case's page, for links in notifications."""
    return reverse("lexmaria:detail", kwargs={"pk": case.pk})


def _notify(case: LexMariaCase, user: User, template: str, dedupe_key: str, **context) -> None:
    from outbox.services import notify

    notify(
        user=user,
        template=f"lexmaria/email/{template}",
        context={"reference": case.reference, **context},
        path=case_path(case),
        dedupe_key=dedupe_key,
    )


def _notify_deciders(case: LexMariaCase, actor) -> None:
    """Everyone who decides Lex Maria for the case's unit learns that an assessment waits."""
    for user in users_with_perm_in(unit=case.unit, perm=Perm.LEXMARIA_DECIDE):
        if user.pk != getattr(actor, "pk", None):
            _notify(case, user, "assessment_requested", f"lexmaria:{case.pk}:requested")


# --- Opening -------------------------------------------------------------------------------------


def _link_incident(case: LexMariaCase, incident: Incident, actor, *, mark_incident: bool) -> None:
    """Link an (already locked) incident. With `mark_incident`, the incident records that an
    assessment exists (when opened directly rather than on the incident's own request)."""
    existing = CaseIncident.objects.filter(incident=incident).select_related("case").first()
    if existing is not None:
        raise ConflictError(
            _("Incident %(incident)s is already assessed in Lex Maria case %(case)s.")
            % {"incident": incident.reference, "case": existing.case.reference}
        )
    CaseIncident.objects.create(case=case, incident=incident, linked_by=actor)
    record(
        case, actor=actor, kind=TimelineEntry.Kind.INCIDENT_LINKED, message=incident.reference, incident_id=incident.pk
    )
    if incident.occurred_at and (case.event_occurred_at is None or incident.occurred_at < case.event_occurred_at):
        case.event_occurred_at = incident.occurred_at
        case.save(update_fields=["event_occurred_at", "updated_at"])
    if mark_incident:
        fields = []
        if incident.lex_maria_requested_at is None:
            incident.lex_maria_requested_at = timezone.now()
            fields.append("lex_maria_requested_at")
        bump(incident, *fields)
        record(
            incident,
            actor=actor,
            kind=IncidentTimelineEntry.Kind.LEX_MARIA_REQUESTED,
            message=_("Assessed in Lex Maria case %(reference)s.") % {"reference": case.reference},
            lex_maria_case_id=case.pk,
        )


def _open(
    *, actor, incidents: list[Incident], investigation: Investigation | None, reason: str, mark_incidents: bool
) -> LexMariaCase:
    first = incidents[0] if incidents else None
    unit = (first.responsible_unit or first.unit) if first is not None else investigation.unit
    settings_ = LexMariaSettings.for_unit(unit)
    now = timezone.now()
    case = LexMariaCase.objects.create(
        reference=KIT.next_reference(local_date(now).year),
        unit=unit,
        investigation=investigation,
        requested_at=now,
        requested_by=actor,
        request_reason=reason,
        decision_due_on=local_date(now) + dt.timedelta(days=settings_.decision_days),
        created_by=actor,
    )
    record(case, actor=actor, kind=TimelineEntry.Kind.OPENED, due=case.decision_due_on.isoformat())
    for incident in incidents:
        _link_incident(case, incident, actor, mark_incident=mark_incidents)
    if investigation is not None:
        record(
            case,
            actor=actor,
            kind=TimelineEntry.Kind.INVESTIGATION_LINKED,
            message=investigation.reference,
            investigation_id=investigation.pk,
        )
    _notify_deciders(case, actor)
    return case


def _visible_investigation(actor, investigation: Investigation | None, errors: dict) -> Investigation | None:
    if investigation is None:
        return None
    found = Investigation.objects.visible_to(actor).filter(pk=getattr(investigation, "pk", investigation)).first()
    if found is None:
        errors["investigation"] = _("Choose an investigation you can see.")
    return found


@transaction.atomic
def case_open(
    *, actor, incidents: Iterable[Incident], reason: str, investigation: Investigation | None = None
) -> LexMariaCase:
    """Open a case directly (the chief physician or the patient-safety officer), for one or
    more incidents and optionally their investigation."""
    incidents = [INCIDENT.lock(incident) for incident in incidents]
    if not incidents:
        raise ValidationError({"incidents": _("Choose at least one incident to assess.")})
    for incident in incidents:
        require(permissions.can_open(actor, incident))
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the event is assessed for Lex Maria."))
    investigation = _visible_investigation(actor, investigation, errors)
    raise_errors(errors)
    return _open(actor=actor, incidents=incidents, investigation=investigation, reason=reason, mark_incidents=True)


@transaction.atomic
def case_open_from_investigation(*, investigation: Investigation, actor, reason: str) -> LexMariaCase:
    """Open a case for an investigation and all its incidents."""
    investigation = Investigation.objects.select_related("unit").get(pk=investigation.pk)
    require(permissions.can_open_from_investigation(actor, investigation))
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the event is assessed for Lex Maria."))
    raise_errors(errors)
    incidents = [INCIDENT.lock(incident) for incident in investigation.incidents.order_by("pk")]
    return _open(actor=actor, incidents=incidents, investigation=investigation, reason=reason, mark_incidents=True)


@transaction.atomic
def case_open_from_request(*, incident: Incident, actor, reason: str = "") -> LexMariaCase:
    """Open the case for a handler's request on an incident (`incidents.hooks.
    lex_maria_requested`, sent by `incident_request_lex_maria` inside its transaction, after
    it checked that `actor` handles the incident). The deciders are told. The incident itself
    is not changed again: its request is its record, and its version stays the one the
    handler got back."""
    if incident.lex_maria_requested_at is None:
        raise ConflictError(_("No Lex Maria assessment has been requested for this incident."))
    existing = LexMariaCase.objects.filter(links__incident=incident).first()
    if existing is not None:
        return existing
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, max_length=2000)
    raise_errors(errors)
    return _open(actor=actor, incidents=[incident], investigation=None, reason=reason, mark_incidents=False)


@transaction.atomic
def incident_link(*, case: LexMariaCase, actor, incident: Incident, version: int | None = None) -> LexMariaCase:
    """Assess one more incident in the case (the same event seen from another unit)."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    require(permissions.can_open(actor, incident))
    KIT.check_version(case, version)
    _check_open(case)
    bump(case)
    _link_incident(case, INCIDENT.lock(incident), actor, mark_incident=True)
    return case


@transaction.atomic
def investigation_link(
    *, case: LexMariaCase, actor, investigation: Investigation, version: int | None = None
) -> LexMariaCase:
    """Link the investigation of the event; its actions then count as the case's actions.
    Linking another one replaces it (the timeline keeps both)."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    _check_open(case)
    errors: dict[str, str] = {}
    investigation = _visible_investigation(actor, investigation, errors)
    if investigation is None and not errors:
        errors["investigation"] = _("Choose an investigation.")
    raise_errors(errors)
    if case.investigation_id == investigation.pk:
        raise ConflictError(_("The investigation is already linked to this case."))
    case.investigation = investigation
    bump(case, "investigation")
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.INVESTIGATION_LINKED,
        message=investigation.reference,
        investigation_id=investigation.pk,
    )
    return case


@transaction.atomic
def case_assign_owner(*, case: LexMariaCase, actor, owner: User, version: int | None = None) -> LexMariaCase:
    """The person preparing the case: the chief physician or a patient-safety officer."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    _check_open(case)
    decision = permissions.may_prepare(owner, case)
    if not decision:
        raise ValidationError({"owner": decision.reason})
    case.owner = owner
    bump(case, "owner")
    record(case, actor=actor, kind=TimelineEntry.Kind.OWNER_ASSIGNED, message=person_name(owner), user_id=owner.pk)
    if owner.pk != actor.pk:
        _notify(case, owner, "owner_notice", f"lexmaria:{case.pk}:owner:{owner.pk}:{case.version}")
    return case


# --- The decision --------------------------------------------------------------------------------


@transaction.atomic
def case_decide(
    *, case: LexMariaCase, actor, decision: str, motivation: str, version: int | None = None
) -> LexMariaCase:
    """The chief physician's decision, with its motivation. Not reporting closes the case;
    reporting starts the internal deadline for sending the report to IVO."""
    case = KIT.lock(case)
    require(permissions.can_decide(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "decide_no_report" if decision == Decision.NO_REPORT else "decide_report")
    errors: dict[str, str] = {}
    if decision not in Decision.values:
        errors["decision"] = _("Choose whether the event is reported to IVO or not.")
    motivation = clean_text(motivation, "motivation", errors, required=_("Give the motivation for the decision."))
    raise_errors(errors)
    now = timezone.now()
    capacity, row = decider_capacity(actor, case.unit)  # can_decide above: not None
    case.status, case.decision, case.motivation = target, decision, motivation
    case.decided_by, case.decided_at, case.decided_as = actor, now, capacity
    if decision == Decision.REPORT:
        days = LexMariaSettings.for_unit(case.unit).report_days
        case.report_due_on = local_date(now) + dt.timedelta(days=days)
    else:
        case.closed_at = now
    bump(
        case, "status", "decision", "motivation", "decided_by", "decided_at", "decided_as", "report_due_on", "closed_at"
    )
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.DECIDED,
        message=f"{Decision(decision).label} ({capacity_text(capacity, row)})",
        decision=decision,
        decided_as=capacity,
        decider_row=row.pk if row is not None else None,
    )
    return case


@transaction.atomic
def case_reopen(*, case: LexMariaCase, actor, reason: str, version: int | None = None) -> LexMariaCase:
    """Reopen a decision not to report (new information): back to assessment, with a new
    internal decision deadline. The earlier decision stays in the timeline and the history."""
    case = KIT.lock(case)
    require(permissions.can_decide(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "reopen")
    if case.decision != Decision.NO_REPORT:
        raise ConflictError(_("Only a decision not to report can be reopened; this case went to IVO."))
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the case is reopened."), max_length=2000)
    raise_errors(errors)
    days = LexMariaSettings.for_unit(case.unit).decision_days
    case.status, case.closed_at = target, None
    case.decision, case.motivation, case.decided_by, case.decided_at, case.decided_as = "", "", None, None, ""
    case.decision_due_on, case.report_due_on = timezone.localdate() + dt.timedelta(days=days), None
    bump(
        case,
        "status",
        "closed_at",
        "decision",
        "motivation",
        "decided_by",
        "decided_at",
        "decided_as",
        "decision_due_on",
        "report_due_on",
    )
    record(case, actor=actor, kind=TimelineEntry.Kind.REOPENED, message=reason)
    return case


# --- The report and the dialogue with IVO --------------------------------------------------------


def _promise_actions(case: LexMariaCase, on: dt.date) -> int:
    """Note the actions the report (or a supplement) promised IVO, for the yearly follow-up."""
    created = 0
    for action in case_actions(case):
        _row, new = PromisedAction.objects.get_or_create(case=case, action=action, defaults={"promised_on": on})
        created += new
    return created


@transaction.atomic
def case_mark_reported(
    *, case: LexMariaCase, actor, ivo_reference: str, sent_on: dt.date, version: int | None = None
) -> LexMariaCase:
    """The report was sent through IVO's e-service: its reference and date. Refused while the
    report has no actions, or an action lacks a responsible person or a due date (IVO asks for
    a supplement then). A refusal is a ConflictError whose `blockers` name the actions."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "mark_reported")
    blockers = action_blockers(case_actions(case))
    if blockers:
        error = ConflictError(" ".join(str(text) for text in [_("The report to IVO is not complete."), *blockers]))
        error.blockers = blockers
        raise error
    errors: dict[str, str] = {}
    ivo_reference = clean_text(
        ivo_reference, "ivo_reference", errors, required=_("Give IVO's reference."), max_length=60
    )
    sent_on = clean_past_date(
        sent_on,
        "sent_on",
        errors,
        required=_("Give the date the report was sent."),
        not_before=local_date(case.decided_at),
    )
    raise_errors(errors)
    case.status, case.ivo_reference, case.sent_on, case.reported_by = target, ivo_reference, sent_on, actor
    bump(case, "status", "ivo_reference", "sent_on", "reported_by")
    promised = _promise_actions(case, sent_on)
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.REPORTED,
        message=ivo_reference,
        sent_on=sent_on.isoformat(),
        actions=promised,
    )
    return case


@transaction.atomic
def supplement_request(
    *, case: LexMariaCase, actor, what: str, due_on: dt.date, requested_on: dt.date, version: int | None = None
) -> SupplementRequest:
    """IVO asked for a supplement: what, and by when."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "supplement_request")
    errors: dict[str, str] = {}
    what = clean_text(what, "what", errors, required=_("Say what IVO asks for."))
    requested_on = clean_past_date(
        requested_on, "requested_on", errors, required=_("Give the date of IVO's request."), not_before=case.sent_on
    )
    if isinstance(due_on, dt.datetime) or not isinstance(due_on, dt.date):
        errors["due_on"] = _("Give the date IVO wants the answer by.")
    elif requested_on is not None and due_on < requested_on:
        errors["due_on"] = _("The answer cannot be due before IVO asked for it.")
    raise_errors(errors)
    supplement = SupplementRequest.objects.create(
        case=case, what=what, requested_on=requested_on, due_on=due_on, recorded_by=actor
    )
    case.status = target
    bump(case, "status")
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.SUPPLEMENT_REQUESTED,
        message=_("Answer due %(date)s.") % {"date": due_on.isoformat()},
        supplement_id=supplement.pk,
    )
    return supplement


@transaction.atomic
def supplement_send(
    *, case: LexMariaCase, actor, answer: str, sent_on: dt.date, version: int | None = None
) -> SupplementRequest:
    """The supplement was sent: a summary of the answer and the date. Actions added meanwhile
    count as promised to IVO from then."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "supplement_send")
    supplement = (
        SupplementRequest.objects.select_for_update()
        .filter(case=case, answered_on__isnull=True)
        .order_by("requested_on", "id")
        .last()
    )
    if supplement is None:  # the state says there is one; the data must agree
        raise ConflictError(_("There is no open request from IVO to answer."))
    errors: dict[str, str] = {}
    answer = clean_text(answer, "answer", errors, required=_("Summarise the answer sent to IVO."))
    sent_on = clean_past_date(
        sent_on, "sent_on", errors, required=_("Give the date the answer was sent."), not_before=supplement.requested_on
    )
    raise_errors(errors)
    supplement.answer, supplement.answered_on, supplement.answered_by = answer, sent_on, actor
    supplement.save(update_fields=["answer", "answered_on", "answered_by"])
    case.status = target
    bump(case, "status")
    promised = _promise_actions(case, sent_on)
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.SUPPLEMENT_SENT,
        supplement_id=supplement.pk,
        sent_on=sent_on.isoformat(),
        actions=promised,
    )
    return supplement


@transaction.atomic
def ivo_decision_record(
    *, case: LexMariaCase, actor, kind: str, decided_on: dt.date, text: str = "", version: int | None = None
) -> LexMariaCase:
    """IVO's decision on the report: closed with or without criticism, or another decision."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "ivo_decision")
    errors: dict[str, str] = {}
    if kind not in IvoDecision.values:
        errors["kind"] = _("Choose IVO's decision from the list.")
    decided_on = clean_past_date(
        decided_on, "decided_on", errors, required=_("Give the date of IVO's decision."), not_before=case.sent_on
    )
    text = clean_text(
        text,
        "text",
        errors,
        required=_("Say what IVO decided.") if kind == IvoDecision.OTHER else None,
    )
    raise_errors(errors)
    case.status, case.ivo_decision, case.ivo_decided_on, case.ivo_decision_text = target, kind, decided_on, text
    bump(case, "status", "ivo_decision", "ivo_decided_on", "ivo_decision_text")
    record(case, actor=actor, kind=TimelineEntry.Kind.IVO_DECISION, message=IvoDecision(kind).label, ivo_decision=kind)
    return case


@transaction.atomic
def case_close(*, case: LexMariaCase, actor, version: int | None = None) -> LexMariaCase:
    """Close after IVO's decision. The promised actions can still be followed up."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    target = KIT.check_transition(case, "close")
    case.status, case.closed_at = target, timezone.now()
    bump(case, "status", "closed_at")
    record(case, actor=actor, kind=TimelineEntry.Kind.CLOSED)
    return case


@transaction.atomic
def action_follow_up(
    *,
    case: LexMariaCase,
    actor,
    action,
    carried_out: bool,
    effect_class: str = "",
    evidence: str = "",
    version: int | None = None,
) -> PromisedAction:
    """The yearly follow-up of an action promised to IVO: was it carried out, with what effect
    class (blank: the action's expected effect), and on what evidence. Recording again
    replaces the answer (the history keeps the earlier one)."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    if case.decision != Decision.REPORT or not (case.status in REPORTED_STATES or case.status == Status.CLOSED):
        raise ConflictError(_("Actions are followed up once the report has been sent to IVO."))
    promised = (
        PromisedAction.objects.select_for_update().filter(case=case, action_id=getattr(action, "pk", action)).first()
    )
    errors: dict[str, str] = {}
    if promised is None:
        errors["action"] = _("Choose an action that was promised to IVO in this case.")
    if carried_out is None:
        errors["carried_out"] = _("Say whether the action was carried out.")
    if effect_class and effect_class not in EffectClass.values:
        errors["effect_class"] = _("Choose an effect class from the list.")
    evidence = clean_text(evidence, "evidence", errors)
    raise_errors(errors)
    promised.carried_out, promised.effect_class, promised.evidence = bool(carried_out), effect_class or "", evidence
    promised.followed_up_by, promised.followed_up_at = actor, timezone.now()
    promised.save(update_fields=["carried_out", "effect_class", "evidence", "followed_up_by", "followed_up_at"])
    bump(case)
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_FOLLOWED_UP,
        message=_("Carried out") if carried_out else _("Not carried out"),
        action_id=promised.action_id,
    )
    return promised


@transaction.atomic
def action_add(
    *,
    case: LexMariaCase,
    actor,
    description: str,
    responsible,
    due_date,
    effect_class: str = "",
    version: int | None = None,
) -> Action:
    """An action of the Lex Maria case itself (one the care provider decides beyond those of
    its incidents and investigation), in the action register; the responsible person is told.
    It is among the actions the report to IVO lists."""
    case = KIT.lock(case)
    require(permissions.can_prepare(actor, case))
    KIT.check_version(case, version)
    _check_open(case)
    action = action_create(
        source=case,
        actor=actor,
        fields={
            "description": description,
            "responsible": responsible,
            "due_date": due_date,
            "effect_class": effect_class or "",
        },
    )
    bump(case)
    record(
        case,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_ADDED,
        message=_("Responsible: %(person)s, due %(date)s.")
        % {"person": person_name(action.responsible), "date": action.due_date.isoformat()},
        action_id=action.pk,
        action_version=action.version,
    )
    return action


# --- Deadline warnings ----------------------------------------------------------------------------


def deadline_warnings_send(*, now: dt.datetime | None = None) -> int:
    """Warn about internal deadlines within `warn_days_before` days or past: the case's
    preparer, or without one everyone who decides for its unit. One message per person per
    case per day (dedupe key), however often it runs. Returns how many were queued now."""
    from outbox.models import Notification

    now = now or timezone.now()
    today = local_date(now)
    waiting = list(
        LexMariaCase.objects.filter(
            status__in=[Status.ASSESSMENT, Status.DECIDED_TO_REPORT, Status.SUPPLEMENT_REQUESTED]
        )
        .select_related("unit", "owner")
        .order_by("pk")
    )
    clocks = clocks_for(waiting, now)
    sent = 0
    for case in waiting:
        clock = clocks[case.pk]
        if clock.status == ClockStatus.OK:
            continue
        if case.owner is not None and case.owner.is_active:
            recipients = [case.owner]
        else:
            recipients = list(users_with_perm_in(unit=case.unit, perm=Perm.LEXMARIA_DECIDE))
        template = "deadline_overdue" if clock.status == ClockStatus.OVERDUE else "deadline_due_soon"
        key = f"lexmaria:{case.pk}:deadline:{today.isoformat()}"
        for user in recipients:
            if Notification.objects.filter(user=user, dedupe_key=key).exists():
                continue
            _notify(
                case,
                user,
                template,
                key,
                deadline=clock.deadline.isoformat(),
                deadline_kind=clock.deadline_kind,
                days=abs(clock.days_left),
            )
            sent += 1
    return sent
