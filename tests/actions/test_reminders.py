"""The action register's daily reminders: before the due date once per action and due date,
and every day an action is overdue — whatever its source, with the reference and a link to
"Mina åtgärder", never free text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import Action
from actions.reminders import DUE_SOON_DAYS, reminders_send
from incidents import services
from incidents.models import Incident
from outbox.models import OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def test_an_overdue_action_reminds_its_responsible_person(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    Action.objects.create(
        incident=incident,
        description="Ny rutin",
        responsible=cast.manager,
        created_by=cast.handler,
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    Action.objects.create(
        incident=incident,
        description="Klar",
        responsible=cast.handler,
        created_by=cast.handler,
        due_date=timezone.localdate() - dt.timedelta(days=1),
        state=Action.State.DONE,
    )
    OutboxMessage.objects.all().delete()

    assert reminders_send()["actions"] == 1
    message = OutboxMessage.objects.get()
    assert message.recipient == cast.manager.email
    assert "Ny rutin" not in message.body  # no free text in e-mail


def _action(incident, responsible, creator, *, due_in: int, **fields) -> Action:
    return Action.objects.create(
        incident=incident,
        description="Ny rutin för överrapportering av Waran",
        responsible=responsible,
        created_by=creator,
        due_date=timezone.localdate() + dt.timedelta(days=due_in),
        **fields,
    )


def test_an_action_due_within_a_week_reminds_its_owner_once(cast, tree):
    # given an action due in three days
    incident = report(cast.reporter, tree.medicin_ward)
    action = _action(incident, cast.manager, cast.handler, due_in=3)
    OutboxMessage.objects.all().delete()
    today = timezone.localdate()

    # when the reminders run today, tomorrow and on the due date
    first = reminders_send(today=today)
    later = [reminders_send(today=today + dt.timedelta(days=days)) for days in (0, 1, 3)]

    # then the owner heard about it once, before the due date
    assert first["actions_soon"] == 1
    assert [sent["actions_soon"] for sent in later] == [0, 0, 0]
    message = OutboxMessage.objects.get()
    assert message.recipient == cast.manager.email
    assert incident.reference in message.subject
    assert action.due_date.isoformat() in message.subject
    assert action.due_date.isoformat() in message.body
    assert reverse("actions:mine") in message.body  # the link
    assert "Waran" not in message.body and "Waran" not in message.subject  # no free text in e-mail
    assert reminders_send(today=today)["actions"] == 0  # not overdue yet


def test_a_new_due_date_is_reminded_again(cast, tree):
    # given an owner who was reminded of an action due in two days
    incident = report(cast.reporter, tree.medicin_ward)
    action = _action(incident, cast.manager, cast.handler, due_in=2)
    reminders_send()
    OutboxMessage.objects.all().delete()

    # when the due date moves on by four days
    services.action_update(action=action, actor=cast.handler, due_date=action.due_date + dt.timedelta(days=4))

    # then the new date is reminded once more
    assert reminders_send()["actions_soon"] == 1
    assert (action.due_date + dt.timedelta(days=4)).isoformat() in OutboxMessage.objects.get().subject


def test_the_reminder_before_the_due_date_comes_a_week_before_it(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    _action(incident, cast.manager, cast.handler, due_in=DUE_SOON_DAYS + 1)
    today = timezone.localdate()

    assert reminders_send(today=today)["actions_soon"] == 0
    assert reminders_send(today=today + dt.timedelta(days=1))["actions_soon"] == 1


def test_no_reminder_before_the_due_date_for_done_or_cancelled_actions(cast, tree):
    # given actions due tomorrow that are done or cancelled, on an incident and a withdrawn one
    incident = report(cast.reporter, tree.medicin_ward)
    _action(incident, cast.manager, cast.handler, due_in=1, state=Action.State.DONE)
    _action(incident, cast.handler, cast.handler, due_in=1, state=Action.State.CANCELLED)
    withdrawn = report(cast.reporter, tree.medicin_ward)
    _action(withdrawn, cast.manager, cast.handler, due_in=1)
    Incident.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    OutboxMessage.objects.all().delete()

    # when / then
    assert reminders_send()["actions_soon"] == 0
    assert not OutboxMessage.objects.exists()
