"""The daily reminders of complaints waiting for an answer: once when the due date comes near
(the provider's days), every day after it; not while paused or once answered; to the handler,
or without one the unit's complaint handlers; never the complainant's, the patient's or the
complaint's words in the e-mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintSettings
from complaints.services.reminders import reminders_send
from tests.complaints.conftest import PERSONNUMMER, register

pytestmark = pytest.mark.django_db


def received(handler, unit) -> Complaint:
    return register(handler, unit, received_on=timezone.localdate() - dt.timedelta(days=20))


def due_in(complaint: Complaint, days: int) -> Complaint:
    Complaint.objects.filter(pk=complaint.pk).update(due_on=timezone.localdate() + dt.timedelta(days=days))
    return Complaint.objects.get(pk=complaint.pk)


def send(capture, **kwargs) -> dict:
    mail.outbox.clear()
    with capture(execute=True):
        return reminders_send(**kwargs)


def test_it_reminds_the_handler_once_before_and_every_day_after(ccast, tree, django_capture_on_commit_callbacks):
    # given a complaint with its handler, due in five days (the default reminds seven days before)
    complaint = received(ccast.handler, tree.medicin_ward)
    complaint = services.complaint_assign(complaint=complaint, actor=ccast.handler, handler=ccast.handler)
    due_in(complaint, 5)

    # when the sweep runs twice the same day, and again the next day
    first = send(django_capture_on_commit_callbacks)
    messages = list(mail.outbox)
    again = send(django_capture_on_commit_callbacks)
    next_day = send(django_capture_on_commit_callbacks, today=timezone.localdate() + dt.timedelta(days=1))

    # then one reminder before the due date, with the reference and a link only
    assert first == {"soon": 1, "overdue": 0}
    assert again == next_day == {"soon": 0, "overdue": 0}
    [message] = messages
    assert message.to == [ccast.handler.email]
    assert complaint.reference in message.subject
    assert f"/klagomal/{complaint.pk}/" in message.body
    for secret in (PERSONNUMMER, "Karin Klagande", "070-1234567", complaint.summary, complaint.description):
        assert secret not in message.subject + message.body

    # when it is overdue: every day, once a day
    due_in(complaint, -1)
    overdue = send(django_capture_on_commit_callbacks)
    same_day = send(django_capture_on_commit_callbacks)
    tomorrow = send(django_capture_on_commit_callbacks, today=timezone.localdate() + dt.timedelta(days=1))

    # then
    assert overdue == tomorrow == {"soon": 0, "overdue": 1}
    assert same_day == {"soon": 0, "overdue": 0}
    assert mail.outbox[0].subject != message.subject  # "overdue", not "due on"


def test_without_a_handler_the_units_complaint_handlers_are_reminded(ccast, tree, django_capture_on_commit_callbacks):
    complaint = due_in(received(ccast.handler, tree.medicin_ward), -3)

    assert send(django_capture_on_commit_callbacks) == {"soon": 0, "overdue": 1}
    assert [m.to for m in mail.outbox] == [[ccast.handler.email]]
    assert complaint.handler_id is None


def test_not_yet_near_paused_or_answered_is_not_reminded(ccast, tree, django_capture_on_commit_callbacks):
    # given one due in ten days, one paused past its date, one answered past its date
    far = due_in(received(ccast.handler, tree.medicin_ward), 10)
    paused = received(ccast.handler, tree.medicin_ward)
    services.complaint_pause(complaint=paused, actor=ccast.handler, reason="Väntar på samtycke.")
    due_in(paused, -2)
    answered = received(ccast.handler, tree.medicin_ward)
    services.complaint_answer(
        complaint=answered,
        actor=ccast.handler,
        answered_on=timezone.localdate(),
        way="letter",
        letter={"answer_what_happened": "Vi har talat med avdelningen."},
    )
    due_in(answered, -2)

    # then nothing is sent
    assert send(django_capture_on_commit_callbacks) == {"soon": 0, "overdue": 0}
    assert mail.outbox == []

    # when the provider asks for reminders two weeks before
    ComplaintSettings.objects.create(care_provider=tree.region, remind_days_before=14)

    # then the one due in ten days is reminded
    assert send(django_capture_on_commit_callbacks) == {"soon": 1, "overdue": 0}
    assert far.reference in mail.outbox[0].subject


def test_the_daily_task_sends_them(settings, ccast, tree):
    from complaints import tasks

    due_in(received(ccast.handler, tree.medicin_ward), -1)

    assert settings.CELERY_BEAT_SCHEDULE["complaint-reminders"]["task"] == tasks.complaint_reminders.name
    assert tasks.complaint_reminders() == {"soon": 0, "overdue": 1}
