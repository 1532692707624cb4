"""Every write to an investigation, one function per operation (DESIGN §4).

Each locks the row, checks who (permissions, 403) and then the state (ConflictError, 409)
and the version (StaleVersionError, 409), changes it, bumps the version and writes a
timeline entry in the same transaction. Notifications go through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.selectors import may_be_named
from actions.services import action_create
from incidents.models import CauseArea, Incident
from incidents.models import TimelineEntry as IncidentTimelineEntry
from incidents.services.common import KIT as INCIDENT
from incidents.services.handling import investigation_request_answer
from investigations import permissions
from investigations.models import (
    TRANSITIONS,
    WORK_STATES,
    CareInjury,
    CourseEvent,
    Investigation,
    InvestigationAction,
    InvestigationCause,
    InvestigationIncident,
    Method,
    Outcome,
    Status,
    TeamMember,
    TimelineEntry,
)
from investigations.selectors import team_users
from psweb.cases import (
    CaseKit,
    ConflictError,
    StaleVersionError,
    bump,
    clean_text,
    person_name,
    raise_errors,
    record,
    require,
)

# DOMAIN.md: action plans are followed up 6–8 months after the decision.
FOLLOW_UP_MONTHS = 6
LEADER_NOT_NAMEABLE = gettext_lazy(
    "Choose an analysis leader who works in this care provider's care, or someone of the investigation's team."
)

__all__ = ["ConflictError", "StaleVersionError"]


KIT = CaseKit(
    transitions=TRANSITIONS,
    stale_message=gettext_lazy(
        "Someone else changed this investigation meanwhile. Reload to see the changes, then try again."
    ),
    state_message=gettext_lazy("This cannot be done while the investigation is %(status)s."),
    lock_related=("unit",),
    reference_prefix="UT",
    counter_table="investigations_referencecounter",
)


# --- Shared pieces ---------------------------------------------------------------------------


def _check_working(investigation: Investigation) -> None:
    if investigation.status not in WORK_STATES:
        raise ConflictError(_("The investigation's report is ready; resume the work to change it."))


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last_day in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _notify_leader(investigation: Investigation) -> None:
    from outbox.services import notify

    leader = investigation.leader
    if leader is None or not leader.is_active:
        return
    notify(
        user=leader,
        template="investigations/email/leader_notice",
        context={"reference": investigation.reference},
        path=reverse("investigations:detail", kwargs={"pk": investigation.pk}),
        dedupe_key=f"investigation:{investigation.pk}:leader:{leader.pk}:{investigation.version}",
    )


# --- Opening and deciding --------------------------------------------------------------------


def _clean_method(method: str, reason: str, errors: dict) -> tuple[str, str]:
    if method not in Method.values:
        errors["method"] = _("Choose a method: simple investigation, internal investigation or event analysis.")
    reason = clean_text(reason, "reason", errors, required=_("Say why this method was chosen."))
    return method, reason


@transaction.atomic
def investigation_open(
    *, incidents: Iterable[Incident], actor, method: str, reason: str, title: str = "", leader: User | None = None
) -> Investigation:
    """Open an investigation of one or more incidents, with the method and why."""
    incidents = [INCIDENT.lock(incident) for incident in incidents]
    if not incidents:
        raise ValidationError({"incidents": _("Choose at least one incident to investigate.")})
    for incident in incidents:
        require(permissions.can_open(actor, incident))
    errors: dict[str, str] = {}
    method, reason = _clean_method(method, reason, errors)
    title = clean_text(title, "title", errors)[:200] or _("Investigation of %(reference)s") % {
        "reference": incidents[0].reference
    }
    first = incidents[0]
    if leader is not None and not leader.is_active:
        errors["leader"] = _("Choose an analysis leader who can sign in.")
    elif leader is not None and not may_be_named(leader, unit=first.responsible_unit or first.unit):
        errors["leader"] = LEADER_NOT_NAMEABLE
    raise_errors(errors)
    investigation = Investigation.objects.create(
        reference=KIT.next_reference(timezone.localdate().year),
        title=title,
        unit=first.responsible_unit or first.unit,
        method=method,
        method_reason=reason,
        method_decided_by=actor,
        leader=leader,
        created_by=actor,
    )
    record(investigation, actor=actor, kind=TimelineEntry.Kind.OPENED, message=Method(method).label)
    for incident in incidents:
        _link(investigation, incident, actor)
    if leader is not None:
        record(investigation, actor=actor, kind=TimelineEntry.Kind.LEADER_ASSIGNED, message=person_name(leader))
        _notify_leader(investigation)
    return investigation


def _link(investigation: Investigation, incident: Incident, actor) -> None:
    InvestigationIncident.objects.create(investigation=investigation, incident=incident, linked_by=actor)
    record(
        investigation,
        actor=actor,
        kind=TimelineEntry.Kind.INCIDENT_LINKED,
        message=incident.reference,
        incident_id=incident.pk,
    )
    if incident.investigation_requested_at is not None:
        investigation_request_answer(incident=incident, actor=actor, investigation_reference=investigation.reference)
    bump(incident)
    record(
        incident,
        actor=actor,
        kind=IncidentTimelineEntry.Kind.INVESTIGATION_REQUESTED,
        message=_("Investigated in %(reference)s.") % {"reference": investigation.reference},
        investigation_id=investigation.pk,
    )


@transaction.atomic
def investigation_request_decline(*, incident: Incident, actor, reason: str, version: int | None = None) -> Incident:
    """A manager or the chief physician answers a request for an investigation with no, and
    why; the requester is told and the incident may be requested again later."""
    incident = INCIDENT.lock(incident)
    require(permissions.can_open(actor, incident))
    INCIDENT.check_version(incident, version)
    if incident.investigation_requested_at is None:
        raise ConflictError(_("No investigation is requested for this incident (any more)."))
    errors: dict[str, str] = {}
    reason = clean_text(
        reason, "reason", errors, required=_("Say why the incident is not investigated."), max_length=2000
    )
    raise_errors(errors)
    investigation_request_answer(incident=incident, actor=actor, declined_reason=reason)
    return incident


@transaction.atomic
def incident_link(*, investigation: Investigation, actor, incident: Incident, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_decide(actor, investigation))
    require(permissions.can_open(actor, incident))
    KIT.check_version(investigation, version)
    if investigation.status == Status.CLOSED:
        raise ConflictError(_("The investigation is closed."))
    if investigation.links.filter(incident=incident).exists():
        raise ConflictError(_("The incident is already linked to this investigation."))
    bump(investigation)
    _link(investigation, INCIDENT.lock(incident), actor)
    return investigation


@transaction.atomic
def method_decide(*, investigation: Investigation, actor, method: str, reason: str, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_decide(actor, investigation))
    KIT.check_version(investigation, version)
    _check_working(investigation)
    errors: dict[str, str] = {}
    method, reason = _clean_method(method, reason, errors)
    raise_errors(errors)
    investigation.method, investigation.method_reason = method, reason
    investigation.method_decided_by, investigation.method_decided_at = actor, timezone.now()
    bump(investigation, "method", "method_reason", "method_decided_by", "method_decided_at")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.METHOD_DECIDED, message=Method(method).label)
    return investigation


@transaction.atomic
def leader_assign(*, investigation: Investigation, actor, leader: User, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_decide(actor, investigation))
    KIT.check_version(investigation, version)
    if investigation.status == Status.CLOSED:
        raise ConflictError(_("The investigation is closed."))
    if leader is None or not leader.is_active:
        raise ValidationError({"leader": _("Choose an analysis leader who can sign in.")})
    if leader.pk != investigation.leader_id and not may_be_named(
        leader, unit=investigation.unit, also=team_users(investigation)
    ):
        raise ValidationError({"leader": LEADER_NOT_NAMEABLE})
    investigation.leader = leader
    bump(investigation, "leader")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.LEADER_ASSIGNED, message=person_name(leader))
    _notify_leader(investigation)
    return investigation


@transaction.atomic
def member_add(*, investigation: Investigation, actor, user: User, role: str = "", version: int | None = None):
    """Add someone to the team, from any care provider: they then see this investigation and
    its incidents, nothing else."""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    if investigation.status == Status.CLOSED:
        raise ConflictError(_("The investigation is closed."))
    errors: dict[str, str] = {}
    if user is None or not user.is_active:
        errors["user"] = _("Choose a person who can sign in.")
    role = clean_text(role, "role", errors)[:120]
    raise_errors(errors)
    if investigation.team.filter(user=user, removed_at__isnull=True).exists():
        raise ConflictError(_("%(person)s is already on the team.") % {"person": person_name(user)})
    member = TeamMember.objects.create(investigation=investigation, user=user, role=role, added_by=actor)
    bump(investigation)
    record(investigation, actor=actor, kind=TimelineEntry.Kind.MEMBER_ADDED, message=person_name(user), user_id=user.pk)
    return member


@transaction.atomic
def member_remove(*, investigation: Investigation, actor, member: TeamMember, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    member = TeamMember.objects.select_for_update().get(pk=member.pk, investigation=investigation)
    if member.removed_at is None:
        member.removed_at = timezone.now()
        member.save(update_fields=["removed_at"])
        bump(investigation)
        record(
            investigation,
            actor=actor,
            kind=TimelineEntry.Kind.MEMBER_REMOVED,
            message=person_name(member.user),
            user_id=member.user_id,
        )
    return investigation


@transaction.atomic
def investigation_start(*, investigation: Investigation, actor, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    target = KIT.check_transition(investigation, "start")
    if investigation.leader_id is None:
        raise ConflictError(_("Assign an analysis leader first."))
    investigation.status = target
    bump(investigation, "status")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.STARTED)
    return investigation


# --- The working space -----------------------------------------------------------------------


@transaction.atomic
def course_add(*, investigation: Investigation, actor, at, description: str) -> CourseEvent:
    investigation = KIT.lock(investigation)
    require(permissions.can_contribute(actor, investigation))
    _check_working(investigation)
    errors: dict[str, str] = {}
    if not isinstance(at, dt.datetime):
        errors["at"] = _("Give the date and time of this step.")
    elif at > timezone.now() + dt.timedelta(minutes=5):
        errors["at"] = _("The time lies in the future.")
    description = clean_text(description, "description", errors, required=_("Describe what happened."))
    raise_errors(errors)
    event = CourseEvent.objects.create(investigation=investigation, at=at, description=description, created_by=actor)
    bump(investigation)
    record(investigation, actor=actor, kind=TimelineEntry.Kind.COURSE_ADDED, course_id=event.pk)
    return event


@transaction.atomic
def cause_add(
    *, investigation: Investigation, actor, area: CauseArea, detail: str = "", contributing: bool = False
) -> InvestigationCause:
    investigation = KIT.lock(investigation)
    require(permissions.can_contribute(actor, investigation))
    _check_working(investigation)
    errors: dict[str, str] = {}
    area = CauseArea.objects.filter(pk=getattr(area, "pk", area), is_active=True).first() if area else None
    if area is None:
        errors["area"] = _("Choose a cause area in use.")
    detail = clean_text(detail, "detail", errors)
    raise_errors(errors)
    cause = InvestigationCause.objects.create(
        investigation=investigation, area=area, detail=detail, contributing=contributing, created_by=actor
    )
    bump(investigation)
    record(investigation, actor=actor, kind=TimelineEntry.Kind.CAUSE_ADDED, message=area.name, cause_id=cause.pk)
    return cause


def _soft_remove(investigation: Investigation, actor, row, *, kind: str, message: str, **data) -> Investigation:
    """Hide a row of the working space (nothing is deleted) and say so in the timeline."""
    investigation = KIT.lock(investigation)
    require(permissions.can_contribute(actor, investigation))
    _check_working(investigation)
    row = type(row).objects.select_for_update().get(pk=row.pk, investigation=investigation)
    if row.removed_at is None:
        row.removed_at = timezone.now()
        row.save(update_fields=["removed_at"])
        bump(investigation)
        record(investigation, actor=actor, kind=kind, message=message, **data)
    return investigation


@transaction.atomic
def cause_remove(*, investigation: Investigation, actor, cause: InvestigationCause):
    return _soft_remove(
        investigation, actor, cause, kind=TimelineEntry.Kind.CAUSE_REMOVED, message=cause.area.name, cause_id=cause.pk
    )


@transaction.atomic
def course_remove(*, investigation: Investigation, actor, event: CourseEvent):
    return _soft_remove(
        investigation,
        actor,
        event,
        kind=TimelineEntry.Kind.COURSE_REMOVED,
        message=f"{timezone.localtime(event.at):%Y-%m-%d %H:%M}",
        course_id=event.pk,
    )


@transaction.atomic
def patient_participation_record(
    *,
    investigation: Investigation,
    actor,
    invited: bool,
    invited_on: dt.date | None = None,
    not_invited_reason: str = "",
    account: str = "",
    version: int | None = None,
):
    """Whether the patient or relatives were invited to tell their account, when, and the
    account in their own words; or why they were not."""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    _check_working(investigation)
    errors: dict[str, str] = {}
    account = clean_text(account, "account", errors)
    reason = clean_text(not_invited_reason, "not_invited_reason", errors)
    if invited:
        if invited_on is None:
            errors["invited_on"] = _("Give the date they were invited.")
        elif invited_on > timezone.localdate():
            errors["invited_on"] = _("The date lies in the future.")
        reason = ""
    else:
        if not reason:
            errors["not_invited_reason"] = _("Say why the patient and relatives were not invited.")
        invited_on, account = None, ""
    raise_errors(errors)
    investigation.patient_invited = bool(invited)
    investigation.patient_invited_on = invited_on
    investigation.patient_not_invited_reason = reason
    investigation.patient_account = account
    bump(investigation, "patient_invited", "patient_invited_on", "patient_not_invited_reason", "patient_account")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.PATIENT_PARTICIPATION)
    return investigation


@transaction.atomic
def conclusions_record(
    *,
    investigation: Investigation,
    actor,
    care_injury: str,
    avoidable: bool | None,
    serious_permanent: bool = False,
    serious_increased_care: bool = False,
    serious_death: bool = False,
    conclusions: str = "",
    version: int | None = None,
):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    _check_working(investigation)
    errors: dict[str, str] = {}
    if care_injury not in CareInjury.values:
        errors["care_injury"] = _("Say whether it was a care injury: yes, no or cannot be judged.")
    serious = serious_permanent or serious_increased_care or serious_death
    if serious and care_injury != CareInjury.YES:
        errors["care_injury"] = _("A serious care injury must first be a care injury.")
    if care_injury == CareInjury.YES and avoidable is None:
        errors["avoidable"] = _("Say whether the injury could have been avoided with adequate measures.")
    conclusions = clean_text(conclusions, "conclusions", errors, required=_("Write the conclusions."))
    raise_errors(errors)
    investigation.care_injury = care_injury
    investigation.avoidable = avoidable
    investigation.serious_permanent = bool(serious_permanent)
    investigation.serious_increased_care = bool(serious_increased_care)
    investigation.serious_death = bool(serious_death)
    investigation.conclusions = conclusions
    bump(
        investigation,
        "care_injury",
        "avoidable",
        "serious_permanent",
        "serious_increased_care",
        "serious_death",
        "conclusions",
    )
    record(investigation, actor=actor, kind=TimelineEntry.Kind.CONCLUSIONS, message=CareInjury(care_injury).label)
    return investigation


@transaction.atomic
def costs_record(
    *,
    investigation: Investigation,
    actor,
    extra_care_days=None,
    cost_per_care_day=None,
    other_costs=None,
    version: int | None = None,
):
    """The optional cost estimate: extra care days × cost per day + other costs."""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    errors: dict[str, str] = {}
    days = None
    if extra_care_days not in (None, ""):
        try:
            days = Decimal(str(extra_care_days).replace(",", ".")).quantize(Decimal("0.1"))
        except InvalidOperation:
            days = None
        if days is None or days < 0 or days > 9999:
            errors["extra_care_days"] = _("Give the number of extra care days (0–9999).")
    numbers = {}
    for name, value in (("cost_per_care_day", cost_per_care_day), ("other_costs", other_costs)):
        if value in (None, ""):
            numbers[name] = None
            continue
        try:
            numbers[name] = int(value)
        except (TypeError, ValueError):
            numbers[name] = -1
        if not 0 <= numbers[name] <= 2_000_000_000:
            errors[name] = _("Give an amount in whole kronor.")
    if days and numbers.get("cost_per_care_day") is None and "cost_per_care_day" not in errors:
        errors["cost_per_care_day"] = _("Give the cost of one care day.")
    raise_errors(errors)
    investigation.extra_care_days = days
    investigation.cost_per_care_day = numbers["cost_per_care_day"]
    investigation.other_costs = numbers["other_costs"]
    bump(investigation, "extra_care_days", "cost_per_care_day", "other_costs")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.COSTS, total=investigation.quality_cost)
    return investigation


@transaction.atomic
def action_add(
    *,
    investigation: Investigation,
    actor,
    description: str,
    responsible: User,
    due_date: dt.date,
    effect_class: str = "",
    causes: Iterable[InvestigationCause] = (),
    incident: Incident | None = None,
) -> InvestigationAction:
    """An action of the investigation, in the action register with the investigation as its
    source; `incident` (one of the investigated incidents, the first by default) is the one it
    answers. The responsible person is told."""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    _check_working(investigation)
    errors: dict[str, str] = {}
    causes = list(causes)
    active = set(investigation.causes.filter(removed_at__isnull=True).values_list("pk", flat=True))
    if any(getattr(cause, "pk", cause) not in active for cause in causes):
        errors["causes"] = _("Choose causes of this investigation.")
    linked = list(investigation.links.values_list("incident_id", flat=True))
    incident_id = incident.pk if incident is not None else (linked[0] if linked else None)
    if incident_id not in linked:
        errors["incident"] = _("Choose one of the investigated incidents.")
    try:
        action = action_create(
            source=investigation,
            actor=actor,
            fields={
                "description": description,
                "responsible": responsible,
                "due_date": due_date,
                "effect_class": effect_class or "",
            },
        )
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    raise_errors(errors)
    link = InvestigationAction.objects.create(investigation=investigation, action=action, incident_id=incident_id)
    link.causes.set(causes)
    bump(investigation)
    record(
        investigation,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_ADDED,
        message=_("Responsible: %(person)s, due %(date)s.")
        % {"person": person_name(action.responsible), "date": action.due_date.isoformat()},
        action_id=action.pk,
        action_version=action.version,
    )
    return link


# --- The report and the follow-up ------------------------------------------------------------


def report_blockers(investigation: Investigation) -> list[str]:
    """What must be done before the report is ready, in words the leader understands."""
    blockers = []
    if investigation.leader_id is None:
        blockers.append(_("Assign an analysis leader."))
    if not investigation.course.filter(removed_at__isnull=True).exists():
        blockers.append(_("Describe the course of events."))
    if not investigation.causes.filter(removed_at__isnull=True).exists():
        blockers.append(_("Add at least one cause or contributing factor."))
    if investigation.patient_invited is None:
        blockers.append(_("Record whether the patient and relatives were invited to tell their account."))
    elif (
        # DOMAIN.md: in an event analysis they are always invited; a reason is kept if not.
        investigation.method == Method.EVENT_ANALYSIS
        and not investigation.patient_invited
        and not investigation.patient_not_invited_reason
    ):
        blockers.append(_("In an event analysis the patient and relatives are invited, or a reason is given."))
    if not investigation.care_injury or not investigation.conclusions:
        blockers.append(_("Record the conclusions."))
    return blockers


@transaction.atomic
def report_ready(*, investigation: Investigation, actor, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    target = KIT.check_transition(investigation, "report_ready")
    blockers = report_blockers(investigation)
    if blockers:
        error = ConflictError(" ".join([_("The report is not ready yet."), *blockers]))
        error.blockers = blockers
        raise error
    investigation.status = target
    investigation.report_ready_at = timezone.now()
    if investigation.follow_up_on is None:
        investigation.follow_up_on = _add_months(timezone.localdate(), FOLLOW_UP_MONTHS)
    bump(investigation, "status", "report_ready_at", "follow_up_on")
    record(
        investigation,
        actor=actor,
        kind=TimelineEntry.Kind.REPORT_READY,
        message=_("Follow-up on %(date)s.") % {"date": investigation.follow_up_on.isoformat()},
    )
    return investigation


@transaction.atomic
def investigation_resume(*, investigation: Investigation, actor, reason: str, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    target = KIT.check_transition(investigation, "resume")
    errors: dict[str, str] = {}
    reason = clean_text(reason, "reason", errors, required=_("Say why the work is resumed."))
    raise_errors(errors)
    investigation.status = target
    bump(investigation, "status")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.RESUMED, message=reason[:2000])
    return investigation


@transaction.atomic
def follow_up_start(*, investigation: Investigation, actor, version: int | None = None):
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    target = KIT.check_transition(investigation, "follow_up")
    if not investigation.actions.exists():
        raise ConflictError(_("There are no actions to follow up; close the investigation instead."))
    investigation.status = target
    bump(investigation, "status")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.FOLLOW_UP)
    return investigation


@transaction.atomic
def action_evaluate(
    *,
    investigation: Investigation,
    actor,
    link: InvestigationAction,
    carried_out: bool,
    outcome: str,
    evidence: str = "",
):
    """At follow-up: was the action carried out, and did it work (with what evidence)?"""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    if investigation.status != Status.FOLLOW_UP:
        raise ConflictError(_("Actions are evaluated during the follow-up."))
    link = InvestigationAction.objects.select_for_update().get(pk=link.pk, investigation=investigation)
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Say whether the action worked.")
    evidence = clean_text(evidence, "evidence", errors)
    raise_errors(errors)
    link.carried_out, link.outcome, link.evidence = bool(carried_out), outcome, evidence
    link.evaluated_at, link.evaluated_by = timezone.now(), actor
    link.save(update_fields=["carried_out", "outcome", "evidence", "evaluated_at", "evaluated_by"])
    bump(investigation)
    record(
        investigation,
        actor=actor,
        kind=TimelineEntry.Kind.ACTION_EVALUATED,
        message=Outcome(outcome).label,
        action_id=link.action_id,
    )
    return link


@transaction.atomic
def investigation_close(*, investigation: Investigation, actor, version: int | None = None):
    """Close after the report (no actions) or after every action was evaluated."""
    investigation = KIT.lock(investigation)
    require(permissions.can_lead(actor, investigation))
    KIT.check_version(investigation, version)
    target = KIT.check_transition(investigation, "close")
    if investigation.actions.exists():
        if investigation.status != Status.FOLLOW_UP:
            raise ConflictError(_("Follow up the actions before closing."))
        if investigation.actions.filter(evaluated_at__isnull=True).exists():
            raise ConflictError(_("Evaluate every action before closing."))
    investigation.status = target
    investigation.closed_at = timezone.now()
    bump(investigation, "status", "closed_at")
    record(investigation, actor=actor, kind=TimelineEntry.Kind.CLOSED)
    return investigation
