"""Egenkontroll's services as the units and the safety team meet them: a response's
transitions and their refusals, the rules an answer is saved by, what a round may be sent
to, a template's new version leaving the answers already given as they were, a recurring
round's next one, and actions into the register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from actions.models import Action
from audits import services
from audits.examples import MEDICATION, PVK_KAD
from audits.models import Answer, Response, Round, RoundStatus, Status, Template, TimelineEntry
from audits.results import round_results
from tests.audits.conftest import answer_all, send, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def response_of(round_, unit) -> Response:
    return Response.objects.get(round=round_, unit=unit)


def statement(response, key):
    return response.round.template_version.statements.get(key=key)


def fresh(response) -> Response:
    return Response.objects.get(pk=response.pk)


# --- Transitions --------------------------------------------------------------------------


def test_a_planned_response_opens_with_its_round(cast, tree, acast):
    # given a round that opens in a week
    round_ = send(cast.safety_officer, [tree.medicin_ward], opens_in_days=7)
    ward = response_of(round_, tree.medicin_ward)
    assert (round_.status, ward.status) == (RoundStatus.PLANNED, Status.PLANNED)

    # when it opens
    services.round_open(round_=round_)

    # then the unit's response is open, with a line in its timeline
    assert fresh(ward).status == Status.OPEN
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN
    assert list(fresh(ward).timeline.values_list("kind", flat=True)) == [TimelineEntry.Kind.OPENED]


def test_the_manager_submits_then_approves(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)

    submitted = services.submit(response=ward, actor=acast.ward_manager, version=ward.version)
    assert submitted.status == Status.SUBMITTED
    assert (submitted.submitted_by, submitted.submitted_at is not None) == (acast.ward_manager, True)

    approved = services.approve(response=submitted, actor=acast.ward_manager, version=submitted.version)
    assert approved.status == Status.APPROVED
    assert approved.approved_by == acast.ward_manager
    kinds = list(approved.timeline.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["opened", "submitted", "approved"]


def test_a_returned_response_opens_again_with_the_reason(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)
    ward = services.submit(response=ward, actor=acast.ward_manager, version=ward.version)

    # a return needs a reason, and without one nothing changes
    with pytest.raises(ValidationError) as refused:
        services.return_for_changes(response=ward, actor=acast.ward_manager, reason="  ", version=ward.version)
    assert refused.value.message_dict == {"reason": ["Say what should be changed."]}
    assert fresh(ward).status == Status.SUBMITTED

    returned = services.return_for_changes(
        response=ward, actor=acast.ward_manager, reason="Narkotikakontrollen: beskriv hur ofta.", version=ward.version
    )
    assert returned.status == Status.OPEN
    assert returned.submitted_by is None and returned.submitted_at is None
    entry = returned.timeline.get(kind=TimelineEntry.Kind.RETURNED)
    assert entry.message == "Narkotikakontrollen: beskriv hur ofta."


def test_returned_after_the_due_date_it_is_overdue(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)
    ward = services.submit(response=ward, actor=acast.ward_manager, version=ward.version)
    today = timezone.localdate()
    Round.objects.filter(pk=ward.round_id).update(
        opens_on=today - dt.timedelta(days=30), due_on=today - dt.timedelta(days=1)
    )

    returned = services.return_for_changes(response=ward, actor=acast.ward_manager, reason="Komplettera.")

    assert returned.status == Status.OVERDUE
    # and it can be answered and submitted again
    services.submit(response=returned, actor=acast.ward_manager, version=returned.version)
    assert fresh(ward).status == Status.SUBMITTED


def test_a_nurse_can_answer_but_neither_submit_nor_approve(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)

    with pytest.raises(PermissionDenied, match="Only the unit's manager can submit"):
        services.submit(response=ward, actor=acast.nurse)
    ward = services.submit(response=ward, actor=acast.ward_manager)
    with pytest.raises(PermissionDenied, match="Only the unit's manager can approve"):
        services.approve(response=ward, actor=acast.nurse)
    with pytest.raises(PermissionDenied):
        services.return_for_changes(response=ward, actor=acast.nurse, reason="Nej.")
    # another clinic's manager is not this unit's
    with pytest.raises(PermissionDenied):
        services.approve(response=ward, actor=cast.manager_orto)
    assert fresh(ward).status == Status.SUBMITTED


def test_submit_is_refused_while_statements_are_unanswered(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    first = statement(ward, "narkotikakontroll")
    services.answer_save(response=ward, actor=acast.nurse, statement=first, fields={"value": "in_place"})

    with pytest.raises(ValidationError) as refused:
        services.submit(response=ward, actor=acast.ward_manager)

    problems = refused.value.message_dict["answers"]
    assert len(problems) == ward.round.template_version.statements.count() - 1
    assert any("Not answered:" in p and "Verksamhetschefen har fastställt" in p for p in problems)
    assert fresh(ward).status == Status.OPEN


@pytest.mark.parametrize(
    ("code", "key", "negative"), [(MEDICATION, "svinn", "missing"), ("STRALSKYDD", "dosimetri", "no")]
)
def test_a_negative_answer_needs_a_comment_before_submit(cast, tree, acast, code, key, negative):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward], code=code), tree.medicin_ward)
    answer_all(ward, acast.nurse, "in_place" if code == MEDICATION else "yes")
    target = statement(ward, key)
    services.answer_save(response=ward, actor=acast.nurse, statement=target, fields={"value": negative})

    with pytest.raises(ValidationError) as refused:
        services.submit(response=ward, actor=acast.ward_manager)
    [problem] = refused.value.message_dict["answers"]
    assert problem.startswith("A negative answer needs a comment:") and target.text in problem

    services.answer_save(
        response=ward,
        actor=acast.nurse,
        statement=target,
        fields={"value": negative, "comment": "Rutinen saknas; enhetschefen tar fram en."},
    )
    assert services.submit(response=ward, actor=acast.ward_manager).status == Status.SUBMITTED


def test_a_change_from_an_old_version_is_refused(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)
    seen = ward.version
    services.action_add(
        response=ward,
        actor=acast.ward_manager,
        fields={"description": "Ny rutin.", "responsible": acast.ward_manager, "due_date": timezone.localdate()},
    )

    with pytest.raises(services.StaleVersionError):
        services.submit(response=ward, actor=acast.ward_manager, version=seen)
    assert fresh(ward).status == Status.OPEN


def test_a_transition_from_the_wrong_state_is_a_conflict(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)

    # an open response cannot be approved or returned
    with pytest.raises(services.ConflictError, match="while the response is open"):
        services.approve(response=ward, actor=acast.ward_manager)
    with pytest.raises(services.ConflictError):
        services.return_for_changes(response=ward, actor=acast.ward_manager, reason="Komplettera.")

    # nor a planned one submitted, nor an approved one submitted again
    planned = response_of(send(cast.safety_officer, [tree.medicin_ward], opens_in_days=3), tree.medicin_ward)
    with pytest.raises(services.ConflictError, match="while the response is planned"):
        services.submit(response=planned, actor=acast.ward_manager)
    answer_all(ward, acast.nurse)
    ward = services.approve(response=services.submit(response=ward, actor=acast.ward_manager), actor=acast.ward_manager)
    with pytest.raises(services.ConflictError, match="while the response is approved"):
        services.submit(response=ward, actor=acast.ward_manager)


# --- Answers ------------------------------------------------------------------------------


def test_an_answer_must_be_one_of_the_statements_scale(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    first = statement(ward, "narkotikakontroll")

    for wrong in ("yes", "maybe"):
        with pytest.raises(ValidationError) as refused:
            services.answer_save(response=ward, actor=acast.nurse, statement=first, fields={"value": wrong})
        assert refused.value.message_dict == {"value": ["Choose one of the answers."]}
    assert not Answer.objects.exists()

    saved = services.answer_save(response=ward, actor=acast.nurse, statement=first, fields={"value": "introducing"})
    assert (saved.value, saved.answered_by) == ("introducing", acast.nurse)


def test_counts_are_whole_non_negative_and_compliant_at_most_observed(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward], code=PVK_KAD), tree.medicin_ward)
    pvk = statement(ward, "pvk-dokumenterad")

    def refused(fields) -> dict:
        with pytest.raises(ValidationError) as error:
            services.answer_save(response=ward, actor=acast.nurse, statement=pvk, fields=fields)
        return error.value.message_dict

    assert refused({"observed": "-1"}) == {"observed": ["A count cannot be negative."]}
    assert refused({"observed": "2,5"}) == {"observed": ["Write a whole number."]}
    assert refused({"observed": "10", "compliant": "11"}) == {
        "compliant": ["More cannot be compliant than were observed."]
    }
    assert refused({"compliant": "3"}) == {"observed": ["Write how many were observed."]}
    assert not Answer.objects.exists()

    saved = services.answer_save(
        response=ward, actor=acast.nurse, statement=pvk, fields={"observed": "20", "compliant": "17"}
    )
    assert (saved.observed, saved.compliant) == (20, 17)


def test_clearing_an_answer_removes_it(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    first = statement(ward, "narkotikakontroll")
    services.answer_save(response=ward, actor=acast.nurse, statement=first, fields={"value": "missing", "comment": "X"})

    services.answer_save(response=ward, actor=acast.nurse, statement=first, fields={"value": "", "comment": ""})

    assert not Answer.objects.filter(response=ward).exists()
    assert "narkotikakontroll" in services.missing(fresh(ward))


def test_a_planned_or_submitted_response_takes_no_answers(cast, tree, acast):
    planned = response_of(send(cast.safety_officer, [tree.medicin_ward], opens_in_days=5), tree.medicin_ward)
    with pytest.raises(PermissionDenied, match="has not opened yet"):
        services.answer_save(
            response=planned, actor=acast.nurse, statement=statement(planned, "svinn"), fields={"value": "in_place"}
        )

    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    answer_all(ward, acast.nurse)
    services.submit(response=ward, actor=acast.ward_manager)
    with pytest.raises(PermissionDenied, match="is submitted"):
        services.answer_save(
            response=ward, actor=acast.nurse, statement=statement(ward, "svinn"), fields={"value": "missing"}
        )
    assert not Answer.objects.filter(response=planned).exists()
    assert Answer.objects.get(response=ward, statement__key="svinn").value == "in_place"


def test_another_units_staff_cannot_answer(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    with pytest.raises(PermissionDenied):
        services.answer_save(
            response=ward, actor=acast.nurse_orto, statement=statement(ward, "svinn"), fields={"value": "in_place"}
        )


# --- Sending rounds -----------------------------------------------------------------------


def test_a_round_goes_to_the_units_of_one_care_provider(cast, tree):
    with pytest.raises(ValidationError) as refused:
        send(cast.safety_officer, [tree.medicin_ward, tree.hemsjukvard])
    assert refused.value.message_dict["units"] == ["A round goes to the units of one care provider."]

    with pytest.raises(ValidationError) as refused:
        send(cast.safety_officer, [])
    assert refused.value.message_dict["units"] == ["Choose the units that should answer."]
    assert not Round.objects.exists()


def test_dates_in_the_wrong_order_are_refused(cast, tree):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        send(
            cast.safety_officer,
            [tree.medicin_ward],
            period_start=today,
            period_end=today - dt.timedelta(days=1),
            opens_on=today,
            due_on=today - dt.timedelta(days=2),
        )
    assert refused.value.message_dict == {
        "period_end": ["The period ends before it starts."],
        "due_on": ["The due date comes before the round opens."],
    }
    assert not Round.objects.exists()


def test_only_who_runs_rounds_over_the_units_may_send_to_them(cast, tree):
    # the clinic's measurement owner sends to her clinic's ward, not to another clinic's
    mine = send(cast.indicator_editor, [tree.medicin_ward])
    assert mine.created_by == cast.indicator_editor
    with pytest.raises(PermissionDenied, match="Only the safety team and measurement owners"):
        send(cast.indicator_editor, [tree.orto_ward])
    with pytest.raises(PermissionDenied):
        send(cast.indicator_editor, [tree.medicin_ward, tree.orto_ward])
    # the manager answers and submits but does not send
    with pytest.raises(PermissionDenied):
        send(cast.manager, [tree.medicin_ward])
    assert Round.objects.count() == 1


# --- A new version of the template --------------------------------------------------------


def _publish_new_medication_version(actor) -> str:
    template = Template.objects.get(code=MEDICATION)
    old = template.current_version()
    areas = []
    for area in old.areas.all():
        rows = []
        for s in area.statements.all():
            text = s.text
            if s.key == "narkotikakontroll":
                text = "Narkotikakontroll utförs minst två gånger per månad"
            rows.append({"key": s.key, "text": text, "scale": s.scale, "threshold": s.threshold})
        areas.append((area.title, rows))
    services.version_publish(template=template, actor=actor, areas=areas, note="Tätare narkotikakontroll.")
    return "Narkotikakontroll utförs minst två gånger per månad"


def test_a_new_template_version_leaves_the_answers_already_given(cast, tree, acast):
    # given last round's answers
    old_round = send(cast.safety_officer, [tree.medicin_ward])
    ward = response_of(old_round, tree.medicin_ward)
    answer_all(ward, acast.nurse)
    services.submit(response=ward, actor=acast.ward_manager)
    old_text = statement(ward, "narkotikakontroll").text
    before = list(Answer.objects.filter(response=ward).values_list("statement_id", "statement__text", "value"))

    # when the template gets a new version with a statement reworded
    new_text = _publish_new_medication_version(cast.safety_officer)

    # then the old round keeps its version, its statements and its answers
    old_round = Round.objects.get(pk=old_round.pk)
    assert old_round.template_version.statements.get(key="narkotikakontroll").text == old_text
    assert list(Answer.objects.filter(response=ward).values_list("statement_id", "statement__text", "value")) == before
    results = round_results(cast.safety_officer, old_round)
    assert [r.statement.text for r in results.statements if r.statement.key == "narkotikakontroll"] == [old_text]

    # and a new round is sent with the new version
    new_round = send(cast.safety_officer, [tree.medicin_ward])
    assert new_round.template_version == version_of(MEDICATION)
    assert new_round.template_version.number == old_round.template_version.number + 1
    assert new_round.template_version.statements.get(key="narkotikakontroll").text == new_text


# --- Recurrence ---------------------------------------------------------------------------


def test_a_recurring_round_makes_its_next_once_with_the_newest_version(cast, tree, acast):
    today = timezone.localdate()
    first = send(
        cast.safety_officer,
        [tree.medicin_ward, tree.orto_ward],
        recurrence="quarterly",
        period_start=dt.date(today.year, 1, 1),
        period_end=dt.date(today.year, 3, 31),
        opens_on=today,
        due_on=today + dt.timedelta(days=30),
    )
    _publish_new_medication_version(cast.safety_officer)

    following = services.round_recur(round_=first)

    assert following.previous == first
    assert (following.period_start, following.period_end) == (dt.date(today.year, 4, 1), dt.date(today.year, 6, 30))
    assert following.due_on == services.core._add_months(first.due_on, 3)
    assert following.template_version == version_of(MEDICATION) != first.template_version
    assert set(following.responses.values_list("unit", flat=True)) == {tree.medicin_ward.pk, tree.orto_ward.pk}
    assert following.created_by == cast.safety_officer
    assert services.round_recur(round_=first) is None
    assert Round.objects.count() == 2


def test_a_round_sent_once_does_not_recur(cast, tree):
    assert services.round_recur(round_=send(cast.safety_officer, [tree.medicin_ward])) is None
    assert Round.objects.count() == 1


# --- Actions ------------------------------------------------------------------------------


def test_an_action_goes_into_the_register_and_the_timeline(cast, tree, acast):
    ward = response_of(send(cast.safety_officer, [tree.medicin_ward]), tree.medicin_ward)
    svinn = statement(ward, "svinn")
    due = timezone.localdate() + dt.timedelta(days=30)

    action = services.action_add(
        response=ward,
        actor=acast.nurse,
        statement=svinn,
        fields={"description": "Inför rapportering av svinn.", "responsible": acast.ward_manager, "due_date": due},
    )

    stored = Action.objects.get(pk=action.pk)
    assert (stored.audit_response, stored.responsible, stored.due_date) == (ward, acast.ward_manager, due)
    entry = fresh(ward).timeline.get(kind=TimelineEntry.Kind.ACTION_ADDED)
    assert (entry.actor, entry.message, entry.data["action"]) == (acast.nurse, svinn.text, action.pk)
    # an approved response takes no new actions
    answer_all(ward, acast.nurse)
    services.approve(response=services.submit(response=ward, actor=acast.ward_manager), actor=acast.ward_manager)
    with pytest.raises(PermissionDenied, match="approved"):
        services.action_add(
            response=ward,
            actor=acast.ward_manager,
            fields={"description": "Till.", "responsible": acast.ward_manager, "due_date": due},
        )
    assert Action.objects.filter(audit_response=ward).count() == 1
