"""Lex Maria cases through their services: who may do what, from which state, what is
recorded, stale versions, and who sees a case at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from actions.models import Action
from incidents import services as incident_services
from incidents.models import Incident
from incidents.models import TimelineEntry as IncidentTimelineEntry
from investigations import services as investigation_services
from investigations.models import Method
from lexmaria import services
from lexmaria.models import (
    TRANSITIONS,
    Decision,
    IvoDecision,
    LexMariaCase,
    PromisedAction,
    Status,
    SupplementRequest,
)
from lexmaria.selectors import case_actions
from outbox.models import Notification, OutboxMessage
from tests.lexmaria.conftest import (
    GIVENS,
    add_action,
    decided,
    fresh,
    kinds,
    opened,
    reported,
    serious_incident,
)

pytestmark = pytest.mark.django_db

PREPARERS = {"chief_physician", "safety_officer"}
DECIDERS = {"chief_physician"}
TODAY = timezone.localdate


def an_investigation(cast, incident):
    return investigation_services.investigation_open(
        incidents=[incident], actor=cast.manager, method=Method.INTERNAL, reason="Allvarlig händelse."
    )


def first_action(case):
    return case_actions(case).first()


# name → (given state, do(cast, tree, case, actor, **kw), timeline kind, who may)
OPERATIONS = {
    "assign_owner": (
        "assessment",
        lambda cast, tree, case, actor, **kw: services.case_assign_owner(
            case=case, actor=actor, owner=cast.safety_officer, **kw
        ),
        "owner_assigned",
        PREPARERS,
    ),
    "incident_link": (
        "assessment",
        lambda cast, tree, case, actor, **kw: services.incident_link(
            case=case, actor=actor, incident=serious_incident(cast, tree.medicin_ward), **kw
        ),
        "incident_linked",
        PREPARERS,
    ),
    "investigation_link": (
        "assessment",
        lambda cast, tree, case, actor, **kw: services.investigation_link(
            case=case, actor=actor, investigation=an_investigation(cast, case.incidents.first()), **kw
        ),
        "investigation_linked",
        PREPARERS,
    ),
    "decide_report": (
        "assessment",
        lambda cast, tree, case, actor, **kw: services.case_decide(
            case=case, actor=actor, decision=Decision.REPORT, motivation="Allvarlig vårdskada.", **kw
        ),
        "decided",
        DECIDERS,
    ),
    "decide_no_report": (
        "assessment",
        lambda cast, tree, case, actor, **kw: services.case_decide(
            case=case, actor=actor, decision=Decision.NO_REPORT, motivation="Ingen allvarlig vårdskada.", **kw
        ),
        "decided",
        DECIDERS,
    ),
    "reopen": (
        "closed_not_reported",
        lambda cast, tree, case, actor, **kw: services.case_reopen(
            case=case, actor=actor, reason="Ny journalgranskning visar skada.", **kw
        ),
        "reopened",
        DECIDERS,
    ),
    "mark_reported": (
        "decided_to_report",
        lambda cast, tree, case, actor, **kw: services.case_mark_reported(
            case=case, actor=actor, ivo_reference="3.7.1-99/2026", sent_on=TODAY(), **kw
        ),
        "reported",
        PREPARERS,
    ),
    "supplement_request": (
        "reported",
        lambda cast, tree, case, actor, **kw: services.supplement_request(
            case=case,
            actor=actor,
            what="Ansvarig person för åtgärd 2.",
            requested_on=TODAY(),
            due_on=TODAY() + dt.timedelta(days=10),
            **kw,
        ),
        "supplement_requested",
        PREPARERS,
    ),
    "supplement_send": (
        "supplement_requested",
        lambda cast, tree, case, actor, **kw: services.supplement_send(
            case=case, actor=actor, answer="Ansvarig utsedd.", sent_on=TODAY(), **kw
        ),
        "supplement_sent",
        PREPARERS,
    ),
    "ivo_decision": (
        "reported",
        lambda cast, tree, case, actor, **kw: services.ivo_decision_record(
            case=case, actor=actor, kind=IvoDecision.CLOSED_WITH_CRITICISM, decided_on=TODAY(), text="Kritik.", **kw
        ),
        "ivo_decision",
        PREPARERS,
    ),
    "close": (
        "ivo_decision",
        lambda cast, tree, case, actor, **kw: services.case_close(case=case, actor=actor, **kw),
        "closed",
        PREPARERS,
    ),
    "action_follow_up": (
        "reported",
        lambda cast, tree, case, actor, **kw: services.action_follow_up(
            case=case, actor=actor, action=first_action(case), carried_out=True, evidence="Rutin införd.", **kw
        ),
        "action_followed_up",
        PREPARERS,
    ),
}

# The states each operation may start from.
SOURCES = {
    "assign_owner": set(GIVENS) - {"closed_not_reported", "closed_after_ivo"},
    "incident_link": set(GIVENS) - {"closed_not_reported", "closed_after_ivo"},
    "investigation_link": set(GIVENS) - {"closed_not_reported", "closed_after_ivo"},
    "decide_report": {"assessment"},
    "decide_no_report": {"assessment"},
    "reopen": {"closed_not_reported"},
    "mark_reported": {"decided_to_report"},
    "supplement_request": {"reported", "supplement_sent"},
    "supplement_send": {"supplement_requested"},
    "ivo_decision": {"reported", "supplement_sent"},
    "close": {"ivo_decision"},
    "action_follow_up": {"reported", "supplement_requested", "supplement_sent", "ivo_decision", "closed_after_ivo"},
}


def given(cast, case, state: str) -> LexMariaCase:
    # A reported case needs an action; every given gets one so later states can be reached.
    add_action(cast, case.incidents.first())
    return fresh(GIVENS[state](cast, case))


def snapshot(case) -> tuple:
    case = fresh(case)
    return case.version, case.status, case.timeline.count()


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_only_the_allowed_roles_may_and_everyone_else_gets_permission_denied(cast, tree, case, operation):
    # given
    state, do, kind, allowed = OPERATIONS[operation]
    case = given(cast, case, state)
    before = snapshot(case)

    # when / then: every other member of the cast is refused and nothing changes
    for name in cast.names():
        if name in allowed:
            continue
        with pytest.raises(PermissionDenied):
            do(cast, tree, case, getattr(cast, name))
        assert snapshot(case) == before, name

    # and an allowed one succeeds
    actor = getattr(cast, sorted(allowed)[0])
    do(cast, tree, case, actor)
    after = fresh(case)
    assert after.version > before[0]
    entry = after.timeline.order_by("-at", "-id").first()
    assert (entry.kind, entry.actor, entry.data["version"]) == (kind, actor, after.version)


@pytest.mark.parametrize("operation", [name for name, op in OPERATIONS.items() if op[3] == PREPARERS])
def test_the_safety_officer_prepares_as_well_as_the_chief_physician(cast, tree, case, operation):
    state, do, kind, _allowed = OPERATIONS[operation]
    case = given(cast, case, state)
    do(cast, tree, case, cast.safety_officer)
    assert kinds(fresh(case))[-1] == kind


def test_the_decision_reason_says_who_decides(cast, case):
    with translation.override("en"), pytest.raises(PermissionDenied) as error:
        services.case_decide(case=case, actor=cast.safety_officer, decision=Decision.REPORT, motivation="x")
    with translation.override("en"):
        assert str(error.value) == "Only the chief physician decides on Lex Maria."


# --- From which state ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(GIVENS))
def test_each_operation_is_a_conflict_outside_its_states(cast, tree, case, state):
    case = given(cast, case, state)
    before = snapshot(case)
    for operation, (_state, do, _kind, _allowed) in OPERATIONS.items():
        if state in SOURCES[operation]:
            continue
        with pytest.raises(services.ConflictError):
            do(cast, tree, case, cast.chief_physician)
        assert snapshot(case) == before, operation


def test_the_transitions_table_matches_the_states_the_tests_expect():
    expected = {
        "decide_report": ({Status.ASSESSMENT}, Status.DECIDED_TO_REPORT),
        "decide_no_report": ({Status.ASSESSMENT}, Status.CLOSED),
        "reopen": ({Status.CLOSED}, Status.ASSESSMENT),
        "mark_reported": ({Status.DECIDED_TO_REPORT}, Status.REPORTED),
        "supplement_request": ({Status.REPORTED, Status.SUPPLEMENT_SENT}, Status.SUPPLEMENT_REQUESTED),
        "supplement_send": ({Status.SUPPLEMENT_REQUESTED}, Status.SUPPLEMENT_SENT),
        "ivo_decision": ({Status.REPORTED, Status.SUPPLEMENT_SENT}, Status.IVO_DECISION),
        "close": ({Status.IVO_DECISION}, Status.CLOSED),
    }
    assert {name: (set(sources), target) for name, (sources, target) in TRANSITIONS.items()} == expected


# --- Stale versions -----------------------------------------------------------------------------


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_change_from_an_old_version_is_refused_with_what_changed_since(cast, tree, case, operation):
    state, do, _kind, allowed = OPERATIONS[operation]
    case = given(cast, case, state)
    before = snapshot(case)

    with pytest.raises(services.StaleVersionError) as error:
        do(cast, tree, case, getattr(cast, sorted(allowed)[0]), version=case.version - 1)

    assert error.value.changes  # what happened since the version the user saw
    assert snapshot(case) == before


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_change_from_the_current_version_is_accepted(cast, tree, case, operation):
    state, do, kind, allowed = OPERATIONS[operation]
    case = given(cast, case, state)
    do(cast, tree, case, getattr(cast, sorted(allowed)[0]), version=case.version)
    assert kinds(fresh(case))[-1] == kind


# --- Opening --------------------------------------------------------------------------------------


def test_the_safety_officer_opens_a_case_and_the_incident_records_it(cast, tree, incident):
    case = opened(cast, incident)

    assert case.reference.startswith(f"LM-{timezone.localdate().year}-")
    assert (case.status, case.unit, case.requested_by) == (
        Status.ASSESSMENT,
        incident.responsible_unit,
        cast.safety_officer,
    )
    assert case.event_occurred_at == incident.occurred_at
    assert case.decision_due_on == timezone.localdate() + dt.timedelta(days=14)
    assert list(case.incidents.all()) == [incident]
    assert kinds(case) == ["opened", "incident_linked"]
    after = Incident.objects.get(pk=incident.pk)
    assert after.lex_maria_requested_at is not None and after.version == incident.version + 1
    assert after.timeline.last().kind == IncidentTimelineEntry.Kind.LEX_MARIA_REQUESTED
    assert case.reference in after.timeline.last().message


@pytest.mark.parametrize("name", ["reporter", "handler", "manager", "viewer", "admin", "mas", "outsider"])
def test_only_the_chief_physician_or_safety_officer_in_scope_opens_one(cast, incident, name):
    with pytest.raises(PermissionDenied):
        opened(cast, incident, actor=getattr(cast, name))
    assert not LexMariaCase.objects.exists()


def test_an_incident_is_assessed_in_one_case_only(cast, tree, incident, case):
    with pytest.raises(services.ConflictError):
        opened(cast, incident, actor=cast.chief_physician)
    other = opened(cast, serious_incident(cast, tree.medicin_ward))
    with pytest.raises(services.ConflictError):
        services.incident_link(case=other, actor=cast.chief_physician, incident=incident)


def test_opening_needs_an_incident_and_a_reason(cast, incident):
    with pytest.raises(ValidationError) as error:
        services.case_open(actor=cast.chief_physician, incidents=[], reason="x")
    assert set(error.value.message_dict) == {"incidents"}
    with pytest.raises(ValidationError) as error:
        services.case_open(actor=cast.chief_physician, incidents=[incident], reason="  ")
    assert set(error.value.message_dict) == {"reason"}


def test_a_case_is_opened_from_an_investigation_with_all_its_incidents(cast, tree, incident):
    second = serious_incident(cast, tree.medicin_ward, occurred_at=incident.occurred_at - dt.timedelta(days=1))
    investigation = an_investigation(cast, incident)
    investigation_services.incident_link(investigation=investigation, actor=cast.manager, incident=second)

    case = services.case_open_from_investigation(
        investigation=investigation, actor=cast.chief_physician, reason="Utredningen visar allvarlig vårdskada."
    )

    assert case.investigation == investigation and case.unit == investigation.unit
    assert set(case.incidents.all()) == {incident, second}
    assert case.event_occurred_at == second.occurred_at  # the earliest event
    with pytest.raises(PermissionDenied):
        services.case_open_from_investigation(investigation=investigation, actor=cast.manager, reason="x")


def test_a_later_incident_moves_the_event_time_to_the_earliest(cast, tree, case, incident):
    earlier = serious_incident(cast, tree.medicin_ward, occurred_at=incident.occurred_at - dt.timedelta(days=3))
    services.incident_link(case=case, actor=cast.safety_officer, incident=earlier)
    assert fresh(case).event_occurred_at == earlier.occurred_at


def test_the_preparer_is_a_chief_physician_or_safety_officer_and_is_told(cast, case):
    with pytest.raises(ValidationError) as error:
        services.case_assign_owner(case=case, actor=cast.chief_physician, owner=cast.manager)
    assert set(error.value.message_dict) == {"owner"}

    services.case_assign_owner(case=case, actor=cast.chief_physician, owner=cast.safety_officer)

    assert fresh(case).owner == cast.safety_officer
    notice = cast.safety_officer.notifications.get()
    assert case.reference in notice.subject


def test_only_an_investigation_the_preparer_can_see_is_linked(cast, tree, case):
    municipal = serious_incident(cast, tree.hemsjukvard, handler=cast.municipal_handler)
    theirs = investigation_services.investigation_open(
        incidents=[municipal], actor=cast.mas, method=Method.SIMPLE, reason="Fall i hemmet."
    )
    with pytest.raises(ValidationError) as error:
        services.investigation_link(case=case, actor=cast.chief_physician, investigation=theirs)
    assert set(error.value.message_dict) == {"investigation"}


# --- The decision ---------------------------------------------------------------------------------


def test_deciding_to_report_records_who_why_and_the_internal_report_deadline(cast, case):
    services.case_decide(
        case=case, actor=cast.chief_physician, decision=Decision.REPORT, motivation="Allvarlig vårdskada."
    )

    after = fresh(case)
    assert (after.status, after.decision, after.motivation) == (
        Status.DECIDED_TO_REPORT,
        Decision.REPORT,
        "Allvarlig vårdskada.",
    )
    assert after.decided_by == cast.chief_physician and after.decided_at is not None
    assert after.report_due_on == timezone.localdate() + dt.timedelta(days=14)
    assert after.closed_at is None
    assert after.timeline.last().data["decision"] == "report"


def test_deciding_not_to_report_closes_the_case_and_it_can_be_reopened_with_a_reason(cast, case):
    services.case_decide(
        case=case, actor=cast.chief_physician, decision=Decision.NO_REPORT, motivation="Ingen vårdskada."
    )
    closed = fresh(case)
    assert closed.status == Status.CLOSED and closed.not_reported and closed.closed_at is not None

    with pytest.raises(ValidationError) as error:
        services.case_reopen(case=case, actor=cast.chief_physician, reason=" ")
    assert set(error.value.message_dict) == {"reason"}
    services.case_reopen(case=case, actor=cast.chief_physician, reason="Patienten avled senare.")

    reopened = fresh(case)
    assert (reopened.status, reopened.decision, reopened.closed_at, reopened.decided_by) == (
        Status.ASSESSMENT,
        "",
        None,
        None,
    )
    entry = reopened.timeline.last()
    assert (entry.kind, entry.message) == ("reopened", "Patienten avled senare.")
    assert [e.kind for e in reopened.timeline.all()][-2:] == ["decided", "reopened"]


def test_a_decision_needs_a_known_decision_and_a_motivation(cast, case):
    with pytest.raises(ValidationError) as error:
        services.case_decide(case=case, actor=cast.chief_physician, decision="maybe", motivation="")
    assert set(error.value.message_dict) == {"decision", "motivation"}
    assert fresh(case).status == Status.ASSESSMENT


def test_a_case_that_went_to_ivo_is_not_reopened(cast, case):
    case = GIVENS["closed_after_ivo"](cast, case)
    with pytest.raises(services.ConflictError):
        services.case_reopen(case=case, actor=cast.chief_physician, reason="x")


# --- The report ---------------------------------------------------------------------------------


def test_the_report_is_refused_without_actions(cast, case):
    decided(cast, case)

    with translation.override("en"), pytest.raises(services.ConflictError) as error:
        services.case_mark_reported(case=case, actor=cast.chief_physician, ivo_reference="X", sent_on=TODAY())

    with translation.override("en"):
        assert [str(b) for b in error.value.blockers] == [
            "There are no actions: the report to IVO must say what will be done, by whom and when."
        ]
    assert fresh(case).status == Status.DECIDED_TO_REPORT


def test_cancelled_actions_do_not_count(cast, case, incident):
    add_action(cast, incident, state=Action.State.CANCELLED)
    decided(cast, case)
    with pytest.raises(services.ConflictError) as error:
        services.case_mark_reported(case=case, actor=cast.chief_physician, ivo_reference="X", sent_on=TODAY())
    assert len(error.value.blockers) == 1


def test_the_report_is_refused_while_an_action_has_nobody_to_answer_for_it(cast, case, incident):
    # The database requires a responsible person and a due date; someone who has left
    # (an inactive account) is nobody IVO can hold to the timetable.
    add_action(cast, incident)
    add_action(cast, incident, responsible=cast.outsider, description="Uppdatera rutinen för Waran")
    cast.outsider.is_active = False
    cast.outsider.save()
    decided(cast, case)

    with translation.override("en"), pytest.raises(services.ConflictError) as error:
        services.case_mark_reported(case=case, actor=cast.chief_physician, ivo_reference="X", sent_on=TODAY())

    assert [str(b) for b in error.value.blockers] == [
        f"{incident.reference}, “Uppdatera rutinen för Waran”: the responsible person has left; name another."
    ]
    assert "Uppdatera rutinen för Waran" in error.value.message


def test_marking_reported_records_ivos_reference_and_the_actions_promised(cast, case, incident):
    action = add_action(cast, incident)
    investigation = an_investigation(cast, incident)
    services.investigation_link(case=case, actor=cast.safety_officer, investigation=investigation)
    decided(cast, case)

    services.case_mark_reported(case=case, actor=cast.safety_officer, ivo_reference="3.7.1-4711/2026", sent_on=TODAY())

    after = fresh(case)
    assert (after.status, after.ivo_reference, after.sent_on, after.reported_by) == (
        Status.REPORTED,
        "3.7.1-4711/2026",
        TODAY(),
        cast.safety_officer,
    )
    assert [p.action for p in PromisedAction.objects.filter(case=case)] == [action]
    assert after.timeline.last().message == "3.7.1-4711/2026"


def test_the_report_date_is_not_in_the_future_and_the_reference_is_required(cast, case, incident):
    add_action(cast, incident)
    decided(cast, case)
    with pytest.raises(ValidationError) as error:
        services.case_mark_reported(
            case=case, actor=cast.chief_physician, ivo_reference=" ", sent_on=TODAY() + dt.timedelta(days=1)
        )
    assert set(error.value.message_dict) == {"ivo_reference", "sent_on"}


def test_the_actions_of_the_investigation_count_as_the_cases_actions(cast, tree, case, incident):
    other = serious_incident(cast, tree.medicin_ward)
    investigation = an_investigation(cast, other)
    link = investigation_services.action_add(
        investigation=investigation,
        actor=cast.manager,
        description="Ny checklista",
        responsible=cast.handler,
        due_date=TODAY() + dt.timedelta(days=30),
    )
    services.investigation_link(case=case, actor=cast.safety_officer, investigation=investigation)
    decided(cast, case)

    services.case_mark_reported(case=case, actor=cast.safety_officer, ivo_reference="R", sent_on=TODAY())

    assert [p.action_id for p in fresh(case).promised_actions.all()] == [link.action_id]


# --- The dialogue with IVO ----------------------------------------------------------------------


def test_a_supplement_is_requested_and_answered_and_new_actions_are_promised_then(cast, case, incident):
    case = reported(cast, case)
    supplement = services.supplement_request(
        case=case,
        actor=cast.safety_officer,
        what="Namngiven ansvarig för åtgärd 2.",
        requested_on=TODAY(),
        due_on=TODAY() + dt.timedelta(days=14),
    )
    assert fresh(case).status == Status.SUPPLEMENT_REQUESTED
    added = add_action(cast, incident, description="Utbildning i dubbelkontroll")

    services.supplement_send(case=case, actor=cast.safety_officer, answer="Ansvarig utsedd.", sent_on=TODAY())

    supplement = SupplementRequest.objects.get(pk=supplement.pk)
    assert (supplement.answer, supplement.answered_on, supplement.answered_by) == (
        "Ansvarig utsedd.",
        TODAY(),
        cast.safety_officer,
    )
    assert fresh(case).status == Status.SUPPLEMENT_SENT
    assert added.pk in set(fresh(case).promised_actions.values_list("action_id", flat=True))


def test_a_supplement_needs_what_and_a_due_date_after_the_request(cast, case):
    case = reported(cast, case)
    with pytest.raises(ValidationError) as error:
        services.supplement_request(
            case=case, actor=cast.safety_officer, what="", requested_on=TODAY(), due_on=TODAY() - dt.timedelta(days=1)
        )
    assert set(error.value.message_dict) == {"what", "due_on"}


def test_ivos_decision_and_closing(cast, case):
    case = reported(cast, case)
    with pytest.raises(ValidationError) as error:
        services.ivo_decision_record(case=case, actor=cast.safety_officer, kind=IvoDecision.OTHER, decided_on=TODAY())
    assert set(error.value.message_dict) == {"text"}

    services.ivo_decision_record(
        case=case, actor=cast.safety_officer, kind=IvoDecision.CLOSED_WITH_CRITICISM, decided_on=TODAY(), text="Kritik"
    )
    services.case_close(case=case, actor=cast.safety_officer)

    after = fresh(case)
    assert (after.status, after.ivo_decision, after.ivo_decided_on) == (
        Status.CLOSED,
        IvoDecision.CLOSED_WITH_CRITICISM,
        TODAY(),
    )
    assert after.closed_at is not None and not after.not_reported
    assert kinds(after)[-3:] == ["reported", "ivo_decision", "closed"]


def test_an_action_is_followed_up_after_closing_too(cast, case):
    case = GIVENS["closed_after_ivo"](cast, case)
    promised = case.promised_actions.get()

    services.action_follow_up(
        case=case,
        actor=cast.safety_officer,
        action=promised.action,
        carried_out=True,
        effect_class="very_effective",
        evidence="Teknisk spärr i journalen.",
    )

    promised.refresh_from_db()
    assert (promised.carried_out, promised.effect_class, promised.followed_up_by) == (
        True,
        "very_effective",
        cast.safety_officer,
    )
    assert fresh(case).status == Status.CLOSED


def test_only_a_promised_action_is_followed_up(cast, case, incident):
    case = reported(cast, case)
    later = add_action(cast, incident)
    with pytest.raises(ValidationError) as error:
        services.action_follow_up(case=case, actor=cast.safety_officer, action=later, carried_out=None)
    assert set(error.value.message_dict) == {"action", "carried_out"}


# --- Who sees what --------------------------------------------------------------------------------


def test_the_case_is_seen_by_the_chief_physician_safety_officer_and_the_units_manager_only(cast, case):
    seeing = {name for name in cast.names() if case in LexMariaCase.objects.visible_to(getattr(cast, name))}
    assert seeing == {"chief_physician", "safety_officer", "manager"}


def test_a_manager_of_a_linked_incidents_unit_sees_the_case(cast, tree, case):
    orto = serious_incident(cast, tree.orto_ward, handler=cast.handler_orto)
    services.incident_link(case=case, actor=cast.chief_physician, incident=orto)
    assert case in LexMariaCase.objects.visible_to(cast.manager_orto)
    assert case not in LexMariaCase.objects.visible_to(cast.handler_orto)


def test_a_municipal_case_is_the_municipalitys_own(cast, tree, case):
    municipal = serious_incident(cast, tree.hemsjukvard, handler=cast.municipal_handler)
    theirs = opened(cast, municipal, actor=cast.mas)

    assert list(LexMariaCase.objects.visible_to(cast.mas)) == [theirs]
    for name in ("chief_physician", "safety_officer", "manager", "municipal_handler", "outsider"):
        assert theirs not in LexMariaCase.objects.visible_to(getattr(cast, name)), name


def test_an_inactive_or_anonymous_user_sees_nothing(cast, case):
    from django.contrib.auth.models import AnonymousUser

    cast.chief_physician.is_active = False
    assert not LexMariaCase.objects.visible_to(cast.chief_physician).exists()
    assert not LexMariaCase.objects.visible_to(AnonymousUser()).exists()


# --- A request from the incident --------------------------------------------------------------------


def test_a_handlers_request_opens_the_case_and_tells_the_chief_physician(cast, tree):
    # free text never leaves in a notification
    incident = serious_incident(cast, tree.medicin_ward, description="Patient 19121212-1212 föll.")

    after = incident_services.incident_request_lex_maria(
        incident=incident, actor=cast.handler, reason="Lårbensfraktur efter fall, Anna Andersson."
    )

    case = LexMariaCase.objects.get(links__incident=incident)
    assert (case.status, case.requested_by, case.request_reason) == (
        Status.ASSESSMENT,
        cast.handler,
        "Lårbensfraktur efter fall, Anna Andersson.",
    )
    assert after.version == Incident.objects.get(pk=incident.pk).version  # the handler's version holds
    # (the chief physician also handles incidents and was told of the report itself)
    notice = cast.chief_physician.notifications.get(subject__contains=case.reference)
    assert not Notification.objects.filter(subject__contains=case.reference).exclude(user=cast.chief_physician)

    message = OutboxMessage.objects.get(subject__contains=case.reference)
    assert message.recipient == cast.chief_physician.email
    assert case.reference in message.body
    for secret in ("19121212", "191212121212", "121212-1212", "Anna Andersson", "Lårbensfraktur", "föll"):
        assert secret not in message.subject and secret not in message.body
        assert secret not in notice.subject


def test_a_failing_case_undoes_the_request(cast, tree, monkeypatch):
    incident = serious_incident(cast, tree.medicin_ward)

    def broken(**kwargs):
        raise RuntimeError("no case")

    monkeypatch.setattr(services, "case_open_from_request", broken)
    with pytest.raises(RuntimeError):
        incident_services.incident_request_lex_maria(incident=incident, actor=cast.handler)

    assert Incident.objects.get(pk=incident.pk).lex_maria_requested_at is None
    assert not LexMariaCase.objects.exists()
