"""The incident statistics API: counts grouped by period and unit, the summary without names,
and clear 400s for bad parameters (the parsing the indicator series shares)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"granularity": "week"}, "granularity"),
        ({"from": "2025-13-01"}, "from"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "to"),
        ({"unit": "medicin"}, "unit"),
        ({"group_by": "period,patient"}, "group_by"),
        ({"group_by": "risk_level,category"}, "group_by"),
    ],
)
def test_bad_parameters_get_a_message_for_the_field(api, cast, query, field):
    response = api(cast.safety_officer).get("/api/v1/stats/incidents/", query)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_incident_counts_group_by_period_and_unit(api, cast, tree):
    report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.orto_ward)
    today = dt.date.today()

    response = api(cast.chief_physician).get(
        "/api/v1/stats/incidents/", {"unit": tree.akut.pk, "group_by": "unit", "granularity": "year"}
    )

    assert response.status_code == 200
    assert {(r["unit_name"], r["count"]) for r in response.json()} == {("Medicinkliniken", 2), ("Ortopedkliniken", 1)}
    by_year = api(cast.chief_physician).get("/api/v1/stats/incidents/", {"group_by": "period", "granularity": "year"})
    assert by_year.json() == [{"period_start": f"{today.year}-01-01", "period": str(today.year), "count": 3}]


def test_the_summary_counts_without_naming(api, cast, tree):
    report(cast.reporter, tree.medicin_ward, occurred_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=100))

    body = api(cast.viewer).get("/api/v1/stats/incidents/summary/").json()

    assert (body["reported"], body["late"], body["open_now"]) == (1, 1, 1)
    assert body["lead_times"]["closed"] == 0 and body["lead_times"]["close_median"] is None
