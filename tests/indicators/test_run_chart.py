"""The run chart's rules (indicators.run_chart) on hand-made series: each rule found where it
holds and not where it nearly holds, the points on the median, the runs test at the edges of
Perla, Provost & Murray's table, and no runs test under ten useful observations."""

from __future__ import annotations

from decimal import Decimal

from indicators.run_chart import ASTRONOMICAL, RUNS, SHIFT, TREND, analyse, count_runs, runs_limits, sides


def series(*values):
    return [(f"P{n}", value) for n, value in enumerate(values, start=1)]


def rules(analysis) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(s.rule, s.direction, s.points) for s in analysis.signals]


# --- The median and the runs ---------------------------------------------------------------------


def test_it_takes_the_median_of_the_points_with_a_value():
    analysis = analyse(series(1, None, 3, 2, None, 10))

    assert analysis.median == Decimal("2.5")
    assert (analysis.values, analysis.useful) == (4, 4)


def test_it_counts_runs_as_crossings_plus_one_leaving_out_points_on_the_median():
    # median 5: above, below, [on], below, above → sides + − − + → 3 runs
    observed = [(i, Decimal(v)) for i, v in enumerate([7, 3, 5, 4, 9])]

    side_list = sides(observed, Decimal(5))

    assert [s for _i, s in side_list] == [1, -1, -1, 1]
    assert count_runs(side_list) == 3
    assert analyse(series(7, 3, 5, 4, 9)).runs == 3


def test_an_empty_series_has_no_median_and_no_signal():
    analysis = analyse(series(None, None))

    assert analysis.median is None and analysis.signals == ()


# --- Shift ---------------------------------------------------------------------------------------


def test_six_points_on_one_side_of_the_median_are_a_shift():
    values = [1, 2, 1, 2, 1, 9, 8, 9, 8, 9, 8, 3]  # median 5,5: positions 5–10 above

    analysis = analyse(series(*values))

    assert (SHIFT, "above", (5, 6, 7, 8, 9, 10)) in rules(analysis)


def test_five_points_on_one_side_are_not_a_shift():
    values = [1, 9, 1, 9, 8, 9, 8, 9, 1, 2, 1, 2]  # positions 3–7 above: five

    assert not analyse(series(*values)).of_rule(SHIFT)


def test_a_point_on_the_median_neither_breaks_nor_counts_towards_a_shift():
    # median 5 (the 7th of 13 sorted); positions 0–2 and 4–6 below with 5 (on the median) between
    values = [1, 2, 3, 5, 1, 2, 3, 9, 9, 9, 9, 9, 5]

    analysis = analyse(series(*values))

    assert analysis.median == 5
    shift = analysis.of_rule(SHIFT)
    assert [(s.direction, s.points) for s in shift] == [("below", (0, 1, 2, 4, 5, 6))]


def test_five_points_and_one_on_the_median_are_not_a_shift():
    values = [1, 2, 5, 3, 1, 2, 9, 9, 9, 8, 9, 7, 5]  # below: 0,1,3,4,5 (five) with 2 on the median

    analysis = analyse(series(*values))

    assert analysis.median == 5
    assert not [s for s in analysis.of_rule(SHIFT) if s.direction == "below"]


# --- Trend ---------------------------------------------------------------------------------------


def test_five_rising_points_are_a_trend():
    analysis = analyse(series(5, 1, 2, 3, 4, 5, 2))

    assert (TREND, "up", (1, 2, 3, 4, 5)) in rules(analysis)


def test_five_falling_points_are_a_trend():
    analysis = analyse(series(1, 9, 8, 7, 6, 5, 8))

    assert (TREND, "down", (1, 2, 3, 4, 5)) in rules(analysis)


def test_four_rising_points_are_not_a_trend():
    assert not analyse(series(5, 1, 2, 3, 4, 2, 3)).of_rule(TREND)


def test_equal_neighbours_neither_break_nor_count_towards_a_trend():
    # 1, 2, 2, 3, 4: four different rising values – not a trend; one more makes it one.
    assert not analyse(series(1, 2, 2, 3, 4, 1)).of_rule(TREND)

    analysis = analyse(series(1, 2, 2, 3, 4, 5, 1))

    assert [(s.direction, s.points) for s in analysis.of_rule(TREND)] == [("up", (0, 1, 2, 3, 4, 5))]


def test_missing_periods_do_not_break_a_trend():
    analysis = analyse(series(1, None, 2, 3, None, 4, 5))

    assert [s.points for s in analysis.of_rule(TREND)] == [(0, 2, 3, 5, 6)]


# --- Too few or too many runs ------------------------------------------------------------------


def test_the_table_of_runs_is_perla_provost_and_murrays():
    assert runs_limits(9) is None
    assert [runs_limits(n) for n in (10, 11, 12, 13, 20, 25, 60)] == [
        (3, 9),
        (3, 10),
        (3, 11),
        (4, 11),
        (6, 16),
        (9, 18),
        (24, 38),
    ]
    assert runs_limits(80) == (33, 49)  # the normal approximation beyond the table


def _alternating(pattern: str) -> list[int]:
    """A series from a pattern of a (above: 9) and b (below: 1), the median between them."""
    return [9 if c == "a" else 1 for c in pattern]


def test_too_few_runs_is_a_signal_below_the_tables_lower_limit():
    # 10 useful observations, limits 3–9: aaaaabbbbb has 2 runs (and a shift, unavoidably)
    too_few = analyse(series(*_alternating("aaaabbbbba")))  # 3 runs: at the lower limit
    assert too_few.runs == 3 and not too_few.of_rule(RUNS)

    analysis = analyse(series(*_alternating("aaaaabbbbb")))

    assert analysis.runs == 2
    assert [(s.direction, len(s.points)) for s in analysis.of_rule(RUNS)] == [("too_few", 10)]


def test_too_many_runs_is_a_signal_above_the_tables_upper_limit():
    at_limit = analyse(series(*_alternating("ababababba")))  # 9 runs: at the upper limit
    assert at_limit.runs == 9 and not at_limit.of_rule(RUNS)

    analysis = analyse(series(*_alternating("abababababab")))  # 12 useful: limits 3–11

    assert analysis.runs == 12
    assert [s.direction for s in analysis.of_rule(RUNS)] == ["too_many"]


def test_there_is_no_runs_test_under_ten_useful_observations():
    # Eleven points, two on the median: nine useful, alternating – nine runs, but no test.
    analysis = analyse(series(*_alternating("ababababa"), 5, 5))

    assert (analysis.median, analysis.values, analysis.useful, analysis.runs) == (5, 11, 9, 9)
    assert analysis.runs_limits is None and not analysis.of_rule(RUNS)


# --- Astronomical points --------------------------------------------------------------------------


def test_a_value_far_outside_the_usual_variation_is_astronomical():
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 40, 11]

    analysis = analyse(series(*values))

    assert [(s.direction, s.points) for s in analysis.of_rule(ASTRONOMICAL)] == [("high", (10,))]
    low, high = analysis.limits
    assert low < 11 < high < 40


def test_a_change_of_level_is_a_shift_not_a_row_of_astronomical_points():
    analysis = analyse(series(70, 71, 69, 72, 70, 71, 88, 90, 89, 91, 90, 92))

    assert analysis.limits is not None and analysis.limits[1] < 89  # the high ones lie outside
    assert not analysis.of_rule(ASTRONOMICAL)
    assert [s.direction for s in analysis.of_rule(SHIFT)] == ["below", "above"]


def test_an_astronomical_point_may_be_the_first_or_the_last():
    values = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 11, 2]

    assert [(s.direction, s.points) for s in analyse(series(*values)).of_rule(ASTRONOMICAL)] == [("low", (11,))]


def test_ordinary_variation_has_no_astronomical_point():
    values = [10, 14, 9, 13, 11, 8, 12, 15, 10, 11, 13, 9]

    assert not analyse(series(*values)).of_rule(ASTRONOMICAL)


def test_under_ten_values_nothing_is_called_astronomical():
    analysis = analyse(series(10, 11, 10, 11, 10, 11, 10, 90))

    assert analysis.limits is None and not analysis.of_rule(ASTRONOMICAL)


def test_a_flat_series_has_a_median_and_no_signal():
    analysis = analyse(series(*([4] * 12)))

    assert (analysis.median, analysis.useful, analysis.signals) == (4, 0, ())
