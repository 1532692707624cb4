"""The outbox: written with the change, delivered after commit, retried, and never sent twice.

Tasks run eagerly here (no CELERY_BROKER_URL); the integration tier runs a real broker and worker.
"""

from __future__ import annotations

import importlib
import re
import smtplib
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from accounts import services as accounts_services
from accounts.roles import Role
from outbox import services
from outbox.models import OutboxMessage
from outbox.tasks import outbox_deliver as outbox_deliver_task
from outbox.tasks import outbox_sweep as outbox_sweep_task
from psweb.celery import app as celery_app
from tests.factories import UserFactory
from tests.factories import make_outbox_message as make_message

pytestmark = pytest.mark.django_db

PERSONNUMMER = re.compile(r"\b(?:19|20)?\d{6}[-+]?\d{4}\b")
FAILING_BACKEND = "tests.outbox.test_delivery.FailingEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class BoomError(Exception):
    pass


@pytest.fixture
def nurse():
    return UserFactory(username="nurse", first_name="Anna", email="anna.nurse@example.invalid")


def grant(nurse, tree, cast):
    return accounts_services.membership_grant(user=nurse, unit=tree.medicin_ward, role=Role.HANDLER, actor=cast.admin)


def make_due(message: OutboxMessage) -> None:
    """Let the backoff pass, as if time went by."""
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_it_writes_one_outbox_row_with_the_membership(nurse, tree, cast, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership = grant(nurse, tree, cast)

    # then: the row exists before anything is sent, attributed to the granting user
    message = OutboxMessage.objects.get()
    assert message.recipient == "anna.nurse@example.invalid"
    assert message.status == OutboxMessage.Status.PENDING
    assert message.created_by == cast.admin
    assert message.dedupe_key == f"membership-granted:{membership.pk}"
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_rolled_back_grant_leaves_no_row_and_sends_nothing(nurse, tree, cast, django_capture_on_commit_callbacks):
    # when: the grant's transaction fails after the outbox row was written
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(BoomError), transaction.atomic():
        grant(nurse, tree, cast)
        assert OutboxMessage.objects.count() == 1
        raise BoomError

    # then
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert mail.outbox == []


def test_it_sends_the_email_after_commit(nurse, tree, cast, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        grant(nurse, tree, cast)

    # then
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["anna.nurse@example.invalid"]
    assert "Avdelning 5, medicin" in email.subject
    assert "Anna" in email.body
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.last_error == ""


def test_the_email_contains_no_personnummer(nurse, tree, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        grant(nurse, tree, cast)

    email = mail.outbox[0]
    assert not PERSONNUMMER.search(email.subject)
    assert not PERSONNUMMER.search(email.body)


def test_the_personnummer_pattern_would_catch_one():
    # The check above must be able to fail.
    assert PERSONNUMMER.search("Patient 19121212-1212 fell")
    assert PERSONNUMMER.search("201212121212")
    assert not PERSONNUMMER.search("valid from 2026-03-01")


@override_settings(EMAIL_BACKEND=FAILING_BACKEND, OUTBOX_MAX_ATTEMPTS=3)
def test_a_failing_mail_server_backs_off_and_then_gives_up(nurse, tree, cast, django_capture_on_commit_callbacks):
    # given: the first attempt, on commit, fails
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        grant(nurse, tree, cast)
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    first_wait = message.next_attempt_at - before
    assert timedelta(seconds=29) <= first_wait <= timedelta(seconds=31) + (timezone.now() - before)

    # when: delivered again before the backoff has passed
    assert services.outbox_deliver(message_id=message.pk) is None

    # when: the second attempt, once due, fails too
    make_due(message)
    before = timezone.now()
    message = services.outbox_deliver(message_id=message.pk)
    assert message.attempts == 2
    assert message.status == OutboxMessage.Status.PENDING
    assert message.next_attempt_at - before >= timedelta(seconds=59)

    # when: the last attempt fails
    make_due(message)
    message = services.outbox_deliver(message_id=message.pk)

    # then: dead, and nothing tries it again
    assert message.status == OutboxMessage.Status.DEAD
    assert message.attempts == 3
    assert services.outbox_deliver(message_id=message.pk) is None
    assert services.outbox_sweep() == 0
    message.refresh_from_db()
    assert message.attempts == 3
    assert mail.outbox == []


def test_backoff_doubles_and_is_capped():
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert services.backoff(30) == timedelta(hours=6)


def test_the_sweep_delivers_due_messages_only():
    # given
    now = timezone.now()
    due = make_message(recipient="due@example.invalid")
    retry_due = make_message(recipient="retry@example.invalid", attempts=2)
    fresh = make_message(recipient="fresh@example.invalid", created_at=now, next_attempt_at=now)
    backing_off = make_message(recipient="later@example.invalid", next_attempt_at=now + timedelta(minutes=5))
    sent = make_message(recipient="sent@example.invalid", status=OutboxMessage.Status.SENT, sent_at=now)
    dead = make_message(recipient="dead@example.invalid", status=OutboxMessage.Status.DEAD, attempts=8)

    # when
    handed_over = services.outbox_sweep()

    # then
    assert handed_over == 2
    assert sorted(email.to[0] for email in mail.outbox) == ["due@example.invalid", "retry@example.invalid"]
    statuses = dict(OutboxMessage.objects.values_list("recipient", "status"))
    assert statuses == {
        due.recipient: "sent",
        retry_due.recipient: "sent",
        fresh.recipient: "pending",
        backing_off.recipient: "pending",
        sent.recipient: "sent",
        dead.recipient: "dead",
    }


def test_the_sweep_task_runs_the_sweep():
    make_message()
    assert outbox_sweep_task.delay().get() == 1
    assert len(mail.outbox) == 1


def test_the_sweep_is_scheduled_in_code(settings):
    assert settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]["task"] == "outbox.sweep"
    assert "outbox.sweep" in celery_app.tasks


def test_delivering_twice_sends_once(nurse, tree, cast, django_capture_on_commit_callbacks):
    # given: delivered on commit
    with django_capture_on_commit_callbacks(execute=True):
        grant(nurse, tree, cast)
    message = OutboxMessage.objects.get()

    # when: a duplicate task and a direct call arrive
    assert outbox_deliver_task.delay(str(message.pk)).get() == "skipped"
    assert services.outbox_deliver(message_id=message.pk) is None

    # then
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_the_dedupe_key_prevents_a_second_message(django_capture_on_commit_callbacks):
    def enqueue():
        return services.email_enqueue(
            to="anna.nurse@example.invalid",
            template="accounts/email/membership_granted",
            context={"first_name": "Anna", "role": "Handler", "unit": "Avdelning 5", "valid_from": "2026-01-01"},
            dedupe_key="membership-granted:42",
        )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue()
        second = enqueue()
    with django_capture_on_commit_callbacks(execute=True):
        third = enqueue()

    # then
    assert first.pk == second.pk == third.pk
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_database_refuses_a_duplicate_dedupe_key():
    from django.db import IntegrityError

    make_message(dedupe_key="event:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(dedupe_key="event:1")
    # Messages without a key are never considered duplicates.
    make_message()
    make_message()
    assert OutboxMessage.objects.count() == 3


@pytest.fixture(scope="module")
def migration_data_restored(django_db_blocker):
    """Puts back the org-unit kinds a data migration loads, which a transactional test's flush
    empties, for whatever test runs next. Module scope: torn down after the flush."""
    yield
    with django_db_blocker.unblock():
        importlib.import_module("accounts.migrations.0002_orgunit_kinds").add_kinds(django_apps, None)


@pytest.mark.django_db(transaction=True)
def test_a_message_locked_by_another_worker_is_left_alone(migration_data_restored):
    # given: another worker holds the row while it sends
    message = make_message()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                OutboxMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=10)

        # when
        started = time.monotonic()
        result = services.outbox_deliver(message_id=message.pk)

        # then: skipped at once, not sent, not waiting for the lock
        assert result is None
        assert time.monotonic() - started < 2
        assert mail.outbox == []
    finally:
        release.set()
        thread.join(timeout=10)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 0


def test_a_broker_outage_does_not_fail_the_grant(nurse, tree, cast, django_capture_on_commit_callbacks, caplog):
    # given: a broker address where nothing listens
    with override_celery(broker_url=f"redis://127.0.0.1:{closed_port()}/0", task_always_eager=False):
        # when
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            membership = grant(nurse, tree, cast)
        elapsed = time.monotonic() - started

    # then: the grant stands, the message waits for the sweep
    assert membership.pk is not None
    assert elapsed < 5
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
    assert mail.outbox == []
    assert "the sweep will deliver it" in caplog.text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class override_celery:  # noqa: N801 - reads like override_settings
    """Change the Celery app's configuration for a block, and drop its broker connections after."""

    def __init__(self, **conf):
        self.conf = conf

    def __enter__(self):
        drop_broker_connections()
        self.saved = {key: celery_app.conf[key] for key in self.conf}
        celery_app.conf.update(self.conf)

    def __exit__(self, *exc):
        drop_broker_connections()
        celery_app.conf.update(self.saved)


def drop_broker_connections() -> None:
    """Forget pooled broker connections, so the next publish connects to the configured broker."""
    from kombu import pools

    # kombu keeps connection and producer pools in process-wide registries: closing the
    # app's pool without resetting them leaves a closed pool behind for the next test.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
