"""Importing measurements from CSV (as Swedish Excel saves it) and XLSX: a preview first,
every row's error with its row number, all or nothing, the same file twice changes nothing,
and a unit outside the importer's scope is refused."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from openpyxl import Workbook

from indicators import services
from indicators.models import Measurement
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "indikator;enhet;period_fran;period_till;taljare;namnare;metod;kommentar"


def csv_bytes(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode(encoding)


def good_csv(tree) -> bytes:
    return csv_bytes(
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100;;Vårmätning",
        f"BHK;{tree.medicin.pk};2025-09-01;2025-09-30;72,5;100;;",
        f"TRYCK-24;{tree.medicin_ward.pk};2025-03-12;;3;44;ppm;",
    )


def upload_and_commit(actor, content: bytes, name="matningar.csv"):
    batch = services.import_upload(actor=actor, file_name=name, content=content)
    return services.import_commit(actor=actor, batch=batch)


@pytest.fixture
def editor(cast):
    return cast.indicator_editor  # Medicinkliniken


def test_a_swedish_excel_csv_is_previewed_then_imported(editor, tree):
    batch = services.import_upload(actor=editor, file_name="bhk.csv", content=good_csv(tree))

    preview = services.import_preview(actor=editor, batch=batch)

    assert not preview.errors
    assert preview.counts == {"created": 3, "updated": 0, "unchanged": 0}
    assert not Measurement.objects.exists()  # a preview saves nothing

    result = services.import_commit(actor=editor, batch=batch)

    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0}
    rows = {(m.indicator.code, m.unit_id, m.period_kind): m for m in Measurement.objects.select_related("indicator")}
    spring = rows[("BHK", tree.medicin_ward.pk, "month")]
    assert (spring.numerator, spring.denominator, spring.value, spring.comment) == (74, 100, 74, "Vårmätning")
    assert rows[("BHK", tree.medicin.pk, "month")].numerator == Decimal("72.5")  # decimal comma
    assert rows[("TRYCK-24", tree.medicin_ward.pk, "point")].method == "ppm"
    assert {m.batch_id for m in rows.values()} == {batch.pk}
    batch.refresh_from_db()
    assert (batch.rows, batch.created, batch.committed_at is not None) == (3, 3, True)


def test_windows_1252_and_commas_are_read_too(editor, tree):
    content = (
        "Indikator,Enhet,Period från,Period till,Täljare,Nämnare\r\n"
        f"BHK,{tree.medicin_ward.pk},2025-03-01,2025-03-31,74,100\r\n"
    ).encode("cp1252")

    result = upload_and_commit(editor, content)

    assert result.counts["created"] == 1


def test_an_xlsx_workbook_is_imported(editor, tree):
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indikator", "Enhet", "Period från", "Period till", "Täljare", "Nämnare"])
    sheet.append(["BHK", tree.medicin_ward.pk, dt.datetime(2025, 3, 1), dt.datetime(2025, 3, 31), 74, 100])
    sheet.append(["VRI", str(tree.medicin.pk), "2025-01-01", "2025-03-31", 4.5, 120])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = upload_and_commit(editor, buffer.getvalue(), "matningar.xlsx")

    assert not result.errors
    assert result.counts["created"] == 2
    vri = Measurement.objects.get(indicator__code="VRI")
    assert (vri.period_kind, vri.numerator, vri.method) == ("quarter", Decimal("4.5"), "ecdc-pps")


def test_rows_in_error_are_all_reported_and_nothing_is_saved(editor, tree):
    content = csv_bytes(
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100;;",  # row 2: fine
        f"XYZ;{tree.medicin_ward.pk};2025-03-01;2025-03-31;1;2;;",  # row 3: unknown indicator
        f"BHK;{tree.medicin_ward.pk};2025-13-01;2025-03-31;1;2;;",  # row 4: no such date
        f"BHK;{tree.medicin_ward.pk};2025-04-01;2025-04-30;120;100;;",  # row 5: more than all
        f"BHK;{tree.medicin_ward.pk};2025-05-01;2025-05-31;tio;100;;",  # row 6: not a number
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;70;100;;",  # row 7: repeats row 2
        "BHK;999999;2025-03-01;2025-03-31;70;100;;",  # row 8: no such unit
        f"BHK;{tree.medicin_ward.pk};2025-06-01;2025-06-30;5;0;;",  # row 9: zero denominator
        f"VRI;{tree.medicin_ward.pk};2025-01-01;2025-03-31;5;100;gissning;",  # row 10: unknown method
    )

    with translation.override("en"):
        result = upload_and_commit(editor, content)

    assert [(e.row, e.field) for e in result.errors] == [
        (3, "indicator"),
        (4, "period_start"),
        (5, "numerator"),
        (6, "numerator"),
        (7, "period_start"),
        (8, "unit"),
        (9, "denominator"),
        (10, "method"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert messages[3] == "There is no indicator “XYZ” in the catalogue."
    assert messages[6] == "“tio” is not a number."
    assert messages[7] == "Row 2 already has this indicator, unit, period and method."
    assert messages[10].startswith("VRI has no method “gissning”. Known methods: skr-ppm, ecdc-pps")
    assert not Measurement.objects.exists()


def test_the_same_file_twice_changes_nothing(editor, tree):
    upload_and_commit(editor, good_csv(tree))
    before = list(Measurement.objects.order_by("pk").values())

    again = upload_and_commit(editor, good_csv(tree))

    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(Measurement.objects.order_by("pk").values()) == before


def test_a_corrected_file_updates_only_the_changed_rows(editor, tree):
    upload_and_commit(editor, good_csv(tree))
    corrected = good_csv(tree).replace(b";74;100;", b";76;100;")

    result = upload_and_commit(editor, corrected)

    assert result.counts == {"created": 0, "updated": 1, "unchanged": 2}
    assert Measurement.objects.get(indicator__code="BHK", unit=tree.medicin_ward).value == 76


def test_every_imported_and_corrected_row_is_in_the_history_with_who_did_it(editor, tree):
    # New rows go in with COPY and the history trigger runs once per statement: each row
    # must still get its own event, attributed to the importer.
    import pghistory

    from indicators.models import MeasurementEvent

    with pghistory.context(user=editor.pk):
        upload_and_commit(editor, good_csv(tree))
        upload_and_commit(editor, good_csv(tree).replace(b";74;100;", b";76;100;"))

    events = MeasurementEvent.objects.select_related("pgh_context").order_by("pgh_id")
    inserted = {event.pgh_obj_id for event in events if event.pgh_label == "insert"}
    assert inserted == set(Measurement.objects.values_list("pk", flat=True))
    assert [(e.pgh_label, e.value) for e in events if e.pgh_label == "update"] == [("update", 76)]
    assert {event.pgh_context.metadata["user"] for event in events} == {editor.pk}
    assert {event.entered_by_id for event in events} == {editor.pk}


def test_a_unit_outside_the_importers_scope_is_refused(editor, tree):
    content = csv_bytes(
        f"BHK;{tree.medicin_ward.pk};2025-03-01;2025-03-31;74;100;;",
        f"BHK;{tree.orto_ward.pk};2025-03-01;2025-03-31;60;100;;",
    )

    with translation.override("en"):
        result = upload_and_commit(editor, content)

    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (3, "unit", "You may not import measurements for Avdelning 12, ortopedi.")
    ]
    assert not Measurement.objects.exists()


def test_national_reference_values_are_kept_by_the_safety_team(cast, editor):
    content = csv_bytes("BHK;riket;2025-03-01;2025-03-31;83;100;;")

    assert upload_and_commit(cast.safety_officer, content).counts["created"] == 1
    assert upload_and_commit(editor, content).errors[0].field == "unit"
    national = services.national_unit()
    assert (national.is_active, national.parent_id) == (False, None)


def test_only_measurement_owners_may_upload(cast):
    with pytest.raises(PermissionDenied):
        services.import_upload(actor=cast.handler, file_name="x.csv", content=b"indikator")


def test_someone_elses_upload_cannot_be_committed(cast, editor, tree):
    other = UserFactory(username="annan.matansvarig")
    MembershipFactory(user=other, unit=tree.medicin, role="indicator_editor")
    batch = services.import_upload(actor=editor, file_name="bhk.csv", content=good_csv(tree))

    with pytest.raises(PermissionDenied):
        services.import_commit(actor=other, batch=batch)


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "This is an old Excel file (.xls)."),
        (_zip({"a.txt": b"hej"}), "The file is a zip archive, not an Excel workbook."),
        (b"<html><body>hej</body></html>", "The first row must name the columns."),
        (b"\x7fELF\x00\x01\x02", "The file is not a text file."),
        (HEADER.encode(), "The file has no rows of measurements."),
        (b"indikator;enhet\r\nBHK;1\r\n", "The first row must name the columns. Missing: period_fran, taljare."),
    ],
)
def test_a_file_that_is_not_a_measurement_file_gets_a_clear_message(editor, content, message):
    batch = services.import_upload(actor=editor, file_name="fel.csv", content=content)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.import_preview(actor=editor, batch=batch)

    assert error.value.messages[0].startswith(message)
