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
