"""Investigations through their services: who may do what, in which state, what is recorded,
and who sees what (a municipal team member sees this investigation and its incidents only)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.roles import Role
from actions.models import Action
from incidents.models import Incident
from incidents.models import TimelineEntry as IncidentTimelineEntry
from investigations import services
from investigations.models import CareInjury, Investigation, Method, Outcome, Status, TimelineEntry
from outbox.models import Notification
from tests.factories import MembershipFactory, UserFactory
from tests.incidents.conftest import report
from tests.investigations.conftest import opened, worked_through

pytestmark = pytest.mark.django_db


def fresh(investigation) -> Investigation:
    return Investigation.objects.get(pk=investigation.pk)


def kinds(investigation) -> list[str]:
    return list(TimelineEntry.objects.filter(investigation=investigation).values_list("kind", flat=True))


# --- opening ---------------------------------------------------------------------------------


def test_a_manager_opens_an_investigation_with_a_method_and_the_leader_is_told(cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    assert inv.reference.startswith(f"UT-{timezone.localdate().year}-")
    assert (inv.status, inv.method, inv.unit) == (Status.INITIATED, Method.EVENT_ANALYSIS, incident.responsible_unit)
    assert list(inv.incidents.all()) == [incident]
    assert kinds(inv) == ["opened", "incident_linked", "leader_assigned"]
    assert IncidentTimelineEntry.objects.filter(incident=incident, kind="investigation_requested").exists()
    notice = Notification.objects.get(user=analyst)
    assert inv.reference in notice.subject


@pytest.mark.parametrize("actor", ["reporter", "handler", "safety_officer", "viewer", "manager_orto", "mas"])
def test_only_a_manager_or_chief_physician_in_scope_opens_one(cast, incident, actor):
    with pytest.raises(PermissionDenied):
        services.investigation_open(incidents=[incident], actor=getattr(cast, actor), method=Method.SIMPLE, reason="x")
    assert not Investigation.objects.exists()


def test_the_method_needs_a_reason_and_a_known_value(cast, incident):
    with pytest.raises(ValidationError) as error:
        services.investigation_open(incidents=[incident], actor=cast.chief_physician, method="guess", reason=" ")
    assert set(error.value.message_dict) == {"method", "reason"}


def test_more_incidents_are_linked_later_but_only_once(cast, tree, incident, analyst):
    inv = opened(cast, incident, analyst)
    second = report(cast.reporter, tree.medicin_ward)

    services.incident_link(investigation=inv, actor=cast.manager, incident=second)

    assert set(fresh(inv).incidents.all()) == {incident, second}
    with pytest.raises(services.ConflictError):
        services.incident_link(investigation=inv, actor=cast.manager, incident=second)


# --- who sees what ----------------------------------------------------------------------------


def test_a_municipal_team_member_sees_this_investigation_and_its_incidents_only(cast, tree, incident, analyst):
    inv = opened(cast, incident, analyst)
    other_inv = opened(cast, report(cast.reporter, tree.medicin_ward), analyst)
    municipal_case = report(cast.municipal_handler, tree.hemsjukvard)
    nurse = UserFactory(username="kommunsjukskoterska")
    MembershipFactory(user=nurse, unit=tree.hemsjukvard, role=Role.REPORTER)

    services.member_add(investigation=inv, actor=analyst, user=nurse, role="Sjuksköterska, hemsjukvården")

    assert list(Investigation.objects.visible_to(nurse)) == [inv]
    assert set(Incident.objects.visible_to(nurse)) == {incident}
    assert municipal_case not in Incident.objects.visible_to(nurse)
    assert other_inv not in Investigation.objects.visible_to(nurse)
    # and once off the team, nothing
    member = inv.team.get(user=nurse)
    services.member_remove(investigation=inv, actor=analyst, member=member)
    assert not Investigation.objects.visible_to(nurse).exists()
    assert not Incident.objects.visible_to(nurse).exists()


def test_scope_decides_who_else_sees_it(cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    for user in (cast.manager, cast.chief_physician, cast.safety_officer, analyst):
        assert inv in Investigation.objects.visible_to(user), user
    for user in (cast.reporter, cast.handler, cast.viewer, cast.manager_orto, cast.mas, cast.outsider):
        assert inv not in Investigation.objects.visible_to(user), user


# --- the work ---------------------------------------------------------------------------------


def test_it_starts_only_with_a_leader_and_only_the_leader_or_a_decider_may(cast, incident):
    inv = services.investigation_open(incidents=[incident], actor=cast.manager, method=Method.SIMPLE, reason="x")

    with pytest.raises(services.ConflictError):
        services.investigation_start(investigation=inv, actor=cast.manager)
    with pytest.raises(PermissionDenied):
        services.leader_assign(investigation=inv, actor=cast.handler, leader=cast.handler)
    services.leader_assign(investigation=inv, actor=cast.manager, leader=cast.handler)
    services.investigation_start(investigation=inv, actor=cast.handler)

    assert fresh(inv).status == Status.IN_PROGRESS


def test_the_report_is_refused_with_what_is_missing(cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.investigation_start(investigation=inv, actor=analyst)

    with translation.override("en"), pytest.raises(services.ConflictError) as error:
        services.report_ready(investigation=inv, actor=analyst)

    assert [str(b) for b in error.value.blockers] == [
        "Describe the course of events.",
        "Add at least one cause or contributing factor.",
        "Record whether the patient and relatives were invited to tell their account.",
        "Record the conclusions.",
    ]
    assert fresh(inv).status == Status.IN_PROGRESS


def test_an_event_analysis_without_the_patient_needs_a_reason(cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    with pytest.raises(ValidationError) as error:
        services.patient_participation_record(investigation=inv, actor=analyst, invited=False)
    assert "not_invited_reason" in error.value.message_dict


def test_serious_needs_a_care_injury_and_the_three_criteria_are_kept(cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    with pytest.raises(ValidationError):
        services.conclusions_record(
            investigation=inv,
            actor=analyst,
            care_injury=CareInjury.NO,
            avoidable=None,
            serious_death=True,
            conclusions="x",
        )
    services.conclusions_record(
        investigation=inv,
        actor=analyst,
        care_injury=CareInjury.YES,
        avoidable=True,
        serious_permanent=True,
        conclusions="x",
    )
    assert fresh(inv).serious is True


def test_an_action_belongs_to_the_investigation_answers_an_incident_and_its_causes(cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)

    [link] = inv.actions.all()
    action = Action.objects.get(pk=link.action_id)
    # the action register: its source is the investigation, the link says which incident it answers
    assert action.investigation_id == inv.pk and action.incident_id is None
    assert action.source == inv and link.incident_id == incident.pk
    assert action.responsible == cast.manager
    assert [c.detail for c in link.causes.all()] == ["Ingen kontroll"]
    assert inv.timeline.filter(kind="action_added", data__action_id=action.pk).exists()
    # and the responsible person was told (not the analyst, who assigned it)
    assert Notification.objects.filter(user=cast.manager, link=reverse("actions:mine")).exists()


def test_a_team_member_adds_to_the_course_and_causes_but_not_the_conclusions(cast, tree, incident, analyst):
    inv = opened(cast, incident, analyst)
    services.member_add(investigation=inv, actor=analyst, user=cast.municipal_handler)

    services.course_add(
        investigation=inv, actor=cast.municipal_handler, at=timezone.now(), description="Hemsjukvården ringde."
    )
    with pytest.raises(PermissionDenied):
        services.conclusions_record(
            investigation=inv,
            actor=cast.municipal_handler,
            care_injury=CareInjury.NO,
            avoidable=None,
            conclusions="x",
        )


def test_a_stale_change_is_refused_with_what_changed(cast, incident, analyst):
    inv = opened(cast, incident, analyst)
    seen = fresh(inv).version
    services.method_decide(investigation=inv, actor=cast.chief_physician, method=Method.INTERNAL, reason="Omfattande")

    with pytest.raises(services.StaleVersionError) as error:
        services.method_decide(investigation=inv, actor=cast.manager, method=Method.SIMPLE, reason="x", version=seen)
    assert [entry.kind for entry in error.value.changes] == ["method_decided"]
    assert fresh(inv).method == Method.INTERNAL


# --- report, follow-up, close -----------------------------------------------------------------


def test_from_report_to_follow_up_to_closed(cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)

    services.report_ready(investigation=inv, actor=analyst)
    after = fresh(inv)
    assert after.status == Status.REPORT_READY
    assert 180 <= (after.follow_up_on - timezone.localdate()).days <= 186  # six months on
    with pytest.raises(services.ConflictError):
        services.course_add(investigation=inv, actor=analyst, at=timezone.now(), description="sent")
    with pytest.raises(services.ConflictError):
        services.investigation_close(investigation=inv, actor=analyst)  # actions not followed up

    services.follow_up_start(investigation=inv, actor=analyst)
    with pytest.raises(services.ConflictError):
        services.investigation_close(investigation=inv, actor=analyst)  # not evaluated yet
    [link] = fresh(inv).actions.all()
    services.action_evaluate(
        investigation=inv,
        actor=analyst,
        link=link,
        carried_out=True,
        outcome=Outcome.WORKED,
        evidence="Inga fler dubbeldoser på 6 månader.",
    )
    services.investigation_close(investigation=inv, actor=analyst)

    closed = fresh(inv)
    assert closed.status == Status.CLOSED and closed.closed_at is not None
    assert kinds(inv)[-4:] == ["report_ready", "follow_up", "action_evaluated", "closed"]


def test_resuming_the_work_needs_a_reason(cast, incident, analyst):
    inv = worked_through(cast, incident, analyst)
    services.report_ready(investigation=inv, actor=analyst)

    with pytest.raises(ValidationError):
        services.investigation_resume(investigation=inv, actor=analyst, reason="")
    services.investigation_resume(investigation=inv, actor=analyst, reason="Ny uppgift från anhöriga.")
    assert fresh(inv).status == Status.IN_PROGRESS


def test_the_cost_estimate_is_days_times_cost_plus_other_costs(cast, incident, analyst):
    inv = opened(cast, incident, analyst)

    services.costs_record(
        investigation=inv, actor=analyst, extra_care_days="4,5", cost_per_care_day=9800, other_costs=12000
    )
    assert fresh(inv).quality_cost == 4 * 9800 + 4900 + 12000
    with pytest.raises(ValidationError) as error:
        services.costs_record(investigation=inv, actor=analyst, extra_care_days="fyra", other_costs=-5)
    assert set(error.value.message_dict) == {"extra_care_days", "other_costs"}
