"""Demo actions in the action register, written through the services: the nurse of
Avdelning 5 (`sjukskoterska`) finds actions of her ward's incidents under "Mina åtgärder" (one
overdue, one started) with their notifications, the chief physician has given the head of
Medicinkliniken an action of a Lex Maria case, and a handler's request for an investigation
waits for the head of the clinic. Idempotent: nothing is added once the nurse has these actions."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import OrgUnit, User
from actions.models import Action, EffectClass
from actions.services import action_progress
from incidents import services as incidents
from incidents.models import OPEN_STATES, Incident, Status
from lexmaria import services as lexmaria
from lexmaria.models import OPEN_STATES as LEX_MARIA_OPEN
from lexmaria.models import LexMariaCase

NURSE_ACTIONS = [
    ("Gå igenom rutinen för dubbelkontroll av insulin med kollegorna på avdelningen.", 14, EffectClass.LIMITED),
    ("Märk upp hyllan för högriskläkemedel i läkemedelsrummet.", -5, EffectClass.EFFECTIVE),
    ("Lägg in kontroll av fallrisk i inskrivningssamtalet.", 30, EffectClass.EFFECTIVE),
]


def seed_actions() -> int:
    """Create the demo register's actions if the nurse has none; returns how many were new."""
    nurse = User.objects.filter(username="sjukskoterska").first()
    handler = User.objects.filter(username="samordnare.med").first()
    descriptions = [description for description, _, _ in NURSE_ACTIONS]
    if nurse is None or handler is None or Action.objects.filter(description__in=descriptions).exists():
        return 0
    clinic = OrgUnit.objects.filter(name="Medicinkliniken").first()
    if clinic is None:
        return 0
    ward_incidents = list(
        Incident.objects.filter(
            status__in=OPEN_STATES, responsible_unit__path__startswith=clinic.path, reporter=nurse
        ).order_by("-reported_at")[: len(NURSE_ACTIONS) + 1]
    ) or list(
        Incident.objects.filter(status__in=OPEN_STATES, responsible_unit__path__startswith=clinic.path).order_by(
            "-reported_at"
        )[: len(NURSE_ACTIONS) + 1]
    )
    if not ward_incidents:
        return 0
    today = timezone.localdate()
    created = 0
    for n, (description, due_in, effect) in enumerate(NURSE_ACTIONS):
        incident = ward_incidents[n % len(ward_incidents)]
        if incident.status == Status.SUBMITTED:
            incident = incidents.incident_take(incident=incident, actor=handler)
        action = incidents.action_add(
            incident=incident,
            actor=handler,
            description=description,
            responsible=nurse,
            due_date=today + dt.timedelta(days=max(due_in, 1)),
            effect_class=effect,
        )
        if due_in < 0:  # an action that has slipped past its date (a service never sets one in the past)
            Action.objects.filter(pk=action.pk).update(due_date=today + dt.timedelta(days=due_in))
        created += 1
    started = Action.objects.filter(responsible=nurse, description__in=descriptions).order_by("-due_date").first()
    action_progress(action=started, actor=nurse, state=Action.State.IN_PROGRESS, note="Påbörjad på APT i veckan.")

    # An action of a Lex Maria case, given by the chief physician to the head of Medicinkliniken.
    chief = User.objects.filter(username="chefslakare").first()
    head = User.objects.filter(username="chef.med").first()
    region = OrgUnit.objects.filter(parent__isnull=True, name="Region Västmanland").first()
    case = (
        LexMariaCase.objects.filter(status__in=LEX_MARIA_OPEN, unit__path__startswith=region.path if region else "-")
        .order_by("-created_at")
        .first()
    )
    if chief is not None and head is not None and case is not None:
        lexmaria.action_add(
            case=case,
            actor=chief,
            description="Inför gemensam utbildning i läkemedelsgenomgångar för klinikens sjuksköterskor.",
            responsible=head,
            due_date=today + dt.timedelta(days=60),
            effect_class=EffectClass.EFFECTIVE,
        )
        created += 1

    # A request for an investigation that waits for the head of the clinic.
    waiting = (
        Incident.objects.filter(
            status=Status.IN_PROGRESS,
            responsible_unit__path__startswith=clinic.path,
            investigation_requested_at__isnull=True,
            handler=handler,
        )
        .order_by("-reported_at")
        .first()
    )
    if waiting is not None:
        incidents.incident_request_investigation(
            incident=waiting, actor=handler, reason="Tredje liknande händelsen på en månad."
        )
    return created
