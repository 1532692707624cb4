"""The run chart on an indicator's page (its data block, the Swedish text alternative and the
table of signals), the dashboard's default period, and whole numbers where patients are
counted."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Measurement
from indicators.periods import add_months, bucket_start, label
from tests.indicators.conftest import measure, month

pytestmark = pytest.mark.django_db


def _chart_data(page: str, element_id: str = "run-chart") -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    assert found, element_id
    return json.loads(found.group(1))


def test_the_run_chart_has_its_median_signals_and_a_swedish_description(login, cast, tree):
    # given: twelve months of BHK, the last six well above the first six (a shift)
    so = cast.safety_officer
    for number, observed in enumerate([70, 71, 69, 72, 70, 71, 88, 90, 89, 91, 90, 92], start=1):
        measure(so, "BHK", tree.medicin_ward, *month(2025, number), observed, 100)

    # when
    response = login(cast.manager).get(
        reverse("indicators:detail", args=["BHK"]),
        {"enhet": tree.medicin.pk, "period": "month", "fran": "2025-01-01", "till": "2025-12-31"},
    )

    # then
    page = response.content.decode()
    assert response.status_code == 200
    data = _chart_data(page)
    assert data["kind"] == "run"
    assert data["median"] == pytest.approx(80.0)
    assert data["series"][0]["values"][:2] == [70.0, 71.0]
    assert {data["signals"][str(i)] for i in range(6, 12)} == {"shift"}
    assert [span["rule"] for span in data["spans"]] == ["shift", "shift"]  # below, then above
    description = data["description"]
    assert "NaN" not in description and "NaN" not in page
    assert description.startswith("Seriediagram: Följsamhet till basala hygienrutiner")
    assert "Median 80." in description
    assert "Högst 92 (2025-12)" in description and "lägst 69 (2025-03)" in description
    assert "senast 92 (2025-12)" in description
    assert 'role="img"' in page and 'aria-describedby="run-chart-description"' in page
    assert 'id="run-chart-description"' in page
    signals = page[page.index('id="signals"') :]
    assert "Skift" in signals and "6 punkter i rad över medianen" in signals
    assert "2025-07–2025-12" in signals


def test_a_series_without_signals_says_so_and_a_period_without_data_is_no_nan(login, cast, tree):
    so = cast.safety_officer
    for number, observed in ((1, 70), (2, 75), (4, 72)):
        measure(so, "BHK", tree.medicin_ward, *month(2025, number), observed, 100)

    page = (
        login(cast.manager)
        .get(
            reverse("indicators:detail", args=["BHK"]),
            {"enhet": tree.medicin.pk, "period": "month", "fran": "2025-01-01", "till": "2025-06-30"},
        )
        .content.decode()
    )

    data = _chart_data(page)
    assert data["series"][0]["values"] == [70.0, 75.0, None, 72.0, None, None]
    assert "NaN" not in page
    assert "Inga signaler" in page
    assert "Antalet serier prövas från 10 punkter som inte ligger på medianen; här finns 2." in page


def test_a_method_change_is_a_vertical_line_and_keeps_the_point(login, cast, tree):
    so = cast.safety_officer
    measure(so, "VRI", tree.medicin_ward, dt.date(2025, 2, 15), None, 4, 100, method="skr-ppm")
    measure(so, "VRI", tree.medicin_ward, dt.date(2025, 5, 15), None, 3, 100, method="ecdc-pps")

    page = (
        login(cast.manager)
        .get(
            reverse("indicators:detail", args=["VRI"]),
            {"enhet": tree.medicin.pk, "period": "quarter", "fran": "2025-01-01", "till": "2025-12-31"},
        )
        .content.decode()
    )

    data = _chart_data(page)
    assert data["methodChanges"] == [1]
    assert data["series"][0]["values"][:2] == [4.0, 3.0]  # the point is still there
    assert "Metoden byttes 2025 K2." in data["description"]


# --- The dashboard's default period ----------------------------------------------------------------


def test_the_dashboard_opens_on_the_latest_period_most_indicators_were_measured(login, cast, tree):
    # given: demo-like data – most indicators measured two tertials ago, only MJG since
    today = timezone.localdate()
    last_complete = bucket_start(bucket_start(today, "tertial") - dt.timedelta(days=1), "tertial")
    measured = add_months(last_complete, -4)
    so = cast.safety_officer
    for code in ("BHK", "KAD", "INFART", "LMG75"):
        measure(so, code, tree.medicin_ward, measured, add_months(measured, 1) - dt.timedelta(days=1), 7, 10)
    measure(so, "MJG", tree.medicin_ward, last_complete, add_months(last_complete, 1) - dt.timedelta(days=1), 1, 15)

    # when
    response = login(cast.manager).get(reverse("indicators:dashboard"), {"enhet": tree.medicin.pk})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{measured.isoformat()}" selected>' in page
    assert f"{label(measured, 'tertial')} (hela enheten" in page
    mjg = page[page.index("(MJG)") :]
    mjg = mjg[: mjg.index("</tr>")]
    assert "ingen mätning" in mjg and "senast" not in mjg  # MJG's own value is later than the period


def test_an_indicator_without_a_value_in_the_period_shows_its_latest_with_the_period(login, cast, tree):
    so = cast.safety_officer
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 74, 100)
    measure(so, "KAD", tree.medicin_ward, dt.date(2025, 4, 1), dt.date(2025, 6, 30), 8, 10)

    page = (
        login(cast.manager)
        .get(reverse("indicators:dashboard"), {"enhet": tree.medicin.pk, "period": "quarter", "datum": "2025-04-01"})
        .content.decode()
    )

    bhk = page[page.index("(BHK)") :]
    bhk = bhk[: bhk.index("</tr>")]
    assert "ingen mätning" in bhk and "senast 74,0 (2025 K1) %" in bhk


def test_the_dashboard_without_any_measurement_opens_on_the_last_complete_period(login, cast, tree):
    today = timezone.localdate()
    last_complete = bucket_start(bucket_start(today, "tertial") - dt.timedelta(days=1), "tertial")

    page = login(cast.manager).get(reverse("indicators:dashboard"), {"enhet": tree.medicin.pk}).content.decode()

    assert f'<option value="{last_complete.isoformat()}" selected>' in page


# --- Whole numbers of patients ---------------------------------------------------------------------


def test_outlying_patients_are_counted_in_whole_days_and_shown_as_whole_numbers(login, cast, tree):
    # The demo's monthly figures for two clinics: patient-days over bed-days.
    so = cast.safety_officer
    for number in (1, 2, 3, 4):
        measure(so, "UTLOK", tree.medicin, *month(2025, number), 9, 28 * 30)
        measure(so, "UTLOK", tree.orto, *month(2025, number), 5, 24 * 30)

    page = (
        login(cast.chief_physician)
        .get(reverse("indicators:dashboard"), {"enhet": tree.akut.pk, "period": "tertial", "datum": "2025-01-01"})
        .content.decode()
    )

    row = page[page.index("(UTLOK)") :]
    row = row[: row.index("</tr>")]
    assert "(56/6240)" in row  # whole patient-days over whole bed-days, never "5,35/468"
    assert "0,9" in row  # 56 / 6240 × 100


def test_the_demo_counts_patients_and_days_in_whole_numbers():
    from devdata.demo.indicators import _rows

    rows = _rows(random.Random(2026), ["ward"], ["clinic"], "region")

    counted = [row for row in rows if row["indicator"] != "HSE"]  # HSE sums index values
    assert {row["indicator"] for row in counted} >= {"UTLOK", "OVERBEL", "VRI", "BHK"}
    for row in counted:
        for name in ("numerator", "denominator"):
            assert row[name] == "" or row[name].isdigit(), (row["indicator"], name, row[name])


def test_a_period_missing_only_a_few_indicators_is_still_the_default(cast, tree):
    from indicators.selectors import default_period

    # given: four indicators in T1 2025, three of them in T2 2025, one in T3 2025 (unfinished)
    today = dt.date(2025, 12, 7)
    so = cast.safety_officer
    for code in ("BHK", "KAD", "INFART", "LMG75"):
        measure(so, code, tree.medicin_ward, *month(2025, 3), 7, 10)
    for code in ("BHK", "KAD", "INFART"):
        measure(so, code, tree.medicin_ward, *month(2025, 6), 7, 10)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 11), 7, 10)

    # then: T2 (3 of the 4 seen) is enough; the unfinished T3 is never the default
    assert default_period(tree.medicin, "tertial", today) == dt.date(2025, 5, 1)

    # but a period with half of them is not
    Measurement.objects.filter(indicator__code="INFART", period_start=dt.date(2025, 6, 1)).delete()
    assert default_period(tree.medicin, "tertial", today) == dt.date(2025, 1, 1)
