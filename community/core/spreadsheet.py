"""CSV downloads that open cleanly in Excel and never run a cell as a formula."""
import csv
import io
from collections.abc import Iterable

from flask import Response

#: Leading characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_response(header: list[str], rows: Iterable[Iterable], filename: str) -> Response:
    """A CSV download (UTF-8 with a byte-order mark for Excel), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
