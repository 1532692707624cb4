"""Lex Maria givens on top of the named cast: a serious incident on the medicine ward, and a
case brought to each state through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from actions.models import Action, EffectClass
from incidents import services as incident_services
from incidents.models import CaseType, Category, EventClass, Incident
from lexmaria import services
from lexmaria.models import Decision, IvoDecision, LexMariaCase
from tests.incidents.conftest import report

# Skatteverket's test number: born 1912-12-12, ninth digit 1 (odd): a man.
PERSONNUMMER = "191212121212"


def fresh(case: LexMariaCase) -> LexMariaCase:
    return LexMariaCase.objects.get(pk=case.pk)


def kinds(case: LexMariaCase) -> list[str]:
    return list(case.timeline.order_by("at", "id").values_list("kind", flat=True))


def serious_incident(cast, unit, *, handler=None, **fields) -> Incident:
    """A reported serious care injury with an identified patient, classed by a handler."""
    handler = handler or cast.handler
    incident = report(
        cast.reporter if handler == cast.handler else handler,
        unit,
        patient_identifier=fields.pop("patient_identifier", PERSONNUMMER),
        **fields,
    )
    incident = incident_services.incident_take(incident=incident, actor=handler)
    category = Category.objects.get_or_create(code="fall", defaults={"name": "Fall", "case_type": CaseType.CARE})[0]
    incident_services.incident_classify(
        incident=incident,
        actor=handler,
        category=category,
        event_class=EventClass.SERIOUS_HARM,
        case_type=CaseType.CARE,
    )
    return Incident.objects.get(pk=incident.pk)


def add_action(cast, incident, *, responsible=None, due_in_days=60, effect_class=EffectClass.EFFECTIVE, **fields):
    return Action.objects.create(
        incident=incident,
        description=fields.pop("description", "Inför dubbelkontroll vid läkemedelsutdelning."),
        responsible=responsible or cast.manager,
        due_date=timezone.localdate() + dt.timedelta(days=due_in_days),
        effect_class=effect_class,
        created_by=cast.handler,
        **fields,
    )


def opened(cast, incident, actor=None) -> LexMariaCase:
    return services.case_open(
        actor=actor or cast.safety_officer, incidents=[incident], reason="Patienten fick allvarlig skada."
    )


def decided(cast, case, decision=Decision.REPORT) -> LexMariaCase:
    return services.case_decide(
        case=case, actor=cast.chief_physician, decision=decision, motivation="Allvarlig vårdskada har inträffat."
    )


def reported(cast, case) -> LexMariaCase:
    incident = case.incidents.first()
    if not case.incidents.filter(actions__isnull=False).exists():
        add_action(cast, incident)
    case = decided(cast, case)
    return services.case_mark_reported(
        case=case, actor=cast.safety_officer, ivo_reference="3.7.1-12345/2026", sent_on=timezone.localdate()
    )


def supplement_requested(cast, case) -> LexMariaCase:
    case = reported(cast, case)
    services.supplement_request(
        case=case,
        actor=cast.safety_officer,
        what="Tidsplan för åtgärderna.",
        requested_on=timezone.localdate(),
        due_on=timezone.localdate() + dt.timedelta(days=14),
    )
    return fresh(case)


def supplement_sent(cast, case) -> LexMariaCase:
    case = supplement_requested(cast, case)
    services.supplement_send(
        case=case, actor=cast.safety_officer, answer="Tidsplan skickad.", sent_on=timezone.localdate()
    )
    return fresh(case)


def ivo_decided(cast, case) -> LexMariaCase:
    case = reported(cast, case)
    return services.ivo_decision_record(
        case=case,
        actor=cast.safety_officer,
        kind=IvoDecision.CLOSED_WITHOUT_CRITICISM,
        decided_on=timezone.localdate(),
    )


def closed_after_ivo(cast, case) -> LexMariaCase:
    return services.case_close(case=ivo_decided(cast, case), actor=cast.safety_officer)


def closed_not_reported(cast, case) -> LexMariaCase:
    return decided(cast, case, Decision.NO_REPORT)


# state name → how to get a freshly opened case there
GIVENS = {
    "assessment": lambda cast, case: case,
    "decided_to_report": lambda cast, case: decided(cast, case),
    "reported": reported,
    "supplement_requested": supplement_requested,
    "supplement_sent": supplement_sent,
    "ivo_decision": ivo_decided,
    "closed_not_reported": closed_not_reported,
    "closed_after_ivo": closed_after_ivo,
}


@pytest.fixture
def incident(cast, tree) -> Incident:
    return serious_incident(cast, tree.medicin_ward)


@pytest.fixture
def case(cast, incident) -> LexMariaCase:
    return opened(cast, incident)
