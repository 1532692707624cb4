"""Reads about investigations. Services write; these only look."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from investigations.models import CourseEvent, Investigation, InvestigationCause, InvestigationIncident


def incidents_of_my_investigations(user) -> Q:
    """The incidents linked to investigations the user leads or is on the team of."""
    mine = InvestigationIncident.objects.filter(
        Q(investigation__leader=user) | Q(investigation__team__user=user, investigation__team__removed_at__isnull=True)
    ).values("incident_id")
    return Q(pk__in=mine)


# --- The final report --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportIncident:
    reference: str
    unit: str
    occurred_at: object
    reported_at: object
    category: str
    event_class: str
    description: str


@dataclass(frozen=True)
class ReportAction:
    description: str
    responsible: str
    due_date: object
    effect_class: str
    state: str
    causes: list[str]
    incident: str
    carried_out: bool | None
    outcome: str
    evidence: str


@dataclass(frozen=True)
class Report:
    """Everything the final report shows, and nothing more: no patient identity, no reporter."""

    investigation: Investigation
    care_provider: str
    unit: str
    method: str
    leader: str
    team: list[tuple[str, str]]
    incidents: list[ReportIncident]
    course: list[CourseEvent]
    causes: list[InvestigationCause]
    actions: list[ReportAction]
    serious_criteria: list[str]
    made_at: object = field(default_factory=timezone.now)


def team_users(investigation: Investigation):
    """The investigation's team today, as users: they may come from another care provider
    and may be named its leader or responsible for its actions (`accounts.selectors.may_be_named`)."""
    from accounts.models import User

    return User.objects.filter(pk__in=investigation.team.filter(removed_at__isnull=True).values("user_id"))


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def report_for(investigation: Investigation) -> Report:
    """The final report's content. The caller has already checked that the reader may see
    the investigation; the report then holds only what every such reader may see."""
    inv = investigation
    unit = inv.unit
    provider = unit.care_provider or unit
    incidents = [
        ReportIncident(
            reference=incident.reference,
            unit=incident.unit.name if incident.unit_id else "",
            occurred_at=incident.occurred_at,
            reported_at=incident.reported_at,
            category=incident.category.name if incident.category_id else "",
            event_class=incident.get_event_class_display(),
            description=incident.description,
        )
        for incident in inv.incidents.select_related("unit", "category").order_by("occurred_at", "id")
    ]
    actions = [
        ReportAction(
            description=link.action.description,
            responsible=_name(link.action.responsible),
            due_date=link.action.due_date,
            effect_class=link.action.get_effect_class_display(),
            state=link.action.get_state_display(),
            causes=[cause.area.name for cause in link.causes.all()],
            incident=link.incident.reference if link.incident_id else "",
            carried_out=link.carried_out,
            outcome=link.get_outcome_display(),
            evidence=link.evidence,
        )
        for link in inv.actions.select_related("action", "action__responsible", "incident").prefetch_related(
            Prefetch("causes", queryset=InvestigationCause.objects.select_related("area"))
        )
    ]
    criteria = [
        str(label)
        for flag, label in (
            (inv.serious_permanent, _("permanent and not minor")),
            (inv.serious_increased_care, _("substantially increased need of care")),
            (inv.serious_death, _("death")),
        )
        if flag
    ]
    return Report(
        investigation=inv,
        care_provider=provider.name,
        unit=unit.name,
        method=inv.get_method_display(),
        leader=_name(inv.leader),
        team=[(_name(m.user), m.role) for m in inv.team.filter(removed_at__isnull=True).select_related("user")],
        incidents=incidents,
        course=list(inv.course.filter(removed_at__isnull=True)),
        causes=list(inv.causes.filter(removed_at__isnull=True).select_related("area")),
        actions=actions,
        serious_criteria=criteria,
    )


def incident_panel(user, incident) -> dict | None:
    """The incident case page's panel: the investigations of this incident the user may
    see, and the way to open one for those who may."""
    from django.urls import reverse

    from investigations import permissions

    investigations = list(
        Investigation.objects.visible_to(user).filter(links__incident=incident).order_by("created_at", "id")
    )
    may_open = bool(permissions.can_open(user, incident))
    if not investigations and not may_open:
        return None
    return {
        "template": "investigations/_incident_panel.html",
        "investigations": investigations,
        "open_url": f"{reverse('investigations:new')}?avvikelse={incident.pk}" if may_open else None,
    }


def requested_investigations(*, user):
    """Incidents with an open request for an investigation that `user` may decide: those
    whose responsible unit's investigations she decides (`incidents.deciders`), oldest first."""
    from incidents.deciders import investigation_deciders_q
    from incidents.models import Incident

    return (
        Incident.objects.visible_to(user)
        .filter(investigation_deciders_q(user, "responsible_unit"), investigation_requested_at__isnull=False)
        .select_related("responsible_unit", "category")
        .order_by("investigation_requested_at", "id")
    )
