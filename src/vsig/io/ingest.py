"""Reading input files into canonical frames, with every row accounted for.

A file is either rejected whole with one reason (it cannot be read, or it is not the layout
it should be), or read row by row: each row is accepted into the canonical frame or lands
in the rejects frame with its line number, column and reason. accepted + rejected = read.
"""

import csv
import hashlib
import io
import mmap
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import pandera.polars as pa
import polars as pl

from vsig import schemas
from vsig.config import Config, Layout
from vsig.contracts import SIGNAL_COLUMNS
from vsig.io import uitkomsten
from vsig.io.sources import KINDS, RENAME, WORKBOOK, Kind, Source, name_problem, source_for
from vsig.rules import normalize
from vsig.schemas import REJECTS

_FAILURE_SCHEMA: Final = {
    "index": pl.UInt32,
    "column": pl.String,
    "check": pl.String,
    "failure_case": pl.String,
}
Content = bytes | mmap.mmap
"""A file's bytes: read, or (a register, which is not archived) mapped, so that a national
BRP extract's two gigabytes stay in the page cache instead of the process."""
LINE = "_regelnummer"
"""Where a row starts in its file, counted as a person counts lines (the header is line 1)."""


@dataclass(frozen=True)
class Ingested:
    source: Source
    sha256: str
    read: int
    accepted: pl.DataFrame
    rejects: pl.DataFrame
    file_reason: str | None = None
    notices: tuple[str, ...] = ()
    unused: int = 0
    """Rows the run had no need of, so neither validated nor kept (see `Needed`)."""
    content: bytes = b""
    """The bytes read, where asked for (`keep`): a consumed file is archived as the run read
    it, not as a partner still writing it may have made it since."""
    organisatie: str | None = None
    """Whose sheet of outcomes a workbook is (`uitkomsten`): its rejects go back to them."""
    delivered_sha256: str = ""
    """The SHA-256 of the file as delivered, where `sha256` is of what was read of it (a
    workbook's entries); the inbox takes a file away only while it is still these bytes."""
    keuzes: pl.DataFrame = field(default_factory=uitkomsten.no_choices)
    """The choices taken from a workbook's sheet "Twijfel" (`uitkomsten`): `regelnummer,
    signaalpartner, signaal_id, keuze`; they count among the rows `read`."""

    @property
    def rejected(self) -> int:
        return self.read - self.accepted.height - self.keuzes.height - self.unused

    @property
    def processes_nothing(self) -> bool:
        """A sheet of outcomes without an entry (sent back unchanged): every night's is the
        same, so it is not kept among the files processed, which may come once."""
        return self.source.path.suffix == WORKBOOK and self.read == self.unused

    @property
    def needs_attention(self) -> bool:
        """Rows were rejected, or the whole file was: even one without a row to count."""
        return self.rejected > 0 or self.file_reason is not None

    def summary(self, name: str) -> dict[str, object]:
        """What happened to the file under `name`, in counts: never a value from it, since
        a value may be a BSN or a name and summaries are printed and logged."""
        return {
            "file": name,
            "kind": self.source.kind,
            "partner": self.source.partner.code if self.source.partner else None,
            "sha256": self.sha256,
            "delivered_sha256": self.delivered_sha256 or self.sha256,
            "read": self.read,
            "accepted": self.accepted.height,
            "rejected": self.rejected,
            "unused": self.unused,
            "file_rejected": self.file_reason,
        }


class RejectedFileError(Exception):
    """The file cannot be processed at all; the message says why in plain words."""


def fields_for(source: Source, processing_date: date) -> dict[str, schemas.Field]:
    if source.kind == "signalen":
        return schemas.signal_fields(source.layout, processing_date)
    if source.kind == "brp":
        return schemas.brp_fields(processing_date)
    if source.kind == "sdd":
        return schemas.sdd_fields()
    return schemas.uitkomst_fields(processing_date)


@dataclass(frozen=True)
class Needed:
    """Which rows of a file to validate and keep, judged from a few of its columns as text:
    of a national BRP extract a night needs only the residents its signals involve, and
    the other columns of the other rows are never even made into values."""

    columns: tuple[str, ...]
    rows: Callable[[pl.DataFrame], pl.Series]


ALWAYS_VALIDATED: Final = 1000
"""The first rows of a file are validated even when not needed, so that a file broken
throughout is found broken, not taken for one that happens to name nobody tonight."""


def validate(
    paths: list[Path],
    config: Config,
    processing_date: date,
    partner: str | None = None,
    kind: str | None = None,
) -> list[Ingested]:
    """`vsig validate`: each file read against its contract, as a night would, and nothing
    processed. A file is what its inbox folder says, or what `partner` or `kind` says.
    Raises ValueError when a file cannot be checked: not a file, an unknown kind or partner."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"--kind {kind!r} is not one of {', '.join(KINDS)}")
    sources = []
    for path in paths:
        if not path.is_file():
            raise ValueError(f"{path} is not a file")
        sources.append(source_for(path, config, partner, kind))  # type: ignore[arg-type]
    return [ingest_file(source, processing_date) for source in sources]


def ingest_file(
    source: Source,
    processing_date: date,
    processed: Mapping[str, str] | None = None,
    needed: Needed | None = None,
    keep: bool = False,
) -> Ingested:
    """Read, map, validate and convert one file; never raises for bad content.

    `processed` maps the SHA-256 of files consumed before to the run that consumed them:
    the same file delivered again is rejected whole, not processed twice. With `needed`,
    only the rows it picks are validated and kept; the others count as `unused`. With
    `keep`, the bytes read stay in the result.
    """
    fields = fields_for(source, processing_date)
    notices: list[str] = []
    named = name_problem(source.path.name)
    if named:  # the run leaves such a file unread (`sources.unread`); `validate` says why
        return _rejected_whole(source, "", b"", f"the file {named}{RENAME}")
    with _contents(source.path, keep) as (data, mapped):
        sha256 = hashlib.sha256(data).hexdigest()
        if source.path.suffix == WORKBOOK:
            return _ingest_workbook(source, bytes(data), sha256, fields, processed, keep)
        content = data if isinstance(data, bytes) and keep else b""
        try:
            _check_new(sha256, processed)
            if source.unknown_partner is not None:
                raise RejectedFileError(
                    f"unknown partner folder {source.unknown_partner!r}: "
                    "no signaalpartner with that code in the config"
                )
            raw, row_rejects, unused = _read_table(data, source, notices, needed)
            _check_unchanged(source.path, mapped)
        except RejectedFileError as reason:
            return replace(_rejected_whole(source, sha256, data, str(reason)), content=content)
    validated = _validated(source, sha256, raw, row_rejects, unused, fields)
    return replace(validated, notices=tuple(notices), content=content)


def _check_new(sha256: str, processed: Mapping[str, str] | None) -> None:
    if processed and sha256 in processed:
        raise RejectedFileError(
            f"the same file (SHA-256) was already processed in run {processed[sha256]}"
        )


def _validated(
    source: Source,
    sha256: str,
    raw: pl.DataFrame,
    row_rejects: pl.DataFrame,
    unused: int,
    fields: Mapping[str, schemas.Field],
) -> Ingested:
    raw = _to_canonical_columns(raw, source.layout, fields)
    accepted, rejects = _validate(raw, fields, source)
    rejects = pl.concat([row_rejects, rejects]).sort(["regelnummer", "kolom"], nulls_last=True)
    read = accepted.height + rejects["regelnummer"].n_unique() + unused
    return Ingested(source, sha256, read, accepted, rejects, unused=unused)


def _ingest_workbook(
    source: Source,
    data: bytes,
    delivered: str,
    fields: Mapping[str, schemas.Field],
    processed: Mapping[str, str] | None,
    keep: bool,
) -> Ingested:
    """A sheet of outcomes come back, known by what was read of it (`Entries.archived`):
    the same entries saved again are the same file, processed once. A workbook that cannot
    be read is archived as nothing: it may hold the names vsig sent in it."""
    try:
        entries = uitkomsten.read(data, source.path.name, LINE)
    except uitkomsten.WorkbookError as problem:
        rejected = _rejected_whole(source, delivered, b"", f"the workbook {problem}")
        return replace(rejected, delivered_sha256=delivered)
    kept = entries.archived()
    sha256 = hashlib.sha256(kept).hexdigest()
    try:
        # A sheet sent back unchanged has nothing to take twice.
        if entries.entered.height or entries.chosen.height:
            _check_new(sha256, processed)
    except RejectedFileError as reason:
        result = _rejected_whole(source, sha256, b"", str(reason))
    else:
        result = _validated(source, sha256, entries.rows, entries.rejects, entries.empty, fields)
        choices = entries.keuzes.height
        result = replace(result, read=result.read + choices, keuzes=entries.keuzes)
    return replace(
        result,
        content=kept if keep else b"",
        organisatie=entries.organisatie,
        delivered_sha256=delivered,
    )


def every_row(source: Source, processing_date: date, needed: Needed | None = None) -> pl.DataFrame:
    """Every row of a file in canonical columns (those `needed`, and some more), rejected
    rows too, each value parsed as far as it parses (null where it does not), with its
    `regelnummer`: where erasure and inzage find a person's rows by what identifies them.
    No rows for a file that cannot be read as its layout at all."""
    fields = fields_for(source, processing_date)
    with _contents(source.path, keep=False) as (data, _mapped):
        try:
            raw, _rejects, _unused = _read_table(data, source, [], needed)
        except RejectedFileError:
            raw = pl.DataFrame(schema={LINE: pl.Int64})
    canonical = _to_canonical_columns(raw, source.layout, fields)
    return schemas.convert(canonical, fields).rename({LINE: "regelnummer"})


def no_rows(kind: Kind) -> pl.DataFrame:
    """An empty frame shaped like the accepted rows of a file of this kind."""
    fields = fields_for(Source(Path(kind), kind), date.min)
    raw = pl.DataFrame(schema=dict.fromkeys([LINE, *fields], pl.String))
    return (
        schemas.convert(raw, fields)
        .with_columns(pl.col(LINE).cast(pl.Int64))
        .rename({LINE: "regelnummer"})
        .with_columns(bestand=pl.lit(None, pl.String))
    )


@contextmanager
def _contents(path: Path, keep: bool) -> Iterator[tuple[Content, os.stat_result | None]]:
    """The file's bytes, read when they are kept (and for an empty file, which cannot be
    mapped), else mapped, with the mapped file's status to check it against later: polars
    reads a mapped file again by its path (`_for_polars`)."""
    if keep or not path.stat().st_size:
        yield path.read_bytes(), None
        return
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield data, os.fstat(handle.fileno())


def _check_unchanged(path: Path, mapped: os.stat_result | None) -> None:
    """The path still names the file that was hashed and checked, as it was then."""
    if mapped is None:
        return
    now = path.stat()
    if (now.st_ino, now.st_size, now.st_mtime_ns) != (
        mapped.st_ino,
        mapped.st_size,
        mapped.st_mtime_ns,
    ):
        raise RejectedFileError(
            "the file changed while it was read: is it still being written? "
            "Run again once it is whole"
        )


_CHUNK: Final = 1 << 26


def _count_lines(data: Content) -> int:
    """Newlines, in slices: a mapped file has no `count` and must not be copied whole."""
    return sum(data[i : i + _CHUNK].count(b"\n") for i in range(0, len(data), _CHUNK))


def _rejected_whole(source: Source, sha256: str, data: Content, reason: str) -> Ingested:
    """One reject for the whole file, its rows counted as lines (of a workbook, none)."""
    rows = max(sum(1 for line in bytes(data).splitlines() if line.strip()) - 1, 0)
    reject = pl.DataFrame(
        [
            {
                "bestand": source.path.name,
                "regelnummer": None,
                "kolom": None,
                "waarde": None,
                "reden": reason,
            }
        ],
        schema=REJECTS,
    )
    return Ingested(source, sha256, rows, pl.DataFrame(), reject, reason)


_BOM: Final = b"\xef\xbb\xbf"
_SOME_TEXT: Final = re.compile(rb"\S")


def _check_bytes(data: Content) -> None:
    if not _SOME_TEXT.search(data):
        raise RejectedFileError("the file is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise RejectedFileError("the file is UTF-16; deliver it as UTF-8")
    if data.find(b"\x00") >= 0:
        raise RejectedFileError("the file holds NUL bytes: it is binary, or UTF-16 without a BOM")


def _decode(data: Content, encoding: str) -> str:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        return bytes(data).decode(codec)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RejectedFileError(
            f"line {line} is not valid {encoding} (byte {error.start}); "
            "is the file saved in another encoding?"
        ) from None


def _as_utf8(data: Content, encoding: str) -> Content:
    """The file as UTF-8 for polars, which checks UTF-8 itself while it parses: a large
    UTF-8 file is not decoded in Python as well (`_decode` finds the line when it fails)."""
    if encoding == "utf-8":
        return data[len(_BOM) :] if data[: len(_BOM)] == _BOM else data
    return _decode(data, encoding).encode("utf-8")


def _for_polars(body: Content, path: Path) -> bytes | str:
    """A mapped UTF-8 file is read by polars from its path, mapping it itself; polars
    would copy a Python buffer whole."""
    return str(path) if isinstance(body, mmap.mmap) else body


def _header(body: Content, separator: str) -> list[str]:
    end = body.find(b"\n")
    head = body[: len(body) if end < 0 else max(end + 1, 65536)].decode("utf-8", errors="replace")
    first = next(csv.reader(io.StringIO(head, newline=""), delimiter=separator), [])
    return [name.strip() for name in first]


def _check_header(header: list[str], expected: Iterable[str], source: Source) -> list[str]:
    """The header holds every required column, each once. The required columns are checked
    first: until they are all there the first line may be data (a file without a header),
    and a message may only quote names of the layout, never a value."""
    present = set(header)
    missing = [name for name in expected if name not in present]
    if missing:
        shown = source.layout.separator.join(expected)
        raise RejectedFileError(
            f"wrong layout: column(s) {missing} missing; the header must hold {shown}"
        )
    doubles = sorted(name for name, count in Counter(header).items() if count > 1)
    if doubles:
        raise RejectedFileError(f"the header names column(s) {doubles} more than once")
    return header


def _check_complete(body: Content, separator: str, width: int) -> None:
    """A last line cut short means the transfer broke off: nothing in the file can be trusted."""
    if body[-1:] in (b"\n", b"\r"):
        return
    last_start = max(body.rfind(b"\n"), body.rfind(b"\r")) + 1
    last = body[last_start:].decode("utf-8", errors="replace")
    fields = next(csv.reader([last], delimiter=separator), [])
    if 0 < len(fields) < width:
        line = _count_lines(body) + 1
        raise RejectedFileError(
            f"the file ends in the middle of line {line} ({len(fields)} of {width} fields): "
            "the delivery looks truncated; ask the partner to send it again"
        )


def _read_table(
    data: Content, source: Source, notices: list[str], needed: Needed | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """The rows of the file as text (the needed ones), rows rejected while parsing, and how
    many rows were not needed."""
    layout = source.layout
    _check_bytes(data)
    body = _as_utf8(data, layout.encoding)
    header = _header(body, layout.separator)
    known = _known_columns(source)
    _check_header(header, _required_columns(source), source)
    _check_complete(body, layout.separator, len(header))
    ignored = [name for name in header if name not in known]
    if ignored:
        notices.append(f"column(s) {ignored} are not part of the layout and were ignored")
    try:
        lines = _count_lines(body) + (body[-1:] != b"\n")
        parse = _for_polars(body, source.path)
        raw, unused = _parse_fast(parse, lines, layout.separator, header, needed)
        row_rejects = pl.DataFrame(schema=REJECTS)
    except pl.exceptions.PolarsError:
        text = _decode(data, layout.encoding)
        raw, row_rejects = _parse_slow(text, layout.separator, header, source.path.name)
        raw, unused = _keep_needed(raw, needed)
    raw = _without_blank_rows(raw, header)
    return raw.select(LINE, *(c for c in header if c in known)), row_rejects, unused


def _keep_needed(raw: pl.DataFrame, needed: Needed | None) -> tuple[pl.DataFrame, int]:
    if needed is None:
        return raw, 0
    keep = _needed_rows(raw, needed)
    return raw.filter(keep), int((~keep).sum())


def _needed_rows(keys: pl.DataFrame, needed: Needed) -> pl.Series:
    """The needed rows, the first rows, and rows blank in the key columns (which may be
    blank lines, and blank lines are no rows, needed or not)."""
    absent = [pl.lit(None, pl.String).alias(c) for c in needed.columns if c not in keys.columns]
    keys = keys.with_columns(absent).select(needed.columns)
    blank = keys.select(pl.all_horizontal(normalize.is_blank(pl.col(c)) for c in needed.columns))
    head = pl.int_range(keys.height, eager=True) < ALWAYS_VALIDATED
    return needed.rows(keys) | head | blank.to_series()


def _without_blank_rows(raw: pl.DataFrame, header: list[str]) -> pl.DataFrame:
    # Only a row whose first field is blank can be blank whole: look at the others for
    # those rows alone, which is all the difference for a file of millions of rows.
    first_blank = raw.filter(normalize.is_blank(pl.col(header[0])))
    blank = first_blank.filter(pl.all_horizontal(normalize.is_blank(pl.col(c)) for c in header))
    return raw.filter(~pl.col(LINE).is_in(blank[LINE].implode())) if blank.height else raw


def _required_columns(source: Source) -> list[str]:
    if source.kind == "signalen":
        return source.layout.header()
    fields = fields_for(source, date.min)
    return [name for name, f in fields.items() if f.required]


def _known_columns(source: Source) -> set[str]:
    if source.kind == "signalen" and not source.layout.is_canonical:
        return set(source.layout.header())
    if source.kind == "signalen":
        return set(SIGNAL_COLUMNS)
    return set(fields_for(source, date.min))


def _parse_fast(
    body: bytes | str, lines: int, separator: str, header: list[str], needed: Needed | None
) -> tuple[pl.DataFrame, int]:
    """Parse with polars; with `needed`, first only its columns, then whole rows for the
    needed rows alone, so a national extract is never held whole as text."""
    options: dict[str, Any] = {
        "separator": separator,
        "has_header": True,
        "new_columns": header,
        "infer_schema": False,
        "raise_if_empty": False,
    }
    if needed is None:
        return _line_numbers(pl.read_csv(body, **options), lines), 0
    present = [header.index(c) for c in needed.columns if c in header]
    keys = pl.read_csv(body, columns=present, **options)
    if lines > keys.height + 1:
        # Fields span lines: a row's line number needs every field of the rows before it.
        return _keep_needed(_line_numbers(pl.read_csv(body, **options), lines), needed)
    keep = _needed_rows(keys, needed)
    del keys  # of a national extract, a gigabyte no longer needed
    rows = (
        pl.scan_csv(body, **options)
        .with_row_index(LINE)
        .filter(pl.col(LINE).is_in(keep.arg_true().implode()))
        .with_columns((pl.col(LINE).cast(pl.Int64) + 2).alias(LINE))
        .collect()
    )
    return rows, int((~keep).sum())


def _line_numbers(frame: pl.DataFrame, lines: int) -> pl.DataFrame:
    """Where each row starts: a quoted field may span lines, so each row starts after the
    lines of the rows before it. When the file has a line per row no field does, and
    millions of fields need no look."""
    newlines = (
        pl.sum_horizontal(pl.all().str.count_matches("\n").fill_null(0))
        if lines > frame.height + 1
        else pl.lit(0)
    )
    return frame.with_columns(
        (pl.int_range(pl.len()) + 2 + newlines.cum_sum().shift(1, fill_value=0))
        .cast(pl.Int64)
        .alias(LINE)
    )


def _parse_slow(
    text: str, separator: str, header: list[str], name: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Row by row, for a file polars refuses: find the rows with too many fields."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    rows: list[list[str | None]] = []
    rejects: list[dict[str, object]] = []
    start = 1
    try:
        next(reader)
        start = reader.line_num + 1
        for record in reader:
            if len(record) > len(header):
                rejects.append(
                    {
                        "bestand": name,
                        "regelnummer": start,
                        "kolom": None,
                        "waarde": None,
                        "reden": f"has {len(record)} fields where the header has {len(header)}",
                    }
                )
            elif record:
                padded = [value or None for value in record]
                rows.append([*padded, *[None] * (len(header) - len(record)), str(start)])
            start = reader.line_num + 1
    except csv.Error as error:
        raise RejectedFileError(f"line {start} cannot be read as CSV: {error}") from None
    frame = pl.DataFrame(
        rows,
        schema=[*header, LINE],
        orient="row",
        schema_overrides=dict.fromkeys(header, pl.String),
    )
    return frame.with_columns(pl.col(LINE).cast(pl.Int64)), pl.DataFrame(rejects, schema=REJECTS)


def _to_canonical_columns(
    raw: pl.DataFrame, layout: Layout, fields: Mapping[str, schemas.Field]
) -> pl.DataFrame:
    """Rename a legacy layout, split a combined house number, add absent optional columns."""
    if not layout.is_canonical:
        raw = raw.rename({k: v for k, v in layout.columns.items() if k in raw.columns})
        if layout.huisnummer_from:
            combined = pl.concat_str(
                [pl.col(c).fill_null("") for c in layout.huisnummer_from], separator=" "
            )
            raw = (
                raw.with_columns(normalize.split_huisnummer(combined).alias("_huisnummer"))
                .unnest("_huisnummer")
                .drop(layout.huisnummer_from)
            )
    absent = [pl.lit(None, pl.String).alias(c) for c in fields if c not in raw.columns]
    return raw.with_columns(absent).select(LINE, *fields)


def _validate(
    raw: pl.DataFrame, fields: Mapping[str, schemas.Field], source: Source
) -> tuple[pl.DataFrame, pl.DataFrame]:
    prepared = schemas.prepare(raw, fields)
    try:
        schemas.schema(fields).validate(prepared, lazy=True)
        failures = pl.DataFrame(schema=_FAILURE_SCHEMA)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.select(
            pl.col("index").cast(pl.UInt32),
            "column",
            "check",
            pl.col("failure_case").cast(pl.String),
        )
    located = failures.join(raw.select(LINE).with_row_index("index"), on="index", how="left")
    rejects = located.select(
        bestand=pl.lit(source.path.name),
        regelnummer=pl.col(LINE),
        kolom=pl.col("column").replace(_partner_column_names(source)),
        waarde=pl.col("failure_case"),
        reden=pl.col("check"),
    )
    good = prepared.filter(~pl.int_range(pl.len()).is_in(failures["index"].implode()))
    accepted = schemas.values(good, fields).rename({LINE: "regelnummer"})
    if source.partner is not None:
        accepted = accepted.with_columns(
            signaalpartner=pl.lit(source.partner.code), soort=pl.lit(source.partner.soort)
        )
    return accepted.with_columns(bestand=pl.lit(source.path.name)), rejects


def _partner_column_names(source: Source) -> dict[str, str]:
    """Canonical column → the name the partner's own header (or the sheet) gives it, for
    the reject."""
    if source.path.suffix == WORKBOOK:
        return uitkomsten.CONTRACT_NAMES
    layout = source.layout
    names = {canonical: theirs for theirs, canonical in layout.columns.items()}
    if layout.huisnummer_from:
        combined = "+".join(layout.huisnummer_from)
        names |= dict.fromkeys(("huisnummer", "huisletter", "huisnummertoevoeging"), combined)
    return names
