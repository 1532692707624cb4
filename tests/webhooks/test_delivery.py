"""Delivering a webhook event: signed as Standard Webhooks prescribe (checked with the
project's reference library), retried with the same webhook-id, never redirected, dead
after the last attempt or at once for a deactivated subscriber."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from outbox import services as outbox_services
from outbox.models import OutboxMessage
from psweb.cases import bump
from tests.incidents.conftest import report
from tests.webhooks.receiver import Receiver
from webhooks.delivery import new_secret, signature

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    receivers = []

    def _start(*answers, location=""):
        started = Receiver(answers=list(answers), location=location).start()
        receivers.append(started)
        return started

    yield _start
    for started in receivers:
        started.stop()


def event_for(subscriber, cast, tree) -> OutboxMessage:
    incident = report(cast.reporter, tree.medicin_ward)
    bump(incident, "title")
    return OutboxMessage.objects.get(kind=OutboxMessage.Kind.WEBHOOK, recipient=str(subscriber.pk))


def deliver(message: OutboxMessage) -> OutboxMessage:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox_services.outbox_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_the_secret_has_the_standard_webhooks_format():
    secret = new_secret()

    assert secret.startswith("whsec_")
    assert len(Webhook(secret)._whsecret) == 32


def test_the_signature_is_the_reference_implementations():
    secret = new_secret()
    body = b'{"type":"incident.updated"}'
    timestamp = int(timezone.now().timestamp())

    ours = signature(secret=secret, msg_id="msg_1", timestamp=timestamp, body=body)

    assert ours == Webhook(secret).sign("msg_1", dt.datetime.fromtimestamp(timestamp, dt.UTC), body)


def test_a_delivered_event_verifies_with_the_reference_library(cast, tree, subscribe, receiver):
    # given
    hooks = receiver(204)
    subscriber = subscribe(tree.region, event_types=["incident.updated"], url=hooks.url)
    message = event_for(subscriber, cast, tree)

    # when
    message = deliver(message)

    # then
    assert message.status == OutboxMessage.Status.SENT
    (received,) = hooks.received
    assert received.headers["webhook-id"] == str(message.pk)
    assert received.headers["content-type"] == "application/json"
    event = Webhook(subscriber.secret).verify(received.body, received.headers)
    assert event["type"] == "incident.updated"
    assert received.body.decode() == message.body


def test_a_failed_attempt_is_retried_with_the_same_webhook_id(cast, tree, subscribe, receiver):
    # given
    hooks = receiver(500, 200)
    subscriber = subscribe(tree.region, event_types=["incident.updated"], url=hooks.url)
    message = event_for(subscriber, cast, tree)

    # when
    first = deliver(message)
    assert (first.status, first.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert "HTTP 500" in first.last_error
    assert first.next_attempt_at > timezone.now()
    second = deliver(message)

    # then
    assert (second.status, second.attempts) == (OutboxMessage.Status.SENT, 2)
    assert [r.headers["webhook-id"] for r in hooks.received] == [str(message.pk)] * 2
    for received in hooks.received:
        Webhook(subscriber.secret).verify(received.body, received.headers)


def test_a_redirect_is_not_followed(cast, tree, subscribe, receiver):
    # given
    elsewhere = receiver(200)
    hooks = receiver(307, location=elsewhere.url)
    subscriber = subscribe(tree.region, event_types=["incident.updated"], url=hooks.url)
    message = event_for(subscriber, cast, tree)

    # when
    message = deliver(message)

    # then
    assert message.status == OutboxMessage.Status.PENDING
    assert "HTTP 307" in message.last_error
    assert elsewhere.received == []


def test_an_event_is_dead_after_the_last_attempt(cast, tree, subscribe, receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    hooks = receiver(503)
    subscriber = subscribe(tree.region, event_types=["incident.updated"], url=hooks.url)
    message = event_for(subscriber, cast, tree)

    for _ in range(3):
        message = deliver(message)

    assert (message.status, message.attempts) == (OutboxMessage.Status.DEAD, 3)
    assert len(hooks.received) == 3


def test_an_event_for_a_deactivated_subscriber_is_dead_at_once(cast, tree, subscribe, receiver):
    hooks = receiver(200)
    subscriber = subscribe(tree.region, event_types=["incident.updated"], url=hooks.url)
    message = event_for(subscriber, cast, tree)
    subscriber.active = False
    subscriber.save(update_fields=["active"])

    message = deliver(message)

    assert (message.status, message.attempts) == (OutboxMessage.Status.DEAD, 1)
    assert hooks.received == []
