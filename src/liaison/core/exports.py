"""CSV and Excel exports of any list or table, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one that could start a formula gets a leading apostrophe
    (OWASP's advice for CSV injection); numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[Any]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename: str, header: list[str], rows: Iterable[Any]) -> HttpResponse:
    from openpyxl import Workbook  # imported when used: loading the URLconf should not pay for it

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=filename[:31] or "Export")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        # openpyxl writes a string starting with "=" as a formula: the apostrophe prefix keeps it text.
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_response(fmt: str, filename: str, header: list[str], rows: Iterable[Any]) -> HttpResponse:
    return (
        xlsx_response(filename, header, rows)
        if fmt == "xlsx"
        else csv_response(filename, header, rows)
    )
