"""Demo investigations from `seed_demo`: every state and method, real timelines, a municipal
team member who sees that investigation only, and nothing new on a second run."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from actions.models import Action
from devdata.demo.investigations import SCENARIOS, TITLES, seed_investigations
from incidents.models import HARM_CLASSES, Incident
from investigations.models import (
    CareInjury,
    Investigation,
    InvestigationAction,
    Method,
    Status,
    TeamMember,
    TimelineEntry,
)
from outbox.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db

# Enough incidents that each scenario finds one of a harm class; small enough to stay fast.
INCIDENTS = 60


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo(settings) -> str:
    settings.DEBUG = True
    return seed(incidents=INCIDENTS)


def counts() -> tuple[int, ...]:
    return (
        Investigation.objects.count(),
        TimelineEntry.objects.count(),
        TeamMember.objects.count(),
        InvestigationAction.objects.count(),
        Action.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_it_creates_investigations_in_every_state_with_every_method(demo):
    investigations = Investigation.objects.filter(title__in=TITLES)

    assert f"{len(SCENARIOS)} new investigations" in demo
    assert investigations.count() == len(SCENARIOS)
    assert set(investigations.values_list("status", flat=True)) == set(Status.values)
    assert set(investigations.values_list("method", flat=True)) == set(Method.values)
    assert {i.care_injury for i in investigations if i.care_injury} == set(CareInjury.values)
    linked = Incident.objects.filter(investigations__in=investigations)
    assert linked.count() == len(SCENARIOS)
    assert set(linked.values_list("event_class", flat=True)) <= HARM_CLASSES
    assert {i.leader.username for i in investigations} == {"analysledare"}


def test_the_demo_investigations_went_through_the_services(demo):
    for investigation in Investigation.objects.filter(title__in=TITLES):
        kinds = list(investigation.timeline.values_list("kind", flat=True))
        assert kinds[:3] == ["opened", "incident_linked", "leader_assigned"], investigation.title
        if investigation.status == Status.INITIATED:
            continue
        assert "started" in kinds
        assert investigation.course.count() >= 2
        assert investigation.causes.count() >= 2
        assert investigation.patient_invited is not None
        if investigation.status in (Status.REPORT_READY, Status.FOLLOW_UP, Status.CLOSED):
            assert "report_ready" in kinds and investigation.follow_up_on
        for link in investigation.actions.select_related("action"):
            action = link.action
            assert action.responsible_id and action.due_date and action.effect_class
            assert link.causes.exists()
    closed = Investigation.objects.filter(title__in=TITLES, status=Status.CLOSED)
    assert not InvestigationAction.objects.filter(investigation__in=closed, evaluated_at__isnull=True).exists()
    follow_up = Investigation.objects.get(title__in=TITLES, status=Status.FOLLOW_UP)
    assert follow_up.actions.filter(evaluated_at__isnull=False).exists()
    assert follow_up.actions.filter(evaluated_at__isnull=True).exists()  # still being followed up
    assert Investigation.objects.filter(title__in=TITLES, other_costs__isnull=False).count() == 1
    assert Investigation.objects.filter(title__in=TITLES).exclude(patient_account="").exists()
    assert Investigation.objects.filter(title__in=TITLES, serious_increased_care=True).exists()


def test_the_municipal_team_member_sees_that_investigation_and_its_incident_only(demo):
    mas = User.objects.get(username="mas.vasteras")
    shared = Investigation.objects.get(team__user=mas)

    assert list(Investigation.objects.visible_to(mas)) == [shared]
    assert shared.status == Status.FOLLOW_UP
    assert shared.course.filter(created_by=mas).exists()  # and wrote part of the course of events
    assert Incident.objects.visible_to(mas).filter(pk__in=shared.incidents.all()).count() == 1
    assert shared.actions.filter(action__responsible=mas).exists()


def test_running_it_twice_adds_nothing(demo, settings):
    before = counts()

    output = seed(incidents=INCIDENTS)

    assert "0 new investigations" in output
    assert counts() == before
    assert seed_investigations() == 0


def test_without_incidents_there_are_no_investigations(settings):
    settings.DEBUG = True

    assert "0 new investigations" in seed(incidents=0)
    assert not Investigation.objects.exists()
