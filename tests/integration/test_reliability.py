"""Reliability with real processes on loopback (issue #6), bounded in time: with the broker
down, 200 reports are all accepted at once, and once Redis is back every notification is
delivered exactly once, within two minutes. (A worker killed while sending:
test_worker_killed.py, with a stack of its own.)"""

from __future__ import annotations

import re
import time

import pytest

from accounts.roles import Role
from incidents.models import Incident
from outbox.models import OutboxMessage
from tests.factories import MembershipFactory, UserFactory, make_unit
from tests.incidents.conftest import report
from tests.integration.conftest import SWEEP_SECONDS, wait_for
from tests.integration.test_outbox_delivery import load_org_unit_kinds

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPORTS = 200


@pytest.fixture(autouse=True)
def org_unit_kinds(django_db_blocker):
    with django_db_blocker.unblock():
        load_org_unit_kinds()
    yield
    with django_db_blocker.unblock():
        load_org_unit_kinds()


@pytest.fixture
def ward():
    region = make_unit("Region Driftstörning")
    clinic = make_unit("Medicinkliniken", region, "verksamhet")
    ward = make_unit("Avdelning 5", clinic, "enhet")
    handler = UserFactory(username="samordnare.drift", email="samordnare.drift@example.invalid")
    MembershipFactory(user=handler, unit=clinic, role=Role.HANDLER)
    nurse = UserFactory(username="ssk.drift")
    MembershipFactory(user=nurse, unit=ward, role=Role.REPORTER)
    return ward, nurse, handler


def test_two_hundred_reports_while_the_broker_is_down_then_each_email_exactly_once(celery_stack, ward):
    unit, nurse, handler = ward
    celery_stack.redis.stop()
    try:
        slowest = 0.0
        started = time.monotonic()
        for _ in range(REPORTS):
            before = time.monotonic()
            report(nurse, unit)
            slowest = max(slowest, time.monotonic() - before)
        took = time.monotonic() - started

        # Every report was accepted at once: the broker's absence cost nobody anything.
        assert Incident.objects.filter(reporter=nurse, reference__isnull=False).count() == REPORTS
        assert slowest < 2, f"the slowest report took {slowest:.2f} s with the broker down"
        messages = OutboxMessage.objects.filter(recipient=handler.email)
        assert messages.count() == REPORTS
        assert set(messages.values_list("status", flat=True)) == {OutboxMessage.Status.PENDING}
    finally:
        celery_stack.redis.start()

    wait_for(
        lambda: not messages.exclude(status=OutboxMessage.Status.SENT).exists(),
        timeout=120,
        what=f"all {REPORTS} e-mails to be delivered after the broker came back",
        details=celery_stack.logs,
    )
    time.sleep(2 * SWEEP_SECONDS + 1)  # a few more sweeps: nothing is sent twice
    assert set(messages.values_list("attempts", flat=True)) == {1}
    mail = celery_stack.mail_text()
    references = list(Incident.objects.filter(reporter=nurse).values_list("reference", flat=True))
    counts = {reference: len(re.findall(re.escape(reference) + r"\b", mail)) for reference in references}
    assert set(counts.values()) <= {1, 2}  # subject, and body if it names the reference too
    assert celery_stack.emails_to(handler.email) == REPORTS
    print(f"{REPORTS} reports with the broker down in {took:.1f} s (slowest {slowest * 1000:.0f} ms)")
