"""The daily reminders of incidents: late triage and overdue answers, once per person per day.
(Reminders of actions: tests/actions/test_reminders.py.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents.models import Forward, Incident
from incidents.services.reminders import reminders_send
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
