"""The indicator API: bulk upsert of measurements (all or nothing, every row's error) and the
series endpoint with hand-computed values. (The incident counts and summary, and the 400s for
bad statistics parameters: tests/incident_stats/test_api.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from indicators.models import Measurement
from tests.indicators.conftest import measure, month

pytestmark = pytest.mark.django_db

MEASUREMENTS = "/api/v1/measurements/"


def row(unit, start="2025-03-01", end="2025-03-31", numerator="74", denominator="100", **extra):
    return {
        "indicator": "BHK",
        "unit": str(unit.pk),
        "period_start": start,
        "period_end": end,
        "numerator": numerator,
        "denominator": denominator,
        **extra,
    }


def test_a_measurement_owner_upserts_a_list_and_the_same_list_again_changes_nothing(api, cast, tree):
    client = api(cast.indicator_editor)
    rows = [row(tree.medicin_ward), row(tree.medicin, numerator="72,5")]

    first = client.post(MEASUREMENTS, rows, format="json")
    again = client.post(MEASUREMENTS, rows, format="json")
    changed = client.post(MEASUREMENTS, [row(tree.medicin_ward, numerator="80")], format="json")

    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Measurement.objects.get(unit=tree.medicin_ward).value == 80


def test_a_list_with_errors_saves_nothing_and_names_every_row(api, cast, tree):
    rows = [
        row(tree.medicin_ward),
        row(tree.orto_ward),  # outside Medicinkliniken
        row(tree.medicin_ward, start="2025-02-30"),
        {"indicator": "BHK"},
    ]

    response = api(cast.indicator_editor).post(MEASUREMENTS, rows, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {(e["row"], e["field"]) for e in body["rows"]} >= {(4, "unit"), (4, "period_start"), (4, "numerator")}
    assert not Measurement.objects.exists()
    shape_ok = api(cast.indicator_editor).post(MEASUREMENTS, rows[:3], format="json").json()
    assert [(e["row"], e["field"]) for e in shape_ok["rows"]] == [(2, "unit"), (3, "period_start")]
    assert not Measurement.objects.exists()


def test_a_body_that_is_not_a_list_is_refused(api, cast):
    response = api(cast.indicator_editor).post(MEASUREMENTS, {"indicator": "BHK"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": [{"code": "invalid", "message": "Send a list of measurements."}]
    }


def test_the_series_sums_the_subtree_and_judges_the_target(api, cast, tree):
    so = cast.safety_officer
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 9, 10)
    measure(so, "BHK", tree.orto_ward, *month(2025, 3), 60, 100)
    measure(so, "BHK", tree.orto_ward, *month(2025, 9), 95, 100)

    response = api(cast.viewer).get(
        "/api/v1/stats/indicators/BHK/",
        {"unit": tree.akut.pk, "granularity": "half_year", "from": "2025-01-01", "to": "2025-12-31"},
    )

    assert response.status_code == 200
    points = response.json()
    assert [(p["period"], p["numerator"], p["denominator"]) for p in points] == [
        ("2025 H1", "69.0000", "110.0000"),
        ("2025 H2", "95.0000", "100.0000"),
    ]
    assert [p["display_value"] for p in points] == ["62.7", "95.0"]
    assert [p["target_met"] for p in points] == [False, True]
    assert points[1]["trend"] == "better"
    assert points[0]["target"] == "≥ 90 %"


def test_measurements_list_filters_by_indicator_unit_and_dates(api, cast, tree):
    so = cast.safety_officer
    measure(so, "BHK", tree.medicin_ward, *month(2025, 3), 9, 10)
    measure(so, "VRI", tree.medicin_ward, *month(2025, 3), 1, 10)
    measure(so, "BHK", tree.medicin_ward, *month(2025, 9), 9, 10)

    response = api(cast.indicator_editor).get(MEASUREMENTS, {"indicator": "bhk", "from": "2025-06-01"})

    assert [(m["indicator"], m["period_start"]) for m in response.json()["results"]] == [("BHK", "2025-09-01")]
    assert Decimal(response.json()["results"][0]["value"]) == 90
