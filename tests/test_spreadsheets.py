"""Excel-safe CSV: every text cell a spreadsheet would run is made plain text."""

import csv
import io
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsig.config import Config
from vsig.io import spreadsheets
from vsig.io.ingest import Ingested
from vsig.io.sources import Source
from vsig.schemas import REJECTS


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
