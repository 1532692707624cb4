"""The hygiene observation's counts are the BHK indicator (issue 18, item 3): Västmanland 2023
(`../shared/seeds/000_…`) observed 847 people, 74,1 % compliant in all eight steps. Submitted
through egenkontroll, those counts are what the indicator dashboard shows, the measurement
names the round it came from, hand entry of BHK is closed from that period on, and a
response submitted again after a return corrects the same measurement."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from audits import services
from audits.examples import HYGIENE
from audits.feeds import source_of
from audits.models import Response
from indicators import services as indicator_services
from indicators.models import IndicatorDefinition, Measurement
from tests.audits.conftest import send

pytestmark = pytest.mark.django_db

# Västmanland's observations, split over the two wards: (observed, compliant in all steps).
SPLIT = {"medicin_ward": (500, 371), "orto_ward": (347, 257)}
OBSERVED, COMPLIANT = 847, 628


def last_month() -> tuple[dt.date, dt.date]:
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def observation_round(cast, tree):
    start, end = last_month()
    return send(
        cast.safety_officer,
        [tree.medicin_ward, tree.orto_ward],
        code=HYGIENE,
        title="Hygienobservation",
        period_start=start,
        period_end=end,
    )


def observe(response, actor, observed: int, all_steps: int) -> None:
    """Every step followed by most, all eight by `all_steps` of `observed`."""
    for statement in response.round.template_version.statements.all():
        compliant = all_steps if statement.key == "alla-steg" else observed - statement.position
        services.answer_save(
            response=response, actor=actor, statement=statement, fields={"observed": observed, "compliant": compliant}
        )


def submit_split(cast, tree, acast, round_) -> dict[str, Response]:
    managers = {"medicin_ward": acast.ward_manager, "orto_ward": cast.manager_orto}
    submitted = {}
    for name, (observed, all_steps) in SPLIT.items():
        response = Response.objects.get(round=round_, unit=getattr(tree, name))
        observe(response, managers[name], observed, all_steps)
        submitted[name] = services.submit(response=response, actor=managers[name])
    return submitted


def dashboard_bhk(client, tree, start: dt.date) -> tuple[str, list[str]]:
    query = {"enhet": tree.region.pk, "period": "month", "datum": start.isoformat()}
    page = client.get(reverse("indicators:dashboard"), query)
    assert page.status_code == 200
    exported = client.get(reverse("indicators:dashboard"), {**query, "format": "csv"}).content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff")), delimiter=";"))
    return page.content.decode(), next(row for row in rows if row[0] == "BHK")


def test_the_observations_are_what_the_dashboard_shows_for_bhk(cast, tree, acast, login):
    # given Västmanland's 847 observed, 628 compliant in all steps, submitted by the two wards
    round_ = observation_round(cast, tree)
    submit_split(cast, tree, acast, round_)

    # when the chief physician opens the region's indicator dashboard for the month
    page, row = dashboard_bhk(login(cast.chief_physician), tree, round_.period_start)

    # then BHK is 628 / 847 for the region
    expected = f"{Decimal(COMPLIANT) * 100 / Decimal(OBSERVED):.1f}".replace(".", ",")
    assert expected == "74,1"
    assert expected in page
    assert row[3:6] == [str(COMPLIANT), str(OBSERVED), expected]


def test_the_measurement_names_the_round_and_closes_hand_entry(cast, tree, acast):
    round_ = observation_round(cast, tree)
    submitted = submit_split(cast, tree, acast, round_)

    # each ward's point is the round's, entered by its submitter
    ward = submitted["medicin_ward"]
    point = Measurement.objects.get(indicator__code="BHK", unit=tree.medicin_ward)
    assert point.source == source_of(ward) and round_.reference in point.source
    assert (point.numerator, point.denominator) == (371, 500)
    assert (point.period_start, point.period_end) == (round_.period_start, round_.period_end)
    assert point.entered_by == acast.ward_manager
    steps = Measurement.objects.filter(unit=tree.medicin_ward, indicator__code__startswith="BHK-")
    assert steps.count() == 8

    # hand entry of BHK for that period is refused with the feed's reason; before it, open
    def hand_entry(start: dt.date):
        with translation.override("en"):
            return indicator_services.check_measurement(
                actor=cast.safety_officer,
                indicator=IndicatorDefinition.objects.get(code="BHK"),
                unit=tree.medicin,
                period_start=start,
                period_end=start + dt.timedelta(days=27),
                numerator="70",
                denominator="100",
            )

    checked, errors = hand_entry(round_.period_start)
    assert checked is None
    assert errors["indicator"] == (
        f"BHK is computed by psweb from the self-audit observation rounds from {round_.period_start.isoformat()}; "
        "it is not entered by hand."
    )
    earlier = (round_.period_start - dt.timedelta(days=1)).replace(day=1)
    assert hand_entry(earlier)[0] is not None


def test_submitted_again_after_a_return_the_same_measurement_is_corrected(cast, tree, acast, login):
    # given the medicine ward submitted too few compliant
    round_ = observation_round(cast, tree)
    submit_split(cast, tree, acast, round_)
    ward = Response.objects.get(round=round_, unit=tree.medicin_ward)
    services.return_for_changes(response=ward, actor=acast.ward_manager, reason="Räkna om: 360, inte 371.")
    first = Measurement.objects.get(indicator__code="BHK", unit=tree.medicin_ward)

    # when it is corrected and submitted again
    alla = ward.round.template_version.statements.get(key="alla-steg")
    services.answer_save(response=ward, actor=acast.nurse, statement=alla, fields={"observed": 500, "compliant": 360})
    services.submit(response=ward, actor=acast.ward_manager)

    # then the same point holds the new count, and the dashboard adds it up again
    [point] = Measurement.objects.filter(indicator__code="BHK", unit=tree.medicin_ward)
    assert point.pk == first.pk and point.numerator == 360
    assert Measurement.objects.filter(indicator__code="BHK").count() == 2
    _page, row = dashboard_bhk(login(cast.chief_physician), tree, round_.period_start)
    expected = f"{Decimal(360 + 257) * 100 / Decimal(OBSERVED):.1f}".replace(".", ",")
    assert row[3:6] == [str(360 + 257), str(OBSERVED), expected]
