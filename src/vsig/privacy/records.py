"""Records of a CSV file, removed or changed with every other byte kept.

An erasure rewrites partner files as delivered (any encoding, separator and line ending)
and files vsig wrote; a record is found by the line it starts on, as ingest numbered it.
"""

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from vsig.io.files import write_atomic


def rewrite_csv(
    path: Path,
    drop: Callable[[int, dict[str, str]], bool],
    encoding: str = "utf-8",
    separator: str = ";",
) -> bool:
    """Remove the records `drop` picks (by start line and cells), every other byte kept.
    Whether the file changed."""
    kept = _records(path, drop, encoding, separator)
    return kept is not None and _changed(path, "".join(kept).encode(encoding))


def _changed(path: Path, data: bytes) -> bool:
    """Write `data` if it differs from the file: an untouched file keeps its bytes."""
    if path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def _records(
    path: Path,
    drop: Callable[[int, dict[str, str]], bool],
    encoding: str = "utf-8",
    separator: str = ";",
) -> list[str] | None:
    """The file's lines without the records `drop` picks; None when there is no file."""
    table = _read_records(path, encoding, separator)
    if table is None:
        return None
    header, names, records = table
    return header + [
        text
        for start, text, cells in records
        if not drop(start, dict(zip(names, cells, strict=False)))
    ]


def rewrite_cells(path: Path, column: str, change: Callable[[str], str]) -> bool:
    """Change one column's cells (a file written by vsig: UTF-8, `;`); a changed record is
    written anew with its own line ending, every other byte kept. Whether the file changed."""
    table = _read_records(path, "utf-8", ";")
    if table is None or column not in table[1]:
        return False
    header, names, records = table
    at = names.index(column)
    lines = list(header)
    for _start, text, cells in records:
        new = change(cells[at]) if at < len(cells) else None
        if new is None or new == cells[at]:
            lines.append(text)
            continue
        buffer = io.StringIO()
        ending = text[len(text.rstrip("\r\n")) :]
        csv.writer(buffer, delimiter=";", lineterminator=ending).writerow(
            [*cells[:at], new, *cells[at + 1 :]]
        )
        lines.append(buffer.getvalue())
    return _changed(path, "".join(lines).encode("utf-8"))


def _read_records(
    path: Path, encoding: str, separator: str
) -> tuple[list[str], list[str], list[tuple[int, str, list[str]]]] | None:
    """The header's lines, its column names, and each record as its start line, its text
    and its cells; None when there is no file."""
    if not path.is_file():
        return None
    text = path.read_bytes().decode(encoding, errors="replace")
    # A line ends in CRLF, LF or a lone CR, as for the CSV reader that numbered the rows.
    lines = [line for line in re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text) if line]
    reader = csv.reader(iter(lines), delimiter=separator)
    names = [name.lstrip("\ufeff").strip() for name in next(reader, [])]
    header, start = lines[: reader.line_num], reader.line_num + 1
    records = []
    for cells in reader:
        records.append((start, "".join(lines[start - 1 : reader.line_num]), cells))
        start = reader.line_num + 1
    return header, names, records


def lines_where(path: Path, column: str, bsn: str, encoding: str, separator: str) -> set[int]:
    """The start lines of the records whose `column` holds this BSN (digits compared, a
    dropped leading zero restored, as ingest reads it). Only that column: any nine digits
    elsewhere (a klantnummer, a phone, a date) may pass the 11-check too."""
    found: set[int] = set()

    def holds(start: int, cells: dict[str, str]) -> bool:
        if re.sub(r"\D", "", cells.get(column, "")).zfill(9) == bsn:
            found.add(start)
        return False

    _records(path, holds, encoding, separator)
    return found
