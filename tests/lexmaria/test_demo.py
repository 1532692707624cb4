"""Demo Lex Maria cases from `seed_demo`: a case for every demo incident with a Lex Maria
request, across the decision paths, dated when their steps happened, and nothing new on a
second run."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from incidents.models import LEX_MARIA_CLASSES, Incident
from lexmaria.models import Decision, IvoDecision, LexMariaCase, PromisedAction, Status, TimelineEntry
from lexmaria.selectors import action_blockers, case_actions

pytestmark = pytest.mark.django_db

# Two years of demo incidents hold about a dozen serious ones with a Lex Maria request.
INCIDENTS = 320


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", incidents=INCIDENTS, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings) -> str:
    settings.DEBUG = True
    return seed()


def test_the_demo_cases_are_real_and_cover_every_path(demo):
    # given the demo (seeded once: it takes a few seconds)
    _every_requested_assessment_has_a_case(demo)
    _the_cases_take_every_decision_path()
    _the_steps_are_dated_in_the_past_in_order()
    _reported_cases_have_complete_actions_and_old_ones_were_followed_up()


def _every_requested_assessment_has_a_case(demo):
    requested = Incident.objects.filter(event_class__in=LEX_MARIA_CLASSES, lex_maria_requested_at__isnull=False)

    assert requested.count() >= 9, "the demo should hold enough serious incidents for every path"
    assert set(requested.values_list("pk", flat=True)) == set(LexMariaCase.objects.values_list("incidents", flat=True))
    assert f"{requested.count()} new Lex Maria cases" in demo


def _the_cases_take_every_decision_path():
    statuses = set(LexMariaCase.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert LexMariaCase.objects.filter(status=Status.CLOSED, decision=Decision.NO_REPORT).exists()
    assert LexMariaCase.objects.filter(status=Status.CLOSED, decision=Decision.REPORT).exists()
    assert LexMariaCase.objects.filter(supplements__isnull=False).exists()
    assert set(LexMariaCase.objects.exclude(ivo_decision="").values_list("ivo_decision", flat=True)) == {
        IvoDecision.CLOSED_WITH_CRITICISM,
        IvoDecision.CLOSED_WITHOUT_CRITICISM,
    }
    reopened = TimelineEntry.objects.filter(kind=TimelineEntry.Kind.REOPENED).values_list("case", flat=True)
    assert LexMariaCase.objects.filter(pk__in=reopened, status=Status.ASSESSMENT).exists()


def _the_steps_are_dated_in_the_past_in_order():
    today = timezone.localdate()
    for case in LexMariaCase.objects.all():
        times = list(case.timeline.order_by("id").values_list("at", flat=True))
        assert times == sorted(times), case.reference
        assert abs(case.timeline.order_by("id").first().at - case.requested_at) < dt.timedelta(minutes=1)
        if case.decided_at:
            assert case.requested_at < case.decided_at < timezone.now()
        if case.sent_on:
            assert case.sent_on < today
    oldest = LexMariaCase.objects.order_by("requested_at").first()
    assert (today - timezone.localdate(oldest.requested_at)).days > 365


def _reported_cases_have_complete_actions_and_old_ones_were_followed_up():
    for case in LexMariaCase.objects.exclude(sent_on=None):
        assert not action_blockers(case_actions(case)), case.reference
        assert case.promised_actions.exists()
    followed = PromisedAction.objects.exclude(carried_out=None)
    assert followed.exists()
    assert {row.case.sent_on.year for row in followed} <= {timezone.localdate().year - 1, timezone.localdate().year}


def test_a_second_run_creates_nothing(demo):
    before = (LexMariaCase.objects.count(), TimelineEntry.objects.count(), PromisedAction.objects.count())

    again = seed()

    assert "0 new Lex Maria cases" in again
    assert (LexMariaCase.objects.count(), TimelineEntry.objects.count(), PromisedAction.objects.count()) == before
