"""Reading a file of measurements: CSV as Swedish Excel saves it (semicolons, decimal
commas, UTF-8 with BOM or Windows-1252) or an XLSX workbook (the first sheet). Only parsing;
`services.measurements_import` checks each row and saves all or nothing.

The first row names the columns, in Swedish or English, in any order:
indikator, enhet, period_fran, period_till, taljare, namnare, metod, kommentar, kalla.
`enhet` is a unit's id in psweb, its HSA-id, or `riket` for the national reference value.
A row without `period_till` is a point-prevalence day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000

ALIASES = {
    "indicator": ("indikator", "indicator", "kod", "code"),
    "unit": ("enhet", "unit", "enhet_id", "unit_id", "hsa_id", "hsaid"),
    "period_start": ("period_fran", "fran", "period_start", "from", "datum", "date"),
    "period_end": ("period_till", "till", "period_end", "to"),
    "numerator": ("taljare", "numerator"),
    "denominator": ("namnare", "denominator"),
    "method": ("metod", "method"),
    "comment": ("kommentar", "comment"),
    "source": ("kalla", "source"),
}
REQUIRED = ("indicator", "unit", "period_start", "numerator")
_BY_NAME = {alias: field for field, aliases in ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Row:
    line: int  # the row number as the user's spreadsheet shows it (the header is row 1)
    values: dict[str, object]


def _normal(header) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    return text.strip().lower().replace(" ", "_").replace("-", "_")


def read(content: bytes, file_name: str = "") -> list[Row]:
    """The rows of the file, or ValidationError with a message that says what is wrong with
    the file as a whole (row errors are the import's to find)."""
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is too large (at most %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)})
    if content[:4] == b"PK\x03\x04":
        table = _xlsx(content)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ValidationError(_("This is an old Excel file (.xls). Save it as .xlsx or as CSV and try again."))
    else:
        table = _csv(content)
    return _rows(table)


def _xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
                raise ValidationError(_("The file is a zip archive, not an Excel workbook."))
            if sum(info.file_size for info in archive.infolist()) > 20 * MAX_BYTES:
                raise ValidationError(_("The workbook unpacks to more than psweb accepts."))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ValidationError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ValidationError(_("The Excel file could not be read. Open it in Excel and save it again.")) from error
    sheet = workbook.worksheets[0]
    table = []
    for values in sheet.iter_rows(values_only=True):
        table.append(list(values))
        if len(table) > MAX_ROWS + 1:
            break
    workbook.close()
    return table


def _csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise ValidationError(_("The file is not a text file. Upload a CSV or an XLSX file."))
    first = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for values in reader:
            table.append(values)
            if len(table) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        raise ValidationError(_("The CSV file could not be read: %(error)s") % {"error": error}) from error
    return table


def _rows(table: list[list]) -> list[Row]:
    while table and not any(str(v).strip() for v in table[0] if v is not None):
        table = table[1:]
    if not table:
        raise ValidationError(_("The file has no rows."))
    header = [_BY_NAME.get(_normal(name)) for name in table[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(
            _("The first row must name the columns. Missing: %(columns)s.")
            % {"columns": ", ".join(ALIASES[name][0] for name in missing)}
        )
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise ValidationError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
    rows = []
    for number, values in enumerate(body, start=2):
        if not any(str(v).strip() for v in values if v is not None):
            continue
        fields = {}
        for field, value in zip(header, values, strict=False):
            if field is not None:
                fields[field] = value.strip() if isinstance(value, str) else value
        rows.append(Row(number, fields))
    if not rows:
        raise ValidationError(_("The file has no rows of measurements."))
    return rows


def date_of(value) -> dt.date | None:
    """A date from a cell: an Excel date, or text YYYY-MM-DD. None if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]) if value not in (None, "") else None
    except ValueError:
        return None
