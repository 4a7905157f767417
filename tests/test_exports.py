"""Excel-safe CSV: every text cell a spreadsheet would run is made plain text."""

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsig import exports


def written(tmp_path: Path, values: list[str | None]) -> list[str]:
    path = exports.write_csv(
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
        assert not cell.startswith(exports.FORMULA_STARTS)
        risky = value.startswith(exports.FORMULA_STARTS)
        assert cell == (f"'{value}" if risky else value)
