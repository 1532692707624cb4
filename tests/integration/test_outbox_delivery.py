"""End to end: a membership grant is e-mailed by a real Celery worker through a real Redis,
survives a broker outage, and the worker's change is attributed to the granting user."""

from __future__ import annotations

import importlib
import time

import pghistory
import pytest
from django.apps import apps as django_apps

from accounts import services as accounts_services
from accounts.roles import Role
from outbox.models import OutboxMessage
from tests.factories import UserFactory, make_unit
from tests.integration.conftest import SWEEP_SECONDS, wait_for

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
    """Puts back the org-unit kinds a data migration loads, after the last flush, for whatever
    runs next. (Serialized rollback cannot: it would rewrite the append-only history rows.)"""
    yield
    with django_db_blocker.unblock():
        load_org_unit_kinds()


@pytest.fixture(autouse=True)
def org_unit_kinds(migration_data_restored, django_db_blocker):
    """Every transactional test's flush empties them; the next test needs them again."""
    with django_db_blocker.unblock():
        load_org_unit_kinds()


def grant_as_admin(username: str):
    """An administrator grants `username` a role, as a request would: inside an audit context."""
    admin = UserFactory(username=f"admin-{username}", is_staff=True)
    nurse = UserFactory(username=username, email=f"{username}@example.invalid")
    unit = make_unit(f"Avdelning {username}", make_unit(f"Region {username}"))
    with pghistory.context(user=admin.pk, url="/admin/"):
        accounts_services.membership_grant(user=nurse, unit=unit, role=Role.HANDLER, actor=admin)
    return admin, nurse


def status_of(message: OutboxMessage) -> str:
    message.refresh_from_db()
    return message.status


def test_the_worker_emails_a_granted_membership(celery_stack):
    # when
    _, nurse = grant_as_admin("nurse-e2e")

    # then
    message = OutboxMessage.objects.get(recipient=nurse.email)
    wait_for(
        lambda: status_of(message) == OutboxMessage.Status.SENT,
        timeout=DELIVERY_TIMEOUT,
        what="the worker to send the e-mail",
        details=celery_stack.logs,
    )
    assert message.attempts == 1
    assert celery_stack.emails_to(nurse.email) == 1


def test_a_broker_outage_delays_the_email_and_never_fails_the_grant(celery_stack):
    # given: the broker is down
    celery_stack.redis.stop()
    try:
        # when
        started = time.monotonic()
        admin, nurse = grant_as_admin("nurse-outage")
        elapsed = time.monotonic() - started

        # then: the grant went through at once, the message waits
        assert elapsed < 5, f"granting took {elapsed:.1f} s with the broker down"
        message = OutboxMessage.objects.get(recipient=nurse.email)
        assert message.status == OutboxMessage.Status.PENDING

        # The outage lasts past a scheduled sweep, which beat cannot hand over either.
        time.sleep(SWEEP_SECONDS + 1)
        assert status_of(message) == OutboxMessage.Status.PENDING
    finally:
        celery_stack.redis.start()

    # when the broker is back, the sweep (beat) hands the message over again
    wait_for(
        lambda: status_of(message) == OutboxMessage.Status.SENT,
        timeout=DELIVERY_TIMEOUT,
        what="the sweep to deliver the e-mail after the outage",
        details=celery_stack.logs,
    )

    # then: delivered exactly once, also after a few more sweeps
    time.sleep(2 * SWEEP_SECONDS + 1)
    message.refresh_from_db()
    assert message.attempts == 1
    assert celery_stack.emails_to(nurse.email) == 1
    # The sweep attributes the delivery to the user who caused the message.
    context = message.events.get(status=OutboxMessage.Status.SENT).pgh_context.metadata
    assert context["user"] == admin.pk
    assert context["celery_task"] == "outbox.deliver"


def test_the_workers_change_is_attributed_to_the_acting_user(celery_stack):
    # when
    admin, nurse = grant_as_admin("nurse-audit")
    message = OutboxMessage.objects.get(recipient=nurse.email)
    wait_for(
        lambda: status_of(message) == OutboxMessage.Status.SENT,
        timeout=DELIVERY_TIMEOUT,
        what="the worker to send the e-mail",
        details=celery_stack.logs,
    )

    # then: the history row of the worker's update names the user and the task
    event = message.events.get(status=OutboxMessage.Status.SENT)
    assert event.pgh_context is not None
    assert event.pgh_context.metadata["user"] == admin.pk
    assert event.pgh_context.metadata["celery_task"] == "outbox.deliver"
