"""The run chart (seriediagram) of Swedish improvement work: the points in time order, their
median, and the four rules that tell a signal (non-random variation) from ordinary variation,
as taught by IHI, SKR and Qulturum after Perla, Provost & Murray, "The run chart: a simple
analytical tool for learning from variation in healthcare processes", BMJ Quality & Safety
2011;20:46–51.

- **Shift**: six or more consecutive points on the same side of the median. A point on the
  median neither breaks nor counts towards a shift.
- **Trend**: five or more consecutive points all rising or all falling. Equal neighbours
  neither break nor count (the like points count once).
- **Too few or too many runs**: a run is a stretch of points on one side of the median
  (runs = crossings of the median + 1, points on the median left out). With 10–60 useful
  observations (those not on the median) the number of runs is compared with Table 1 of Perla
  et al. (2011), `RUNS_LIMITS` below; fewer runs than its lower limit or more than its upper
  limit is a signal. Beyond 60 the same limits come from the normal approximation to the
  runs distribution (mean n/2 + 1, variance n(n − 2)/(4(n − 1)), ± 1.96 standard deviations,
  rounded inwards), which gives the table's own values at 40–60. Under 10 useful observations
  there is no runs test.
- **Astronomical point**: Perla et al. leave this to judgement ("a data point that is
  obviously different"). Here, operationally, as in an XmR (I) chart: a value outside
  median ± 3 σ̂, where σ̂ = MR̄ / 1.128 and MR̄ is the mean moving range of consecutive values
  (d₂ = 1.128 for ranges of two). The median rather than the mean is the centre, so the
  limits sit around the line the chart shows and one extreme value does not pull the centre
  towards itself. Only a value standing alone counts: when its neighbour lies beyond the same
  limit too, the level has moved, which is a shift (or too few runs), not one odd value — and
  after a large change of level every point would otherwise lie outside limits drawn around
  the median of both levels. Needs at least 10 values, like the runs test: fewer moving
  ranges give limits too unsure to call anything astronomical.

Pure Python: `analyse` takes [(period, value)] (value None where a period has no data; those
are skipped, not zero) and returns the median, the runs and the signals, each naming the
positions in the given list it concerns.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

SHIFT_LENGTH = 6
TREND_LENGTH = 5
MIN_USEFUL_FOR_RUNS = 10
MIN_VALUES_FOR_ASTRONOMICAL = 10
D2 = Decimal("1.128")

# Perla, Provost & Murray (2011), Table 1: useful observations → (fewest, most) runs expected.
RUNS_LIMITS: dict[int, tuple[int, int]] = {
    10: (3, 9),
    11: (3, 10),
    12: (3, 11),
    13: (4, 11),
    14: (4, 12),
    15: (5, 12),
    16: (5, 13),
    17: (5, 13),
    18: (6, 14),
    19: (6, 15),
    20: (6, 16),
    21: (7, 16),
    22: (7, 17),
    23: (8, 17),
    24: (8, 18),
    25: (9, 18),
    26: (9, 19),
    27: (9, 20),
    28: (10, 20),
    29: (10, 21),
    30: (11, 21),
    31: (11, 22),
    32: (11, 23),
    33: (12, 23),
    34: (12, 24),
    35: (13, 24),
    36: (13, 25),
    37: (13, 26),
    38: (14, 26),
    39: (14, 27),
    40: (15, 27),
    41: (15, 28),
    42: (16, 28),
    43: (16, 29),
    44: (17, 29),
    45: (17, 30),
    46: (17, 31),
    47: (18, 31),
    48: (18, 32),
    49: (19, 32),
    50: (19, 33),
    51: (20, 33),
    52: (20, 34),
    53: (21, 34),
    54: (21, 35),
    55: (22, 35),
    56: (22, 36),
    57: (23, 36),
    58: (23, 37),
    59: (24, 37),
    60: (24, 38),
}

SHIFT, TREND, RUNS, ASTRONOMICAL = "shift", "trend", "runs", "astronomical"


@dataclass(frozen=True)
class Signal:
    """One finding. `points`: the positions (in the list given to `analyse`) that make it;
    `direction`: above/below (shift), up/down (trend), too_few/too_many (runs), high/low
    (astronomical)."""

    rule: str
    direction: str
    points: tuple[int, ...]

    @property
    def first(self) -> int:
        return self.points[0]

    @property
    def last(self) -> int:
        return self.points[-1]


@dataclass(frozen=True)
class Analysis:
    median: Decimal | None
    values: int  # points with a value
    useful: int  # of those, the points not on the median
    runs: int  # 0 without useful observations
    runs_limits: tuple[int, int] | None  # None: too few useful observations for the runs test
    limits: tuple[Decimal, Decimal] | None  # the astronomical limits, if computed
    signals: tuple[Signal, ...] = field(default_factory=tuple)

    def of_rule(self, rule: str) -> list[Signal]:
        return [signal for signal in self.signals if signal.rule == rule]


def _observed(series: Sequence[tuple[object, object]]) -> list[tuple[int, Decimal]]:
    return [(index, Decimal(str(value))) for index, (_period, value) in enumerate(series) if value is not None]


def median(values: Sequence[Decimal]) -> Decimal | None:
    return Decimal(str(statistics.median(values))) if values else None


def sides(observed: list[tuple[int, Decimal]], centre: Decimal) -> list[tuple[int, int]]:
    """(position, +1 above / −1 below) of the useful observations, in order."""
    return [(index, 1 if value > centre else -1) for index, value in observed if value != centre]


def count_runs(side_list: list[tuple[int, int]]) -> int:
    """Runs = crossings of the median + 1 (0 without useful observations)."""
    if not side_list:
        return 0
    return 1 + sum(1 for (_i, a), (_j, b) in itertools.pairwise(side_list) if a != b)


def runs_limits(useful: int) -> tuple[int, int] | None:
    """The fewest and most runs expected by chance for `useful` observations (see the module
    docstring); None under 10."""
    if useful < MIN_USEFUL_FOR_RUNS:
        return None
    if useful in RUNS_LIMITS:
        return RUNS_LIMITS[useful]
    mean = useful / 2 + 1
    sd = math.sqrt(useful * (useful - 2) / (4 * (useful - 1)))
    return math.ceil(mean - 1.96 * sd), math.floor(mean + 1.96 * sd)


def shifts(side_list: list[tuple[int, int]]) -> list[Signal]:
    out, stretch = [], []
    for index, side in [*side_list, (None, 0)]:
        if stretch and side != stretch[0][1]:
            if len(stretch) >= SHIFT_LENGTH:
                direction = "above" if stretch[0][1] > 0 else "below"
                out.append(Signal(SHIFT, direction, tuple(i for i, _s in stretch)))
            stretch = []
        if index is not None:
            stretch.append((index, side))
    return out


def trends(observed: list[tuple[int, Decimal]]) -> list[Signal]:
    """Maximal stretches of five or more points each higher (or each lower) than the one
    before; a point equal to the one before is kept in the stretch but not counted."""
    out: list[Signal] = []
    # Collapse equal neighbours: each group counts once; remember every position for display.
    groups: list[tuple[Decimal, list[int]]] = []
    for index, value in observed:
        if groups and groups[-1][0] == value:
            groups[-1][1].append(index)
        else:
            groups.append((value, [index]))
    start = 0
    while start < len(groups) - 1:
        rising = groups[start + 1][0] > groups[start][0]
        end = start + 1
        while end + 1 < len(groups) and (groups[end + 1][0] > groups[end][0]) == rising:
            end += 1
        if end - start + 1 >= TREND_LENGTH:
            points = tuple(i for _value, indices in groups[start : end + 1] for i in indices)
            out.append(Signal(TREND, "up" if rising else "down", points))
        start = end  # the turning point begins the next stretch
    return out


def astronomical(observed: list[tuple[int, Decimal]], centre: Decimal) -> tuple[tuple[Decimal, Decimal] | None, list]:
    if len(observed) < MIN_VALUES_FOR_ASTRONOMICAL:
        return None, []
    ranges = [abs(b - a) for (_i, a), (_j, b) in itertools.pairwise(observed)]
    sigma = (sum(ranges) / len(ranges)) / D2
    if sigma == 0:
        return None, []
    low, high = centre - 3 * sigma, centre + 3 * sigma
    side = [1 if value > high else -1 if value < low else 0 for _index, value in observed]
    signals = [
        Signal(ASTRONOMICAL, "high" if side[n] > 0 else "low", (index,))
        for n, (index, _value) in enumerate(observed)
        if side[n] and (n == 0 or side[n - 1] != side[n]) and (n + 1 == len(side) or side[n + 1] != side[n])
    ]
    return (low, high), signals


def analyse(series: Sequence[tuple[object, object]]) -> Analysis:
    """The median, the runs and every signal of `series` ([(period, value)], in time order)."""
    observed = _observed(series)
    centre = median([value for _i, value in observed])
    if centre is None:
        return Analysis(None, 0, 0, 0, None, None, ())
    side_list = sides(observed, centre)
    runs = count_runs(side_list)
    expected = runs_limits(len(side_list))
    signals: list[Signal] = [*shifts(side_list), *trends(observed)]
    if expected is not None and not expected[0] <= runs <= expected[1]:
        direction = "too_few" if runs < expected[0] else "too_many"
        signals.append(Signal(RUNS, direction, tuple(index for index, _side in side_list)))
    limits, outliers = astronomical(observed, centre)
    signals.extend(outliers)
    return Analysis(centre, len(observed), len(side_list), runs, expected, limits, tuple(signals))
