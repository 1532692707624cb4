"""A Celery worker killed (SIGKILL) in the middle of sending an e-mail (issue #6): the message
is delivered exactly once after the worker is started again. The worker writes e-mail slowly
(tests/integration/slow_mail.py) so that the kill lands mid-send. Its own module: the stack
of another module must not sweep the same database meanwhile."""

from __future__ import annotations

import time

import pytest

from outbox.models import OutboxMessage
from tests.integration.conftest import SWEEP_SECONDS, build_celery_stack, wait_for
from tests.integration.test_outbox_delivery import grant_as_admin, load_org_unit_kinds, status_of

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def org_unit_kinds(django_db_blocker):
    with django_db_blocker.unblock():
        load_org_unit_kinds()
    yield
    with django_db_blocker.unblock():
        load_org_unit_kinds()


@pytest.fixture(scope="module")
def slow_celery_stack(django_db_setup, tmp_path_factory):
    yield from build_celery_stack(tmp_path_factory, settings_module="tests.integration.slow_mail")


def test_a_worker_killed_while_sending_delivers_the_message_exactly_once_after_a_restart(slow_celery_stack):
    stack = slow_celery_stack
    _, nurse = grant_as_admin("nurse-killed")
    message = OutboxMessage.objects.get(recipient=nurse.email)
    marker = stack.maildir / "sending"
    wait_for(marker.exists, timeout=30, what="the worker to begin sending", details=stack.logs)

    stack.kill_worker()

    # The send never finished: the row is still pending (its transaction died with the worker).
    marker.unlink()
    assert status_of(message) == OutboxMessage.Status.PENDING
    assert stack.emails_to(nurse.email) == 0

    stack.start_worker()
    wait_for(
        lambda: status_of(message) == OutboxMessage.Status.SENT,
        timeout=90,
        what="the sweep to deliver the message after the restart",
        details=stack.logs,
    )
    time.sleep(2 * SWEEP_SECONDS + 1)
    message.refresh_from_db()
    assert message.attempts == 1
    files = {path.name: path.read_text(errors="replace")[:300] for path in stack.maildir.iterdir()}
    assert stack.emails_to(nurse.email) == 1, files
