"""The incident statistics page as its users see it: counts by unit with links to the cases
only for those who may see them, no text from the reports, the exports, and a number of
queries that does not grow with the incidents."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.incidents.conftest import report

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_statistics_page_counts_and_links_to_cases_only_for_those_who_see_them(login, cast, tree):
    for _ in range(3):
        report(cast.reporter, tree.medicin_ward)
    report(cast.reporter, tree.orto_ward)

    handler_page = (
        login(cast.chief_physician).get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk}).content.decode()
    )
    viewer_page = login(cast.viewer).get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk}).content.decode()

    for page in (handler_page, viewer_page):
        assert "Medicinkliniken" in page and "Ortopedkliniken" in page
    assert reverse("incidents:queue") in handler_page
    assert reverse("incidents:queue") not in viewer_page
    assert "Patienten fick fel dos" not in viewer_page  # no text from the reports


def test_the_statistics_page_exports_csv_and_xlsx(login, cast, tree):
    for _ in range(2):
        report(cast.reporter, tree.medicin_ward)
    client = login(cast.viewer)

    rows = _csv(client.get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk, "format": "csv"}))
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk, "format": "xlsx"}).content)
    )

    assert ["Enhet", "Medicinkliniken", "2"] in rows
    assert any(
        row[:2] == ("Händelseklass", "Negativ händelse – skada eller vårdskada")
        for row in workbook.active.iter_rows(values_only=True)
    )


def test_the_statistics_page_queries_do_not_grow_with_the_incidents(login, cast, tree):
    client = login(cast.chief_physician)
    report(cast.reporter, tree.medicin_ward)
    client.get(reverse("statistics:dashboard"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("statistics:dashboard"))
    for unit in (tree.orto_ward, tree.medicin_ward, tree.hemsjukvard):
        for _ in range(3):
            report(cast.reporter, unit)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("statistics:dashboard"))

    assert len(many) == len(few)


def test_risk_levels_are_listed_from_low_to_very_high_not_alphabetically(login, cast, tree):
    from incidents.models import Incident

    # given: one incident per level (scores 2, 4, 8, 16) and one not assessed
    for probability, consequence in ((4, 4), (2, 4), (1, 2), (2, 2), (None, None)):
        incident = report(cast.reporter, tree.medicin_ward)
        Incident.objects.filter(pk=incident.pk).update(risk_probability=probability, risk_consequence=consequence)

    # when
    page = login(cast.viewer).get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk}).content.decode()

    # then
    table = page[page.index('id="risk-title"') :]
    table = table[: table.index("</table>")]
    levels = [name for name in ("Låg", "Måttlig", "Hög", "Mycket hög", "Inte bedömd") if f">{name}</th>" in table]
    assert levels == ["Låg", "Måttlig", "Hög", "Mycket hög", "Inte bedömd"]
    assert sorted(levels, key=lambda name: table.index(f">{name}</th>")) == levels


def test_the_charts_have_a_swedish_description_without_nan(login, cast, tree):
    for _ in range(3):
        report(cast.reporter, tree.medicin_ward)

    page = login(cast.viewer).get(reverse("statistics:dashboard"), {"enhet": tree.akut.pk}).content.decode()

    assert "NaN" not in page
    for chart in ("chart-volume", "chart-categories", "chart-classes"):
        assert f'aria-describedby="{chart}-description"' in page
    volume = page[page.index('id="chart-volume-description"') :]
    volume = volume[: volume.index("</p>")]
    assert volume.startswith('id="chart-volume-description">Linjediagram: Rapporterade per månad')
    assert "högst 3" in volume and "senast" in volume
    categories = page[page.index('id="chart-categories-description"') :]
    assert categories[: categories.index("</p>")].count("Stapeldiagram") == 1
