"""The indicator pages as their users see them: entering and importing measurements, the
dashboard with targets and drill-down, the board table, the exports, marking a point invalid
and editing a target. (The incident statistics page: tests/incident_stats/test_pages.py.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from indicators.models import IndicatorDefinition, Measurement
from tests.indicators.conftest import measure, month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def swedish_dates():
    """Pages in Swedish (the default)."""


def _entry_url(unit, start="2025-03-01", end="2025-03-31") -> str:
    return f"{reverse('indicators:entry')}?enhet={unit.pk}&fran={start}&till={end}"


def test_a_measurement_owner_enters_a_unit_and_periods_measurements_in_one_form(login, cast, tree):
    client = login(cast.indicator_editor)
    form = client.get(_entry_url(tree.medicin_ward)).content.decode()
    assert 'name="BHK-numerator"' in form and 'name="BHK-3-denominator"' in form

    response = client.post(
        _entry_url(tree.medicin_ward),
        {"BHK-numerator": "74", "BHK-denominator": "100", "BHK-1-numerator": "81", "BHK-1-denominator": "100"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"{reverse('indicators:dashboard')}?enhet={tree.medicin_ward.pk}"
    assert "Sparat: 2 nya, 0 rättade, 0 oförändrade." in response.content.decode()
    assert {m.indicator.code: m.value for m in Measurement.objects.select_related("indicator")} == {
        "BHK": 74,
        "BHK-1": 81,
    }
    again = client.get(_entry_url(tree.medicin_ward)).content.decode()
    assert 'name="BHK-numerator" id="id_BHK-numerator" value="74"' in again


def test_bad_input_keeps_what_was_typed_saves_nothing_and_says_what_is_wrong(login, cast, tree):
    client = login(cast.indicator_editor)

    response = client.post(
        _entry_url(tree.medicin_ward),
        {"BHK-numerator": "74", "BHK-denominator": "100", "VRI-numerator": "120", "VRI-denominator": "100"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Täljaren kan inte vara större än nämnaren i en andel." in page
    assert 'value="120"' in page
    assert not Measurement.objects.exists()


def test_the_entry_form_offers_only_the_owners_units(login, cast, tree):
    client = login(cast.indicator_editor)
    page = client.get(reverse("indicators:entry")).content.decode()

    assert "Avdelning 5, medicin" in page
    assert "Avdelning 12, ortopedi" not in page
    assert client.get(_entry_url(tree.orto_ward)).status_code == 400


def test_an_import_is_previewed_then_committed_from_the_pages(login, cast, tree):
    client = login(cast.indicator_editor)
    content = (
        "indikator;enhet;period_fran;period_till;taljare;namnare\r\n"
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100\r\n"
        f"BHK;{tree.medicin_ward.pk};2025-09-01;2025-09-30;80;100\r\n"
    ).encode("utf-8-sig")

    uploaded = client.post(reverse("indicators:upload"), {"file": SimpleUploadedFile("bhk.csv", content)})
    preview = client.get(uploaded["Location"])

    assert "Importen lägger till 2 nya mätningar, rättar 0 och lämnar 0 oförändrade." in preview.content.decode()
    assert not Measurement.objects.exists()
    committed = client.post(uploaded["Location"], follow=True)
    assert "Importerat: 2 nya, 0 rättade, 0 oförändrade." in committed.content.decode()
    assert Measurement.objects.count() == 2


def test_an_import_with_errors_lists_them_by_row_and_saves_nothing(login, cast, tree):
    client = login(cast.indicator_editor)
    content = (
        "indikator;enhet;period_fran;period_till;taljare;namnare\r\n"
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100\r\n"
        f"BHK;{tree.orto_ward.pk};2025-03-01;2025-03-31;60;100\r\n"
    ).encode()

    uploaded = client.post(reverse("indicators:upload"), {"file": SimpleUploadedFile("bhk.csv", content)})
    preview = client.get(uploaded["Location"])

    assert preview.status_code == 400
    page = preview.content.decode()
    assert "Filen har 1 fel. Inget har sparats." in page
    assert "Du får inte importera mätningar för Avdelning 12, ortopedi." in page
    assert client.post(uploaded["Location"]).status_code == 400
    assert not Measurement.objects.exists()


def test_the_dashboard_shows_each_indicator_against_its_target(login, cast, tree):
    so = cast.safety_officer
    measure(so, "BHK", tree.medicin_ward, *month(2025, 1), 7, 10)
    measure(so, "BHK", tree.orto_ward, *month(2025, 2), 95, 100)

    response = login(cast.chief_physician).get(
        reverse("indicators:dashboard"), {"enhet": tree.akut.pk, "period": "tertial", "datum": "2025-01-01"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "92,7" in page  # (7 + 95) / (10 + 100), never the mean of 70 % and 95 %
    assert "Målet uppfyllt" in page  # the mean of 70 % and 95 % (82,5 %) would not have met it
    assert f"enhet={tree.medicin.pk}" in page  # drill-down to the clinic


def test_the_board_table_compares_the_year_with_the_year_before(login, cast, tree):
    so = cast.safety_officer
    measure(so, "VRI", tree.medicin_ward, dt.date(2024, 1, 1), dt.date(2024, 12, 31), 47, 1000)
    measure(so, "VRI", tree.medicin_ward, dt.date(2025, 1, 1), dt.date(2025, 12, 31), 37, 1000)

    response = login(cast.viewer).get(reverse("indicators:board"), {"enhet": tree.region.pk, "ar": 2025})

    rows = _csv(
        login(cast.viewer).get(reverse("indicators:board"), {"enhet": tree.region.pk, "ar": 2025, "format": "csv"})
    )
    vri = next(row for row in rows if row[0] == "Vårdrelaterade infektioner")
    assert vri[1:5] == ["4,7", "< 5 %", "3,7", "bättre"]
    assert response.status_code == 200


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_dashboard_exports_csv_and_xlsx(login, cast, tree):
    measure(cast.safety_officer, "BHK", tree.medicin_ward, *month(2025, 3), 741, 1000)
    client = login(cast.manager)
    query = {"enhet": tree.medicin.pk, "period": "quarter", "datum": "2025-01-01"}

    rows = _csv(client.get(reverse("indicators:dashboard"), {**query, "format": "csv"}))
    bhk = next(row for row in rows if row[0] == "BHK")
    assert bhk[2:6] == ["2025 K1", "741", "1000", "74,1"]

    workbook = load_workbook(
        io.BytesIO(client.get(reverse("indicators:dashboard"), {**query, "format": "xlsx"}).content)
    )
    values = [list(row) for row in workbook.active.iter_rows(values_only=True)]
    assert next(row for row in values if row[0] == "BHK")[5] == pytest.approx(74.1)


def test_a_point_marked_invalid_leaves_the_figures(login, cast, tree):
    row = measure(cast.safety_officer, "BHK", tree.medicin_ward, *month(2025, 3), 2, 10)
    client = login(cast.indicator_editor)

    client.post(reverse("indicators:invalidate", args=[row.pk]), {"reason": "Bara två observationer."})

    row.refresh_from_db()
    assert (row.is_valid, row.invalid_reason) == (False, "Bara två observationer.")


def test_the_safety_officer_changes_a_target(login, cast):
    indicator = IndicatorDefinition.objects.get(code="LMG75")
    data = {
        name: getattr(indicator, name)
        for name in (
            "name",
            "numerator_label",
            "denominator_label",
            "direction",
            "frequency",
            "rolling_months",
            "target_kind",
        )
    }
    data.update({"target_value": "65", "is_active": "on", "description": "", "source": "", "unit_label": "%"})

    response = login(cast.safety_officer).post(reverse("indicators:edit", args=["LMG75"]), data)

    assert response.status_code == 302
    assert IndicatorDefinition.objects.get(code="LMG75").target_value == Decimal(65)
