"""Tables as files for people who report onwards: XLSX (openpyxl) and CSV, aggregates only."""

from __future__ import annotations

import csv
import io

from bot.drawing import drawn_apart

Row = list[object]


@drawn_apart
def xlsx(sheets: dict[str, list[Row]]) -> bytes:
    """One sheet per name; the first row of each is its header (bold). Made in the drawing process, like the
    charts: openpyxl (and numpy, which it loads when it can) stays out of the bot's process."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        for row in rows:
            sheet.append([_cell(value) for value in row])
        for cell in sheet[1] if rows else ():
            cell.font = Font(bold=True)
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    book.properties.creator = "Kompis"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    """A value as a cell may hold it: XLSX has no room for control characters, which a name typed in the chat
    may carry (an organisation's, a team's); they are left out rather than failing the whole file."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return ""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def csv_bytes(rows: list[Row]) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs read å, ä and ö right."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
