"""Enqueue and deliver outbox messages.

A message is written in the caller's transaction and handed to Celery when that
transaction commits. Handing it over never fails the caller: with the broker down the row
stays pending and the periodic sweep (`outbox_sweep`, scheduled by CELERY_BEAT_SCHEDULE)
hands it over again later. Delivery is at most once per message: the row is locked while
sending and marked sent in the same transaction. A failed send is retried with exponential
backoff until OUTBOX_MAX_ATTEMPTS, then the message is dead until an administrator retries it.

Each kind of message has its sender in `SENDERS`: e-mail here, webhook events registered by
the `webhooks` app (which knows the subscribers and their secrets; the outbox does not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# The on-commit dispatch gets this long to deliver a fresh message before the sweep does.
SWEEP_GRACE_SECONDS = 10
# Web and worker machines' clocks may differ a little: a fresh message must not look "not yet due".
CLOCK_TOLERANCE = timedelta(seconds=5)


def email_enqueue(*, to: str, template: str, context: dict, actor=None, dedupe_key: str = "") -> OutboxMessage:
    """Write an e-mail to the outbox in the caller's transaction; deliver it after commit.

    `template` names `<template>_subject.txt` and `<template>_body.txt`. Never put patient
    data in `context`: e-mail leaves the care provider's systems. With a `dedupe_key`, the
    same business event never produces a second message: the existing one is returned.
    """
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    context = {**context, "base_url": settings.PSWEB_BASE_URL}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                recipient=to, subject=subject[:200], body=body, dedupe_key=dedupe_key, created_by=actor
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        # A concurrent transaction enqueued the same event first.
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(partial(dispatch, message.pk))
    return message


def notify(*, user, template: str, context: dict, path: str, actor=None, dedupe_key: str = ""):
    """Tell `user` about something: an entry in their in-app list (the bell) and, when they
    have an address, an e-mail. Same rules as e-mail: a subject and a link, no patient data.

    `path` is the site-relative link (`/avvikelser/12/`); the e-mail template gets it too.
    """
    from outbox.models import Notification

    context = {**context, "path": path}
    subject = " ".join(render_to_string(f"{template}_subject.txt", {**context, "base_url": ""}).split())[:200]
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    user=user, subject=subject, link=path[:300], dedupe_key=dedupe_key
                )
        except IntegrityError:
            if not dedupe_key:
                raise
            return Notification.objects.get(user=user, dedupe_key=dedupe_key)
        if user.email:
            email_enqueue(
                to=user.email,
                template=template,
                context=context,
                actor=actor,
                dedupe_key=f"{dedupe_key}:user{user.pk}" if dedupe_key else "",
            )
    return notification


def notifications_mark_read(*, user, notification_ids=None) -> int:
    """Mark the user's notifications read (all of them, or the given ones). Returns how many."""
    from django.utils import timezone

    from outbox.models import Notification

    unread = Notification.objects.visible_to(user).unread()
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def dispatch(message_id, *, actor_id=None) -> bool:
    """Hand a message to Celery. Returns whether that worked.

    A broker outage is logged, never raised: the message stays pending and the sweep hands
    it over again. Publishing fails fast (no publish retries, short socket timeouts in
    settings), so a request never waits on a broker that is down. `actor_id` is the user the
    delivery is attributed to in the audit trail; by default the one acting right now.
    """
    from outbox.tasks import outbox_deliver

    headers = {"psweb_actor": actor_id} if actor_id is not None else None
    try:
        outbox_deliver.apply_async(args=[str(message_id)], headers=headers)
    except Exception as exc:  # noqa: BLE001 - no broker failure may fail the user's request
        logger.warning(
            "Outbox message %s was not handed to Celery (%s: %s); the sweep will deliver it.",
            message_id,
            type(exc).__name__,
            exc,
        )
        return False
    return True


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, … at most 6 h."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def outbox_deliver(*, message_id) -> OutboxMessage | None:
    """Deliver one message, at most once.

    The row is locked while sending and marked sent in the same transaction. A message that
    is already sent or dead, not yet due for a retry, or locked by another worker that is
    delivering it right now is left alone (returns None), so a duplicate task is harmless.
    """
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                pk=message_id,
                status=OutboxMessage.Status.PENDING,
                next_attempt_at__lte=timezone.now() + CLOCK_TOLERANCE,
            )
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        try:
            _send(message)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, UndeliverableError) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.DEAD
                logger.error("Outbox message %s is dead after %s attempts.", message.pk, message.attempts)
            else:
                message.next_attempt_at = timezone.now() + backoff(message.attempts)
                logger.warning(
                    "Outbox message %s failed (attempt %s); retrying at %s.",
                    message.pk,
                    message.attempts,
                    message.next_attempt_at.isoformat(),
                )
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return message
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return message


class UndeliverableError(Exception):
    """Raised by a sender when no attempt can ever succeed (a webhook subscriber that was
    deactivated): the message is dead at once instead of retried."""


def _send_email(message: OutboxMessage) -> None:
    EmailMessage(subject=message.subject, body=message.body, to=[message.recipient]).send(fail_silently=False)


# kind → the function that delivers a message of that kind, raising on failure. An app above
# the outbox registers its kind in its AppConfig.ready() (webhooks: OutboxMessage.Kind.WEBHOOK).
SENDERS: dict[str, Callable[[OutboxMessage], None]] = {OutboxMessage.Kind.EMAIL: _send_email}


def _send(message: OutboxMessage) -> None:
    sender = SENDERS.get(message.kind)
    if sender is None:
        raise UndeliverableError(f"No sender for outbox message kind {message.kind!r}")
    sender(message)


def outbox_sweep(*, grace_seconds: int = SWEEP_GRACE_SECONDS, limit: int = 500) -> int:
    """Hand over again the pending messages that are due.

    Messages younger than `grace_seconds` are left to their on-commit dispatch. Sent and
    dead messages, and those waiting out a backoff, are never picked. Each delivery is
    attributed to the user who caused the message. Returns how many were handed over.
    """
    now = timezone.now()
    due = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING,
            next_attempt_at__lte=now,
            created_at__lte=now - timedelta(seconds=grace_seconds),
        )
        .order_by("next_attempt_at")
        .values_list("pk", "created_by_id")[:limit]
    )
    for pk, created_by_id in due:
        dispatch(pk, actor_id=created_by_id)
    return len(due)


@transaction.atomic
def outbox_retry(*, message_ids: Iterable, actor) -> int:
    """Give dead messages a new round of attempts, starting now (the admin's "retry now").

    Only dead messages change; the others are left as they are. Returns how many changed.
    """
    messages = list(
        OutboxMessage.objects.select_for_update().filter(pk__in=list(message_ids), status=OutboxMessage.Status.DEAD)
    )
    for message in messages:
        message.status = OutboxMessage.Status.PENDING
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(partial(dispatch, message.pk, actor_id=actor.pk if actor else None))
    return len(messages)
