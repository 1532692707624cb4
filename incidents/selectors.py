"""Reads about incidents. Services write; these only look.

The handling helpers come first (what blocks closing, what the risk assessment suggests);
queue selectors follow below them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from actions.models import Action
from incidents import hooks
from incidents.models import (
    HARM_CLASSES,
    LEX_MARIA_CLASSES,
    PATIENT_HARMED_CLASSES,
    Cause,
    Incident,
    PatientInformation,
    ProviderSettings,
)

# --- Handling helpers --------------------------------------------------------------------


def active_causes(incident: Incident):
    """The causes that have not been removed."""
    return Cause.objects.filter(incident=incident, removed_at__isnull=True)


def close_blockers(incident: Incident) -> list:
    """What must still be done before the incident can close (DESIGN §4), in words a
    handler understands (lazy, so they render in the reader's language). An empty list means
    nothing is missing."""
    blockers: list[str] = []
    if not (incident.category_id and incident.event_class and incident.case_type):
        blockers.append(_("Classify the incident: category, event class and case type."))
    if not (incident.risk_probability and incident.risk_consequence):
        blockers.append(_("Assess the risk: probability and consequence."))
    if incident.event_class in HARM_CLASSES and not active_causes(incident).exists():
        blockers.append(_("Add at least one cause: the event caused or could have caused harm."))
    open_actions = Action.objects.filter(incident=incident).exclude(state=Action.State.CANCELLED)
    # The model requires both already; checked anyway so the rule holds if that ever changes.
    if open_actions.filter(responsible__isnull=True).exists() or open_actions.filter(due_date__isnull=True).exists():
        blockers.append(_("Every action needs a responsible person and a due date."))
    if not incident.feedback.strip():
        blockers.append(_("Write the feedback to the reporter."))
    if (
        incident.event_class in PATIENT_HARMED_CLASSES
        and incident.patient_involved
        and not PatientInformation.objects.filter(incident=incident).exists()
    ):
        blockers.append(_("Record that the patient was informed, or why not."))
    if incident.event_class in LEX_MARIA_CLASSES and not incident.lex_maria_requested_at:
        blockers.append(_("Request a Lex Maria assessment: the event is classed as serious."))
    # Rules of apps further down the chain, e.g. lexmaria: "a Lex Maria assessment exists".
    for rule in hooks.CLOSE_RULES:
        blocker = rule(incident)
        if blocker:
            blockers.append(blocker)
    return blockers


@dataclass(frozen=True)
class RiskSummary:
    score: int | None
    level: str
    suggests_investigation: bool


def risk_summary(incident: Incident, settings_: ProviderSettings | None = None) -> RiskSummary:
    """The risk score, its level label from the care provider's matrix, and whether the
    provider's thresholds suggest an investigation (score or consequence high enough)."""
    score = incident.risk_score
    if score is None:
        return RiskSummary(None, "", False)
    if settings_ is None:
        settings_ = ProviderSettings.for_unit(incident.responsible_unit or incident.unit)
    suggests = (
        score >= settings_.investigation_score or incident.risk_consequence >= settings_.investigation_consequence
    )
    return RiskSummary(score, settings_.risk_level(score), suggests)


# --- What the reporter sees of the work ("Detta görs nu", issue 13) -------------------------


def reporter_actions_queryset():
    """The actions shown to the reporter: those of the incident itself (never an
    investigation's or a Lex Maria case's) that a handler chose to show her, not cancelled.
    She reads the text, the state and the due date; never who is responsible, the notes, the
    causes or the expected effect."""
    return (
        Action.objects.filter(incident__isnull=False, shown_to_reporter=True)
        .exclude(state=Action.State.CANCELLED)
        .order_by("due_date", "id")
    )


def with_reporter_actions(incidents):
    """`incidents` with `reporter_actions` loaded on each (one query for a whole page)."""
    return incidents.prefetch_related(
        Prefetch("actions", queryset=reporter_actions_queryset(), to_attr="reporter_actions")
    )


def actions_for_reporter(incident: Incident) -> list[Action]:
    """The actions the reporter of `incident` sees ("Detta görs nu")."""
    actions = getattr(incident, "reporter_actions", None)
    if actions is None:
        actions = list(reporter_actions_queryset().filter(incident=incident))
    return actions
