"""The follow-up reminder: when an investigation's follow-up date has come and actions are not
evaluated, the analysis leader and the action owners hear about it once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.services import action_progress, action_update
from investigations import services
from investigations.models import Investigation, Outcome
from investigations.reminders import follow_up_reminders_send
from investigations.tasks import investigation_reminders
from outbox.models import Notification, OutboxMessage
from tests.investigations.conftest import worked_through

pytestmark = pytest.mark.django_db

NONE_SENT = {"investigations": 0, "leaders": 0, "action_owners": 0}


@pytest.fixture
def reported(cast, incident, analyst) -> Investigation:
    """A report ready with two actions: one owned by the manager, one by the handler."""
    inv = worked_through(cast, incident, analyst)
    services.action_add(
        investigation=inv,
        actor=analyst,
        description="Uppdatera rutinen för överrapportering.",
        responsible=cast.handler,
        due_date=timezone.localdate() + dt.timedelta(days=30),
        effect_class="limited",
    )
    inv = services.report_ready(investigation=inv, actor=analyst)
    OutboxMessage.objects.all().delete()
    Notification.objects.all().delete()
    return inv


def recipients() -> set[str]:
    return set(OutboxMessage.objects.values_list("recipient", flat=True))


def link(investigation) -> str:
    return reverse("investigations:detail", kwargs={"pk": investigation.pk})


def test_nothing_is_sent_before_the_follow_up_date(reported):
    day_before = reported.follow_up_on - dt.timedelta(days=1)

    assert follow_up_reminders_send(today=day_before) == NONE_SENT
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_on_the_follow_up_date_the_leader_and_each_action_owner_are_reminded(cast, analyst, reported):
    # when
    sent = follow_up_reminders_send(today=reported.follow_up_on)

    # then
    assert sent == {"investigations": 1, "leaders": 1, "action_owners": 2}
    assert recipients() == {analyst.email, cast.manager.email, cast.handler.email}
    for user in (analyst, cast.manager, cast.handler):
        notice = Notification.objects.get(user=user)
        assert reported.reference in notice.subject
        assert notice.link == link(reported)


def test_each_person_is_reminded_once_per_follow_up_date(reported):
    follow_up_reminders_send(today=reported.follow_up_on)
    count = OutboxMessage.objects.count()

    again = follow_up_reminders_send(today=reported.follow_up_on)
    next_week = follow_up_reminders_send(today=reported.follow_up_on + dt.timedelta(days=7))

    assert again["leaders"] == again["action_owners"] == 0
    assert next_week["leaders"] == next_week["action_owners"] == 0
    assert OutboxMessage.objects.count() == Notification.objects.count() == count == 3


def test_the_e_mail_carries_the_reference_the_date_and_a_link_but_no_free_text(cast, reported):
    follow_up_reminders_send(today=reported.follow_up_on)

    for message in OutboxMessage.objects.all():
        text = message.subject + message.body
        assert reported.reference in message.subject
        assert reported.follow_up_on.isoformat() in message.body
        assert link(reported) in message.body
        for free_text in (
            reported.title,
            "dubbelkontroll",  # the action, the conclusions
            "överrapportering",  # the other action
            "två tabletter",  # the patient's account
            "Dosen gavs",  # the course of events
            "191212121212",  # the patient's personnummer on the incident
        ):
            assert free_text.lower() not in text.lower(), (message.recipient, free_text)


def test_an_evaluated_action_no_longer_reminds_its_owner(cast, analyst, reported):
    # given the follow-up has begun and the manager's action is evaluated
    services.follow_up_start(investigation=reported, actor=analyst)
    managers = reported.actions.get(action__responsible=cast.manager)
    services.action_evaluate(
        investigation=reported, actor=analyst, link=managers, carried_out=True, outcome=Outcome.WORKED
    )

    # when
    sent = follow_up_reminders_send(today=reported.follow_up_on)

    # then the leader and the handler (whose action is still open) are reminded
    assert sent == {"investigations": 1, "leaders": 1, "action_owners": 1}
    assert recipients() == {analyst.email, cast.handler.email}


def test_nothing_is_sent_once_every_action_is_evaluated(analyst, reported):
    services.follow_up_start(investigation=reported, actor=analyst)
    for each in reported.actions.all():
        services.action_evaluate(
            investigation=reported, actor=analyst, link=each, carried_out=True, outcome=Outcome.PARTLY
        )

    assert follow_up_reminders_send(today=reported.follow_up_on) == NONE_SENT
    assert not OutboxMessage.objects.exists()


def test_the_owner_of_a_cancelled_action_is_not_asked_about_it(cast, analyst, reported):
    # given the analysis leader cancelled the handler's action (the investigation's own)
    handlers = reported.actions.get(action__responsible=cast.handler).action
    action_update(action=handlers, actor=analyst, state=Action.State.CANCELLED)

    # when
    sent = follow_up_reminders_send(today=reported.follow_up_on)

    # then the leader, who still evaluates it, and the manager are reminded
    assert sent == {"investigations": 1, "leaders": 1, "action_owners": 1}
    assert recipients() == {analyst.email, cast.manager.email}


def test_a_done_action_is_still_followed_up(cast, analyst, reported):
    # Done (its owner marks it so in "Mina åtgärder") is not evaluated: did it work? Its owner knows best.
    done = reported.actions.get(action__responsible=cast.manager).action
    action_progress(action=done, actor=cast.manager, state=Action.State.DONE, note="Rutinen är införd.")

    follow_up_reminders_send(today=reported.follow_up_on)

    assert cast.manager.email in recipients()


def test_without_a_leader_who_can_sign_in_the_deciders_of_the_unit_are_reminded(cast, analyst, reported):
    # given the analysis leader has left
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])

    # when
    sent = follow_up_reminders_send(today=reported.follow_up_on)

    # then the manager of Medicinkliniken and the chief physician take the leader's place
    assert sent["leaders"] == 2
    assert recipients() == {cast.manager.email, cast.chief_physician.email, cast.handler.email}
    assert analyst.email not in recipients()


def test_an_investigation_back_in_progress_is_not_followed_up(analyst, reported):
    services.investigation_resume(investigation=reported, actor=analyst, reason="Nya uppgifter om förloppet.")

    assert follow_up_reminders_send(today=reported.follow_up_on) == NONE_SENT
    assert not OutboxMessage.objects.exists()


def test_the_daily_task_sends_the_reminders(cast, analyst, reported):
    # given the follow-up date is today
    Investigation.objects.filter(pk=reported.pk).update(follow_up_on=timezone.localdate())

    # when / then
    assert investigation_reminders.delay().get() == {"investigations": 1, "leaders": 1, "action_owners": 2}
    assert recipients() == {analyst.email, cast.manager.email, cast.handler.email}
