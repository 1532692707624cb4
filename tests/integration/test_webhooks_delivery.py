"""End to end: a webhook event goes from the change's transaction through the outbox, a real
Redis broker and a real Celery worker to a real HTTP receiver on loopback — signed so that
the Standard Webhooks reference library verifies it, retried with the same webhook-id after
a failure, and dead after the last attempt when the receiver never accepts it.

The outbox waits 30 s, then minutes, between attempts; the tests move a failed message's
next attempt to now (and its creation out of the sweep's grace period), so that beat's sweep
hands it over at once instead. What is retried, and how, is the worker's own doing.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from incidents.models import Incident
from outbox.models import OutboxMessage
from tests.factories import UserFactory, make_unit
from tests.integration.conftest import wait_for
from tests.webhooks.receiver import Receiver
from webhooks import events
from webhooks import services as webhook_services

pytestmark = [
    pytest.mark.integration,
    # The worker is another process: data must be committed for it to see it.
    pytest.mark.django_db(transaction=True),
]

DELIVERY_TIMEOUT = 60


def load_org_unit_kinds() -> None:
    importlib.import_module("accounts.migrations.0002_orgunit_kinds").add_kinds(django_apps, None)


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    """Puts back the org-unit kinds a data migration loads, after the last flush."""
    yield
    with django_db_blocker.unblock():
        load_org_unit_kinds()


@pytest.fixture(autouse=True)
def org_unit_kinds(migration_data_restored, django_db_blocker):
    with django_db_blocker.unblock():
        load_org_unit_kinds()


@pytest.fixture(autouse=True)
def forget_subscribers():
    """The flush after each test removes its subscribers: the process's set must not keep them."""
    yield
    events.forget_subscribers()


@pytest.fixture
def receiver():
    receivers = []

    def _start(*answers):
        started = Receiver(answers=list(answers)).start()
        receivers.append(started)
        return started

    yield _start
    for started in receivers:
        started.stop()


def incident_created(name: str, url: str):
    """A subscriber of a new care provider, and an incident reported there (committed)."""
    region = make_unit(f"Region {name}")
    ward = make_unit(f"Avdelning {name}", region)
    subscriber = webhook_services.subscriber_create(
        name=f"Ledningssystem {name}", url=url, care_provider=region, event_types=["incident.created"]
    )
    with transaction.atomic():
        incident = Incident.objects.create(
            reporter=UserFactory(username=f"reporter-{name}"),
            unit=ward,
            responsible_unit=ward,
            status="submitted",
            reference=f"AV-2026-{abs(hash(name)) % 1_000_000:06d}",
            occurred_at=timezone.now(),
            reported_at=timezone.now(),
            description="Fel dos vid kvällens läkemedelsutdelning.",
        )
    message = OutboxMessage.objects.get(kind=OutboxMessage.Kind.WEBHOOK, recipient=str(subscriber.pk))
    return subscriber, incident, message


def state(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


def due_now(message: OutboxMessage) -> None:
    """Skip the backoff: the next sweep hands the message over again."""
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        next_attempt_at=long_ago, created_at=long_ago
    )


def test_an_event_is_delivered_signed_and_retried_with_the_same_id(celery_stack, receiver):
    # given: the receiver fails the first attempt and accepts the second
    hooks = receiver(500, 200)

    # when
    subscriber, incident, message = incident_created("webhook-retry", hooks.url)

    # then: the worker tried once, failed, and waits out the backoff
    wait_for(
        lambda: state(message).attempts == 1,
        timeout=DELIVERY_TIMEOUT,
        what="the worker's first attempt",
        details=celery_stack.logs,
    )
    assert message.status == OutboxMessage.Status.PENDING
    assert "HTTP 500" in message.last_error

    # when the next attempt is due
    due_now(message)

    # then
    wait_for(
        lambda: state(message).status == OutboxMessage.Status.SENT,
        timeout=DELIVERY_TIMEOUT,
        what="the sweep and the worker to deliver the event",
        details=celery_stack.logs,
    )
    assert message.attempts == 2
    assert len(hooks.received) == 2
    assert {received.headers["webhook-id"] for received in hooks.received} == {str(message.pk)}
    for received in hooks.received:
        event = Webhook(subscriber.secret).verify(received.body, received.headers)
        assert event["type"] == "incident.created"
        assert event["data"]["id"] == incident.pk
        assert event["data"]["reference"] == incident.reference
        assert "läkemedel" not in received.body.decode()


def test_an_event_the_receiver_never_accepts_ends_dead(celery_stack, receiver, settings):
    # given
    hooks = receiver(500)
    _subscriber, _incident, message = incident_created("webhook-dead", hooks.url)

    # when: every attempt fails, each made due as soon as it has failed
    def dead() -> bool:
        due_now(message)
        return state(message).status == OutboxMessage.Status.DEAD

    wait_for(dead, timeout=DELIVERY_TIMEOUT * 2, what="the event to be dead", details=celery_stack.logs, interval=0.5)

    # then: every attempt the outbox allows was made, with the same id, and no more
    assert message.attempts == settings.OUTBOX_MAX_ATTEMPTS
    assert len(hooks.received) == settings.OUTBOX_MAX_ATTEMPTS
    assert {received.headers["webhook-id"] for received in hooks.received} == {str(message.pk)}
