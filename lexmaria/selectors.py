"""Reads about Lex Maria cases. Services write; these only look.

The clock: PSL 3 kap. 5 § says "snarast" and sets no day count, so psweb shows the days
elapsed since the event and since the request, and the care provider's own internal
deadlines (`LexMariaSettings`). Days are counted by calendar dates in Swedish local time,
so a request late in the evening before a daylight-saving change counts like any other.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actions.models import Action, EffectClass
from incidents.models import LEX_MARIA_CLASSES, Incident
from incidents.summaries import incident_summary, with_summary
from lexmaria.models import (
    CaseIncident,
    Decision,
    LexMariaCase,
    LexMariaSettings,
    PromisedAction,
    Status,
    SupplementRequest,
)

# --- The case's actions ------------------------------------------------------------------------


def case_actions(case: LexMariaCase) -> QuerySet[Action]:
    """The actions of the case: its own, those of its incidents and those of its
    investigation, except cancelled ones; earliest due first."""
    of_case = Q(lexmaria_case=case) | Q(incident__in=CaseIncident.objects.filter(case=case).values("incident_id"))
    if case.investigation_id:
        of_case |= Q(investigation_id=case.investigation_id)
    return (
        Action.objects.filter(of_case)
        .exclude(state=Action.State.CANCELLED)
        .select_related("incident", "investigation", "lexmaria_case", "responsible")
        .order_by("due_date", "id")
    )


def action_blockers(actions) -> list:
    """What IVO would ask a supplement for (DOMAIN.md: vague actions without a timetable or a
    named responsible person): no actions at all, or an action without a due date or without
    a responsible person who can still be reached (an active account)."""
    actions = list(actions)
    if not actions:
        return [_("There are no actions: the report to IVO must say what will be done, by whom and when.")]
    blockers = []
    for action in actions:
        name = {"reference": action.source.reference, "action": action.description[:60]}
        if action.responsible_id is None:
            blockers.append(_("%(reference)s, “%(action)s”: name a responsible person.") % name)
        elif not action.responsible.is_active:
            blockers.append(_("%(reference)s, “%(action)s”: the responsible person has left; name another.") % name)
        if action.due_date is None:
            blockers.append(_("%(reference)s, “%(action)s”: give a due date.") % name)
    return blockers


# --- The close rule for incidents --------------------------------------------------------------


def incident_close_blocker(incident: Incident) -> str | None:
    """Registered in `incidents.hooks.CLOSE_RULES`: a serious event closes only once a Lex
    Maria case assesses it. Without a request, the incident's own rule asks for one."""
    if incident.event_class not in LEX_MARIA_CLASSES or not incident.lex_maria_requested_at:
        return None
    if CaseIncident.objects.filter(incident_id=incident.pk).exists():
        return None
    return _("A Lex Maria assessment must exist: ask the chief physician to open a Lex Maria case for the incident.")


# --- The clock ---------------------------------------------------------------------------------


class ClockStatus:
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class DeadlineKind:
    DECISION = "decision"
    REPORT = "report"
    SUPPLEMENT = "supplement"


@dataclass(frozen=True)
class CaseClock:
    today: dt.date
    event_on: dt.date | None
    days_since_event: int | None
    requested_on: dt.date
    days_since_request: int
    decision_due_on: dt.date | None
    report_due_on: dt.date | None
    # Event to report sent, once sent (for the yearly report: how soon is "snarast"?).
    days_event_to_report: int | None
    # The deadline that applies in the current state, if any.
    deadline_kind: str
    deadline: dt.date | None
    days_left: int | None
    status: str


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """The calendar date in Swedish local time (the project's TIME_ZONE)."""
    if moment is None:
        return None
    return timezone.localdate(moment, timezone.get_default_timezone())


def _open_supplement_due_on(case: LexMariaCase) -> dt.date | None:
    if hasattr(case, "open_supplement_due_on"):  # annotated by cases_for
        return case.open_supplement_due_on
    return (
        SupplementRequest.objects.filter(case=case, answered_on__isnull=True)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )


def case_clock(
    case: LexMariaCase, now: dt.datetime | None = None, settings_: LexMariaSettings | None = None
) -> CaseClock:
    """Days since the event and the request, the internal deadlines, and whether the one that
    applies now is ok, due soon (within `warn_days_before`) or overdue."""
    today = local_date(now or timezone.now())
    if settings_ is None:
        settings_ = LexMariaSettings.for_unit(case.unit)
    event_on = local_date(case.event_occurred_at)
    requested_on = local_date(case.requested_at)
    kind, deadline = "", None
    if case.status == Status.ASSESSMENT:
        kind, deadline = DeadlineKind.DECISION, case.decision_due_on
    elif case.status == Status.DECIDED_TO_REPORT:
        kind, deadline = DeadlineKind.REPORT, case.report_due_on
    elif case.status == Status.SUPPLEMENT_REQUESTED:
        kind, deadline = DeadlineKind.SUPPLEMENT, _open_supplement_due_on(case)
    status, days_left = ClockStatus.OK, None
    if deadline is not None:
        days_left = (deadline - today).days
        if days_left < 0:
            status = ClockStatus.OVERDUE
        elif days_left <= settings_.warn_days_before:
            status = ClockStatus.DUE_SOON
    return CaseClock(
        today=today,
        event_on=event_on,
        days_since_event=(today - event_on).days if event_on else None,
        requested_on=requested_on,
        days_since_request=(today - requested_on).days,
        decision_due_on=case.decision_due_on,
        report_due_on=case.report_due_on,
        days_event_to_report=(case.sent_on - event_on).days if case.sent_on and event_on else None,
        deadline_kind=kind if deadline else "",
        deadline=deadline,
        days_left=days_left,
        status=status,
    )


def clocks_for(cases, now: dt.datetime | None = None) -> dict[int, CaseClock]:
    """The clock of each case, with the settings read once (for lists: the number of queries
    does not grow with the cases; pass cases from `cases_for`)."""
    by_provider, default = LexMariaSettings.by_provider()
    return {case.pk: case_clock(case, now, by_provider.get(case.unit.care_provider_id, default)) for case in cases}


# --- Lists ---------------------------------------------------------------------------------------


def cases_for(user) -> QuerySet[LexMariaCase]:
    """The cases the user may see, the most urgent first: open cases by the deadline that
    applies now (overdue first), then open cases waiting on IVO, then closed ones."""
    open_supplement = SupplementRequest.objects.filter(case=OuterRef("pk"), answered_on__isnull=True).order_by("due_on")
    return (
        LexMariaCase.objects.visible_to(user)
        .select_related("unit", "owner", "investigation")
        .annotate(
            open_supplement_due_on=Subquery(open_supplement.values("due_on")[:1]),
            current_due_on=Case(
                When(status=Status.ASSESSMENT, then=F("decision_due_on")),
                When(status=Status.DECIDED_TO_REPORT, then=F("report_due_on")),
                When(status=Status.SUPPLEMENT_REQUESTED, then=F("open_supplement_due_on")),
                default=None,
            ),
            closed_last=Case(When(status=Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()),
        )
        .order_by("closed_last", F("current_due_on").asc(nulls_last=True), "-requested_at", "-id")
    )


def case_summary(case: LexMariaCase) -> str:
    """What happened, in one line (incidents.summaries): that of the case's first incident.
    Uses the case's `incidents` as prefetched (`with_incident_summaries`) when they are."""
    incidents = sorted(case.incidents.all(), key=lambda i: (i.occurred_at or i.created_at, i.pk))
    return incident_summary(incidents[0]) if incidents else ""


def with_incident_summaries(cases: QuerySet[LexMariaCase]) -> QuerySet[LexMariaCase]:
    """The cases with their incidents loaded for `case_summary`, without whole descriptions."""
    return cases.prefetch_related(
        Prefetch("incidents", queryset=with_summary(Incident.objects.only("title", "occurred_at", "created_at")))
    )


# --- The yearly follow-up of actions promised to IVO --------------------------------------------


@dataclass(frozen=True)
class FollowUpSummary:
    """Counts only: no names, no free text (it goes into the yearly patient-safety report)."""

    year: int
    cases: int
    promised: int
    done: int
    followed_up: int
    percent_done: Decimal | None
    # Among the actions done, how many of each effect class ("" = not classified).
    done_by_effect: dict[str, int] = field(default_factory=dict)


def yearly_follow_up(user, year: int) -> FollowUpSummary:
    """Across the cases the user sees that were reported to IVO in `year`: how many actions
    were promised, how many are done (the follow-up's answer, or else the action's own state),
    and the effect classes of those done — like Västmanland's "69 of 71 done; 43 of limited
    effect, 23 effective, 3 very effective"."""
    reported = LexMariaCase.objects.visible_to(user).filter(decision=Decision.REPORT, sent_on__year=year)
    rows = PromisedAction.objects.filter(case__in=reported).values_list(
        "carried_out", "effect_class", "action__state", "action__effect_class"
    )
    promised = done = followed_up = 0
    by_effect: Counter[str] = Counter(dict.fromkeys([*EffectClass.values, ""], 0))
    for carried_out, effect, action_state, action_effect in rows:
        promised += 1
        if carried_out is not None:
            followed_up += 1
        is_done = carried_out if carried_out is not None else action_state == Action.State.DONE
        if is_done:
            done += 1
            by_effect[effect or action_effect or ""] += 1
    percent = None
    if promised:
        percent = (Decimal(done) * 100 / Decimal(promised)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return FollowUpSummary(
        year=year,
        cases=reported.count(),
        promised=promised,
        done=done,
        followed_up=followed_up,
        percent_done=percent,
        done_by_effect=dict(by_effect),
    )
