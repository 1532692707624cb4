"""The current view of a list or a dashboard as a file: CSV as Swedish Excel reads it
(semicolons, decimal commas, UTF-8 with BOM) or XLSX. What goes in is the caller's choice,
and never patient identity: dashboards export figures only, the action register the actions.

Every text cell of every export passes `formula_safe` (here, and in the work queue's, the
access log's and the API's CSV, which write their own rows): a text starting with `=`, `+`,
`-`, `@`, a tab or a carriage return is run as a formula by Excel and LibreOffice
(`=HYPERLINK(...)` as an indicator's name), so it is written with a leading apostrophe and
read as the text it is (OWASP, "CSV Injection"). Numbers and dates are not text: a negative
number stays a number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable
from decimal import Decimal

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(text: str) -> str:
    """`text` as a spreadsheet reads it as text: with a leading apostrophe when it would
    otherwise start a formula. The one escape of every export (CSV and XLSX)."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.isoformat()
    return formula_safe(str(value))


def _cell_value(value):
    """A value openpyxl writes: numbers and dates as they are, everything else (translated
    labels included) as text."""
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return formula_safe(str(value))


def csv_response(file_name: str, header: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([formula_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow([_cell_text(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}.csv"'
    return response


def xlsx_response(file_name: str, title: str, header: list[str], rows: list[list]) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([formula_safe(str(h)) for h in header])
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{file_name}.xlsx"'
    return response


def export(
    request, file_name: str, title: str, header: list[str], rows: Iterable[list], *, stream: bool = False
) -> HttpResponse | StreamingHttpResponse | FileResponse | None:
    """The file the request asks for (`?format=csv` or `xlsx`), or None for the page.

    With `stream=True` (a list that may hold a million rows: the action register) `rows` is
    consumed lazily: the CSV is sent as it is written, the XLSX is written row by row by
    openpyxl's write-only workbook into a temporary file and sent from there; memory stays
    flat whatever the number of rows. Dashboards (a few hundred rows) answer in one piece."""
    wanted = request.GET.get("format")
    if wanted == "csv":
        return csv_stream(file_name, header, rows) if stream else csv_response(file_name, header, rows)
    if wanted == "xlsx":
        return xlsx_file(file_name, title, header, rows) if stream else xlsx_response(file_name, title, header, rows)
    return None


class _Line:
    """A file-like object whose write() hands back the line csv.writer wrote."""

    def write(self, value: str) -> str:
        return value


def csv_stream(file_name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")

    def lines():
        yield "\ufeff" + writer.writerow([formula_safe(str(h)) for h in header])
        for row in rows:
            yield writer.writerow([_cell_text(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}.csv"'
    return response


def xlsx_file(file_name: str, title: str, header: list[str], rows: Iterable[list]) -> FileResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([formula_safe(str(h)) for h in header])
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
    # Not a `with`: the response sends the file after this returns, and closes it then.
    spool = tempfile.TemporaryFile()  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=f"{file_name}.xlsx", content_type=XLSX_TYPE)
