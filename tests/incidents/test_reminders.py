"""The daily reminders: late triage, overdue actions, overdue answers — once per person per day;
and actions soon due — once per action and due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Action, Forward, Incident
from incidents.services.reminders import ACTION_DUE_SOON_DAYS, reminders_send
from incidents.tasks import incident_reminders
from outbox.models import OutboxMessage
from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def _age(incident: Incident, days: int) -> None:
    Incident.objects.filter(pk=incident.pk).update(reported_at=timezone.now() - dt.timedelta(days=days))


def test_an_incident_not_triaged_in_time_reminds_the_units_handlers(cast, tree):
    fresh = report(cast.reporter, tree.medicin_ward)
    late = report(cast.reporter, tree.medicin_ward)
    _age(late, 8)  # the default deadline is 7 days
    OutboxMessage.objects.all().delete()

    sent = reminders_send()

    assert sent["triage"] == 3  # handler, manager (Medicinkliniken) and the chief physician (region)
    subjects = set(OutboxMessage.objects.values_list("subject", flat=True))
    assert any(late.reference in s for s in subjects)
    assert not any(fresh.reference in s for s in subjects)


def test_reminders_are_sent_once_a_day(cast, tree):
    _age(report(cast.reporter, tree.medicin_ward), 10)
    OutboxMessage.objects.all().delete()
    reminders_send()
    count = OutboxMessage.objects.count()

    reminders_send()
    assert OutboxMessage.objects.count() == count
    reminders_send(today=timezone.localdate() + dt.timedelta(days=1))
    assert OutboxMessage.objects.count() == 2 * count


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
    assert reverse("incidents:detail", kwargs={"pk": incident.pk}) in message.body  # the link
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
    _action(incident, cast.manager, cast.handler, due_in=ACTION_DUE_SOON_DAYS + 1)
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


def test_an_overdue_answer_reminds_the_receiving_side(cast, tree):
    incident = report(cast.reporter, tree.medicin_ward)
    Forward.objects.create(
        incident=incident,
        from_unit=tree.medicin,
        to_unit=tree.hemsjukvard,
        message="Svara",
        answer_due=timezone.localdate() - dt.timedelta(days=2),
        forwarded_by=cast.handler,
    )
    OutboxMessage.objects.all().delete()

    assert reminders_send()["answers"] == 2  # the municipal handler and the MAS
    assert set(OutboxMessage.objects.values_list("recipient", flat=True)) == {
        cast.municipal_handler.email,
        cast.mas.email,
    }


def test_the_daily_task_runs_the_reminders(cast, tree):
    _age(report(cast.reporter, tree.medicin_ward), 10)
    OutboxMessage.objects.all().delete()
    assert incident_reminders.delay().get()["triage"] == 3
