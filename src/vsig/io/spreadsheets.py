"""CSV files people open: in Dutch Excel, safely, the same bytes for the same rows.

UTF-8 with a BOM so Excel reads the accents, `;` as separator, and a cell that a
spreadsheet would run as a formula (starting with = + - @ tab or CR) is neutralised by a
leading apostrophe. Callers sort rows and format numbers and flags before writing.
"""

import io
import tempfile
import traceback
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Final

import polars as pl
import xlsxwriter

from vsig import messages
from vsig.contracts import (
    AMOUNTS,
)
from vsig.io import uitkomsten
from vsig.io.files import write_atomic
from vsig.io.ingest import Ingested
from vsig.rules import formats

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


_FORMULA_START: Final = r"^[=+\-@\t\r]"
"""`FORMULA_STARTS` as one pattern: a regex per column is four times as fast as a test per
start, and every export's every text column passes through it."""


def neutralise(value: pl.Expr) -> pl.Expr:
    """A text cell a spreadsheet would evaluate, made plain text."""
    risky = value.str.contains(_FORMULA_START)
    return pl.when(risky).then(pl.concat_str([pl.lit("'"), value])).otherwise(value)


def write_for_people(
    frame: pl.DataFrame, path: Path, day: date, outcomes: uitkomsten.Outcomes | None = None
) -> None:
    """The CSV, and an `.xlsx` beside it for a spreadsheet: text stays text (a phone number
    or gemeentecode keeps its leading zero, `+31…` needs no guard), amounts are numbers and
    dates are dates. With `outcomes` (rows, organisation, and for the SDD the signals in
    doubt) the workbook also carries the sheets its case workers fill in (`uitkomsten`).
    A date reads as in the workbook and in the text beside it, `02-11-2026`, in the CSV
    too."""
    write_csv(frame, path, formats.DATUM_KORT)
    # Its rows are personal data: their files while the workbook is made stay in the run's
    # folder, which a run that fails or is killed leaves to be removed whole.
    with tempfile.TemporaryDirectory(prefix=".xlsx-", dir=path.parent) as scratch:
        write_atomic(path.with_suffix(".xlsx"), xlsx(frame, day, Path(scratch), outcomes))


WIDEST: Final = 60
"""Characters at most a spreadsheet column is made wide for its contents."""


def xlsx(
    frame: pl.DataFrame, day: date, scratch: Path, outcomes: uitkomsten.Outcomes | None = None
) -> bytes:
    """One sheet with typed cells, the header frozen and filtered. No text is ever a
    formula, and the workbook is dated by the processing date, so that a replay writes the
    same bytes.

    Written row by row with XlsxWriter itself, columns as wide as polars measures their
    text: polars' `write_excel` (a table, autofitted cell by cell) took 2.4 times as long,
    the larger part of a night without letters at 2 million residents. In XlsxWriter's
    constant-memory mode: each row goes to a file in `scratch` once the next begins (every
    sheet is written top to bottom), where a workbook held in memory took some 250 bytes a
    cell, and a national night's larger workbooks have millions."""
    typed = frame.with_columns(
        pl.col(c).str.replace(",", ".", literal=True).cast(pl.Float64)
        for c in AMOUNTS
        if frame.schema.get(c) == pl.String
    )
    buffer = io.BytesIO()
    options = {
        "constant_memory": True,
        "tmpdir": str(scratch),
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "default_date_format": "dd-mm-yyyy",
    }
    # Not `with`: on an error (a full disk) XlsxWriter would close the workbook all the
    # same, and that error would hide the first.
    book = xlsxwriter.Workbook(buffer, options)
    try:
        _write_sheets(book, typed, day, outcomes)
        _close(book)
    except BaseException:
        # XlsxWriter closes the files of its rows only once it has packaged them: closed
        # now (their folder is removed), not when the error is collected at the run's end.
        for sheet in book.worksheets():
            sheet._opt_close()
        raise
    return buffer.getvalue()


def _write_sheets(
    book: xlsxwriter.Workbook,
    typed: pl.DataFrame,
    day: date,
    outcomes: uitkomsten.Outcomes | None,
) -> None:
    book.set_properties({"created": datetime(day.year, day.month, day.day)})
    sheet = book.add_worksheet("export")
    money = book.add_format({"num_format": "#,##0.00"})
    widths = _widths(typed)
    for column, (name, width) in enumerate(widths.items()):
        amount = typed.schema[name] == pl.Float64
        sheet.set_column(column, column, width, money if amount else None)
    sheet.write_row(0, 0, typed.columns, book.add_format({"bold": True}))
    for number, row in enumerate(uitkomsten.as_text(typed).iter_rows(), start=1):
        sheet.write_row(number, 0, row)
    sheet.autofilter(0, 0, typed.height, typed.width - 1)
    sheet.freeze_panes(1, 0)
    uitkomsten.printed(sheet, list(widths.values()))
    if outcomes is not None:
        uitkomsten.add(book, *outcomes)


def _close(book: xlsxwriter.Workbook) -> None:
    """Package the workbook. XlsxWriter reports an error writing its files as its own
    `FileCreateError`: the run knows the `OSError` it is (a full disk aborts the run)."""
    try:
        book.close()
    except xlsxwriter.exceptions.FileCreateError as error:
        # XlsxWriter's zip file is left open in the frames the error passed. Let go now,
        # it closes into the buffer, which is still open; collected with it later, in
        # either order, it printed a traceback on the run's stderr.
        traceback.clear_frames(error.__traceback__)
        if isinstance(cause := error.args[0], OSError):
            traceback.clear_frames(cause.__traceback__)
            raise cause from None
        raise


def _widths(frame: pl.DataFrame) -> dict[str, int]:
    """Each column's width in characters: its longest value or its header, and a margin."""
    longest = frame.select(pl.all().cast(pl.String).str.len_chars().max()).row(0)
    return {
        name: min(WIDEST, max(len(name), length or 0) + 2)
        for name, length in zip(frame.columns, longest, strict=True)
    }


def write_csv(frame: pl.DataFrame, path: Path, dates: str | None = None) -> Path:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns(neutralise(pl.col(name)).alias(name) for name in text_columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # polars reports a failed file write as a ComputeError; this can't
    safe.write_csv(
        buffer, separator=";", include_bom=True, line_terminator="\r\n", date_format=dates
    )
    write_atomic(path, buffer.getvalue())
    return path


def afwijzingen(consumed: Iterable[Ingested]) -> pl.DataFrame:
    """The rows each partner sent tonight that were refused, a row per line with every
    reason in Dutch (`kolom: reden; …`); a file refused whole as one row without a line."""
    frames = [_afgewezen(i) for i in consumed if i.source.kind == "signalen" and i.source.partner]
    schema = {"signaalpartner": pl.String, "bestand": pl.String, "regelnummer": pl.Int64,
              "signaal_id": pl.String, "afwijzing": pl.String}  # fmt: skip
    return pl.concat([pl.DataFrame(schema=schema), *frames], how="diagonal_relaxed")


def _afgewezen(result: Ingested) -> pl.DataFrame:
    assert result.source.partner is not None
    partner, bestand = result.source.partner.code, result.source.path.name
    if result.file_reason:
        reason = messages.in_dutch(result.file_reason)
        return pl.DataFrame(
            {"signaalpartner": [partner], "bestand": [bestand], "afwijzing": [reason]}
        )
    said = messages.in_dutch_all(result.rejects["reden"])
    return (
        result.rejects.with_columns(reden=said)
        .group_by("regelnummer")
        .agg(
            signaal_id=pl.col("waarde").filter(pl.col("kolom") == "signaal_id").first(),
            afwijzing=pl.format("{}: {}", "kolom", "reden").sort().str.join("; "),
        )
        .with_columns(signaalpartner=pl.lit(partner), bestand=pl.lit(bestand))
    )
