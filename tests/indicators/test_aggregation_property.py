"""Property: for any split of the data over the units, a parent's value is the weighted
combination of its children's, Σ numerators / Σ denominators, in every period length;
and the drill-down's children add up to the parent.

Each example enters random measurements (random units of the medicine and orthopaedics
subtrees, months, numerators ≤ denominators, some marked invalid) in its own savepoint,
which is rolled back (pytest-django does not reset between Hypothesis examples)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import selectors, services
from indicators.periods import GRANULARITIES, bucket_start
from tests.indicators.conftest import indicator, measure, month

pytestmark = pytest.mark.django_db

UNITS = ("medicin", "medicin_ward", "orto", "orto_ward")
point = st.tuples(
    st.sampled_from(UNITS),
    st.integers(min_value=1, max_value=12),  # month of 2025
    st.integers(min_value=1, max_value=400),  # denominator
    st.floats(min_value=0, max_value=1),  # share compliant
    st.booleans(),  # invalid
)


class RollbackError(Exception):
    pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(point, min_size=1, max_size=25), granularity=st.sampled_from(GRANULARITIES))
def test_a_parent_is_the_weighted_combination_of_its_children(cast, tree, data, granularity):
    try:
        with transaction.atomic():
            _check(cast, tree, data, granularity)
            raise RollbackError
    except RollbackError:
        pass


def _check(cast, tree, data, granularity):
    so = cast.safety_officer
    expected: dict[dt.date, list[int]] = {}
    entered = set()
    for unit_name, number, denominator, share, invalid in data:
        key = (unit_name, number)
        if key in entered:  # one point per unit and month (a second would correct the first)
            continue
        entered.add(key)
        numerator = int(denominator * share)
        row = measure(so, "BHK", getattr(tree, unit_name), *month(2025, number), numerator, denominator)
        if invalid:
            services.measurement_invalidate(actor=so, measurement=row, reason="Ogiltig mätning.")
            continue
        bucket = bucket_start(dt.date(2025, number, 1), granularity)
        sums = expected.setdefault(bucket, [0, 0])
        sums[0] += numerator
        sums[1] += denominator
    bhk = indicator("BHK")

    points = selectors.series(bhk, tree.akut, granularity, dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    for p in points:
        if p.period_start in expected:
            numerator, denominator = expected[p.period_start]
            assert (p.numerator, p.denominator) == (numerator, denominator)
            assert p.value == Decimal(numerator) * 100 / Decimal(denominator)
        else:
            assert p.value is None
        # The drill-down's children add up to the parent.
        kids = selectors.children(bhk, tree.akut, granularity, p.period_start)
        assert sum(k.numerator or 0 for k in kids) == (p.numerator or 0)
        assert sum(k.denominator or 0 for k in kids) == (p.denominator or 0)
