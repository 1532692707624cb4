"""The daily sweep of egenkontroll: a planned round opens on its day and the units' managers
are told; they are reminded once before the due date; an open response past its date
becomes overdue, is escalated once to the manager above and reminded every seventh day; a
submitted one is left alone; a recurring round's next round comes when its period ends; and
no message carries more than the reference, the round's title, a date and a link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone, translation

from audits import services
from audits.models import Response, Round, RoundStatus, Status, TimelineEntry
from audits.services.sweep import sweep
from outbox.models import Notification
from tests.audits.conftest import answer_all, send

pytestmark = pytest.mark.django_db

NOTHING = {"opened": 0, "overdue": 0, "reminded": 0, "escalated": 0, "recurred": 0}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def ward_response(round_, tree) -> Response:
    return Response.objects.get(round=round_, unit=tree.medicin_ward)


def notes(user, response, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, dedupe_key__startswith=f"audit:{response.pk}:{kind}"))


def test_the_ward_manager_is_the_units_and_the_clinics_manager_is_above(cast, tree, acast):
    assert services.managers_of(tree.medicin_ward) == [acast.ward_manager]
    assert services.managers_above(tree.medicin_ward) == [cast.manager]
    assert services.managers_of(tree.orto_ward) == [cast.manager_orto]


def test_a_planned_round_opens_on_its_day_and_the_managers_are_told(cast, tree, acast):
    # given a round to both wards opening in three days
    today = timezone.localdate()
    round_ = send(cast.safety_officer, [tree.medicin_ward, tree.orto_ward], opens_in_days=3)
    ward = ward_response(round_, tree)

    # when the sweep runs before the day, then on it, then again
    before = sweep(today=today + dt.timedelta(days=2))
    on_the_day = sweep(today=today + dt.timedelta(days=3))
    again = sweep(today=today + dt.timedelta(days=3))

    # then it opens once, and each ward's own manager is told once
    assert before == NOTHING
    assert on_the_day["opened"] == 1 and again["opened"] == 0
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.OPEN
    assert set(round_.responses.values_list("status", flat=True)) == {Status.OPEN}
    [opened] = notes(acast.ward_manager, ward, "opened")
    assert ward.reference in opened.subject and opened.link == services.response_path(ward)
    orto = Response.objects.get(round=round_, unit=tree.orto_ward)
    assert len(notes(cast.manager_orto, orto, "opened")) == 1
    assert not Notification.objects.filter(user__in=[acast.nurse, cast.manager]).exists()


def test_the_managers_are_reminded_once_before_the_due_date(cast, tree, acast):
    # given an open response due in five days (reminders seven days before), one due in twenty
    today = timezone.localdate()
    soon = ward_response(send(cast.safety_officer, [tree.medicin_ward], due_in_days=5), tree)
    later = ward_response(send(cast.safety_officer, [tree.medicin_ward], due_in_days=20), tree)

    # when the sweep runs twice today and once tomorrow
    first = sweep(today=today)
    sweep(today=today)
    sweep(today=today + dt.timedelta(days=1))

    # then one reminder for the one due soon, none for the other
    assert first["reminded"] == 1
    [reminder] = notes(acast.ward_manager, soon, "soon")
    assert soon.reference in reminder.subject
    assert soon.round.due_on.isoformat() in reminder.subject
    assert notes(acast.ward_manager, later, "soon") == []
    assert Response.objects.get(pk=soon.pk).status == Status.OPEN


def test_an_overdue_response_is_escalated_once_and_reminded_every_seventh_day(cast, tree, acast):
    # given an open response due yesterday
    today = timezone.localdate()
    ward = ward_response(send(cast.safety_officer, [tree.medicin_ward], opens_in_days=-10, due_in_days=9), tree)
    due = ward.round.due_on
    assert due == today - dt.timedelta(days=1)

    # when the sweep runs today (twice)
    first = sweep(today=today)
    sweep(today=today)

    # then it is overdue and the clinic's manager above the ward's is told, once
    ward = Response.objects.get(pk=ward.pk)
    assert ward.status == Status.OVERDUE and ward.escalated_on == today
    assert (first["overdue"], first["escalated"]) == (1, 1)
    [escalated] = notes(cast.manager, ward, "escalated")
    assert ward.reference in escalated.subject
    assert notes(acast.ward_manager, ward, "escalated") == []
    assert ward.timeline.filter(kind=TimelineEntry.Kind.OVERDUE).count() == 1

    # when days pass: reminders to the ward's manager on the 7th and 14th day after the due date
    reminded_on = []
    for days in range(2, 16):
        day = due + dt.timedelta(days=days)
        if sweep(today=day)["reminded"]:
            reminded_on.append(days)
    assert reminded_on == [7, 14]
    assert len(notes(acast.ward_manager, ward, "overdue")) == 2
    assert len(notes(cast.manager, ward, "escalated")) == 1


def test_a_submitted_response_gets_no_reminders(cast, tree, acast):
    today = timezone.localdate()
    ward = ward_response(send(cast.safety_officer, [tree.medicin_ward], due_in_days=3), tree)
    answer_all(ward, acast.nurse)
    services.submit(response=ward, actor=acast.ward_manager)

    assert sweep(today=today)["reminded"] == 0
    assert sweep(today=today + dt.timedelta(days=7))["overdue"] == 0
    assert notes(acast.ward_manager, ward, "soon") == notes(acast.ward_manager, ward, "overdue") == []
    assert notes(cast.manager, ward, "escalated") == []
    assert Response.objects.get(pk=ward.pk).status == Status.SUBMITTED


def test_a_recurring_rounds_next_round_comes_after_its_period(cast, tree, acast):
    # given a monthly round for last month, opened today
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    first = send(
        cast.safety_officer,
        [tree.medicin_ward],
        recurrence="monthly",
        period_start=last_month_end.replace(day=1),
        period_end=last_month_end,
        due_in_days=14,
    )

    # when the sweep runs, twice
    counts = sweep(today=today)
    sweep(today=today)

    # then the next month's round is made once, for the same ward, planned for next month
    assert counts["recurred"] == 1
    following = Round.objects.get(previous=first)
    assert following.period_start == today.replace(day=1)
    assert following.status == RoundStatus.PLANNED and following.opens_on > today
    assert list(following.responses.values_list("unit", flat=True)) == [tree.medicin_ward.pk]
    assert Round.objects.count() == 2


def test_the_messages_carry_only_the_reference_the_title_a_date_and_a_link(
    cast, tree, acast, django_capture_on_commit_callbacks
):
    # given an overdue response whose answers say things about the ward
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        round_ = send(
            cast.safety_officer, [tree.medicin_ward], opens_in_days=-10, due_in_days=3, title="Läkemedel 2026"
        )
        ward = ward_response(round_, tree)
        svinn = round_.template_version.statements.get(key="svinn")
        services.answer_save(
            response=ward,
            actor=acast.nurse,
            statement=svinn,
            fields={"value": "missing", "comment": "Svinnet av oxikodon rapporterades inte i mars"},
        )
        sweep(today=today)
        sweep(today=today + dt.timedelta(days=7))

    # then every notification and e-mail names the response by its reference only
    sent = list(Notification.objects.all())
    assert {n.dedupe_key.split(":")[2] for n in sent} == {"opened", "escalated", "overdue"}
    texts = [n.subject + " " + n.link for n in sent] + [m.subject + " " + m.body for m in mail.outbox]
    assert len(mail.outbox) == len(sent)
    for text in texts:
        assert ward.reference in text
        for secret in (
            "oxikodon",
            svinn.text,
            tree.medicin_ward.name,
            acast.nurse.get_full_name(),
            acast.ward_manager.get_full_name(),
            cast.safety_officer.get_full_name(),
        ):
            assert secret not in text
    for message in mail.outbox:
        assert services.response_path(ward) in message.body
