"""Demo incidents: every state, realistic proportions, idempotent, and new reports continue the series."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from actions.models import Action
from devdata.demo.incidents import seed_incidents
from incidents.models import Incident, Status, TimelineEntry
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_org(settings):
    settings.DEBUG = True
    call_command("seed_demo", incidents=0, stdout=io.StringIO())


def test_it_creates_incidents_in_every_state_with_their_history(demo_org):
    created = seed_incidents(count=120)

    assert created == 123  # and three drafts
    states = set(Incident.objects.values_list("status", flat=True))
    assert states == {Status.DRAFT, Status.SUBMITTED, Status.IN_PROGRESS, Status.CLOSED, Status.WITHDRAWN}
    closed = Incident.objects.filter(status=Status.CLOSED)
    assert closed.count() > 40
    assert all(i.feedback and i.closed_at and i.closed_at >= i.reported_at for i in closed)
    assert Action.objects.exists()
    submitted = Incident.objects.exclude(status=Status.DRAFT)
    assert submitted.filter(timeline__kind=TimelineEntry.Kind.SUBMITTED).distinct().count() == submitted.count()
    assert Incident.objects.filter(late_report=True).exists()
    assert Incident.objects.values("unit__care_provider").distinct().count() >= 2


def test_it_is_idempotent(demo_org):
    seed_incidents(count=30)
    before = (Incident.objects.count(), TimelineEntry.objects.count(), Action.objects.count())
    assert seed_incidents(count=30) == 0
    assert (Incident.objects.count(), TimelineEntry.objects.count(), Action.objects.count()) == before


def test_a_new_report_continues_the_reference_series(demo_org):
    seed_incidents(count=30)
    highest = max(Incident.objects.exclude(reference=None).values_list("reference", flat=True))
    reporter = Incident.objects.exclude(reference=None).first().reporter

    new = report(reporter, Incident.objects.exclude(reference=None).first().unit)

    assert new.reference not in set(Incident.objects.exclude(pk=new.pk).values_list("reference", flat=True))
    if new.reference[:7] == highest[:7]:
        assert new.reference > highest


def test_its_forwards_are_of_both_kinds_and_every_answer_has_an_answerer_of_the_receiving_unit(demo_org, client):
    # issue 19: answered forwards without an answerer made the case page answer 500
    from accounts.access import has_perm
    from accounts.models import Membership
    from accounts.roles import Perm, Role
    from incidents.models import Forward

    seed_incidents(count=320)

    forwards = list(Forward.objects.select_related("to_unit", "answered_by"))
    asks = [f for f in forwards if f.kind == Forward.Kind.ASK]
    assert any(f.kind == Forward.Kind.HAND_OVER for f in forwards)
    assert any(f.answered_at for f in asks) and any(not f.answered_at for f in asks)
    for forward in forwards:
        if forward.answered_at:
            assert has_perm(forward.answered_by, Perm.INCIDENT_TRIAGE, forward.to_unit)
        if forward.kind == Forward.Kind.ASK:
            assert forward.incident.responsible_unit_id == forward.from_unit_id
    # and the chief physician and the safety officer open every one of those cases
    for role in (Role.CHIEF_PHYSICIAN, Role.SAFETY_OFFICER):
        client.force_login(Membership.objects.filter(role=role).first().user)
        answers = {client.get(f"/avvikelser/{pk}/").status_code for pk in {f.incident_id for f in forwards}}
        assert 200 in answers and answers <= {200, 404}  # 404: another care provider's case
