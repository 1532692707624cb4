"""PN-SVAR from the patientnämnd's cases (complaints.indicator): the count equals a hand count
for late, on-time, paused, unanswered, withdrawn and direct cases; the feed is idempotent,
follows a changed case and removes a point with nothing left to count; Kronoberg's 2024
figures read 66.0 % on the dashboard and in the API.

Past dates: the cases are registered and answered through the services with past dates (they
accept any date not in the future); what no service can put in the past — a pause that
ended, a case moved after the fact — is written with `queryset.update`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrgUnit
from complaints import services
from complaints.indicator import FEED_SOURCE, SYSTEM_USERNAME, pn_svar_feed, pn_svar_rows
from complaints.models import Complaint, Pause, Status
from indicators.models import Measurement
from indicators.periods import add_months, month_end
from tests.complaints.conftest import fields, from_board, register

pytestmark = pytest.mark.django_db


def board_case(ccast, unit, due: dt.date) -> Complaint:
    today = timezone.localdate()
    return from_board(ccast, unit, due_in_days=(due - today).days, received_on=due - dt.timedelta(days=28))


def answer(complaint, actor, day: dt.date) -> Complaint:
    return services.complaint_answer(
        complaint=complaint,
        actor=actor,
        answered_on=day,
        way="letter",
        letter={"answer_what_happened": "Vi har gått igenom journalen och talat med avdelningen."},
    )


def pn_svar(unit) -> list[tuple]:
    rows = Measurement.objects.filter(indicator__code="PN-SVAR", unit=unit).order_by("period_start")
    return [(m.period_start, m.numerator, m.denominator) for m in rows]


def test_it_counts_the_cases_as_by_hand_and_the_feed_follows_them(ccast, tree):
    # given a month three months ago and the nämnd's cases due in it
    month = add_months(timezone.localdate().replace(day=1), -3)
    period = (month, month_end(month))
    ward, orto = tree.medicin_ward, tree.orto_ward
    answer(board_case(ccast, ward, month.replace(day=10)), ccast.handler, month.replace(day=5))
    late = answer(board_case(ccast, orto, month.replace(day=12)), ccast.handler_orto, month.replace(day=20))
    unanswered = board_case(ccast, ward, month.replace(day=15))
    paused_now = board_case(ccast, ward, month.replace(day=15))
    services.complaint_pause(complaint=paused_now, actor=ccast.handler, reason="Väntar på journal från Capio.")
    # paused for 15 days in the month before, so due on the 18th instead of the 3rd; answered the 17th
    was_paused = board_case(ccast, ward, month.replace(day=3))
    Pause.objects.create(
        complaint=was_paused,
        started_on=month.replace(day=1),
        ended_on=month.replace(day=16),
        reason="Väntade på patientens samtycke.",
        started_by=ccast.handler,
    )
    Complaint.objects.filter(pk=was_paused.pk).update(due_on=month.replace(day=18))
    answer(Complaint.objects.get(pk=was_paused.pk), ccast.handler, month.replace(day=17))
    withdrawn = board_case(ccast, ward, month.replace(day=8))
    services.complaint_withdraw(complaint=withdrawn, actor=ccast.handler, reason="Patienten återkallade.")
    direct = register(ccast.handler, ward, received_on=month.replace(day=1))
    answer(direct, ccast.handler, month.replace(day=28) + dt.timedelta(days=10))  # late, but not the nämnd's
    board_case(ccast, ward, add_months(month, 1).replace(day=2))  # due in the next month

    # when
    rows = pn_svar_rows(period)

    # then: ward — on time, was paused (in time), unanswered (late); orto — late; not the paused,
    # withdrawn, direct or next month's
    assert rows == {(ward.pk, month): (2, 3), (orto.pk, month): (0, 1)}
    # before the unanswered one is due it is not counted yet
    assert pn_svar_rows(period, today=month.replace(day=15)) == {(ward.pk, month): (2, 2), (orto.pk, month): (0, 1)}

    # when fed, twice
    first = pn_svar_feed(period=period)
    again = pn_svar_feed(period=period)

    # then
    assert first == {"created": 2, "updated": 0, "unchanged": 0, "removed": 0}
    assert again == {"created": 0, "updated": 0, "unchanged": 2, "removed": 0}
    assert pn_svar(ward) == [(month, 2, 3)]
    point = Measurement.objects.get(indicator__code="PN-SVAR", unit=ward)
    assert point.source == FEED_SOURCE and point.entered_by.username == SYSTEM_USERNAME
    assert point.value == Decimal("66.666667") and point.period_kind == "month"
    assert not point.entered_by.is_active

    # when the unanswered one is answered in time after all (the nämnd's date was moved) and the
    # late one turns out to belong to the ward
    Complaint.objects.filter(pk=unanswered.pk).update(due_on=month.replace(day=25))
    answer(Complaint.objects.get(pk=unanswered.pk), ccast.handler, month.replace(day=24))
    Complaint.objects.filter(pk=late.pk).update(unit=ward)
    changed = pn_svar_feed(period=period)

    # then the ward's point changes and the orthopaedic ward's is gone
    assert changed == {"created": 0, "updated": 1, "unchanged": 0, "removed": 1}
    assert pn_svar(ward) == [(month, 3, 4)]
    assert pn_svar(orto) == []


def test_a_hand_entered_point_of_another_key_is_left_alone(ccast, tree, cast):
    # given a yearly figure entered by hand for the region and a month fed from the cases
    from indicators.models import IndicatorDefinition
    from indicators.services import measurement_save

    year = timezone.localdate().year - 1
    indicator = IndicatorDefinition.objects.get(code="PN-SVAR")
    measurement_save(
        actor=cast.safety_officer,
        indicator=indicator,
        unit=tree.region,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        numerator="50",
        denominator="100",
    )
    answer(board_case(ccast, tree.medicin_ward, dt.date(year, 3, 10)), ccast.handler, dt.date(year, 3, 1))

    # when
    counts = pn_svar_feed(year=year)

    # then
    assert counts["created"] == 1
    assert pn_svar(tree.region) == [(dt.date(year, 1, 1), 50, 100)]
    assert pn_svar(tree.medicin_ward) == [(dt.date(year, 3, 1), 1, 1)]


def test_answering_a_board_case_refreshes_the_year_on_commit(ccast, tree, django_capture_on_commit_callbacks):
    # given a nämnd's case due last month
    due = add_months(timezone.localdate().replace(day=1), -1).replace(day=20)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = board_case(ccast, tree.medicin_ward, due)
    assert pn_svar(tree.medicin_ward) == [(due.replace(day=1), 0, 1)]  # overdue, unanswered

    # when it is answered in time
    with django_capture_on_commit_callbacks(execute=True):
        answer(complaint, ccast.handler, due - dt.timedelta(days=1))

    # then
    assert pn_svar(tree.medicin_ward) == [(due.replace(day=1), 1, 1)]


def test_kronoberg_2024_reads_66_0_on_the_dashboard_and_in_the_api(client, api, cast, ccast, tree):
    # given 943 nämnd cases due in 2024 (622 answered by the date set), in two wards
    kronoberg = 943, 622
    Complaint.objects.bulk_create(
        _raw_cases(ccast, [tree.medicin_ward, tree.orto_ward], year=2024, total=kronoberg[0], in_time=kronoberg[1])
    )

    # when
    pn_svar_feed(year=2024)

    # then the dashboard of the region for the year 2024, as its users read it (in Swedish)
    client.force_login(cast.safety_officer)
    page = client.get(
        reverse("indicators:dashboard"), {"enhet": tree.region.pk, "period": "year", "datum": "2024-01-01"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    row = html[html.index("PN-SVAR") :]
    row = row[: row.index("</tr>")]
    assert "66,0 %" in row and "(622/943)" in row

    # and the API's series
    response = api(cast.viewer).get(
        "/api/v1/stats/indicators/PN-SVAR/",
        {"unit": tree.region.pk, "granularity": "year", "from": "2024-01-01", "to": "2024-12-31"},
    )
    assert response.status_code == 200
    [point] = response.json()
    assert (point["numerator"], point["denominator"], point["display_value"]) == ("622.0000", "943.0000", "66.0")
    assert point["target_met"] is False


def _raw_cases(ccast, units: list[OrgUnit], *, year: int, total: int, in_time: int) -> list[Complaint]:
    """Answered nämnd cases spread over the year; the first `in_time` on time, the rest a week
    late. Bulk rows: no reference counter, timeline or contact (not needed to count)."""
    base = fields(units[0])
    cases = []
    for number in range(total):
        due = dt.date(year, 1, 1) + dt.timedelta(days=number * 365 // total)
        answered = due - dt.timedelta(days=2) if number < in_time else due + dt.timedelta(days=7)
        cases.append(
            Complaint(
                reference=f"KL-{year}-T{number:05d}",
                status=Status.ANSWERED,
                channel="patient_board",
                complainant_type="patient",
                received_on=due - dt.timedelta(days=28),
                unit=units[number % len(units)],
                area=base["area"],
                summary="Svar till patientnämnden",
                description="–",
                board_unit=ccast.board,
                board_reference=f"PN-{year}-{number:04d}",
                due_on=due,
                answered_on=answered,
                answer_way="patient_board",
                created_by=ccast.board_officer,
            )
        )
    return cases


def test_the_nightly_task_feeds_this_year_and_the_last(settings, ccast, tree):
    from complaints import tasks

    due = dt.date(timezone.localdate().year - 1, 12, 20)
    answer(board_case(ccast, tree.medicin_ward, due), ccast.handler, due)

    assert settings.CELERY_BEAT_SCHEDULE["complaint-pn-svar"]["task"] == tasks.pn_svar_feed.name
    assert tasks.pn_svar_feed()["created"] == 1
    assert tasks.pn_svar_feed() == {"created": 0, "updated": 0, "unchanged": 1, "removed": 0}
