"""Handling: take, classify, assess, causes, actions, forward, inform, feedback, close, reopen.

Every transition: who may do it (403 for the others), from which states (409 otherwise),
stale versions refused with what changed, the timeline entry, and side effects on commit.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone, translation

from actions.models import Action, EffectClass
from incidents import permissions, services
from incidents.models import (
    CaseType,
    Category,
    Cause,
    CauseArea,
    EventClass,
    Forward,
    Incident,
    PatientInformation,
    ReportedKind,
    Status,
    TimelineEntry,
)
from incidents.selectors import close_blockers, risk_summary
from outbox.models import OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db

Kind = TimelineEntry.Kind
ALLOWED = ["handler", "manager", "chief_physician"]
DENIED = [
    "reporter",
    "handler_orto",
    "manager_orto",
    "safety_officer",
    "indicator_editor",
    "viewer",
    "admin",
    "mas",
    "municipal_handler",
    "outsider",
]


# --- Givens ---------------------------------------------------------------------------------


@dataclass
class World:
    cast: object
    tree: object


@pytest.fixture
def w(cast, tree) -> World:
    return World(cast, tree)


def category(code: str, case_type: str = CaseType.CARE) -> Category:
    # get_or_create: a transactional test elsewhere may have flushed the seeded rows.
    return Category.objects.get_or_create(code=code, defaults={"name": code.title(), "case_type": case_type})[0]


def cause_area(code: str = "kommunikation") -> CauseArea:
    return CauseArea.objects.get_or_create(code=code, defaults={"name": code.title()})[0]


def fresh(incident: Incident) -> Incident:
    return Incident.objects.get(pk=incident.pk)


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def given_submitted(w: World, **fields) -> Incident:
    return report(w.cast.reporter, w.tree.medicin_ward, **fields)


def given_in_progress(w: World, **fields) -> Incident:
    """Taken by the handler, with one cause and one action."""
    incident = services.incident_take(incident=given_submitted(w, **fields), actor=w.cast.handler)
    cause = services.cause_add(incident=incident, actor=w.cast.handler, area=cause_area(), detail="Muntlig ordination")
    services.action_add(
        incident=incident,
        actor=w.cast.handler,
        description="Inför dubbelkontroll av Waran",
        responsible=w.cast.manager,
        due_date=tomorrow(),
        causes=[cause],
    )
    return fresh(incident)


def make_ready(w: World, incident: Incident, event_class: str = EventClass.HARM) -> Incident:
    h = w.cast.handler
    services.incident_classify(
        incident=incident, actor=h, category=category("fall"), event_class=event_class, case_type=CaseType.CARE
    )
    services.incident_assess_risk(incident=incident, actor=h, probability=2, consequence=2)
    services.incident_feedback(incident=incident, actor=h, text="Tack! Vi inför dubbelkontroll.")
    return fresh(incident)


def given_ready(w: World) -> Incident:
    return make_ready(w, given_in_progress(w))


def given_closed(w: World) -> Incident:
    return services.incident_close(incident=given_ready(w), actor=w.cast.handler)


def given_withdrawn(w: World) -> Incident:
    return services.incident_withdraw(incident=given_in_progress(w), actor=w.cast.handler, reason="Dubblett")


def given_forwarded(w: World) -> Incident:
    incident = given_in_progress(w)
    services.incident_forward(
        incident=incident,
        actor=w.cast.handler,
        to_unit=w.tree.hemsjukvard,
        message="Patienten skrevs ut till hemsjukvården; hur följdes ordinationen upp?",
        answer_due=tomorrow() + dt.timedelta(days=13),
    )
    return fresh(incident)


# --- The operations under test: (given, do, timeline kind) ------------------------------------
# `do(w, incident, actor, **kw)` performs the operation; kw carries `version` where it has one.

OPEN_WORK = {
    "classify": (
        lambda w, i, a, **kw: services.incident_classify(
            incident=i, actor=a, category=category("fall"), event_class=EventClass.HARM, case_type=CaseType.CARE, **kw
        ),
        Kind.CLASSIFIED,
    ),
    "assess_risk": (
        lambda w, i, a, **kw: services.incident_assess_risk(incident=i, actor=a, probability=3, consequence=2, **kw),
        Kind.RISK_ASSESSED,
    ),
    "cause_add": (
        lambda w, i, a: services.cause_add(incident=i, actor=a, area=cause_area("teknik"), detail="Pumpen larmade"),
        Kind.CAUSE_ADDED,
    ),
    "cause_remove": (
        lambda w, i, a: services.cause_remove(cause=i.causes.get(), actor=a),
        Kind.CAUSE_REMOVED,
    ),
    "action_add": (
        lambda w, i, a: services.action_add(
            incident=i, actor=a, description="Utbilda personalen", responsible=w.cast.handler, due_date=tomorrow()
        ),
        Kind.ACTION_ADDED,
    ),
    "action_update": (
        lambda w, i, a: services.action_update(action=i.actions.get(), actor=a, description="Ny rutin"),
        Kind.ACTION_CHANGED,
    ),
    "forward": (
        lambda w, i, a, **kw: services.incident_forward(
            incident=i, actor=a, to_unit=w.tree.orto, message="Gäller er patient", answer_due=tomorrow(), **kw
        ),
        Kind.FORWARDED,
    ),
    "request_investigation": (
        lambda w, i, a, **kw: services.incident_request_investigation(incident=i, actor=a, reason="Hög risk", **kw),
        Kind.INVESTIGATION_REQUESTED,
    ),
    "request_lex_maria": (
        lambda w, i, a, **kw: services.incident_request_lex_maria(incident=i, actor=a, **kw),
        Kind.LEX_MARIA_REQUESTED,
    ),
    "patient_information": (
        lambda w, i, a: services.patient_information_record(
            incident=i, actor=a, informed=True, informed_on=timezone.localdate(), told_event=True
        ),
        Kind.PATIENT_INFORMED,
    ),
    "feedback": (
        lambda w, i, a, **kw: services.incident_feedback(incident=i, actor=a, text="Tack för rapporten.", **kw),
        Kind.FEEDBACK,
    ),
}
TAKE_ASSIGN = {
    "take": (lambda w, i, a, **kw: services.incident_take(incident=i, actor=a, **kw), Kind.TAKEN),
    "assign": (
        lambda w, i, a, **kw: services.incident_assign(incident=i, actor=a, handler=w.cast.manager, **kw),
        Kind.ASSIGNED,
    ),
}
CLOSE = (lambda w, i, a, **kw: services.incident_close(incident=i, actor=a, **kw), Kind.CLOSED)
REOPEN = (
    lambda w, i, a, **kw: services.incident_reopen(incident=i, actor=a, reason="Ny information", **kw),
    Kind.REOPENED,
)

# name → (given, do, kind)
OPERATIONS = {
    **{name: (given_submitted, do, kind) for name, (do, kind) in TAKE_ASSIGN.items()},
    **{name: (given_in_progress, do, kind) for name, (do, kind) in OPEN_WORK.items()},
    "close": (given_ready, *CLOSE),
    "reopen": (given_closed, *REOPEN),
}
WITH_VERSION = [
    "take",
    "assign",
    "classify",
    "assess_risk",
    "forward",
    "request_investigation",
    "request_lex_maria",
    "feedback",
    "close",
    "reopen",
]


def snapshot(incident: Incident) -> tuple:
    incident = fresh(incident)
    return incident.version, incident.status, incident.timeline.count()


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_name", ALLOWED)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_handlers_and_managers_of_the_unit_and_the_chief_physician_may(w, operation, actor_name):
    # given
    given, do, kind = OPERATIONS[operation]
    incident = given(w)
    actor = getattr(w.cast, actor_name)
    version_before = incident.version

    # when
    do(w, incident, actor)

    # then
    after = fresh(incident)
    assert after.version > version_before
    last = after.timeline.last()
    assert last.kind == kind
    assert last.actor == actor
    assert last.data["version"] == after.version
    assert "Waran" not in last.message  # no reporter free text in the timeline


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_everyone_else_gets_permission_denied_and_nothing_changes(w, operation):
    # given
    given, do, _ = OPERATIONS[operation]
    incident = given(w)
    before = snapshot(incident)

    for actor_name in DENIED:
        # when / then
        with pytest.raises(PermissionDenied):
            do(w, incident, getattr(w.cast, actor_name))
        assert snapshot(incident) == before, actor_name


# --- From which states ----------------------------------------------------------------------


@pytest.mark.parametrize("operation", [*TAKE_ASSIGN, *OPEN_WORK])
@pytest.mark.parametrize("given", [given_closed, given_withdrawn], ids=["closed", "withdrawn"])
def test_work_on_a_closed_or_withdrawn_incident_is_a_conflict(w, operation, given):
    # given
    do, _ = {**TAKE_ASSIGN, **OPEN_WORK}[operation]
    incident = given(w)
    before = snapshot(incident)

    # when / then
    with pytest.raises(services.ConflictError):
        do(w, incident, w.cast.handler)
    assert snapshot(incident) == before


@pytest.mark.parametrize("operation", list(OPEN_WORK))
def test_work_is_allowed_on_a_submitted_incident_before_anyone_takes_it(w, operation):
    incident = given_in_progress(w)
    services.incident_forward(
        incident=incident, actor=w.cast.handler, to_unit=w.tree.medicin, message="Till kliniken", answer_due=tomorrow()
    )
    incident = fresh(incident)
    assert incident.status == Status.SUBMITTED

    do, kind = OPEN_WORK[operation]
    if operation == "forward":
        do = lambda w, i, a: services.incident_forward(  # noqa: E731
            incident=i, actor=a, to_unit=w.tree.medicin_ward, message="Tillbaka", answer_due=tomorrow()
        )
    do(w, incident, w.cast.handler)

    assert fresh(incident).timeline.last().kind == kind


@pytest.mark.parametrize("given", [given_submitted, given_closed, given_withdrawn], ids=lambda g: g.__name__)
def test_only_an_incident_in_progress_can_close(w, given):
    incident = given(w)
    before = snapshot(incident)
    with pytest.raises(services.ConflictError):
        services.incident_close(incident=incident, actor=w.cast.handler)
    assert snapshot(incident) == before


@pytest.mark.parametrize("given", [given_submitted, given_in_progress, given_withdrawn], ids=lambda g: g.__name__)
def test_only_a_closed_incident_can_be_reopened(w, given):
    incident = given(w)
    with pytest.raises(services.ConflictError):
        services.incident_reopen(incident=incident, actor=w.cast.handler, reason="Ny information")


# --- Versions -------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", WITH_VERSION)
def test_a_change_from_an_old_version_is_refused_with_what_changed_since(w, operation):
    # given: someone else changed the incident after this user loaded it
    given, do, _ = OPERATIONS[operation]
    incident = given(w)
    seen = incident.version - 1
    latest = incident.timeline.last()
    before = snapshot(incident)

    # when
    with pytest.raises(services.StaleVersionError) as excinfo:
        do(w, incident, w.cast.handler, version=seen)

    # then
    assert latest in excinfo.value.changes
    assert all(entry.data["version"] > seen for entry in excinfo.value.changes)
    assert snapshot(incident) == before


@pytest.mark.parametrize("operation", WITH_VERSION)
def test_a_change_from_the_current_version_is_accepted(w, operation):
    given, do, kind = OPERATIONS[operation]
    incident = given(w)
    do(w, incident, w.cast.handler, version=incident.version)
    assert fresh(incident).timeline.last().kind == kind


@pytest.mark.django_db(transaction=True)
def test_two_edits_from_the_same_version_give_one_success_and_one_conflict(cast, tree):
    # given: two handlers opened the incident at the same version
    incident = services.incident_take(incident=report(cast.reporter, tree.medicin_ward), actor=cast.handler)
    seen = incident.version
    barrier = threading.Barrier(2)
    results, errors = [], []

    def assess(actor, probability):
        try:
            barrier.wait()
            services.incident_assess_risk(
                incident=incident, actor=actor, probability=probability, consequence=2, version=seen
            )
            results.append(actor.username)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connection.close()

    # when: both save at once
    threads = [
        threading.Thread(target=assess, args=(cast.handler, 1)),
        threading.Thread(target=assess, args=(cast.manager, 4)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], services.StaleVersionError)
    assert [e.kind for e in errors[0].changes] == [Kind.RISK_ASSESSED]
    after = fresh(incident)
    assert after.version == seen + 1
    assert after.risk_probability == (1 if results == ["handler"] else 4)


# --- Take and assign ------------------------------------------------------------------------


def test_taking_makes_the_actor_the_handler_and_sets_triaged_once(w):
    incident = given_submitted(w)

    services.incident_take(incident=incident, actor=w.cast.handler)
    first = fresh(incident)
    services.incident_take(incident=first, actor=w.cast.manager)
    second = fresh(incident)

    assert first.status == Status.IN_PROGRESS and first.handler == w.cast.handler
    assert first.triaged_at is not None
    assert second.handler == w.cast.manager
    assert second.triaged_at == first.triaged_at


def test_taking_twice_takes_it_once(w):
    incident = services.incident_take(incident=given_submitted(w), actor=w.cast.handler)
    again = services.incident_take(incident=incident, actor=w.cast.handler)
    assert again.version == incident.version
    assert fresh(incident).timeline.filter(kind=Kind.TAKEN).count() == 1


@pytest.mark.parametrize("name", ["handler_orto", "reporter", "viewer", "municipal_handler"])
def test_assigning_to_someone_who_cannot_handle_in_the_unit_is_refused(w, name):
    incident = given_submitted(w)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_assign(incident=incident, actor=w.cast.manager, handler=getattr(w.cast, name))
    assert set(excinfo.value.message_dict) == {"handler"}
    assert fresh(incident).handler is None


def test_assigning_hands_the_incident_to_the_chosen_handler(w):
    incident = given_submitted(w)
    services.incident_assign(incident=incident, actor=w.cast.manager, handler=w.cast.handler.pk)
    after = fresh(incident)
    assert after.handler == w.cast.handler
    assert after.status == Status.IN_PROGRESS
    assert after.timeline.last().data["handler_id"] == w.cast.handler.pk


# --- Classification and risk ----------------------------------------------------------------


def test_classifying_sets_category_event_class_and_case_type(w):
    incident = given_in_progress(w)
    services.incident_classify(
        incident=incident,
        actor=w.cast.handler,
        category=category("lakemedel-administrering"),
        event_class=EventClass.SERIOUS_HARM_RISK,
        case_type=CaseType.CARE,
    )
    after = fresh(incident)
    assert after.category.code == "lakemedel-administrering"
    assert after.event_class == EventClass.SERIOUS_HARM_RISK
    assert after.timeline.last().data["event_class"] == EventClass.SERIOUS_HARM_RISK


def test_a_retired_category_cannot_be_chosen_but_stays_on_old_cases(w):
    # given: one incident classified with the category, which is then retired
    retired = category("utlokalisering")
    old = given_in_progress(w)
    services.incident_classify(
        incident=old, actor=w.cast.handler, category=retired, event_class=EventClass.RISK, case_type=CaseType.CARE
    )
    Category.objects.filter(pk=retired.pk).update(is_active=False)
    new = given_in_progress(w)

    # when / then: it cannot be newly chosen
    with pytest.raises(ValidationError) as excinfo:
        services.incident_classify(
            incident=new, actor=w.cast.handler, category=retired, event_class=EventClass.RISK, case_type=CaseType.CARE
        )
    assert set(excinfo.value.message_dict) == {"category"}
    assert fresh(new).category is None

    # and the old case keeps it, even when its event class is changed
    services.incident_classify(
        incident=old, actor=w.cast.handler, category=retired, event_class=EventClass.HARM, case_type=CaseType.CARE
    )
    assert fresh(old).category == retired


def test_the_category_must_match_the_case_type_and_the_classes_must_be_known(w):
    incident = given_in_progress(w)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_classify(
            incident=incident,
            actor=w.cast.handler,
            category=category("am-stickskada", CaseType.WORK_ENVIRONMENT),
            event_class=EventClass.HARM,
            case_type=CaseType.CARE,
        )
    assert set(excinfo.value.message_dict) == {"category"}
    with pytest.raises(ValidationError) as excinfo:
        services.incident_classify(
            incident=incident, actor=w.cast.handler, category=None, event_class="terrible", case_type="other"
        )
    assert set(excinfo.value.message_dict) == {"category", "event_class", "case_type"}


@pytest.mark.parametrize(
    ("probability", "consequence", "level", "suggests"),
    [
        (1, 1, "Låg", False),
        (2, 2, "Måttlig", False),
        (1, 3, "Låg", True),
        (2, 4, "Hög", True),
        (4, 4, "Mycket hög", True),
    ],
)
def test_the_risk_score_level_and_investigation_suggestion_follow_the_providers_matrix(
    w, probability, consequence, level, suggests
):
    incident = given_in_progress(w)

    services.incident_assess_risk(
        incident=incident, actor=w.cast.handler, probability=probability, consequence=consequence
    )

    after = fresh(incident)
    summary = risk_summary(after)
    assert (summary.score, summary.level, summary.suggests_investigation) == (
        probability * consequence,
        level,
        suggests,
    )
    entry = after.timeline.last()
    assert entry.data["suggests_investigation"] is suggests
    assert level in entry.message and str(probability * consequence) in entry.message


@pytest.mark.parametrize(("probability", "consequence"), [(0, 2), (2, 5), ("x", 2), (None, None), (True, 2)])
def test_a_risk_outside_the_matrix_is_refused(w, probability, consequence):
    incident = given_in_progress(w)
    with pytest.raises(ValidationError):
        services.incident_assess_risk(
            incident=incident, actor=w.cast.handler, probability=probability, consequence=consequence
        )
    assert fresh(incident).risk_probability is None


# --- Causes and actions ---------------------------------------------------------------------


def test_several_causes_and_removing_one_keeps_the_row(w):
    incident = given_in_progress(w)
    second = services.cause_add(incident=incident, actor=w.cast.handler, area=cause_area("procedurer"))

    services.cause_remove(cause=second, actor=w.cast.handler)

    assert Cause.objects.filter(incident=incident).count() == 2
    assert Cause.objects.get(pk=second.pk).removed_at is not None
    with pytest.raises(services.ConflictError):
        services.cause_remove(cause=second, actor=w.cast.handler)


def test_a_retired_cause_area_cannot_be_chosen(w):
    incident = given_in_progress(w)
    area = cause_area("omgivning")
    CauseArea.objects.filter(pk=area.pk).update(is_active=False)
    with pytest.raises(ValidationError) as excinfo:
        services.cause_add(incident=incident, actor=w.cast.handler, area=area)
    assert set(excinfo.value.message_dict) == {"area"}


def test_an_action_has_a_named_person_a_due_date_and_the_causes_it_addresses(w):
    incident = given_in_progress(w)
    cause = incident.causes.get()

    action = services.action_add(
        incident=incident,
        actor=w.cast.handler,
        description="Uppdatera rutinen för Waran",
        responsible=w.cast.manager,
        due_date=tomorrow(),
        effect_class=EffectClass.EFFECTIVE,
        causes=[cause.pk],
    )

    assert action.responsible == w.cast.manager
    assert list(action.causes.all()) == [cause]
    assert action.state == Action.State.PLANNED
    assert fresh(incident).timeline.last().data["action_id"] == action.pk


def test_an_action_is_refused_with_each_bad_field_named(w):
    incident = given_in_progress(w)
    other_cause = given_in_progress(w).causes.get()
    w.cast.outsider.is_active = False
    w.cast.outsider.save()
    with pytest.raises(ValidationError) as excinfo:
        services.action_add(
            incident=incident,
            actor=w.cast.handler,
            description="  ",
            responsible=w.cast.outsider,
            due_date=timezone.localdate() - dt.timedelta(days=1),
            effect_class="magic",
            causes=[other_cause],
        )
    assert set(excinfo.value.message_dict) == {"description", "responsible", "due_date", "effect_class", "causes"}
    assert incident.actions.count() == 1


def test_updating_an_action_checks_its_own_version_and_done_sets_done_at(w):
    incident = given_in_progress(w)
    action = incident.actions.get()

    services.action_update(action=action, actor=w.cast.handler, version=action.version, state=Action.State.DONE)
    done = Action.objects.get(pk=action.pk)
    assert done.state == Action.State.DONE and done.done_at is not None
    assert done.version == action.version + 1

    with pytest.raises(services.StaleVersionError) as excinfo:
        services.action_update(action=action, actor=w.cast.manager, version=action.version, description="Annat")
    assert [e.kind for e in excinfo.value.changes] == [Kind.ACTION_CHANGED]
    assert Action.objects.get(pk=action.pk).description == action.description

    services.action_update(action=done, actor=w.cast.handler, version=done.version, state=Action.State.IN_PROGRESS)
    assert Action.objects.get(pk=action.pk).done_at is None


def test_an_action_update_refuses_unknown_fields_and_changes_nothing_when_nothing_differs(w):
    incident = given_in_progress(w)
    action = incident.actions.get()
    with pytest.raises(ValidationError):
        services.action_update(action=action, actor=w.cast.handler, incident=incident)
    same = services.action_update(action=action, actor=w.cast.handler, description=action.description)
    assert same.version == action.version
    assert fresh(incident).version == incident.version


def test_after_closing_an_action_can_still_be_marked_done_but_not_rewritten(w):
    incident = given_closed(w)
    action = incident.actions.get()

    services.action_update(action=action, actor=w.cast.manager, state=Action.State.DONE)

    assert Action.objects.get(pk=action.pk).state == Action.State.DONE
    with pytest.raises(services.ConflictError):
        services.action_update(action=action, actor=w.cast.manager, due_date=tomorrow())


# --- Forwarding -----------------------------------------------------------------------------


def test_forwarding_to_another_care_provider_hands_over_and_notifies_the_receivers(
    w, django_capture_on_commit_callbacks
):
    # given (the notices of the original report are not what this test is about)
    incident = given_in_progress(w)
    OutboxMessage.objects.all().delete()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        forward = services.incident_forward(
            incident=incident,
            actor=w.cast.handler,
            to_unit=w.tree.hemsjukvard.pk,
            message="Hur följdes ordinationen upp efter utskrivning?",
            answer_due=tomorrow(),
        )

    # then
    after = fresh(incident)
    assert after.responsible_unit == w.tree.hemsjukvard
    assert after.status == Status.SUBMITTED
    assert after.handler is None
    assert (forward.from_unit, forward.to_unit) == (w.tree.medicin_ward, w.tree.hemsjukvard)
    assert after.timeline.last().data["forward_id"] == forward.pk
    recipients = set(OutboxMessage.objects.values_list("recipient", flat=True))
    assert recipients == {w.cast.municipal_handler.email, w.cast.mas.email}
    for message in OutboxMessage.objects.all():
        assert incident.reference in message.subject
        assert "Waran" not in message.body and "ordinationen" not in message.body
    # the forwarding unit still sees it, the receiving one now handles it
    assert Incident.objects.visible_to(w.cast.handler).filter(pk=incident.pk).exists()
    assert Incident.objects.visible_to(w.cast.municipal_handler).filter(pk=incident.pk).exists()
    assert permissions.can_handle(w.cast.municipal_handler, after)
    assert not permissions.can_handle(w.cast.handler, after)
    with pytest.raises(PermissionDenied):
        services.incident_take(incident=after, actor=w.cast.handler)
    services.incident_take(incident=after, actor=w.cast.municipal_handler)


def test_a_forward_needs_a_unit_a_message_and_a_due_date_not_passed(w):
    incident = given_in_progress(w)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_forward(
            incident=incident,
            actor=w.cast.handler,
            to_unit=w.tree.medicin_ward,  # where it already is
            message="",
            answer_due=timezone.localdate() - dt.timedelta(days=1),
        )
    assert set(excinfo.value.message_dict) == {"to_unit", "message", "answer_due"}
    assert not Forward.objects.exists()


def test_the_receiving_side_answers_once_and_both_sides_see_the_answer(w):
    # given
    incident = given_forwarded(w)
    forward = incident.forwards.get()

    # when: the forwarding side may not answer its own question
    for name in ["handler", "manager", "chief_physician", "reporter", "viewer", "handler_orto"]:
        with pytest.raises(PermissionDenied):
            services.forward_answer(forward=forward, actor=getattr(w.cast, name), answer="Svar")
    services.forward_answer(forward=forward, actor=w.cast.municipal_handler, answer="Ordinationen följdes upp dag 2.")

    # then
    for viewer in (w.cast.handler, w.cast.municipal_handler, w.cast.mas):
        seen = Incident.objects.visible_to(viewer).get(pk=incident.pk).forwards.get()
        assert seen.answer == "Ordinationen följdes upp dag 2."
        assert seen.answered_by == w.cast.municipal_handler
    entry = fresh(incident).timeline.last()
    assert entry.kind == Kind.FORWARD_ANSWERED
    assert "Ordinationen" not in entry.message
    with pytest.raises(services.ConflictError):
        services.forward_answer(forward=forward, actor=w.cast.mas, answer="Igen")


def test_a_forward_answer_must_say_something(w):
    forward = given_forwarded(w).forwards.get()
    with pytest.raises(ValidationError):
        services.forward_answer(forward=forward, actor=w.cast.mas, answer="  ")


# --- Requests, the patient, feedback --------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (services.incident_request_investigation, "investigation_requested_at"),
        (services.incident_request_lex_maria, "lex_maria_requested_at"),
    ],
)
def test_an_investigation_or_lex_maria_is_requested_once(w, request_, field):
    incident = given_in_progress(w)

    request_(incident=incident, actor=w.cast.handler, reason="Allvarlig händelse")
    first = getattr(fresh(incident), field)

    with pytest.raises(services.ConflictError):
        request_(incident=incident, actor=w.cast.manager)
    assert first is not None
    assert getattr(fresh(incident), field) == first


def test_informing_the_patient_needs_a_date_and_not_informing_needs_a_reason(w):
    incident = given_in_progress(w)
    with pytest.raises(ValidationError) as excinfo:
        services.patient_information_record(incident=incident, actor=w.cast.handler, informed=True)
    assert set(excinfo.value.message_dict) == {"informed_on"}
    with pytest.raises(ValidationError) as excinfo:
        services.patient_information_record(incident=incident, actor=w.cast.handler, informed=False)
    assert set(excinfo.value.message_dict) == {"not_informed_reason"}
    assert not PatientInformation.objects.exists()

    services.patient_information_record(
        incident=incident, actor=w.cast.handler, informed=False, not_informed_reason="Patienten är avliden."
    )
    services.patient_information_record(
        incident=incident,
        actor=w.cast.manager,
        informed=True,
        informed_on=timezone.localdate(),
        informed_by="Dr Svensson",
        told_event=True,
        told_measures=True,
        record_note_made=True,
    )

    information = PatientInformation.objects.get(incident=incident)
    assert information.informed and information.not_informed_reason == ""
    assert information.recorded_by == w.cast.manager
    assert "avliden" not in fresh(incident).timeline.last().message


def test_feedback_is_stored_with_its_time(w):
    incident = given_in_progress(w)
    with pytest.raises(ValidationError):
        services.incident_feedback(incident=incident, actor=w.cast.handler, text=" ")
    services.incident_feedback(incident=incident, actor=w.cast.handler, text="Tack, vi har ändrat rutinen.")
    after = fresh(incident)
    assert after.feedback == "Tack, vi har ändrat rutinen."
    assert after.feedback_at is not None


# --- Closing --------------------------------------------------------------------------------


def test_close_blockers_go_away_one_by_one(w):
    # given: a harm event with a patient, taken but not worked on
    incident = services.incident_take(
        incident=given_submitted(w, patient_involved=True, reported_kind=ReportedKind.HAPPENED), actor=w.cast.handler
    )
    h = w.cast.handler

    def blockers():
        with translation.override("en"):
            return [str(b) for b in close_blockers(fresh(incident))]

    def assert_cannot_close():
        with pytest.raises(services.ConflictError) as excinfo:
            services.incident_close(incident=incident, actor=h)
        assert excinfo.value.blockers
        assert fresh(incident).status == Status.IN_PROGRESS
        denied = permissions.can_close(h, fresh(incident))
        assert not denied and str(excinfo.value.blockers[0]) in str(denied.reason)

    steps = [
        (
            "Classify",
            lambda: services.incident_classify(
                incident=incident, actor=h, category=category("fall"), event_class=EventClass.HARM, case_type="care"
            ),
        ),
        (
            "Assess the risk",
            lambda: services.incident_assess_risk(incident=incident, actor=h, probability=2, consequence=3),
        ),
        ("cause", lambda: services.cause_add(incident=incident, actor=h, area=cause_area())),
        ("feedback", lambda: services.incident_feedback(incident=incident, actor=h, text="Tack!")),
        (
            "patient was informed",
            lambda: services.patient_information_record(
                incident=incident, actor=h, informed=True, informed_on=timezone.localdate()
            ),
        ),
    ]
    assert len(blockers()) == len(steps)
    for i, (words, fill_in) in enumerate(steps):
        # when one more thing is filled in
        assert any(words in b for b in blockers()), words
        assert_cannot_close()
        fill_in()
        # then that blocker is gone and the rest remain
        assert not any(words in b for b in blockers()), words
        assert len(blockers()) == len(steps) - i - 1

    assert permissions.can_close(h, fresh(incident))
    services.incident_close(incident=incident, actor=h)
    assert fresh(incident).status == Status.CLOSED


def test_a_near_miss_without_a_patient_needs_no_causes_and_no_patient_information(w):
    incident = services.incident_take(
        incident=given_submitted(w, reported_kind=ReportedKind.NEAR_MISS), actor=w.cast.handler
    )
    make_ready(w, incident, EventClass.NEAR_MISS)
    assert close_blockers(fresh(incident)) == []


def test_removed_causes_do_not_count(w):
    incident = make_ready(w, given_in_progress(w))
    services.cause_remove(cause=incident.causes.get(), actor=w.cast.handler)
    with translation.override("en"):
        assert [b for b in close_blockers(fresh(incident)) if "cause" in b]


@pytest.mark.parametrize("event_class", [EventClass.SERIOUS_HARM, EventClass.SERIOUS_HARM_RISK])
def test_a_serious_event_cannot_close_without_the_lex_maria_request(w, event_class):
    # given: everything else is done
    incident = given_in_progress(w)
    make_ready(w, incident, event_class)
    services.patient_information_record(
        incident=incident, actor=w.cast.handler, informed=False, not_informed_reason="Ej kontaktbar."
    )

    # when / then
    with pytest.raises(services.ConflictError) as excinfo:
        services.incident_close(incident=incident, actor=w.cast.handler)
    with translation.override("en"):
        assert [str(b) for b in excinfo.value.blockers] == [
            "Request a Lex Maria assessment: the event is classed as serious."
        ]

    services.incident_request_lex_maria(incident=incident, actor=w.cast.handler)
    services.incident_close(incident=incident, actor=w.cast.chief_physician)
    assert fresh(incident).status == Status.CLOSED


def test_closing_tells_the_reporter_that_feedback_is_waiting(w, django_capture_on_commit_callbacks):
    # given (the notices of the original report are not what this test is about)
    incident = given_ready(w)
    OutboxMessage.objects.all().delete()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_close(incident=incident, actor=w.cast.handler)

    # then
    after = fresh(incident)
    assert after.status == Status.CLOSED and after.closed_at is not None
    message = OutboxMessage.objects.get()
    assert message.recipient == w.cast.reporter.email
    assert incident.reference in message.subject and incident.reference in message.body
    assert f"/mina-avvikelser/{incident.pk}/#feedback" in message.body  # the reporter's own page
    for secret in ("Waran", "dubbelkontroll", "Tack!"):
        assert secret not in message.body and secret not in message.subject


def test_each_closing_sends_one_message_and_reopening_needs_a_reason(w, django_capture_on_commit_callbacks):
    incident = given_ready(w)
    OutboxMessage.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_close(incident=incident, actor=w.cast.handler)
    services.notify_reporter_closed(incident_id=incident.pk, version=fresh(incident).version)  # a retry
    assert OutboxMessage.objects.count() == 1

    with pytest.raises(ValidationError) as excinfo:
        services.incident_reopen(incident=incident, actor=w.cast.manager, reason=" ")
    assert set(excinfo.value.message_dict) == {"reason"}
    services.incident_reopen(incident=incident, actor=w.cast.manager, reason="Patienten har hört av sig igen.")
    reopened = fresh(incident)
    assert reopened.status == Status.IN_PROGRESS and reopened.closed_at is None
    assert reopened.timeline.last().message == "Patienten har hört av sig igen."

    with django_capture_on_commit_callbacks(execute=True):
        services.incident_close(incident=incident, actor=w.cast.handler)
    assert OutboxMessage.objects.count() == 2
