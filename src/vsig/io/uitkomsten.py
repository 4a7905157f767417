"""The worksheet "Uitkomsten": an organisation's open cases go out in the spreadsheet it
already gets, with empty columns in which its case workers record what happened, each
value chosen from the VNG v1.2 lists.

Every night the SDD's call list and each municipality's export carry the sheet. The SDD
sees every open case, a municipality the open cases of its residents; like its export, it
sees who lives there and whom they owe only for the cases forwarded to it. The case
columns are locked, so that only the entry columns can be typed in.
"""

import io
import math
import re
import warnings
import zipfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import openpyxl
import polars as pl
import xlsxwriter.workbook
import xlsxwriter.worksheet

from vsig import messages
from vsig.contracts import TE_DOEN_COLUMNS
from vsig.rules import keuzes, vng
from vsig.rules.events import SDD
from vsig.rules.formats import LIST_SEPARATOR, postcode, straat
from vsig.schemas import (
    BESCHIKKINGEN,
    GEBEURTENIS_LABELS,
    GEBEURTENISSEN,
    REJECTS,
    gebeurtenis,
)

SHEET: Final = "Uitkomsten"
LISTS: Final = "Lijsten"

CASE_COLUMNS: Final = (
    "Zaak",
    "Adres",
    "Bewoners",
    "Schulden",
    "Totaal achterstand",
    "Verstuurd",
    *TE_DOEN_COLUMNS,
)
CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "Gebeurtenis": tuple(GEBEURTENIS_LABELS.values()),
    "Contactsoort": vng.CONTACTSOORTEN,
    "Bereikt": ("Ja", "Nee"),
    "Dagdeel": vng.DAGDELEN,
    "Beschikking": tuple(b.capitalize() for b in BESCHIKKINGEN),
    "Resultaat": vng.EINDRESULTATEN,
}
"""The entry columns a case worker picks from, each with exactly the values of its list:
the VNG v1.2 lists where they exist, else Dutch words, read back in any case."""
ENTRIES_PER_CASE: Final = 3
"""The rows each case gets, one per entry: a contact attempt, an aanmelding and a first
conversation on one day are three entries on one night's sheet."""
ENTRY_COLUMNS: Final = ("Datum", *CHOICES)
COLUMNS: Final = (*CASE_COLUMNS, *ENTRY_COLUMNS)
ORGANISATION_CELL: Final = "A2"
"""Where on the hidden sheet of lists the workbook says whose it is."""
EARLIEST: Final = date(2020, 1, 1)
"""A date cell takes dates from this one on; whether one lies ahead is judged when the
sheet comes back, since the sheet is filled in on later days than it was made."""
WIDTHS: Final = {
    **{"Zaak": 20, "Adres": 36, "Bewoners": 36, "Schulden": 48, "Verstuurd": 40},
    **{"Nu te doen": 36, "Door": 16, "Te doen uiterlijk": 12, "Datum": 12},
    **{"Contactsoort": 20, "Dagdeel": 10, "Resultaat": 44},
}
"""Column widths in characters, else the header's and a margin; a case worker may widen
any (the protection allows it)."""


def sheets(
    open_cases: pl.DataFrame,
    households: pl.DataFrame,
    schulden: pl.DataFrame,
    verstuurd: pl.DataFrame,
    te_doen: pl.DataFrame,
    forwarded: pl.DataFrame,
    gemeenten: list[str],
) -> dict[str, pl.DataFrame]:
    """Per organisation (the SDD, and each of `gemeenten`) the rows of its sheet, a row per
    open case by zaak_id, the entry columns empty.

    `open_cases` has zaak_id, gemeentecode, totaal_achterstand; `households` and `schulden`
    come from `exports`; `verstuurd` has zaak_id, Al verstuurd; `te_doen` each case's
    obligation (`exports.te_doen`). Like its export, a municipality sees who lives there and
    whom they owe only for the cases forwarded to it."""
    debts = schulden.group_by("zaak_id").agg(
        pl.format("{} ({}) {}", "Schuldeiser", "Soort", "Bedrag")
        .sort_by("Schuldeiser", "Klantnummer")
        .str.join(LIST_SEPARATOR)
        .alias("Schulden")
    )
    rows = (
        open_cases.select("zaak_id", "gemeentecode", "totaal_achterstand")
        .join(households, on="zaak_id", how="left")
        .join(debts, on="zaak_id", how="left")
        .join(verstuurd, on="zaak_id", how="left")
        .join(te_doen, on="zaak_id", how="left")
        .with_columns(
            doorgestuurd=pl.col("zaak_id").is_in(forwarded["zaak_id"].implode()),
            Adres=pl.format("{}, {} {}", straat(), postcode(), pl.col("woonplaats")),
            Bewoners=pl.col("bewoners").list.join(LIST_SEPARATOR),
        )
        .sort("zaak_id")
    )

    def sheet(frame: pl.DataFrame, theirs: pl.Expr) -> pl.DataFrame:
        return frame.select(
            pl.col("zaak_id").alias("Zaak"),
            "Adres",
            pl.when(theirs).then(pl.col("Bewoners")).alias("Bewoners"),
            pl.when(theirs).then(pl.col("Schulden")).alias("Schulden"),
            (pl.col("totaal_achterstand") / 100).alias("Totaal achterstand"),
            pl.col("Al verstuurd").alias("Verstuurd"),
            *TE_DOEN_COLUMNS,
            *(pl.lit(None, pl.String).alias(c) for c in ENTRY_COLUMNS),
        )

    own = {code: rows.filter(pl.col("gemeentecode") == code) for code in gemeenten}
    return {
        SDD: sheet(rows, pl.lit(True)),
        **{code: sheet(frame, pl.col("doorgestuurd")) for code, frame in own.items()},
    }


Outcomes = tuple[pl.DataFrame, str, pl.DataFrame | None]
"""What `add` puts in a workbook: the sheet's rows, whose it is, and the SDD's "Twijfel"."""


def as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with each text as XlsxWriter must be given it to write it as it is. It
    writes a string that begins with `<r>` and ends with `</r>` into the sheet as XML of
    its own (a rich string): a creditor's "<r>…</r>" could break the workbook or add cells
    to it. Such a value is given as a rich string of one run that holds it escaped, and
    reads back the same."""
    text = [name for name, kind in frame.schema.items() if kind == pl.String]
    return frame.with_columns(_as_text(pl.col(name)).alias(name) for name in text)


def _as_text(value: pl.Expr) -> pl.Expr:
    escaped = (
        value.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
    run = pl.concat_str([pl.lit('<r><t xml:space="preserve">'), escaped, pl.lit("</t></r>")])
    xml = value.str.starts_with("<r>") & value.str.ends_with("</r>")
    return pl.when(xml).then(run).otherwise(value)


def add(
    book: xlsxwriter.workbook.Workbook,
    rows: pl.DataFrame,
    organisatie: str,
    twijfel: pl.DataFrame | None = None,
) -> None:
    """The sheet `rows` (from `sheets`) into `book`, with a hidden, locked sheet of the
    lists it picks from, and whose it is; for the SDD also the sheet `twijfel` (from
    `exports.twijfel`)."""
    sheet = book.add_worksheet(SHEET)
    entry = book.add_format({"locked": False, "bg_color": "#FFF9DB"})
    formats = {
        "Totaal achterstand": book.add_format({"num_format": "#,##0.00"}),
        "Datum": book.add_format(
            {"locked": False, "bg_color": "#FFF9DB", "num_format": "dd-mm-yyyy"}
        ),
        **dict.fromkeys(CHOICES, entry),
    }
    widths = [WIDTHS.get(name, len(name) + 4) for name in COLUMNS]
    # Columns first: a cell written without a format takes its column's only when the
    # column is set before its row is written out (`spreadsheets.xlsx`: constant memory).
    for column, name in enumerate(COLUMNS):
        sheet.set_column(column, column, widths[column], formats.get(name))
    sheet.write_row(0, 0, COLUMNS, book.add_format({"bold": True}))
    number = 0
    for row in as_text(rows.select(CASE_COLUMNS)).iter_rows():
        for entry in range(ENTRIES_PER_CASE):
            number += 1
            # The case on its first row; the rows below it for more entries name it only.
            sheet.write_row(number, 0, row if entry == 0 else row[:1])
            # Each entry cell written, unlocked: not every spreadsheet takes a column's
            # format for the cells of a protected sheet.
            for column, name in enumerate(ENTRY_COLUMNS, start=len(CASE_COLUMNS)):
                sheet.write_blank(number, column, None, formats[name])
    rules = _entry_rules()
    for column, name in enumerate(COLUMNS):
        if name in rules:
            rule = rules[name] | {"error_title": name}
            sheet.data_validation(1, column, max(number, 1), column, rule)
    sheet.freeze_panes(1, 1)
    printed(sheet, widths)
    sheet.autofilter(0, 0, number, len(COLUMNS) - 1)
    sheet.protect("", {"autofilter": True, "format_columns": True})
    if twijfel is not None:
        _add_twijfel(book, twijfel)
    _add_lists(book, organisatie)


TWIJFEL: Final = keuzes.SHEET
TWIJFEL_COLUMNS: Final = (
    "Signaal",
    "Schuldeiser",
    "Soort",
    "Bedrag",
    "Gesignaleerd",
    "Naam zoals gemeld",
    "Geboortedatum zoals gemeld",
    "Adres zoals gemeld",
    "Waarom twijfel",
    "Kandidaten",
    "Keuze",
)
"""The SDD's sheet of signals in doubt: what the creditor wrote, why vsig could not place
it, the residents who fitted, and the one column a person fills in."""
TWIJFEL_READ: Final = ("Signaal", "Keuze")
_LITERAL_LIST: Final = 255
"""The most characters a drop-down's own list may have in a spreadsheet; a longer one
(some twenty candidates) gets no drop-down, and the choice is checked when it comes back."""


def _add_twijfel(book: xlsxwriter.workbook.Workbook, rows: pl.DataFrame) -> None:
    """Each signal in doubt on a row, its choice from its own list: its candidates by
    number, "Niemand van deze" or "Geen inwoner". Only the choice can be typed in."""
    sheet = book.add_worksheet(TWIJFEL)
    entry = book.add_format({"locked": False, "bg_color": "#FFF9DB"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats = {
        "Bedrag": book.add_format({"num_format": "#,##0.00", "valign": "top"}),
        **dict.fromkeys(
            ("Gesignaleerd", "Geboortedatum zoals gemeld"),
            book.add_format({"num_format": "dd-mm-yyyy", "valign": "top"}),
        ),
    }
    sheet.write_row(0, 0, TWIJFEL_COLUMNS, book.add_format({"bold": True}))
    choice = len(TWIJFEL_COLUMNS) - 1
    for number, row in enumerate(as_text(rows).iter_rows(named=True), start=1):
        for column, name in enumerate(TWIJFEL_COLUMNS[:-1]):
            sheet.write(number, column, row[name], formats.get(name, wrap))
        sheet.write_blank(number, choice, None, entry)
        allowed = keuzes.choices(row["aantal_kandidaten"])
        if len(",".join(allowed)) <= _LITERAL_LIST:
            rule = {"validate": "list", "source": allowed, "error_title": "Keuze"}
            sheet.data_validation(
                number, choice, number, choice, rule | {"error_message": "Kies uit de lijst."}
            )
    wider = {"Signaal": 24, "Naam zoals gemeld": 24, "Adres zoals gemeld": 30}
    wider |= {"Waarom twijfel": 30, "Kandidaten": 60, "Keuze": 20}
    widths = [wider.get(name, len(name) + 4) for name in TWIJFEL_COLUMNS]
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 1)
    printed(sheet, widths)
    sheet.autofilter(0, 0, max(rows.height, 1), choice)
    sheet.protect("", {"autofilter": True, "format_columns": True})


PAGE_WIDTH: Final = 170
"""The column widths (in characters) an A4 landscape page holds at a scale people can
read on paper: some 80 %, 9 pt."""


def printed(sheet: xlsxwriter.worksheet.Worksheet, widths: list[int]) -> None:
    """A sheet people print: A4 landscape, the header row on every page, and the sheet's
    name and page numbers below. As few pages wide as keep the text readable (`widths`,
    its columns'): one when the columns fit, else the first column (the case or signal)
    repeated on each page, printed across before down so a row's pages follow."""
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    first, rest = widths[0], sum(widths[1:])
    wide = max(1, math.ceil(rest / (PAGE_WIDTH - first)))
    sheet.fit_to_pages(wide, 0)
    sheet.repeat_rows(0)
    if wide > 1:
        sheet.repeat_columns(0)
        sheet.print_across()
    sheet.set_footer("&L&A&Rpagina &P van &N")


def _entry_rules() -> dict[str, dict[str, object]]:
    """What each entry column takes: a date, or a value from its list on the sheet of lists."""
    rules: dict[str, dict[str, object]] = {
        "Datum": {
            "validate": "date",
            "criteria": ">=",
            "value": EARLIEST,
            "error_message": "Vul een datum in, zoals 26-11-2026.",
        }
    }
    for offset, (name, values) in enumerate(CHOICES.items(), start=1):
        cells = f"${_letter(offset)}$2:${_letter(offset)}${len(values) + 1}"
        rules[name] = {
            "validate": "list",
            "source": f"={LISTS}!{cells}",
            "error_message": "Kies een waarde uit de lijst.",
        }
    return rules


def _add_lists(
    book: xlsxwriter.workbook.Workbook, organisatie: str, by_column: bool = False
) -> None:
    """The hidden sheet: whose the workbook is (`ORGANISATION_CELL`), then each list of
    `CHOICES` down a column of its own. Written row by row, as a workbook in XlsxWriter's
    constant-memory mode must be (`spreadsheets.xlsx`); `by_column` for an archived copy
    held in memory, whose bytes a workbook processed before is known by (the order of the
    writes orders its table of strings)."""
    lists = book.add_worksheet(LISTS)
    lists.write_row(0, 0, ["organisatie", *CHOICES])
    columns = [(organisatie,), *CHOICES.values()]
    if by_column:
        for column, values in enumerate(columns):
            lists.write_column(1, column, values)
    else:
        for row in range(max(len(values) for values in columns)):
            lists.write_row(row + 1, 0, [v[row] if row < len(v) else None for v in columns])
    lists.hide()
    lists.protect()


def _letter(column: int) -> str:
    """The spreadsheet letter of a column counted from 0 (the lists stay below 26)."""
    return chr(ord("A") + column)


def in_dutch(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejects (schemas.REJECTS) of a sheet with their reasons in Dutch, each column as
    the sheet names it."""
    said = messages.in_dutch_all(rejects["reden"])
    return rejects.with_columns(reden=said, kolom=pl.col("kolom").replace(CONTRACT_NAMES))


class WorkbookError(Exception):
    """The workbook cannot be read as a sheet of outcomes; the message says why."""


@dataclass(frozen=True)
class Entries:
    """What a sheet that came back holds: whose it is, the rows with an entry as text in
    the columns of the CSV form (`zaak_id, datum, gebeurtenis, waarde`, `line` the sheet's
    row), rows whose entry mixes kinds (contract.REJECTS), and how many rows were left empty."""

    organisatie: str
    rows: pl.DataFrame
    rejects: pl.DataFrame
    empty: int
    entered: pl.DataFrame
    """The rows with an entry as the sheet had them: `line`, Zaak and the entry columns."""
    keuzes: pl.DataFrame
    """The choices on the sheet "Twijfel": `regelnummer, signaalpartner, signaal_id, keuze`."""
    chosen: pl.DataFrame
    """The rows with a choice as the sheet had them: `line`, Signaal, Keuze."""

    def archived(self) -> bytes:
        """What the archive keeps of the workbook: each entry and each choice at its row,
        and whose it is; not the columns vsig wrote itself (names and addresses), which a
        replay does not need and erasure would otherwise have to find in a spreadsheet."""
        return _archive_copy(self.entered, self.organisatie, self.chosen)


CONTRACT_NAMES: Final = {
    "zaak_id": "Zaak",
    "datum": "Datum",
    "gebeurtenis": "Gebeurtenis",
    "waarde": "Contactsoort, Bereikt, Dagdeel, Beschikking of Resultaat",
    "organisatie": f"{LISTS}!{ORGANISATION_CELL}",
}
"""A column of the CSV form as the sheet names it, for a reject."""
BELONGS: Final = {
    "Contactsoort": "contactpoging",
    "Bereikt": "contactpoging",
    "Dagdeel": "contactpoging",
    "Beschikking": "beschikking",
    "Resultaat": "resultaat",
}
"""Each value column and the one kind of event it is filled in for."""
_DUTCH_DATE: Final = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


MAX_ROWS: Final = 1_048_576
"""The most rows a sheet has in any spreadsheet program: past it, no sheet vsig sent."""
MAX_UNPACKED: Final = 256 * 1024 * 1024
"""The most bytes a workbook may unpack to. An .xlsx is a zip: a few hundred kilobytes can
unpack to gigabytes, and openpyxl holds a workbook's shared strings whole. The SDD's
sheet of the Drechtsteden's open cases unpacks to a few megabytes."""


def read(data: bytes, name: str, line: str) -> Entries:
    """The entries of a filled-in sheet. openpyxl reads the cells' values only: a workbook
    is data, and nothing in it (a formula, a macro) is ever run."""
    try:
        _check_unpacked(data)
        with warnings.catch_warnings():
            # openpyxl's words on parts it leaves out (an extension, a style) are not the
            # case worker's concern, and would reach the terminal.
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                organisatie, header, cells = _cells(book)
                entries = _entries(header, cells, organisatie, name, line)
                return _with_choices(entries, book, name, line)
            finally:
                book.close()
    except WorkbookError:
        raise
    except Exception as error:  # however a parser fails, the file is at fault
        raise WorkbookError(
            f"cannot be read as an .xlsx workbook ({type(error).__name__})"
        ) from None


def _check_unpacked(data: bytes) -> None:
    """The workbook unpacks to no more than MAX_UNPACKED bytes, by what its zip says of
    each part; a part is never unpacked past what it says (zipfile stops there)."""
    with zipfile.ZipFile(io.BytesIO(data)) as packed:
        size = sum(part.file_size for part in packed.infolist())
    if size > MAX_UNPACKED:
        raise WorkbookError(
            f"unpacks to {size:,} bytes, more than the {MAX_UNPACKED:,} a sheet of "
            "outcomes can need: is it the workbook vsig sent?"
        )


def _cells(book: Any) -> tuple[str, list[str | None], Iterator[tuple[object, ...]]]:
    """Whose the workbook is, its sheet's header, and the values of its rows below it, as
    far as cells are present and as far right as the columns read: the range a sheet
    claims for itself is never believed (`A1:XFD1048576` would have every row padded to
    16,384 cells, down to row 1,048,576)."""
    if SHEET not in book.sheetnames or LISTS not in book.sheetnames:
        raise WorkbookError(
            f"has no sheet {SHEET!r} with its sheet of lists: is it the workbook vsig sent?"
        )
    organisatie = _text(book[LISTS][ORGANISATION_CELL].value)
    if organisatie is None:
        raise WorkbookError(f"does not say whose it is ({LISTS}!{ORGANISATION_CELL} is empty)")
    header, rows = _columns(book, SHEET, READ)
    return organisatie, header, rows


def _columns(
    book: Any, name: str, read: tuple[str, ...]
) -> tuple[list[str | None], Iterator[tuple[object, ...]]]:
    """The sheet's header, and the values of its rows below it as far right as the columns
    `read` (which it must have), as far as cells are present."""
    sheet = book[name]
    sheet.reset_dimensions()
    header = [_text(c) for c in next(sheet.iter_rows(max_row=1, values_only=True), ())]
    missing = [c for c in read if c not in header]
    if missing:
        raise WorkbookError(f"the sheet {name!r} misses the column(s) {missing}")
    width = max(header.index(c) for c in read) + 1
    return header, sheet.iter_rows(min_row=2, max_row=MAX_ROWS + 1, max_col=width, values_only=True)


READ: Final = ("Zaak", *ENTRY_COLUMNS)
"""The columns read of a sheet that comes back; the others are vsig's own."""


def _entries(
    header: list[str | None],
    cells: Iterator[tuple[object, ...]],
    organisatie: str,
    name: str,
    line: str,
) -> Entries:
    """The rows with an entry, each column read as text (a column's type is never guessed
    from its first rows); the empty rows only counted."""
    at = [header.index(c) for c in READ]
    rows: list[list[str | None]] = []
    empty = 0
    for number, row in enumerate(cells, start=2):
        if number > MAX_ROWS:
            raise WorkbookError(f"the sheet {SHEET!r} has more than {MAX_ROWS:,} rows")
        values = [_cell(row[i] if i < len(row) else None, c) for i, c in zip(at, READ, strict=True)]
        if any(v is not None for v in values[1:]):
            rows.append([str(number), *values])
        else:
            empty += 1
    entered = pl.DataFrame(
        rows, schema=dict.fromkeys([line, *READ], pl.String), orient="row"
    ).with_columns(pl.col(line).cast(pl.Int64))
    # `Contactpoging` typed by hand is the list's `contactpoging`: the kind decides which
    # of the value columns belong to the row.
    entered = entered.with_columns(Gebeurtenis=gebeurtenis(pl.col("Gebeurtenis")))
    mixed = _mixed(entered, name, line)
    nothing = pl.DataFrame(schema=dict.fromkeys([line, *TWIJFEL_READ], pl.String))
    return Entries(
        organisatie,
        entered.filter(~pl.col(line).is_in(mixed["regelnummer"].implode())).select(
            line,
            zaak_id="Zaak",
            datum="Datum",
            gebeurtenis="Gebeurtenis",
            waarde=_waarde(),
            organisatie=pl.lit(organisatie),
        ),
        mixed,
        empty,
        entered,
        no_choices(),
        nothing.with_columns(pl.col(line).cast(pl.Int64)),
    )


def no_choices() -> pl.DataFrame:
    """No choices: the frame `Entries.keuzes` is, empty."""
    return pl.DataFrame(
        schema={"regelnummer": pl.Int64, **dict.fromkeys(keuzes.KEY, pl.String), "keuze": pl.String}
    )


_KEUZE_SPELLINGS: Final = {c.lower(): c for c in keuzes.BESLUITEN}
_KANDIDAAT: Final = rf"^{keuzes.KANDIDAAT.strip().lower()}\s*(\d{{1,4}})$"


def _with_choices(entries: Entries, book: Any, name: str, line: str) -> Entries:
    """The entries with the choices of the sheet "Twijfel", where the workbook has one: each
    as its list spells it (typed in any case), a choice not of the list's kinds or for a
    signal named unlike the sheet names it refused, and all of them when the workbook is not
    the SDD's (only the SDD decides doubt)."""
    if TWIJFEL not in book.sheetnames:
        return entries
    header, cells = _columns(book, TWIJFEL, TWIJFEL_READ)
    at = [header.index(c) for c in TWIJFEL_READ]
    rows = []
    for number, row in enumerate(cells, start=2):
        signal, choice = (_text(row[i]) if i < len(row) else None for i in at)
        if choice is not None:
            rows.append((number, signal, choice))
    chosen = pl.DataFrame(
        rows, schema={line: pl.Int64, "Signaal": pl.String, "Keuze": pl.String}, orient="row"
    )
    read = chosen.with_columns(
        pl.col("Signaal").str.split_exact("/", 1).struct.rename_fields(list(keuzes.KEY)),
        keuze=_spelt(pl.col("Keuze")),
    ).unnest("Signaal")
    named = pl.all_horizontal(pl.col(c).str.len_chars() > 0 for c in keuzes.KEY).fill_null(False)
    refused = pl.concat(
        [
            read.filter(~named).select(
                line,
                kolom=pl.lit("Signaal"),
                waarde=pl.col("signaalpartner"),
                reden=pl.lit(keuzes.REJECT_UNNAMED),
            ),
            read.filter(named & pl.col("keuze").is_null()).select(
                line,
                kolom=pl.lit("Keuze"),
                waarde=pl.col("Keuze"),
                reden=pl.lit(keuzes.REJECT_NOT_LISTED),
            ),
            read.filter(
                named & pl.col("keuze").is_not_null() & (entries.organisatie != SDD)
            ).select(
                line,
                kolom=pl.lit("Keuze"),
                waarde=pl.col("Keuze"),
                reden=pl.lit(keuzes.REJECT_NOT_SDD),
            ),
        ]
    )
    taken = read.join(refused.select(line), on=line, how="anti")
    rejects = refused.select(
        bestand=pl.lit(name),
        regelnummer=line,
        kolom=pl.format("{}!{}", pl.lit(TWIJFEL), "kolom"),
        waarde="waarde",
        reden="reden",
    ).cast(REJECTS)  # type: ignore[arg-type]
    return replace(
        entries,
        rejects=pl.concat([entries.rejects, rejects]).sort("regelnummer", "kolom"),
        keuzes=taken.select(line, *keuzes.KEY, "keuze").rename({line: "regelnummer"}),
        chosen=chosen,
    )


def _spelt(typed: pl.Expr) -> pl.Expr:
    """A choice as its list spells it, however it was typed (any case, any spacing); null
    for no choice of the list (a candidate numbered 0 is none)."""
    folded = typed.str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
    number = folded.str.extract(_KANDIDAAT, 1).cast(pl.Int64, strict=False)
    return (
        pl.when(number > 0)
        .then(pl.format("{}{}", pl.lit(keuzes.KANDIDAAT), number))
        .otherwise(folded.replace_strict(_KEUZE_SPELLINGS, default=None))
    )


def _waarde() -> pl.Expr:
    """The value as the CSV form writes it: `soort|bereikt|dagdeel` for a contact attempt
    (a part left empty stays empty, and the contract then finds what is missing)."""
    event = pl.col("Gebeurtenis")
    contact = pl.concat_str(
        [pl.col(c).fill_null("") for c in ("Contactsoort", "Bereikt", "Dagdeel")], separator="|"
    )
    return (
        pl.when(event == "contactpoging")
        .then(contact)
        .when(event == "beschikking")
        .then(pl.col("Beschikking"))
        .when(event == "resultaat")
        .then(pl.col("Resultaat"))
    )


def _mixed(entered: pl.DataFrame, name: str, line: str) -> pl.DataFrame:
    """A value filled in for another kind of event than the row's: which one was meant is
    not for vsig to guess."""
    known = pl.col("Gebeurtenis").is_in(GEBEURTENISSEN)
    found = [
        entered.filter(known & pl.col(column).is_not_null() & (pl.col("Gebeurtenis") != kind))
        .select(
            bestand=pl.lit(name),
            regelnummer=pl.col(line),
            kolom=pl.lit(column),
            waarde=pl.col(column),
            reden=pl.format("hoort niet bij de gebeurtenis {}", pl.col("Gebeurtenis")),
        )
        .cast(REJECTS)  # type: ignore[arg-type]
        for column, kind in BELONGS.items()
    ]
    return pl.concat(found).sort("regelnummer", "kolom")


def _cell(value: object, column: str) -> str | None:
    """A cell as the CSV form would hold it: a date as yyyy-mm-dd, other text trimmed."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if column == "Datum" and text and (parts := _DUTCH_DATE.match(text)):
        day, month, year = parts.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _text(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def mentions(
    path: Path,
    zaken: Collection[str],
    names: Collection[str],
    signals: Collection[str] = (),
    debts: Mapping[str, Collection[str]] | None = None,
) -> bool:
    """Whether the workbook's sheet of outcomes lists one of these cases, or one of these
    names among a household's residents, or one of a case's `debts` (as its Schulden
    cell lists them) beside that case; or its sheet "Twijfel" one of these signals
    (`partner/signaal_id`) or one of these names among a signal's candidates (for
    erasure)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return (
            _lists(book, SHEET, "Zaak", zaken, "Bewoners", names)
            or _lists(book, TWIJFEL, "Signaal", signals, "Kandidaten", names)
            or _owes(book, debts or {})
        )
    finally:
        book.close()


def _owes(book: Any, debts: Mapping[str, Collection[str]]) -> bool:
    """Whether the sheet of outcomes lists one of these debts beside its case."""
    if not debts or SHEET not in book.sheetnames:
        return False
    rows = book[SHEET].iter_rows(values_only=True)
    header = [_text(c) for c in next(rows, ())]
    if "Schulden" not in header:  # an archived copy holds no debts
        return False
    zaak, schulden = header.index("Zaak"), header.index("Schulden")
    return any(
        row[schulden] is not None
        and not set(debts.get(str(row[zaak]), ())).isdisjoint(
            str(row[schulden]).split(LIST_SEPARATOR)
        )
        for row in rows
    )


def _lists(
    book: Any, name: str, key: str, keys: Collection[str], people: str, names: Collection[str]
) -> bool:
    """Whether the sheet `name` has a row whose `key` is one of `keys`, or whose `people`
    cell names one of `names` (as the sheet writes a name: a whole entry of a list, or in
    a candidate's line)."""
    if name not in book.sheetnames:
        return False
    rows = book[name].iter_rows(values_only=True)
    header = [_text(c) for c in next(rows, ())]
    at = header.index(key)
    listed = header.index(people) if people in header else None  # not archived
    wanted = set(names)
    for row in rows:
        if row[at] in keys:
            return True
        if listed is not None and row[listed] is not None:
            text = str(row[listed])
            entries = set(text.split(LIST_SEPARATOR))
            if not wanted.isdisjoint(entries) or any(f": {n}, " in text for n in wanted):
                return True
    return False


def without_rows(data: bytes, lines: Collection[int]) -> bytes:
    """An archived workbook (`Entries.archived`) without the entries on these rows."""
    entries = read(data, "archived", _LINE)
    kept = entries.entered.filter(~pl.col(_LINE).is_in(list(lines)))
    return _archive_copy(kept, entries.organisatie, entries.chosen)


_LINE: Final = "line"


def _archive_copy(entered: pl.DataFrame, organisatie: str, chosen: pl.DataFrame) -> bytes:
    """Entries and choices at their rows in a workbook of the sheets' layout, the same bytes
    for the same entries."""
    buffer = io.BytesIO()
    # Entries are text as typed: never made into a formula, a link or a number.
    as_typed = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(buffer, {"in_memory": True, **as_typed}) as book:
        book.set_properties({"created": datetime(2020, 1, 1)})
        sheet = book.add_worksheet(SHEET)
        sheet.write_row(0, 0, READ)
        line = entered.columns[0]
        for row in as_text(entered.select(line, *READ)).iter_rows():
            sheet.write_row(row[0] - 1, 0, row[1:])
        if chosen.height:
            choices = book.add_worksheet(TWIJFEL)
            choices.write_row(0, 0, TWIJFEL_READ)
            for row in as_text(chosen.select(chosen.columns[0], *TWIJFEL_READ)).iter_rows():
                choices.write_row(row[0] - 1, 0, row[1:])
        _add_lists(book, organisatie, by_column=True)
    return buffer.getvalue()
