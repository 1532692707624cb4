"""PN-SVAR is not typed in where psweb computes it (no double entry, issue 17): from the month
of the first nämnd case's due date the measurement service and the import refuse it with the
reason; earlier periods stay open, and so do the other indicators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from indicators import services as indicator_services
from indicators.models import IndicatorDefinition
from tests.complaints.conftest import from_board

pytestmark = pytest.mark.django_db


def _save(cast, unit, code, start):
    with translation.override("en"):
        return _check(cast, unit, code, start)


def _check(cast, unit, code, start):
    return indicator_services.check_measurement(
        actor=cast.safety_officer,
        indicator=IndicatorDefinition.objects.get(code=code),
        unit=unit,
        period_start=start,
        period_end=start + dt.timedelta(days=27),
        numerator="6",
        denominator="10",
    )


def test_hand_entry_closes_where_the_feed_begins(cast, ccast, tree):
    month = timezone.localdate().replace(day=1)
    earlier = (month - dt.timedelta(days=40)).replace(day=1)
    checked, errors = _save(cast, tree.medicin, "PN-SVAR", month)
    assert checked is not None and not errors  # no nämnd case yet: open
    from_board(ccast, tree.medicin_ward, due_in_days=0)
    checked, errors = _save(cast, tree.medicin, "PN-SVAR", month)
    assert checked is None
    assert "computed by psweb" in errors["indicator"]
    assert _save(cast, tree.medicin, "PN-SVAR", earlier)[0] is not None
    assert _save(cast, tree.medicin, "KAD", month)[0] is not None


def test_the_import_refuses_it_row_by_row(cast, ccast, tree):
    from_board(ccast, tree.medicin_ward, due_in_days=0)
    start = timezone.localdate().replace(day=1).isoformat()
    rows = [
        (
            2,
            {
                "indicator": "PN-SVAR",
                "unit": str(tree.medicin.pk),
                "period_start": start,
                "numerator": "5",
                "denominator": "9",
            },
        ),
        (
            3,
            {
                "indicator": "KAD",
                "unit": str(tree.medicin.pk),
                "period_start": start,
                "numerator": "5",
                "denominator": "9",
            },
        ),
    ]
    checked, errors = indicator_services.check_rows(actor=cast.safety_officer, rows=rows)
    assert [row.indicator.code for row in checked] == ["KAD"]
    assert [error.row for error in errors] == [2]
