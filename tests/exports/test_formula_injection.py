"""Spreadsheet formula injection (issue 15, item 11): every text cell of every export passes
one function, `psweb.exports.formula_safe`. A name such as `=HYPERLINK("x")` comes out as
text in the indicator dashboard, the board table and the statistics, in CSV and in XLSX (where
openpyxl would otherwise store it as a formula), and in the work queue's CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import OrgUnit
from indicators.models import IndicatorDefinition
from psweb.exports import csv_response, formula_safe
from tests.incidents.conftest import report
from tests.indicators.conftest import measure, month

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("x")'


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx_cells(response) -> list:
    """Every non-empty cell of the first sheet (openpyxl's cells: value and data type)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _hostile_indicator(code: str) -> None:
    IndicatorDefinition.objects.filter(code=code).update(name=HOSTILE)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_it_escapes_each_character_that_starts_a_formula(start):
    assert formula_safe(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("text", ["Medicinkliniken", "1+1", "", "a=b", " =1"])
def test_it_leaves_other_text_alone(text):
    assert formula_safe(text) == text


def test_it_leaves_numbers_as_numbers():
    response = csv_response("figures", ["n"], [[-5], [Decimal("-1.5")], [-0.25], ["-5"]])

    rows = _csv(response)

    assert [row[0] for row in rows[1:]] == ["-5", "-1,5", "-0,25", "'-5"]


def test_the_indicator_dashboard_exports_a_hostile_name_as_text(login, cast, tree):
    measure(cast.safety_officer, "BHK", tree.medicin_ward, *month(2025, 3), 741, 1000)
    _hostile_indicator("BHK")
    client = login(cast.manager)
    query = {"enhet": tree.medicin.pk, "period": "quarter", "datum": "2025-01-01"}

    rows = _csv(client.get(reverse("indicators:dashboard"), {**query, "format": "csv"}))
    cells = _xlsx_cells(client.get(reverse("indicators:dashboard"), {**query, "format": "xlsx"}))

    assert next(row for row in rows if row[0] == "BHK")[1] == f"'{HOSTILE}"
    named = [cell for cell in cells if HOSTILE in str(cell.value)]
    assert [(cell.value, cell.data_type) for cell in named] == [(f"'{HOSTILE}", "s")]


def test_the_board_table_exports_a_hostile_name_as_text(login, cast, tree):
    measure(cast.safety_officer, "VRI", tree.medicin_ward, dt.date(2025, 1, 1), dt.date(2025, 12, 31), 37, 1000)
    _hostile_indicator("VRI")
    client = login(cast.viewer)
    query = {"enhet": tree.region.pk, "ar": 2025}

    rows = _csv(client.get(reverse("indicators:board"), {**query, "format": "csv"}))
    cells = _xlsx_cells(client.get(reverse("indicators:board"), {**query, "format": "xlsx"}))

    assert [row[0] for row in rows if HOSTILE in row[0]] == [f"'{HOSTILE}"]
    assert [(cell.value, cell.data_type) for cell in cells if HOSTILE in str(cell.value)] == [(f"'{HOSTILE}", "s")]
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_the_statistics_export_a_hostile_unit_name_as_text(login, cast, tree):
    report(cast.reporter, tree.medicin_ward)
    OrgUnit.objects.filter(pk=tree.medicin.pk).update(name="@SUM(A1:A9)")
    client = login(cast.viewer)
    query = {"enhet": tree.akut.pk}

    rows = _csv(client.get(reverse("statistics:dashboard"), {**query, "format": "csv"}))
    cells = _xlsx_cells(client.get(reverse("statistics:dashboard"), {**query, "format": "xlsx"}))

    assert "'@SUM(A1:A9)" in [row[1] for row in rows]
    assert "@SUM(A1:A9)" not in [row[1] for row in rows]
    assert "'@SUM(A1:A9)" in [cell.value for cell in cells]
    assert not [cell for cell in cells if cell.data_type == "f"]


def test_the_work_queue_export_escapes_with_the_same_function(login, cast, tree):
    report(cast.reporter, tree.medicin_ward)
    OrgUnit.objects.filter(pk=tree.medicin_ward.pk).update(name="-1+2")

    rows = _csv(login(cast.handler).get(reverse("incidents:queue-export")))

    assert "'-1+2" in rows[1]
