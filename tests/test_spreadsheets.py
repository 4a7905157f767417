"""Excel-safe CSV: every text cell a spreadsheet would run is made plain text."""

import csv
import errno
import gc
import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import polars as pl
import pytest
import xlsxwriter.packager
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsig.config import Config
from vsig.io import spreadsheets
from vsig.io.ingest import Ingested
from vsig.io.sources import Source
from vsig.schemas import REJECTS

DAY = date(2026, 11, 26)


def written(tmp_path: Path, values: list[str | None]) -> list[str]:
    path = spreadsheets.write_csv(
        pl.DataFrame({"naam": values}, schema={"naam": pl.String}), tmp_path / "x.csv"
    )
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_neutralised(tmp_path: Path, start: str) -> None:
    assert written(tmp_path, [f"{start}1+1"]) == [f"'{start}1+1"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(), min_size=1, max_size=5))
def test_no_cell_starts_a_formula_and_nothing_else_changes(
    tmp_path: Path, values: list[str]
) -> None:
    cells = written(tmp_path, list(values))
    for value, cell in zip(values, cells, strict=True):
        assert not cell.startswith(spreadsheets.FORMULA_STARTS)
        risky = value.startswith(spreadsheets.FORMULA_STARTS)
        assert cell == (f"'{value}" if risky else value)


def refused(config: Config, reason: str | None, rejects: list[tuple[int, str, str, str]]) -> Any:
    partner = config.partner("VATTENFALL")
    source = Source(Path("vattenfall-20261102.csv"), "signalen", partner)
    rows = pl.DataFrame(
        [{"bestand": source.path.name, "regelnummer": r, "kolom": k, "waarde": w, "reden": why}
         for r, k, w, why in rejects],
        schema=REJECTS,
    )  # fmt: skip
    return Ingested(source, "sha", len(rejects), pl.DataFrame(), rows, reason)


def test_every_refused_row_goes_back_with_its_reasons_in_dutch(config: Config) -> None:
    rows = refused(
        config,
        None,
        [
            (4, "bedrag", "-5", "must be more than 0"),
            (4, "postcode", "33111AB", "is not a Dutch postcode (1234AB)"),
            (7, "signaal_id", "V-1", "appears earlier in this file"),
        ],
    )
    back = spreadsheets.afwijzingen([rows]).sort("regelnummer")
    assert back.select("regelnummer", "signaal_id", "afwijzing").rows() == [
        (4, None, "bedrag: moet meer dan 0 zijn; postcode: is geen Nederlandse postcode (1234AB)"),
        (7, "V-1", "signaal_id: staat al eerder in dit bestand"),
    ]
    whole = spreadsheets.afwijzingen([refused(config, "the file is empty", [])])
    assert whole.select("bestand", "regelnummer", "afwijzing").rows() == [
        ("vattenfall-20261102.csv", None, "het bestand is leeg")
    ]


def test_a_workbook_is_made_row_by_row_on_disk_beside_its_export_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In XlsxWriter's constant-memory mode each row goes to a file once the next begins, so
    that the SDD's workbook of a national night is not held in memory cell by cell. Those
    files hold personal data: they are made beside the export, inside the run's folder,
    never in the shared /tmp, and none is left once the workbook is written."""
    made: list[Path] = []
    mkstemp = tempfile.mkstemp

    def recorded(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, name = mkstemp(*args, **kwargs)
        made.append(Path(name))
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", recorded)
    exports = tmp_path / "run" / "exports"
    exports.mkdir(parents=True)
    rows = pl.DataFrame({"Naam": ["A. Jansen", "B. de Vries"], "Bedrag": ["1234,56", "7,00"]})
    spreadsheets.write_for_people(rows, exports / "x.csv", date(2026, 11, 26))
    assert made
    assert {path.parent.parent for path in made} == {exports}
    assert sorted(p.name for p in exports.iterdir()) == ["x.csv", "x.xlsx"]
    sheet = openpyxl.load_workbook(exports / "x.xlsx")["export"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Naam", "Bedrag"], ["A. Jansen", 1234.56], ["B. de Vries", 7.0]
    ]  # fmt: skip
    assert sheet["B2"].number_format == "#,##0.00"


TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT | TEXT.map(lambda t: f"<r>{t}</r>"), min_size=1, max_size=4))
def test_any_text_is_a_cell_of_its_own_that_reads_back_as_it_was_sent(
    tmp_path: Path, values: list[str]
) -> None:
    """XlsxWriter writes a string that begins with `<r>` and ends with `</r>` as XML of its
    own: a creditor's name such as "<r>Jansen & Zn</r>" broke the workbook, and one with
    XML in it could add cells. Every text reads back as it was, and is the only cell."""
    rows = pl.DataFrame({"Naam": values, "Bedrag": ["1,00"] * len(values)})
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        data = spreadsheets.xlsx(rows, date(2026, 11, 26), Path(scratch))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["export"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [value or None, 1.0] for value in values
    ]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_name_that_is_xml_stays_text() -> None:
    """The value a creditor sent, exactly, however it reads as XML."""
    injected = '<r><t>x</t></r></is></c><c r="C2"><f>HYPERLINK("http://x")</f></c><c><is><r>'
    rows = pl.DataFrame({"Naam": [injected, "<r>Jansen & Zn</r>"]})
    with tempfile.TemporaryDirectory() as scratch:
        data = spreadsheets.xlsx(rows, date(2026, 11, 26), Path(scratch))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["export"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Naam"], [injected], ["<r>Jansen & Zn</r>"]
    ]  # fmt: skip


def test_a_full_disk_while_a_workbook_is_packaged_is_the_error_it_is_and_nothing_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XlsxWriter's files cannot be written: the run gets the `OSError` (a full disk
    aborts it with exit 3), no scratch folder stays, and XlsxWriter's zip file is closed
    by then. Left open in the error's frames, it was collected with its buffer at the
    end of the run, closed after it, and printed a traceback on the run's stderr."""

    def full(*_: object, **__: object) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, "No space left on device")

    # The packager's temporary files only: the rows' own still go to disk.
    monkeypatch.setattr(xlsxwriter.packager, "tempfile", SimpleNamespace(mkstemp=full))
    exports = tmp_path / "exports"
    exports.mkdir()
    with pytest.raises(OSError, match="No space left") as raised:
        spreadsheets.write_for_people(pl.DataFrame({"Naam": ["A"]}), exports / "x.csv", DAY)
    assert raised.value.errno == errno.ENOSPC
    left_open = [o for o in gc.get_objects() if isinstance(o, zipfile.ZipFile) and o.fp is not None]
    assert left_open == []
    assert [p.name for p in exports.iterdir()] == ["x.csv"]
