"""Demo complaints from `seed_demo`: last year reads like Kronoberg's 2024 figures (two thirds
answered in time, vård och behandling and kommunikation on top, 1177's e-service the main
channel of direct complaints), PN-SVAR is computed from the cases, the bulk rows keep the
services' invariants, and a second run creates nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, OrgUnit
from accounts.roles import Role
from complaints.models import (
    NOT_COUNTED,
    Channel,
    Complaint,
    ComplaintIncident,
    ExternalCase,
    ReferenceCounter,
    TimelineEntry,
)
from indicators import selectors
from indicators.models import IndicatorDefinition

pytestmark = pytest.mark.django_db

INCIDENTS = 320


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", incidents=INCIDENTS, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(settings) -> str:
    settings.DEBUG = True
    return seed()


def test_the_demo_complaints_read_like_a_real_year(demo):
    # given the demo (seeded once: it takes a few seconds)
    year = timezone.localdate().year - 1
    last_year = Complaint.objects.filter(received_on__year=year)
    _the_year_has_kronobergs_shape(last_year)
    _pn_svar_is_computed_from_the_cases(year)
    _the_bulk_rows_keep_the_services_invariants(last_year, year)
    _there_is_work_waiting_and_people_to_do_it()

    # when seeded again
    again = seed()

    # then nothing is new
    assert "0 new complaints" in again
    assert Complaint.objects.filter(received_on__year=year).count() == last_year.count()


def _the_year_has_kronobergs_shape(last_year):
    assert 900 <= last_year.count() <= 950
    counted = last_year.exclude(status__in=NOT_COUNTED).filter(answered_on__isnull=False)
    in_time = sum(1 for answered, due in counted.values_list("answered_on", "due_on") if answered <= due)
    assert 0.60 <= in_time / counted.count() <= 0.72
    areas = [row["area"] for row in last_year.values("area").annotate(n=Count("pk")).order_by("-n")]
    assert areas[:2] == ["care", "communication"]
    assert set(areas[2:4]) == {"accessibility", "responsibility"}
    direct = Counter(last_year.filter(board_unit__isnull=True).values_list("channel", flat=True))
    assert direct.most_common(1)[0][0] == Channel.E_SERVICE
    assert 0.2 <= last_year.filter(board_unit__isnull=False).count() / last_year.count() <= 0.4


def _pn_svar_is_computed_from_the_cases(year):
    region = OrgUnit.objects.get(parent=None, name="Region Västmanland")
    indicator = IndicatorDefinition.objects.prefetch_related("methods").get(code="PN-SVAR")
    [point] = selectors.series(indicator, region, "year", dt.date(year, 1, 1), dt.date(year, 12, 31))
    board_cases = Complaint.objects.filter(board_unit__isnull=False, due_on__year=year).exclude(status__in=NOT_COUNTED)
    answered = board_cases.filter(answered_on__isnull=False)
    assert point.denominator >= answered.count()
    assert point.numerator == sum(1 for a, d in answered.values_list("answered_on", "due_on") if a <= d)
    assert Decimal(60) <= point.value <= Decimal(72)


def _the_bulk_rows_keep_the_services_invariants(last_year, year):
    assert ReferenceCounter.objects.get(year=year).last >= last_year.count()
    assert not last_year.filter(contact__isnull=True).exists()
    assert not last_year.exclude(units__isnull=False).exists()
    received = TimelineEntry.objects.filter(case__in=last_year, kind="received").count()
    answered = TimelineEntry.objects.filter(case__in=last_year, kind="answered").count()
    assert received == last_year.count()
    assert answered == last_year.filter(answered_on__isnull=False).count()
    assert ComplaintIncident.objects.filter(complaint__in=last_year).count() >= 10
    kinds = set(ExternalCase.objects.values_list("kind", flat=True))
    assert kinds == {"ivo", "lof"}
    assert ExternalCase.objects.filter(kind="lof", amount__gt=0).exists()


def _there_is_work_waiting_and_people_to_do_it():
    today = timezone.localdate()
    assert Complaint.objects.overdue(today).exists()
    assert Complaint.objects.filter(paused_since__isnull=False).exists()
    assert Complaint.objects.filter(own_actions__isnull=False).exists()
    roles = set(
        Membership.objects.filter(user__username__in=["klagomal", "pn.handlaggare"]).values_list("role", flat=True)
    )
    assert roles == {Role.COMPLAINT_HANDLER, Role.PATIENT_BOARD}
    board = Membership.objects.get(user__username="pn.handlaggare").unit
    assert board.kind.code == "patientnamnd"
