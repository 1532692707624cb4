"""The current view of a list or a dashboard as a file: CSV as Swedish Excel reads it
(semicolons, decimal commas, UTF-8 with BOM) or XLSX. What goes in is the caller's choice,
and never patient identity: dashboards export figures only, the action register the actions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from django.http import HttpResponse


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, float):
        return f"{value}".replace(".", ",")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell_value(value):
    """A value openpyxl writes: numbers and dates as they are, everything else (translated
    labels included) as text."""
    if value is None or isinstance(value, bool | int | float | dt.date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def csv_response(file_name: str, header: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    for row in rows:
        writer.writerow([_cell_text(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}.csv"'
    return response


def xlsx_response(file_name: str, title: str, header: list[str], rows: list[list]) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([str(h) for h in header])
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name}.xlsx"'
    return response


def export(request, file_name: str, title: str, header: list[str], rows: list[list]) -> HttpResponse | None:
    """The file the request asks for (`?format=csv` or `xlsx`), or None for the page."""
    wanted = request.GET.get("format")
    if wanted == "csv":
        return csv_response(file_name, header, rows)
    if wanted == "xlsx":
        return xlsx_response(file_name, title, header, rows)
    return None
