"""Whatever a file holds, ingest never crashes and accounts for every row."""

import csv
import io

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from vsig.config import Config
from vsig.contracts import SIGNAL_COLUMNS
from vsig.io import ingest, sources

from .conftest import PROCESSING_DATE

CELL = st.one_of(
    st.sampled_from(
        ["", " ", "ja", "12", "12A-2", "3311 ab", "1.234,56", "2026-11-20", "111222333"]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=12),
)
ROW = st.lists(CELL, min_size=len(SIGNAL_COLUMNS), max_size=len(SIGNAL_COLUMNS))
SETTINGS = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _blank(cell: str) -> bool:
    """A cell of Unicode white space only, as ingest strips it: Python's `isspace` also
    counts the separators \x1c-\x1f, which are no white space to Unicode (and to polars),
    so a line holding one is a record, refused with its reasons, not a blank line."""
    return all(c.isspace() and c not in "\x1c\x1d\x1e\x1f" for c in cell)


@SETTINGS
@given(st.lists(ROW, max_size=12))
@example([[""] * (len(SIGNAL_COLUMNS) - 1) + ["\x1f"]])
def test_valid_looking_rows_are_all_accounted_for(tmp_path_factory, config: Config, rows) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(SIGNAL_COLUMNS)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("inbox") / "signalen" / "VGZ" / "a.csv"
    path.parent.mkdir(parents=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")

    result = ingest.ingest_file(sources.source_for(path, config), PROCESSING_DATE)

    records = [r for r in rows if not all(map(_blank, r))]
    assert result.file_reason is None
    assert result.read == len(records)
    assert result.accepted.height + result.rejected == result.read
    lines = set(result.accepted["regelnummer"].to_list()) | set(
        result.rejects["regelnummer"].to_list()
    )
    assert len(lines) == result.read


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, config: Config, data: bytes) -> None:
    path = tmp_path_factory.mktemp("inbox") / "signalen" / "VGZ" / "a.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(CANONICAL + data)
    result = ingest.ingest_file(sources.source_for(path, config), PROCESSING_DATE)
    assert result.accepted.height + result.rejected == result.read


CANONICAL = (";".join(SIGNAL_COLUMNS) + "\n").encode()
