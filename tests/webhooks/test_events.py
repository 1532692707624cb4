"""Webhook events are written to the outbox in the change's transaction: to the subscribers
of the object's care provider and event type, once per transaction, with ids only."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from incidents import services as incident_services
from incidents.models import Incident
from outbox.models import OutboxMessage
from psweb.cases import bump
from tests.incidents.conftest import report
from webhooks import events

pytestmark = pytest.mark.django_db

PNR = "191212121212"
DESCRIPTION = "Patienten fick fel dos av Waran vid kvällens läkemedelsutdelning."


def webhook_messages(subscriber=None):
    messages = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.WEBHOOK).order_by("created_at")
    if subscriber is not None:
        messages = messages.filter(recipient=str(subscriber.pk))
    return list(messages)


def events_of(messages):
    return [json.loads(message.body) for message in messages]


def test_it_sends_a_submitted_incident_as_incident_created_with_ids_only(
    cast, tree, subscribe, django_capture_on_commit_callbacks
):
    # given
    subscriber = subscribe(tree.region)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        incident = report(
            cast.reporter, tree.medicin_ward, description=DESCRIPTION, patient_involved=True, patient_identifier=PNR
        )

    # then
    messages = webhook_messages(subscriber)
    created = [event for event in events_of(messages) if event["type"] == "incident.created"]
    assert len(created) == 1
    assert created[0]["data"] == {
        "id": incident.pk,
        "object": "incident",
        "reference": incident.reference,
        "version": incident.version,
        "url": f"http://127.0.0.1:8000/api/v1/incidents/{incident.pk}/",
    }
    assert set(created[0]) == {"type", "timestamp", "data"}
    for message in messages:
        for secret in (PNR, "Waran", cast.reporter.username, cast.reporter.last_name, "Avdelning"):
            assert secret not in message.body
            assert secret not in message.subject
    # Handed to Celery when the transaction commits.
    assert len(callbacks) >= len(messages)


def test_a_draft_sends_nothing(cast, tree, subscribe):
    subscribe(tree.region)

    incident_services.draft_start(actor=cast.reporter, client_key=None)

    assert webhook_messages() == []


def test_a_subscriber_of_another_care_provider_gets_nothing(cast, tree, subscribe):
    # given
    other = subscribe(tree.municipality)

    # when
    report(cast.reporter, tree.medicin_ward)

    # then
    assert webhook_messages(other) == []


def test_an_inactive_subscriber_gets_nothing(cast, tree, subscribe):
    subscribe(tree.region, active=False)

    report(cast.reporter, tree.medicin_ward)

    assert webhook_messages() == []


def test_an_unsubscribed_type_gets_nothing(cast, tree, subscribe):
    # given: only updates
    subscriber = subscribe(tree.region, event_types=["incident.updated"])
    incident = report(cast.reporter, tree.medicin_ward)
    assert webhook_messages(subscriber) == []

    # when
    bump(incident, "title")

    # then
    assert [event["type"] for event in events_of(webhook_messages(subscriber))] == ["incident.updated"]


def test_two_saves_in_one_transaction_give_one_event_with_the_last_version(cast, tree, subscribe):
    # given
    incident = report(cast.reporter, tree.medicin_ward)
    subscriber = subscribe(tree.region, event_types=["incident.updated"])

    # when
    with transaction.atomic():
        bump(incident, "title")
        bump(incident, "title")

    # then
    (message,) = webhook_messages(subscriber)
    assert (
        json.loads(message.body)["data"]["version"] == incident.version == Incident.objects.get(pk=incident.pk).version
    )


def test_each_subscriber_gets_its_own_message(cast, tree, subscribe):
    first = subscribe(tree.region, event_types=["incident.updated"])
    second = subscribe(tree.region, event_types=["incident.updated", "incident.created"])
    incident = report(cast.reporter, tree.medicin_ward)

    bump(incident, "title")

    assert len(webhook_messages(first)) == 1
    assert [event["type"] for event in events_of(webhook_messages(second))] == ["incident.created", "incident.updated"]


def test_a_rolled_back_transaction_gives_none(cast, tree, subscribe, django_capture_on_commit_callbacks):
    # given
    incident = report(cast.reporter, tree.medicin_ward)
    subscribe(tree.region, event_types=["incident.updated"])

    # when
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        bump(incident, "title")
        raise RuntimeError("rolled back")

    # then
    assert webhook_messages() == []
    assert callbacks == []


def test_without_subscribers_a_save_costs_no_query(cast, tree, django_assert_num_queries):
    # given: no subscriber; the process has loaded the (empty) set once
    incident = report(cast.reporter, tree.medicin_ward)
    events.on_save(sender=Incident, instance=incident, created=False)

    # when / then
    with django_assert_num_queries(0):
        for _ in range(100):
            events.on_save(sender=Incident, instance=incident, created=False)


def test_a_new_subscriber_is_seen_at_once_in_this_process(cast, tree, subscribe):
    incident = report(cast.reporter, tree.medicin_ward)
    events.on_save(sender=Incident, instance=incident, created=False)  # the empty set, loaded

    subscriber = subscribe(tree.region, event_types=["incident.updated"])
    bump(incident, "title")

    assert len(webhook_messages(subscriber)) == 1
