"""The clock and the warnings, with controlled time. The law says "snarast": the deadlines are
the care provider's internal ones, counted in Swedish calendar days, so that a request late
in the evening before a daylight-saving change counts like one on any other day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.models import Membership
from lexmaria import selectors, services
from lexmaria.models import LexMariaSettings
from outbox.models import Notification
from tests.lexmaria.conftest import GIVENS, add_action, decided, opened, serious_incident

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=STOCKHOLM)


def travel(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def _memberships_valid_since_long(cast):
    # The cast's memberships start today; these tests travel back to the spring.
    Membership.objects.update(valid_from=dt.date(2020, 1, 1))


def case_requested_at(cast, tree, moment: dt.datetime):
    with travel(moment):
        return opened(cast, serious_incident(cast, tree.medicin_ward, occurred_at=moment - dt.timedelta(hours=1)))


def counts(case, now: dt.datetime) -> tuple:
    clock = selectors.case_clock(case, now=now)
    return clock.days_since_request, clock.days_since_event, (clock.decision_due_on - clock.requested_on).days


# --- Calendar days, across the daylight-saving changes --------------------------------------------


def test_a_request_late_on_the_eve_of_the_spring_change_counts_like_any_other_day(cast, tree):
    # given: one request on an ordinary Friday evening, one on the Saturday before clocks go forward
    ordinary = case_requested_at(cast, tree, at(2026, 3, 20, 23, 30))
    eve = case_requested_at(cast, tree, at(2026, 3, 28, 23, 30))

    # then: the deadline is 14 calendar days on, for both
    assert ordinary.decision_due_on == dt.date(2026, 4, 3)
    assert eve.decision_due_on == dt.date(2026, 4, 11)
    # and the next evening counts one day, although only 22½ hours have passed across the change
    assert counts(ordinary, at(2026, 3, 21, 23, 0)) == (1, 1, 14)
    assert counts(eve, at(2026, 3, 29, 23, 0)) == (1, 1, 14)
    # and just after midnight too, though only an hour has passed
    assert counts(eve, at(2026, 3, 29, 0, 30)) == counts(ordinary, at(2026, 3, 21, 0, 30)) == (1, 1, 14)


def test_a_request_on_the_eve_of_the_autumn_change_counts_like_any_other_day(cast, tree):
    ordinary = case_requested_at(cast, tree, at(2026, 10, 17, 0, 30))
    eve = case_requested_at(cast, tree, at(2026, 10, 24, 0, 30))

    assert eve.decision_due_on == dt.date(2026, 11, 7)
    # 48 hours and 20 minutes have passed across the change, yet it is one calendar day on
    # (and two since the event, an hour before the request, late on the 23rd)
    assert counts(eve, at(2026, 10, 25, 23, 50)) == counts(ordinary, at(2026, 10, 18, 23, 50)) == (1, 2, 14)
    late = case_requested_at(cast, tree, at(2026, 10, 24, 23, 30))
    assert counts(late, at(2026, 10, 25, 23, 30)) == (1, 1, 14)  # 25 hours, one day
    assert late.decision_due_on == dt.date(2026, 11, 7)


def test_the_clock_runs_from_the_earliest_event_and_the_time_of_the_request(cast, tree):
    with travel(at(2026, 3, 10, 9, 0)):
        incident = serious_incident(cast, tree.medicin_ward, occurred_at=at(2026, 3, 2, 22, 15))
    with travel(at(2026, 3, 12, 8, 0)):
        case = opened(cast, incident)

    clock = selectors.case_clock(case, now=at(2026, 3, 20, 12, 0))
    assert (clock.event_on, clock.days_since_event) == (dt.date(2026, 3, 2), 18)
    assert (clock.requested_on, clock.days_since_request) == (dt.date(2026, 3, 12), 8)
    assert (clock.deadline_kind, clock.deadline, clock.days_left) == ("decision", dt.date(2026, 3, 26), 6)


# --- ok, due soon, overdue ---------------------------------------------------------------------------


def test_the_status_turns_due_soon_within_the_warning_days_and_overdue_after(cast, tree):
    case = case_requested_at(cast, tree, at(2026, 3, 2, 10, 0))  # decision due 16 March

    assert selectors.case_clock(case, now=at(2026, 3, 12, 23, 59)).status == "ok"
    assert selectors.case_clock(case, now=at(2026, 3, 13, 0, 1)).status == "due_soon"  # 3 days left
    assert selectors.case_clock(case, now=at(2026, 3, 16, 23, 59)).status == "due_soon"  # the day itself
    overdue = selectors.case_clock(case, now=at(2026, 3, 17, 0, 1))
    assert (overdue.status, overdue.days_left) == ("overdue", -1)


def test_after_the_decision_the_report_deadline_applies_and_once_sent_none(cast, tree):
    case = case_requested_at(cast, tree, at(2026, 3, 2, 10, 0))
    add_action(cast, case.incidents.get())
    with travel(at(2026, 3, 5, 16, 0)):
        decided(cast, case)
    case.refresh_from_db()

    clock = selectors.case_clock(case, now=at(2026, 3, 17, 9, 0))
    assert (clock.deadline_kind, clock.deadline, clock.status) == ("report", dt.date(2026, 3, 19), "due_soon")

    with travel(at(2026, 3, 18, 9, 0)):
        services.case_mark_reported(
            case=case, actor=cast.chief_physician, ivo_reference="R-1", sent_on=dt.date(2026, 3, 18)
        )
    case.refresh_from_db()
    clock = selectors.case_clock(case, now=at(2026, 3, 30, 9, 0))
    assert (clock.deadline, clock.status, clock.days_event_to_report) == (None, "ok", 16)


def test_ivos_due_date_for_a_supplement_applies_while_it_is_unanswered(cast, tree):
    case = case_requested_at(cast, tree, at(2026, 3, 2, 10, 0))
    with travel(at(2026, 3, 3, 10, 0)):
        case = GIVENS["reported"](cast, case)
        services.supplement_request(
            case=case,
            actor=cast.safety_officer,
            what="Tidsplan",
            requested_on=dt.date(2026, 3, 3),
            due_on=dt.date(2026, 3, 20),
        )
    case.refresh_from_db()
    clock = selectors.case_clock(case, now=at(2026, 3, 21, 9, 0))
    assert (clock.deadline_kind, clock.deadline, clock.status) == ("supplement", dt.date(2026, 3, 20), "overdue")


def test_the_care_provider_sets_its_own_internal_deadlines(cast, tree):
    LexMariaSettings.objects.create(care_provider=tree.region, decision_days=7, report_days=5, warn_days_before=1)
    LexMariaSettings.objects.create(care_provider=None, decision_days=30)
    case = case_requested_at(cast, tree, at(2026, 3, 2, 10, 0))

    assert case.decision_due_on == dt.date(2026, 3, 9)
    assert selectors.case_clock(case, now=at(2026, 3, 7, 9, 0)).status == "ok"  # 2 days left, warned 1 day before
    assert selectors.case_clock(case, now=at(2026, 3, 8, 9, 0)).status == "due_soon"
    municipal = serious_incident(cast, tree.hemsjukvard, handler=cast.municipal_handler)
    assert opened(cast, municipal, actor=cast.mas).decision_due_on == timezone.localdate() + dt.timedelta(days=30)


# --- Warnings ----------------------------------------------------------------------------------------


def warnings_of(user) -> list[str]:
    warnings = Notification.objects.filter(user=user, dedupe_key__contains=":deadline:")
    return list(warnings.values_list("subject", flat=True))


def test_a_warning_goes_to_the_deciders_once_a_day_across_the_spring_change(cast, tree):
    case = case_requested_at(cast, tree, at(2026, 3, 16, 10, 0))  # decision due 30 March

    with travel(at(2026, 3, 26, 7, 15)):
        assert services.deadline_warnings_send() == 0  # four days left
    with travel(at(2026, 3, 27, 7, 15)):
        assert services.deadline_warnings_send() == 1
        assert services.deadline_warnings_send() == 0  # run again: the same day
    # the night the clocks go forward: 00:30 and 23:30 are the same Swedish day
    with travel(at(2026, 3, 29, 0, 30)):
        assert services.deadline_warnings_send() == 1
    with travel(at(2026, 3, 29, 23, 30)):
        assert services.deadline_warnings_send() == 0
    with travel(at(2026, 3, 31, 7, 15)):
        assert services.deadline_warnings_send() == 1  # overdue

    subjects = warnings_of(cast.chief_physician)
    assert len(subjects) == 3 and all(case.reference in subject for subject in subjects)
    assert not warnings_of(cast.safety_officer) and not warnings_of(cast.mas)


def test_a_warning_goes_to_the_preparer_when_there_is_one(cast, tree):
    case = case_requested_at(cast, tree, at(2026, 3, 16, 10, 0))
    with travel(at(2026, 3, 16, 11, 0)):
        services.case_assign_owner(case=case, actor=cast.chief_physician, owner=cast.safety_officer)

    with travel(at(2026, 3, 31, 7, 15)):
        assert services.deadline_warnings_send() == 1

    assert len(warnings_of(cast.safety_officer)) == 1
    assert warnings_of(cast.chief_physician) == []


def test_the_warning_e_mail_carries_a_reference_and_a_link_only(cast, tree):
    from outbox.models import OutboxMessage

    with travel(at(2026, 3, 16, 10, 0)):
        incident = serious_incident(cast, tree.medicin_ward, description="Pat 19121212-1212 föll i duschen.")
        case = services.case_open(actor=cast.safety_officer, incidents=[incident], reason="Höftfraktur hos Anna.")
    with travel(at(2026, 3, 31, 7, 15)):
        services.deadline_warnings_send()

    message = OutboxMessage.objects.get(dedupe_key__contains=":deadline:")
    assert case.reference in message.subject and case.reference in message.body
    assert "2026-03-30" in message.body
    for secret in ("19121212", "1212", "duschen", "Anna", "Höftfraktur"):
        assert secret not in message.subject and secret not in message.body


def test_the_daily_task_sends_the_warnings_and_is_scheduled(cast, tree):
    from lexmaria.tasks import lexmaria_deadline_warnings

    case_requested_at(cast, tree, at(2026, 3, 16, 10, 0))
    with travel(at(2026, 3, 31, 7, 15)):
        assert lexmaria_deadline_warnings.apply().get() == 1

    entry = settings.CELERY_BEAT_SCHEDULE["lexmaria-deadline-warnings"]
    assert entry["task"] == "lexmaria.deadline_warnings"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {15})


# --- The list, most urgent first ----------------------------------------------------------------------


def test_the_list_puts_the_most_urgent_first(cast, tree):
    relaxed = case_requested_at(cast, tree, at(2026, 3, 20, 10, 0))  # due 3 April
    overdue = case_requested_at(cast, tree, at(2026, 3, 1, 10, 0))  # due 15 March
    soon = case_requested_at(cast, tree, at(2026, 3, 10, 10, 0))  # due 24 March
    with travel(at(2026, 3, 21, 10, 0)):
        closed = decided(cast, case_requested_at(cast, tree, at(2026, 2, 1, 10, 0)), "no_report")
        waiting_on_ivo = GIVENS["reported"](cast, case_requested_at(cast, tree, at(2026, 2, 2, 10, 0)))

    listed = list(selectors.cases_for(cast.safety_officer))

    assert listed == [overdue, soon, relaxed, waiting_on_ivo, closed]
    assert selectors.cases_for(cast.handler).count() == 0
    clocks = selectors.clocks_for(listed, now=at(2026, 3, 22, 10, 0))
    assert [clocks[c.pk].status for c in listed] == ["overdue", "due_soon", "ok", "ok", "ok"]
