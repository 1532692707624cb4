"""What handlers and managers do with a reported incident, from taking it to closing it.

Every function follows the same order: lock the incident, check who may do it
(PermissionDenied, 403), check the version (StaleVersionError), check the state
(ConflictError, 409), validate the input (ValidationError naming each field), change,
bump the version, write the timeline entry, and schedule side effects on commit.
Timeline messages carry names of units, categories and people, never patient data or a
reporter's free text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from incidents import permissions
from incidents.models import (
    OPEN_STATES,
    Action,
    CaseType,
    Category,
    Cause,
    CauseArea,
    EffectClass,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    ProviderSettings,
    Status,
    TimelineEntry,
)
from incidents.selectors import close_blockers, risk_summary
from incidents.services.common import (
    KIT,
    ConflictError,
    StaleVersionError,
    bump,
    check_transition,
    check_version,
    lock,
    record,
    require,
)
from incidents.services.reporting import notify_handlers
from psweb.cases import as_date, clean_text, fresh_instance, person_name, raise_errors
from psweb.models import PSL_3_8_POINTS

ACTION_FIELDS = ("description", "responsible", "due_date", "state", "effect_class", "causes")


# --- Small checks shared by the services ----------------------------------------------------


def _check_open(incident: Incident) -> None:
    """Work on the case (classify, causes, actions, feedback...) needs it submitted or in progress."""
    if incident.status not in OPEN_STATES:
        raise ConflictError(KIT.refusal(incident))


# --- Taking and assigning -------------------------------------------------------------------


def _become_handler(incident: Incident, handler: User, target: str) -> None:
    incident.handler = handler
    incident.status = target
    if incident.triaged_at is None:
        incident.triaged_at = timezone.now()
    bump(incident, "handler", "status", "triaged_at")


@transaction.atomic
def incident_take(*, incident: Incident, actor, version: int | None = None) -> Incident:
    """The actor becomes the handler; the incident is in progress from now on."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "take")
    if incident.handler_id == actor.pk and incident.status == target:
        return incident  # a double click takes it once
    _become_handler(incident, actor, target)
    record(incident, actor=actor, kind=TimelineEntry.Kind.TAKEN, message=person_name(actor), handler_id=actor.pk)
    return incident


@transaction.atomic
def incident_assign(*, incident: Incident, actor, handler, version: int | None = None) -> Incident:
    """Make `handler` (a handler or manager of the responsible unit) handle the incident."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "assign")
    handler = fresh_instance(User, handler)
    if handler is None or not permissions.may_be_handler(handler, incident):
        raise ValidationError({"handler": _("Choose a handler or manager of the responsible unit.")})
    if incident.handler_id == handler.pk and incident.status == target:
        return incident
    _become_handler(incident, handler, target)
    record(incident, actor=actor, kind=TimelineEntry.Kind.ASSIGNED, message=person_name(handler), handler_id=handler.pk)
    return incident


# --- Classification and risk ----------------------------------------------------------------


@transaction.atomic
def incident_classify(
    *, incident: Incident, actor, category, event_class: str, case_type: str, version: int | None = None
) -> Incident:
    """Set category, event class and case type. A retired category may stay on the case it
    is already on, but cannot be newly chosen."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    _check_open(incident)
    errors: dict[str, str] = {}
    if case_type not in CaseType.values:
        errors["case_type"] = _("Choose care or work environment.")
    if event_class not in EventClass.values:
        errors["event_class"] = _("Choose an event class.")
    category = fresh_instance(Category, category)
    if category is None:
        errors["category"] = _("Choose a category.")
    elif not category.is_active and category.pk != incident.category_id:
        errors["category"] = _("This category is no longer in use. Choose another one.")
    elif "case_type" not in errors and category.case_type != case_type:
        errors["category"] = _("The category does not belong to the chosen case type.")
    raise_errors(errors)

    incident.category = category
    incident.event_class = event_class
    incident.case_type = case_type
    bump(incident, "category", "event_class", "case_type")
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.CLASSIFIED,
        message=f"{category} · {EventClass(event_class).label} · {CaseType(case_type).label}",
        category_id=category.pk,
        event_class=event_class,
        case_type=case_type,
    )
    return incident


def _score_value(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 4 and str(number) == str(value).strip() else None


@transaction.atomic
def incident_assess_risk(
    *, incident: Incident, actor, probability, consequence, version: int | None = None
) -> Incident:
    """The 4×4 risk matrix. Whether the care provider's thresholds suggest an investigation
    is in the timeline entry and in `incidents.selectors.risk_summary(incident)`."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    _check_open(incident)
    errors: dict[str, str] = {}
    probability_value = _score_value(probability)
    consequence_value = _score_value(consequence)
    if probability_value is None:
        errors["probability"] = _("Choose a probability from 1 to 4.")
    if consequence_value is None:
        errors["consequence"] = _("Choose a consequence from 1 to 4.")
    raise_errors(errors)

    incident.risk_probability = probability_value
    incident.risk_consequence = consequence_value
    bump(incident, "risk_probability", "risk_consequence")
    summary = risk_summary(incident, ProviderSettings.for_unit(incident.responsible_unit))
    message = _("Risk score %(score)s (%(level)s).") % {"score": summary.score, "level": summary.level}
    if summary.suggests_investigation:
        message += " " + _("The risk is high enough to consider an investigation.")
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.RISK_ASSESSED,
        message=message,
        probability=probability_value,
        consequence=consequence_value,
        score=summary.score,
        level=summary.level,
        suggests_investigation=summary.suggests_investigation,
    )
    return incident


# --- Causes and actions ---------------------------------------------------------------------


@transaction.atomic
def cause_add(*, incident: Incident, actor, area, detail: str = "") -> Cause:
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    _check_open(incident)
    errors: dict[str, str] = {}
    area = fresh_instance(CauseArea, area)
    if area is None or not area.is_active:
        errors["area"] = _("Choose a cause area from the list.")
    detail = clean_text(detail, "detail", errors)
    raise_errors(errors)

    cause = Cause.objects.create(incident=incident, area=area, detail=detail, created_by=actor)
    bump(incident)
    record(incident, actor=actor, kind=TimelineEntry.Kind.CAUSE_ADDED, message=area.name, cause_id=cause.pk)
    return cause


@transaction.atomic
def cause_remove(*, cause: Cause, actor) -> Cause:
    """Hide a cause: the row stays, with the time it was removed."""
    incident = lock(cause.incident)
    require(permissions.can_handle(actor, incident))
    _check_open(incident)
    cause = Cause.objects.select_for_update().select_related("area").get(pk=cause.pk)
    if cause.removed_at:
        raise ConflictError(_("This cause has already been removed."))
    cause.removed_at = timezone.now()
    cause.save(update_fields=["removed_at"])
    bump(incident)
    record(incident, actor=actor, kind=TimelineEntry.Kind.CAUSE_REMOVED, message=cause.area.name, cause_id=cause.pk)
    return cause


def _clean_action_fields(incident: Incident, fields: dict[str, Any], *, current: Action | None) -> dict[str, Any]:
    """Validate action fields; ValidationError names each bad one."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    today = timezone.localdate()
    for name, value in fields.items():
        if name == "description":
            cleaned[name] = clean_text(value, name, errors, required=_("Describe the action."))
        elif name == "responsible":
            user = fresh_instance(User, value)
            if user is None or not user.is_active:
                errors[name] = _("Name a responsible person who can sign in.")
            cleaned[name] = user
        elif name == "due_date":
            date = as_date(value)
            unchanged = current is not None and date == current.due_date
            if date is None:
                errors[name] = _("Give a due date.")
            elif date < today and not unchanged:
                errors[name] = _("The due date has already passed. Choose today or a later date.")
            cleaned[name] = date
        elif name == "state":
            if value not in Action.State.values:
                errors[name] = _("Choose a status for the action.")
            cleaned[name] = value
        elif name == "effect_class":
            if value and value not in EffectClass.values:
                errors[name] = _("Choose an expected effect from the list.")
            cleaned[name] = value or ""
        elif name == "causes":
            causes = [fresh_instance(Cause, c) for c in (value or ())]
            if any(c is None or c.incident_id != incident.pk or c.removed_at for c in causes):
                errors[name] = _("Choose causes of this incident.")
            cleaned[name] = causes
    raise_errors(errors)
    return cleaned


@transaction.atomic
def action_add(
    *,
    incident: Incident,
    actor,
    description: str,
    responsible,
    due_date,
    effect_class: str = "",
    causes: Iterable = (),
) -> Action:
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    _check_open(incident)
    cleaned = _clean_action_fields(
        incident,
        {
            "description": description,
            "responsible": responsible,
            "due_date": due_date,
            "effect_class": effect_class,
            "causes": list(causes),
        },
        current=None,
    )
    chosen_causes = cleaned.pop("causes")
    action = Action.objects.create(incident=incident, created_by=actor, **cleaned)
    action.causes.set(chosen_causes)
    bump(incident)
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_ADDED,
        message=_("Responsible: %(person)s, due %(date)s.")
        % {"person": person_name(action.responsible), "date": action.due_date.isoformat()},
        action_id=action.pk,
        action_version=action.version,
    )
    return action


@transaction.atomic
def action_update(*, action: Action, actor, version: int | None = None, **fields) -> Action:
    """Change an action; `version` is the action's own. On a closed incident only the
    status may still change (actions are often carried out after the case is closed)."""
    incident = lock(action.incident)
    require(permissions.can_handle(actor, incident))
    action = Action.objects.select_for_update().get(pk=action.pk)
    if version is not None and version != action.version:
        since = list(
            incident.timeline.select_related("actor")
            .filter(data__action_id=action.pk, data__action_version__gt=version)
            .order_by("at", "id")
        )
        raise StaleVersionError(
            _("Someone else changed this action meanwhile. Reload to see the changes, then try again."), since
        )
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in sorted(unknown)})
    if incident.status == Status.CLOSED:
        if set(fields) - {"state"}:
            raise ConflictError(_("The incident is closed: only the status of an action can change."))
    else:
        _check_open(incident)
    cleaned = _clean_action_fields(incident, fields, current=action)

    changed: list[str] = []
    if "causes" in cleaned:
        chosen = {c.pk for c in cleaned.pop("causes")}
        if chosen != set(action.causes.values_list("pk", flat=True)):
            action.causes.set(chosen)
            changed.append("causes")
    for name, value in cleaned.items():
        if getattr(action, name) != value:
            setattr(action, name, value)
            changed.append(name)
    if not changed:
        return action
    update_fields = [name for name in changed if name != "causes"]
    if "state" in changed:
        action.done_at = timezone.now() if action.state == Action.State.DONE else None
        update_fields.append("done_at")
    action.version += 1
    action.save(update_fields=[*update_fields, "version"])
    bump(incident)
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_CHANGED,
        message=action.get_state_display() if "state" in changed else "",
        action_id=action.pk,
        action_version=action.version,
        fields=sorted(changed),
        state=action.state,
    )
    return action


# --- Forwarding -----------------------------------------------------------------------------


@transaction.atomic
def incident_forward(
    *, incident: Incident, actor, to_unit, message: str, answer_due, version: int | None = None
) -> Forward:
    """Hand responsibility to another unit, maybe of another care provider. It arrives there
    as submitted and unassigned; the forwarding unit keeps seeing the incident."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "forward")
    errors: dict[str, str] = {}
    to_unit = fresh_instance(OrgUnit, to_unit)
    if to_unit is None or not to_unit.is_active:
        errors["to_unit"] = _("Choose a unit from the list.")
    elif to_unit.pk == incident.responsible_unit_id:
        errors["to_unit"] = _("The incident is already with this unit. Choose another one.")
    message = clean_text(message, "message", errors, required=_("Write what the receiving unit should do or answer."))
    due = as_date(answer_due)
    if due is None:
        errors["answer_due"] = _("Give the date an answer is due.")
    elif due < timezone.localdate():
        errors["answer_due"] = _("The date has already passed. Choose today or a later date.")
    raise_errors(errors)

    from_unit = incident.responsible_unit
    forward = Forward.objects.create(
        incident=incident, from_unit=from_unit, to_unit=to_unit, message=message, answer_due=due, forwarded_by=actor
    )
    incident.responsible_unit = to_unit
    incident.status = target
    incident.handler = None
    bump(incident, "responsible_unit", "status", "handler")
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.FORWARDED,
        message=f"{from_unit.name} → {to_unit.name}",
        forward_id=forward.pk,
        from_unit_id=from_unit.pk,
        to_unit_id=to_unit.pk,
    )
    incident_id = incident.pk
    # Written in this transaction (DESIGN §5); the e-mail itself is sent after commit.
    notify_handlers(incident_id=incident_id, reason="forwarded")
    return forward


@transaction.atomic
def forward_answer(*, forward: Forward, actor, answer: str) -> Forward:
    """The receiving side answers the forwarding unit's message, once. Both sides see it."""
    incident = lock(forward.incident)
    forward = Forward.objects.select_for_update().select_related("to_unit").get(pk=forward.pk)
    require(permissions.can_answer_forward(actor, forward))
    if forward.answered_at:
        raise ConflictError(_("This has already been answered."))
    if incident.status == Status.WITHDRAWN:
        raise ConflictError(_("The incident has been withdrawn."))
    errors: dict[str, str] = {}
    answer = clean_text(answer, "answer", errors, required=_("Write an answer."))
    raise_errors(errors)

    forward.answer = answer
    forward.answered_by = actor
    forward.answered_at = timezone.now()
    forward.save(update_fields=["answer", "answered_by", "answered_at"])
    bump(incident)
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.FORWARD_ANSWERED,
        message=forward.to_unit.name,
        forward_id=forward.pk,
    )
    return forward


# --- Requests, the patient, feedback --------------------------------------------------------


def _request(incident: Incident, actor, *, field: str, kind: str, already: str, reason: str, version) -> Incident:
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    _check_open(incident)
    if getattr(incident, field):
        raise ConflictError(already)
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, max_length=2000)
    raise_errors(errors)
    setattr(incident, field, timezone.now())
    bump(incident, field)
    record(incident, actor=actor, kind=kind, message=reason)
    return incident


@transaction.atomic
def incident_request_investigation(
    *, incident: Incident, actor, reason: str = "", version: int | None = None
) -> Incident:
    """Flag that the incident should be investigated (the investigations issue makes it a case)."""
    return _request(
        incident,
        actor,
        field="investigation_requested_at",
        kind=TimelineEntry.Kind.INVESTIGATION_REQUESTED,
        already=_("An investigation has already been requested."),
        reason=reason,
        version=version,
    )


@transaction.atomic
def incident_request_lex_maria(*, incident: Incident, actor, reason: str = "", version: int | None = None) -> Incident:
    """Request a Lex Maria assessment. The `lex_maria_requested` signal lets the Lex Maria app
    open the case in this same transaction, so the request and the case exist together."""
    from incidents.hooks import lex_maria_requested

    incident = _request(
        incident,
        actor,
        field="lex_maria_requested_at",
        kind=TimelineEntry.Kind.LEX_MARIA_REQUESTED,
        already=_("A Lex Maria assessment has already been requested."),
        reason=reason,
        version=version,
    )
    lex_maria_requested.send(sender=Incident, incident=incident, actor=actor, reason=(reason or "").strip())
    return incident


@transaction.atomic
def patient_information_record(
    *,
    incident: Incident,
    actor,
    informed: bool,
    informed_on=None,
    informed_by: str = "",
    record_note_made: bool = False,
    not_informed_reason: str = "",
    **told: bool,
) -> PatientInformation:
    """PSL 3 kap. 8 §: that and how the patient was informed, or why not. Recording again
    replaces the earlier record (its history stays in the audit trail). `told` holds the six
    points the patient was told about (`psweb.models.PSL_3_8_POINTS`), each True or False."""
    unknown = set(told) - set(PSL_3_8_POINTS)
    if unknown:
        raise TypeError(f"patient_information_record() got unexpected arguments {sorted(unknown)}")
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    _check_open(incident)
    errors: dict[str, str] = {}
    informed = bool(informed)
    date = as_date(informed_on)
    if informed:
        if date is None:
            errors["informed_on"] = _("Give the date the patient was informed.")
        elif date > timezone.localdate():
            errors["informed_on"] = _("The date lies in the future.")
    informed_by = clean_text(informed_by, "informed_by", errors, max_length=200)
    reason = clean_text(
        not_informed_reason,
        "not_informed_reason",
        errors,
        required=None if informed else _("Say why the patient was not informed."),
    )
    raise_errors(errors)

    information, _created = PatientInformation.objects.update_or_create(
        incident=incident,
        defaults={
            "informed": informed,
            "informed_on": date if informed else None,
            "informed_by": informed_by,
            **{point: bool(told.get(point)) for point in PSL_3_8_POINTS},
            "record_note_made": bool(record_note_made),
            "not_informed_reason": "" if informed else reason,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        },
    )
    bump(incident)
    record(incident, actor=actor, kind=TimelineEntry.Kind.PATIENT_INFORMED, informed=informed)
    return information


@transaction.atomic
def incident_feedback(*, incident: Incident, actor, text: str, version: int | None = None) -> Incident:
    """The feedback the reporter reads in "Mina avvikelser" once the incident is closed."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    _check_open(incident)
    errors: dict[str, str] = {}
    text = clean_text(text, "text", errors, required=_("Write the feedback to the reporter."))
    raise_errors(errors)
    incident.feedback = text
    incident.feedback_at = timezone.now()
    bump(incident, "feedback", "feedback_at")
    record(incident, actor=actor, kind=TimelineEntry.Kind.FEEDBACK)
    return incident


# --- Closing and reopening ------------------------------------------------------------------


@transaction.atomic
def incident_close(*, incident: Incident, actor, version: int | None = None) -> Incident:
    """Close when nothing is missing (`close_blockers`); the reporter is told by e-mail that
    feedback is available. A refusal is a ConflictError whose `blockers` list what is missing."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "close")
    blockers = close_blockers(incident)
    if blockers:
        error = ConflictError(" ".join(str(text) for text in [_("The incident cannot be closed yet."), *blockers]))
        error.blockers = blockers
        raise error
    incident.status = target
    incident.closed_at = timezone.now()
    bump(incident, "status", "closed_at")
    record(incident, actor=actor, kind=TimelineEntry.Kind.CLOSED)
    incident_id, version_now = incident.pk, incident.version
    # Written in this transaction (DESIGN §5); the e-mail itself is sent after commit.
    notify_reporter_closed(incident_id=incident_id, version=version_now)
    return incident


@transaction.atomic
def incident_reopen(*, incident: Incident, actor, reason: str, version: int | None = None) -> Incident:
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "reopen")
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the incident is reopened."), max_length=2000)
    raise_errors(errors)
    incident.status = target
    incident.closed_at = None
    bump(incident, "status", "closed_at")
    record(incident, actor=actor, kind=TimelineEntry.Kind.REOPENED, message=reason)
    return incident


def notify_reporter_closed(*, incident_id: int, version: int) -> bool:
    """Tell the reporter (in-app and e-mail) that feedback is available: reference and link
    only, never free text or patient data. One message per closing. Returns whether one was queued."""
    from outbox.services import notify

    incident = Incident.objects.select_related("reporter").get(pk=incident_id)
    reporter = incident.reporter
    if not reporter.is_active:
        return False
    notify(
        user=reporter,
        template="incidents/email/feedback_notice",
        context={"reference": incident.reference},
        path=reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) + "#feedback",
        dedupe_key=f"incident:{incident.pk}:closed:{version}",
    )
    return True
