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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrgUnit, User
from actions.models import Action
from actions.services import action_create
from actions.services import action_update as register_action_update
from incidents import permissions
from incidents.models import (
    OPEN_STATES,
    CaseType,
    Category,
    Cause,
    CauseArea,
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

# The longest short title (the model's field).
TITLE_LENGTH = Incident._meta.get_field("title").max_length

# --- Small checks shared by the services ----------------------------------------------------


def _check_open(incident: Incident) -> None:
    """Work on the case (classify, causes, actions, feedback...) needs it submitted or in progress."""
    if incident.status not in OPEN_STATES:
        raise ConflictError(KIT.refusal(incident))


# --- Taking and assigning -------------------------------------------------------------------


def _become_handler(incident: Incident, handler: User, target: str) -> bool:
    """Returns whether the incident is handled for the first time (then the reporter is told)."""
    first = incident.triaged_at is None
    incident.handler = handler
    incident.status = target
    if first:
        incident.triaged_at = timezone.now()
    bump(incident, "handler", "status", "triaged_at")
    return first


def notify_reporter_handled(*, incident: Incident, actor) -> bool:
    """Tell the reporter that a handler now works on her report ("Din avvikelse … handläggs
    nu"), once per incident: reference and link only. Not when she handles it herself.
    Returns whether she was told."""
    from outbox.services import notify

    reporter = incident.reporter
    if reporter.pk in (actor.pk, incident.handler_id) or not reporter.is_active:
        return False
    notify(
        user=reporter,
        template="incidents/email/handled_notice",
        context={"reference": incident.reference},
        path=reverse("incidents:mine-detail", kwargs={"pk": incident.pk}),
        dedupe_key=f"incident:{incident.pk}:handled",
    )
    return True


@transaction.atomic
def incident_take(*, incident: Incident, actor, version: int | None = None) -> Incident:
    """The actor becomes the handler; the incident is in progress from now on."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    target = check_transition(incident, "take")
    if incident.handler_id == actor.pk and incident.status == target:
        return incident  # a double click takes it once
    first = _become_handler(incident, actor, target)
    record(incident, actor=actor, kind=TimelineEntry.Kind.TAKEN, message=person_name(actor), handler_id=actor.pk)
    if first:
        notify_reporter_handled(incident=incident, actor=actor)
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
    first = _become_handler(incident, handler, target)
    record(incident, actor=actor, kind=TimelineEntry.Kind.ASSIGNED, message=person_name(handler), handler_id=handler.pk)
    if first:
        notify_reporter_handled(incident=incident, actor=actor)
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
    shown_to_reporter: bool = False,
) -> Action:
    """An action of the incident, in the action register; the responsible person is told,
    and the reporter too when it is shown to her ("Detta görs nu")."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    _check_open(incident)
    action = action_create(
        source=incident,
        actor=actor,
        fields={
            "description": description,
            "responsible": responsible,
            "due_date": due_date,
            "effect_class": effect_class,
            "causes": list(causes),
            "shown_to_reporter": shown_to_reporter,
        },
    )
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
    if action.shown_to_reporter:
        reporter_shown_action(incident=incident, action=action, actor=actor)
    return action


def reporter_shown_action(*, incident: Incident, action: Action, actor) -> None:
    """An action of the incident is now shown to its reporter ("Detta görs nu"): the timeline
    records it, and the reporter is told — reference and link only, at most once a day per
    incident however many actions are decided, and not when she is the actor or the handler.
    Inside the caller's transaction, with the incident locked."""
    from outbox.services import notify

    record(incident, actor=actor, kind=TimelineEntry.Kind.REPORTER_UPDATED, action_id=action.pk)
    reporter = incident.reporter
    if reporter.pk in (actor.pk, incident.handler_id) or not reporter.is_active:
        return
    notify(
        user=reporter,
        template="incidents/email/actions_notice",
        context={"reference": incident.reference},
        path=reverse("incidents:mine-detail", kwargs={"pk": incident.pk}) + "#feedback",
        dedupe_key=f"incident:{incident.pk}:actions_shown:{timezone.localdate().isoformat()}",
    )


def action_update(*, action: Action, actor, version: int | None = None, **fields) -> Action:
    """Change an action of the incident (`actions.services.action_update`): handlers every
    field, the responsible person its progress; on a closed incident only the progress."""
    return register_action_update(action=action, actor=actor, version=version, **fields)


def incident_causes(incident: Incident, ids) -> list[Cause] | None:
    """The chosen causes, if each is an active cause of the incident (for the register)."""
    causes = list(Cause.objects.filter(incident=incident, pk__in=ids, removed_at__isnull=True))
    return causes if len(causes) == len(set(ids)) else None


# --- Forwarding -----------------------------------------------------------------------------


@transaction.atomic
def incident_forward(
    *,
    incident: Incident,
    actor,
    to_unit,
    message: str,
    answer_due=None,
    kind: str = Forward.Kind.HAND_OVER,
    version: int | None = None,
) -> Forward:
    """Send the case to another unit, maybe of another care provider, in one of two ways.

    - Hand it over (`Forward.Kind.HAND_OVER`): responsibility moves there; the case arrives
      as submitted and unassigned (the handler is cleared) and the forwarding unit keeps
      seeing it. A date for an answer is optional.
    - Ask for an answer (`Forward.Kind.ASK`, a samverkansavvikelse): the responsible unit,
      the handler and the status stay; the asked unit's handlers are told, see the case and
      answer by the date given (required).
    """
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    asking = kind == Forward.Kind.ASK
    if asking:
        _check_open(incident)
        target = incident.status
    else:
        target = check_transition(incident, "forward")
    errors: dict[str, str] = {}
    if kind not in Forward.Kind.values:
        errors["kind"] = _("Choose whether to hand the case over or to ask for an answer.")
    to_unit = fresh_instance(OrgUnit, to_unit)
    if to_unit is None or not to_unit.is_active:
        errors["to_unit"] = _("Choose a unit from the list.")
    elif to_unit.pk == incident.responsible_unit_id:
        errors["to_unit"] = (
            _("Your unit is responsible for the incident. Ask another unit.")
            if asking
            else _("The incident is already with this unit. Choose another one.")
        )
    elif asking and incident.forwards.filter(kind=kind, to_unit=to_unit, answered_at__isnull=True).exists():
        errors["to_unit"] = _("This unit has not answered the question it was already asked. Wait for its answer.")
    message = clean_text(
        message,
        "message",
        errors,
        required=_("Write the question the unit is to answer.")
        if asking
        else _("Write what the receiving unit should do or answer."),
    )
    due = as_date(answer_due)
    if due is None and asking:
        errors["answer_due"] = _("Give the date an answer is due.")
    elif due is not None and due < timezone.localdate():
        errors["answer_due"] = _("The date has already passed. Choose today or a later date.")
    raise_errors(errors)

    from_unit = incident.responsible_unit
    forward = Forward.objects.create(
        incident=incident,
        from_unit=from_unit,
        to_unit=to_unit,
        kind=kind,
        message=message,
        answer_due=due,
        forwarded_by=actor,
    )
    if asking:
        bump(incident)
    else:
        incident.responsible_unit = to_unit
        incident.status = target
        incident.handler = None
        bump(incident, "responsible_unit", "status", "handler")
    record(
        incident,
        actor=actor,
        kind=TimelineEntry.Kind.ANSWER_ASKED if asking else TimelineEntry.Kind.FORWARDED,
        message=f"{from_unit.name} → {to_unit.name}",
        forward_id=forward.pk,
        from_unit_id=from_unit.pk,
        to_unit_id=to_unit.pk,
    )
    # Written in this transaction (DESIGN §5); the e-mail itself is sent after commit.
    if asking:
        _notify_asked(forward, incident)
    else:
        notify_handlers(incident_id=incident.pk, reason="forwarded")
    return forward


def _notify_asked(forward: Forward, incident: Incident) -> None:
    """Tell the asked unit's handlers: the reference, the units, the date and a link, never
    the question itself (free text) or anything about the patient."""
    from accounts.roles import Perm
    from accounts.selectors import users_with_perm_in
    from outbox.services import notify

    path = reverse("incidents:detail", kwargs={"pk": incident.pk})
    for user in users_with_perm_in(unit=forward.to_unit, perm=Perm.INCIDENT_TRIAGE):
        if user.pk == incident.reporter_id:
            continue
        notify(
            user=user,
            template="incidents/email/answer_asked",
            context={
                "reference": incident.reference,
                "unit": forward.to_unit.name,
                "from_unit": forward.from_unit.name,
                "due": forward.answer_due.isoformat(),
            },
            path=path,
            dedupe_key=f"incident:{incident.pk}:answer_asked:{forward.pk}",
        )


@transaction.atomic
def forward_answer(*, forward: Forward, actor, answer: str) -> Forward:
    """The receiving side answers the forwarding unit's message, once. Both sides see it;
    the person who asked or handed over is told that the answer has come."""
    incident = lock(forward.incident)
    forward = Forward.objects.select_for_update().select_related("from_unit", "to_unit").get(pk=forward.pk)
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
    asker = forward.forwarded_by
    if asker.is_active and asker.pk != actor.pk:
        from outbox.services import notify

        notify(
            user=asker,
            template="incidents/email/forward_answered",
            context={"reference": incident.reference, "unit": forward.to_unit.name},
            path=reverse("incidents:detail", kwargs={"pk": incident.pk}) + f"#forward-{forward.pk}",
            dedupe_key=f"incident:{incident.pk}:forward_answered:{forward.pk}",
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
    """Ask those who decide investigations in the incident's unit (managers, the chief
    physician) to investigate it. The request waits in their list of requested investigations
    (and under "Investigation requested" in the work queue) until one of them opens an
    investigation or declines with a reason; the requester is told either way."""
    incident = _request(
        incident,
        actor,
        field="investigation_requested_at",
        kind=TimelineEntry.Kind.INVESTIGATION_REQUESTED,
        already=_("An investigation has already been requested."),
        reason=reason,
        version=version,
    )
    _notify_investigation_deciders(incident, actor)
    return incident


def _notify_investigation_deciders(incident: Incident, actor) -> None:
    from incidents.deciders import investigation_deciders
    from outbox.services import notify

    unit = incident.responsible_unit or incident.unit
    for user in investigation_deciders(unit):
        if user.pk == actor.pk:
            continue
        notify(
            user=user,
            template="incidents/email/investigation_requested",
            context={"reference": incident.reference},
            path=reverse("incidents:detail", kwargs={"pk": incident.pk}),
            dedupe_key=f"incident:{incident.pk}:investigation_requested:{incident.version}:{user.pk}",
        )


def investigation_request_answer(
    *, incident: Incident, actor, declined_reason: str = "", investigation_reference: str = ""
) -> None:
    """Close the open request (inside the caller's transaction, the incident locked): declined
    with a reason, or answered by an investigation. The requester is told."""
    from outbox.services import notify

    requested = incident.timeline.filter(kind=TimelineEntry.Kind.INVESTIGATION_REQUESTED).order_by("-at", "-id").first()
    incident.investigation_requested_at = None
    bump(incident, "investigation_requested_at")
    if declined_reason:
        record(incident, actor=actor, kind=TimelineEntry.Kind.INVESTIGATION_REQUEST_DECLINED, message=declined_reason)
    requester = requested.actor if requested is not None else None
    if requester is None or requester.pk == actor.pk or not requester.is_active:
        return
    notify(
        user=requester,
        template="incidents/email/investigation_request_answered",
        context={
            "reference": incident.reference,
            "declined": bool(declined_reason),
            "investigation": investigation_reference,
        },
        path=reverse("incidents:detail", kwargs={"pk": incident.pk}),
        dedupe_key=f"incident:{incident.pk}:investigation_request_answered:{incident.version}",
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


@transaction.atomic
def incident_set_title(*, incident: Incident, actor, title: str, version: int | None = None) -> Incident:
    """The short title lists show instead of the beginning of the description (blank: none).
    The timeline says that it was set, not what it says: a title is free text."""
    incident = lock(incident)
    require(permissions.can_handle(actor, incident))
    check_version(incident, version)
    _check_open(incident)
    errors: dict[str, str] = {}
    title = " ".join(clean_text(title, "title", errors, max_length=TITLE_LENGTH).split())
    raise_errors(errors)
    if title == incident.title:
        return incident  # sent twice: set once
    incident.title = title
    bump(incident, "title")
    record(incident, actor=actor, kind=TimelineEntry.Kind.TITLE_SET)
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
