"""Webhook events, written to the outbox in the transaction of the change.

A `post_save` receiver per model of the catalogue finds the object's care provider and its
active subscribers of the event type, and writes one outbox message per subscriber. The
outbox delivers after commit, retries with backoff and dead-letters (outbox.services); a
rolled-back change leaves no event.

At most one event per (subscriber, object, type) per transaction: the message's dedupe key
holds the transaction id, so a service that saves a case twice sends one `….updated`, whose
payload is the last save's. A draft incident emits nothing; its submission is
`incident.created`.

Cheap when nobody subscribes: the (event type → care providers) set of the active
subscribers is kept per process for `CACHE_SECONDS` (dropped at once when this process
saves a subscriber), so a bulk load through the ORM costs a dictionary lookup per row. A
subscriber registered in another process gets events within `CACHE_SECONDS`.
"""

from __future__ import annotations

import json
import threading
import time
from functools import partial

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgUnit
from outbox.models import OutboxMessage
from outbox.services import dispatch
from webhooks.catalogue import SOURCES, EventSource
from webhooks.models import NATIONAL_KIND, Subscriber

CACHE_SECONDS = 30

_SOURCES_BY_LABEL = {source.model: source for source in SOURCES}
_cache = threading.local()  # never shared between threads: each has its own connection too
_generation = [0]  # bumped by a subscriber's save: every thread's set is stale


def _subscribed_providers(event_type: str) -> frozenset[int]:
    """The care providers with an active subscriber of `event_type` (perhaps a little stale:
    the receiver asks the database again before it writes anything)."""
    loaded = getattr(_cache, "loaded", None)
    if loaded is None or loaded[0] != _generation[0] or time.monotonic() - loaded[1] > CACHE_SECONDS:
        by_type: dict[str, set[int]] = {}
        for provider_id, event_types in Subscriber.objects.filter(active=True).values_list(
            "care_provider_id", "event_types"
        ):
            for name in event_types:
                by_type.setdefault(name, set()).add(provider_id)
        loaded = (_generation[0], time.monotonic(), {name: frozenset(ids) for name, ids in by_type.items()})
        _cache.loaded = loaded
    return loaded[2].get(event_type, frozenset())


def forget_subscribers() -> None:
    """Every thread reloads the set on its next save (tests call this after rolling back)."""
    _generation[0] += 1


def subscribers_changed(**kwargs) -> None:
    _generation[0] += 1
    # A thread that reloaded before the commit did not see the change.
    transaction.on_commit(_bump_generation)


def _bump_generation() -> None:
    _generation[0] += 1


# --- Which care provider an object belongs to --------------------------------------------


def _provider_of_unit(instance, *, national_is_none: bool = False) -> int | None:
    unit = instance._state.fields_cache.get("unit")
    if unit is not None and unit.pk == instance.unit_id and unit.care_provider_id and not national_is_none:
        return unit.care_provider_id
    units = OrgUnit.objects.filter(pk=instance.unit_id)
    if national_is_none:
        units = units.exclude(kind__code=NATIONAL_KIND)
    return units.values_list("care_provider_id", flat=True).first()


# An action's unit is its source's: the incident's, the investigation's or the Lex Maria case's.
_ACTION_SOURCES = (
    ("incident_id", "incidents.Incident"),
    ("investigation_id", "investigations.Investigation"),
    ("lexmaria_case_id", "lexmaria.LexMariaCase"),
)


def _provider_of_action(action) -> int | None:
    for field, label in _ACTION_SOURCES:
        source_id = getattr(action, field, None)
        if source_id is not None:
            model = apps.get_model(label)
            return model.objects.filter(pk=source_id).values_list("unit__care_provider_id", flat=True).first()
    return None


def _provider_of(source: EventSource, instance) -> int | None:
    if source.object == "action":
        return _provider_of_action(instance)
    return _provider_of_unit(instance, national_is_none=source.object == "measurement")


# --- The receiver --------------------------------------------------------------------------


def _event_type(source: EventSource, instance, created: bool, update_fields) -> str | None:
    if source.object == "incident":
        if instance.status == "draft":
            return None  # only its reporter knows of it
        # Submitting gives a draft its reference: from then on the incident exists for others.
        submitted = bool(update_fields) and "reference" in update_fields
        return "incident.created" if created or submitted else "incident.updated"
    return f"{source.object}.{'created' if created else 'updated'}"


def on_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs) -> None:
    if raw:  # loading fixtures
        return
    source = _SOURCES_BY_LABEL.get(sender._meta.label)
    if source is None:
        return
    event_type = _event_type(source, instance, created, update_fields)
    if event_type is None:
        return
    providers = _subscribed_providers(event_type)
    if not providers:
        return
    provider_id = _provider_of(source, instance)
    if provider_id not in providers:
        return
    subscribers = list(
        Subscriber.objects.filter(
            active=True, care_provider_id=provider_id, event_types__contains=[event_type]
        ).values_list("pk", flat=True)
    )
    if subscribers:
        enqueue(source=source, instance=instance, event_type=event_type, subscriber_ids=subscribers)


def payload(*, source: EventSource, instance, event_type: str) -> dict:
    """What a subscriber receives: the event's type and time, and how to fetch the object —
    ids, never case content or identity."""
    data = {"id": instance.pk, "object": source.object}
    if getattr(instance, "reference", None):
        data["reference"] = instance.reference
    if hasattr(instance, "version"):
        version = instance.version
        if not isinstance(version, int):  # an F() expression between bump()'s save and refresh
            version = type(instance).objects.filter(pk=instance.pk).values_list("version", flat=True).first()
        data["version"] = version
    data["url"] = settings.PSWEB_BASE_URL.rstrip("/") + reverse(source.route, args=[instance.pk])
    timestamp = timezone.now().isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"type": event_type, "timestamp": timestamp, "data": data}


def enqueue(*, source: EventSource, instance, event_type: str, subscriber_ids: list[int]) -> list:
    """One outbox message per subscriber, in the caller's transaction, handed to Celery when
    it commits. A second call in the same transaction for the same object and type writes
    nothing new: it brings the pending message's payload up to date. Returns the new ids."""
    body = json.dumps(payload(source=source, instance=instance, event_type=event_type), separators=(",", ":"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text")
        xact = cursor.fetchone()[0]
    subject = f"{event_type} {instance.pk}"
    messages = [
        OutboxMessage(
            kind=OutboxMessage.Kind.WEBHOOK,
            recipient=str(subscriber_id),
            subject=subject,
            body=body,
            dedupe_key=f"webhook:{subscriber_id}:{event_type}:{instance.pk}:{xact}",
        )
        for subscriber_id in subscriber_ids
    ]
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    proposed = [message.pk for message in messages]
    created = set(OutboxMessage.objects.filter(pk__in=proposed).values_list("pk", flat=True))
    repeated = [message.dedupe_key for message in messages if message.pk not in created]
    if repeated:
        OutboxMessage.objects.filter(dedupe_key__in=repeated, status=OutboxMessage.Status.PENDING).update(body=body)
    new = [pk for pk in proposed if pk in created]
    for pk in new:
        transaction.on_commit(partial(dispatch, pk))
    return new


def connect() -> None:
    """Called once from WebhooksConfig.ready()."""
    for source in SOURCES:
        post_save.connect(on_save, sender=apps.get_model(source.model), dispatch_uid=f"webhooks:{source.model}")
    post_save.connect(subscribers_changed, sender=Subscriber, dispatch_uid="webhooks:subscribers")
