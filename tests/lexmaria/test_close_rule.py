"""A serious incident closes only once a Lex Maria assessment exists (DESIGN §4), a rule the
Lex Maria app adds to the incident's close check without incidents importing it."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from incidents import services as incident_services
from incidents.hooks import CLOSE_RULES
from incidents.models import CauseArea, Incident, Status
from incidents.selectors import close_blockers
from lexmaria.models import LexMariaCase
from lexmaria.selectors import incident_close_blocker
from tests.lexmaria.conftest import add_action, opened, serious_incident

pytestmark = pytest.mark.django_db


def ready_to_close(cast, incident) -> Incident:
    """Everything but the Lex Maria part done."""
    h = cast.handler
    incident_services.incident_assess_risk(incident=incident, actor=h, probability=3, consequence=4)
    incident_services.cause_add(incident=incident, actor=h, area=CauseArea.objects.first(), detail="Stress")
    add_action(cast, incident)
    incident_services.incident_feedback(incident=incident, actor=h, text="Tack, vi utreder vidare.")
    incident_services.patient_information_record(
        incident=incident, actor=h, informed=True, informed_on=timezone.localdate(), told_event=True
    )
    return Incident.objects.get(pk=incident.pk)


def test_the_rule_is_registered():
    assert incident_close_blocker in CLOSE_RULES


def test_without_a_request_the_incidents_own_message_asks_for_one(cast, tree, incident):
    incident = ready_to_close(cast, incident)
    with translation.override("en"):
        assert [str(b) for b in close_blockers(incident)] == [
            "Request a Lex Maria assessment: the event is classed as serious."
        ]


def test_a_request_opens_the_case_and_the_incident_can_close(cast, tree, incident):
    incident = ready_to_close(cast, incident)
    incident = incident_services.incident_request_lex_maria(incident=incident, actor=cast.handler, reason="Allvarlig")

    assert LexMariaCase.objects.filter(links__incident=incident).exists()
    assert close_blockers(incident) == []
    incident_services.incident_close(incident=incident, actor=cast.handler, version=incident.version)
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED


def test_a_request_without_a_case_blocks_closing(cast, tree, incident):
    # e.g. requested before Lex Maria cases existed: the flag alone is not an assessment
    incident = ready_to_close(cast, incident)
    Incident.objects.filter(pk=incident.pk).update(lex_maria_requested_at=timezone.now())
    incident = Incident.objects.get(pk=incident.pk)

    with translation.override("en"), pytest.raises(incident_services.ConflictError) as error:
        incident_services.incident_close(incident=incident, actor=cast.handler)
    with translation.override("en"):
        assert [str(b) for b in error.value.blockers] == [
            "A Lex Maria assessment must exist: ask the chief physician to open a Lex Maria case for the incident."
        ]


def test_a_case_opened_directly_counts_as_the_request(cast, tree, incident):
    incident = ready_to_close(cast, incident)
    opened(cast, incident, actor=cast.chief_physician)

    incident = Incident.objects.get(pk=incident.pk)
    assert incident.lex_maria_requested_at is not None
    assert close_blockers(incident) == []
    with pytest.raises(incident_services.ConflictError):  # and a second request is refused
        incident_services.incident_request_lex_maria(incident=incident, actor=cast.handler)


def test_an_incident_that_is_not_serious_needs_no_assessment(cast, tree):
    incident = serious_incident(cast, tree.medicin_ward)
    incident_services.incident_classify(
        incident=incident, actor=cast.handler, category=incident.category, event_class="harm", case_type="care"
    )
    assert incident_close_blocker(Incident.objects.get(pk=incident.pk)) is None
