"""Aggregation with hand-computed expectations (DOMAIN.md's rules): weighted subtree sums,
roll-up to quarters, tertials, half-years and years, rolling 12 months, invalid points left
out, year boundaries, method changes, targets and trends judged on exact values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from indicators import selectors, services
from indicators.selectors import overview, rounded, series
from tests.indicators.conftest import indicator, measure, month, values

pytestmark = pytest.mark.django_db


@pytest.fixture
def so(cast):
    return cast.safety_officer


def test_a_parent_sums_numerators_and_denominators_and_never_averages_percentages(so, tree):
    # given: a small ward with 9 of 10 compliant (90 %) and a big one with 60 of 100 (60 %)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 9, 10)
    measure(so, "BHK", tree.orto_ward, *month(2025, 3), 60, 100)

    # when
    points = series(indicator("BHK"), tree.akut, "month", dt.date(2025, 3, 1), dt.date(2025, 3, 31))

    # then: 69 / 110 = 62.727… %, not (90 + 60) / 2 = 75 %
    assert points[0].numerator == 69 and points[0].denominator == 110
    assert points[0].display == Decimal("62.7")
    assert points[0].target_met is False


def test_months_roll_up_to_quarters_tertials_half_years_and_years(so, tree):
    for number, (num, den) in enumerate([(1, 10), (2, 10), (3, 10), (4, 10), (5, 10), (6, 10)], start=1):
        measure(so, "VRI", tree.medicin_ward, *month(2025, number), num, den)
    ind = indicator("VRI")
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)

    assert values(series(ind, tree.medicin, "quarter", start, end)) == [Decimal("20.0"), Decimal("50.0"), None, None]
    # T1 = Jan–Apr: 10/40 = 25 %; T2 = May–Aug: 11/20 = 55 %
    assert values(series(ind, tree.medicin, "tertial", start, end)) == [Decimal("25.0"), Decimal("55.0"), None]
    assert values(series(ind, tree.medicin, "half_year", start, end)) == [Decimal("35.0"), None]
    assert values(series(ind, tree.medicin, "year", start, end)) == [Decimal("35.0")]
    assert [p.label for p in series(ind, tree.medicin, "tertial", start, end)] == ["2025 T1", "2025 T2", "2025 T3"]


def test_a_year_boundary_splits_december_from_january(so, tree):
    measure(so, "VRI", tree.medicin_ward, *month(2024, 12), 1, 4)
    measure(so, "VRI", tree.medicin_ward, *month(2025, 1), 3, 4)

    points = series(indicator("VRI"), tree.medicin, "year", dt.date(2024, 1, 1), dt.date(2025, 12, 31))

    assert values(points) == [Decimal("25.0"), Decimal("75.0")]


def test_a_rolling_indicator_covers_the_twelve_months_ending_with_each_period(so, tree):
    # MJG: 15 records a month; one injury in each of the first 12 months of 2025, none after
    for number in range(1, 13):
        measure(so, "MJG", tree.medicin_ward, *month(2025, number), 1, 15)
    for number in range(1, 4):
        measure(so, "MJG", tree.medicin_ward, *month(2026, number), 0, 15)
    ind = indicator("MJG")

    points = series(ind, tree.medicin, "month", dt.date(2025, 11, 1), dt.date(2026, 3, 31))

    # Nov 2025: 11 months of data (11/165); Dec: 12/180; Jan 2026: 11/180; Feb 10/180; Mar 9/180
    assert [(p.numerator, p.denominator) for p in points] == [(11, 165), (12, 180), (11, 180), (10, 180), (9, 180)]
    assert values(points) == [Decimal("6.7"), Decimal("6.7"), Decimal("6.1"), Decimal("5.6"), Decimal("5.0")]
    # A rolling quarter is the twelve months ending with the quarter.
    quarter = series(ind, tree.medicin, "quarter", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (quarter[0].numerator, quarter[0].denominator) == (9, 180)


def test_an_invalid_point_is_left_out_of_every_aggregate(so, tree):
    good = measure(so, "TRYCK-24", tree.medicin_ward, dt.date(2025, 3, 12), None, 2, 40)
    bad = measure(so, "TRYCK-24", tree.orto_ward, dt.date(2025, 3, 12), None, 9, 10)
    services.measurement_invalidate(actor=so, measurement=bad, reason="Endast tio patienter undersöktes.")

    points = series(indicator("TRYCK-24"), tree.region, "month", dt.date(2025, 3, 1), dt.date(2025, 3, 31))

    assert (points[0].numerator, points[0].denominator, points[0].points) == (2, 40, 1)
    assert points[0].display == Decimal("5.0")
    bad.refresh_from_db()
    assert (bad.is_valid, bad.invalid_reason) == (False, "Endast tio patienter undersöktes.")
    assert good.is_valid


def test_a_method_change_is_marked_and_two_methods_are_never_added(so, tree):
    ind = indicator("VRI")
    measure(so, "VRI", tree.medicin_ward, *month(2023, 10), 4, 100)  # SKR PPM (in use then)
    measure(so, "VRI", tree.medicin_ward, *month(2024, 1), 5, 100)  # Infektionsverktyget from 2024
    measure(so, "VRI", tree.orto_ward, *month(2024, 1), 30, 100, method="skr-ppm")  # a last PPM, in parallel

    points = series(ind, tree.region, "quarter", dt.date(2023, 10, 1), dt.date(2024, 3, 31))

    assert [p.method for p in points] == ["skr-ppm", "ecdc-pps"]
    assert [p.method_changed for p in points] == [False, True]
    assert (points[1].numerator, points[1].denominator) == (5, 100)  # the newer method only


def test_targets_and_trends_use_the_exact_value_and_rounding_only_for_display(so, tree):
    # 899 / 1000 = 89.9 % and 8995 / 10000 = 89.95 %: below the ≥ 90 % target though it shows 90.0
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 899, 1000)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 9), 8995, 10000)

    points = series(indicator("BHK"), tree.medicin, "half_year", dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    assert [p.display for p in points] == [Decimal("89.9"), Decimal("90.0")]
    assert [p.target_met for p in points] == [False, False]
    assert points[1].trend == "better" and points[1].movement == "up"
    assert rounded(Decimal("74.05")) == Decimal("74.1")  # half up, not to even


def test_lower_is_better_and_decrease_targets_compare_with_the_previous_period(so, tree):
    measure(so, "UTLOK", tree.medicin_ward, *month(2025, 1), 12, 1000)
    measure(so, "UTLOK", tree.medicin_ward, *month(2025, 2), 11, 1000)
    measure(so, "UTLOK", tree.medicin_ward, *month(2025, 3), 11, 1000)

    points = series(indicator("UTLOK"), tree.medicin, "month", dt.date(2025, 1, 1), dt.date(2025, 3, 31))

    assert values(points) == [Decimal("1.2"), Decimal("1.1"), Decimal("1.1")]
    assert [p.target_met for p in points] == [None, True, False]
    assert [p.trend for p in points] == [None, "better", "unchanged"]


def test_a_range_target_is_met_inside_it_and_closer_is_better(so, tree):
    measure(so, "BELAGG", tree.medicin_ward, *month(2025, 1), 94, 100)
    measure(so, "BELAGG", tree.medicin_ward, *month(2025, 2), 92, 100)
    measure(so, "BELAGG", tree.medicin_ward, *month(2025, 3), 88, 100)

    points = series(indicator("BELAGG"), tree.medicin, "month", dt.date(2025, 1, 1), dt.date(2025, 3, 31))

    assert [p.target_met for p in points] == [False, False, True]
    assert [p.trend for p in points] == [None, "better", "better"]


def test_a_count_sums_numerators_and_a_rate_uses_its_multiplier(so, tree):
    measure(so, "ANTIB", tree.medicin, dt.date(2025, 1, 1), dt.date(2025, 12, 31), 268, 1000)

    point = series(indicator("ANTIB"), tree.region, "year", dt.date(2025, 1, 1), dt.date(2025, 12, 31))[0]

    assert point.value == Decimal(268)  # per 1 000 inhabitants
    assert point.target_met is False  # target ≤ 250


def test_the_overview_gives_the_period_the_one_before_and_the_year_before(so, tree, django_assert_max_num_queries):
    measure(so, "BHK", tree.medicin_ward, *month(2024, 3), 70, 100)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 1), 80, 100)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 95, 100)
    indicators = list(selectors.IndicatorDefinition.objects.prefetch_related("methods"))

    with django_assert_max_num_queries(2):
        rows = overview(tree.region, "month", dt.date(2025, 3, 15), indicators)

    row = next(r for r in rows if r.indicator.code == "BHK")
    assert (row.current.display, row.previous.value, row.previous_year.display) == (
        Decimal("95.0"),
        None,
        Decimal("70.0"),
    )
    assert row.status == "met"


def test_the_drill_down_gives_each_child_with_its_subtree(so, tree):
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 9, 10)
    measure(so, "BHK", tree.orto_ward, *month(2025, 3), 60, 100)
    measure(so, "BHK", tree.akut, *month(2025, 3), 1, 2)  # entered on the area itself

    rows = selectors.children(indicator("BHK"), tree.akut, "month", dt.date(2025, 3, 1))

    assert {row.unit.name: (row.numerator, row.denominator) for row in rows} == {
        "Medicinkliniken": (9, 10),
        "Ortopedkliniken": (60, 100),
        "Akutsjukvård": (1, 2),
    }
