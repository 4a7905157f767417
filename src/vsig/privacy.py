"""The AVG duties: retention, erasure on request, inzage, and a purge log without BSNs.

Personal data lives in four places: the state, the run archives, the run outputs and the
inbox's superseded extracts. A purge removes it from all four; the manifests and the purge
log stay and hold none. The purge log names what it removed by a keyed hash (HMAC-SHA-256
with a secret kept outside the home): a plain hash of a BSN is undone by trying all 10^9.
"""

import csv
import hmac
import io
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import polars as pl

from vsig import audit, exports, normalize
from vsig.cases import INACTIVE
from vsig.config import Config, Layout
from vsig.files import crash_point, write_atomic, write_parquet_atomic
from vsig.home import MANIFEST, Home
from vsig.ingest import extract_date
from vsig.letters import bedrag
from vsig.store import Store

SECRET_ENV: Final = "VSIG_SECRET"
SECRET_FILE_ENV: Final = "VSIG_SECRET_FILE"
DEFAULT_SECRET_FILE: Final = Path("vsig.secret")
MIN_SECRET: Final = 32
PURGE_LOG_COLUMNS: Final = ("tijdstip", "verwerkingsdatum", "reden", "soort", "aantal", "kenmerken")
ERASED: Final = "erased_on_request"
ERASED_BY_RETENTION: Final = "erased_by_retention"
CLOSED: Final = "zaak_gesloten"
"""The kind under which a purge records the cases it closed (not deleted) for inactivity."""


class SecretError(Exception):
    """No usable secret for the purge log's keyed hashes; the message says what to do."""


def secret_path(config: Config) -> Path:
    return Path(os.environ.get(SECRET_FILE_ENV) or config.secret_file or DEFAULT_SECRET_FILE)


def load_secret(config: Config, home: Path) -> bytes:
    """The purge log's key: VSIG_SECRET, else the secret file (never inside the home)."""
    value = os.environ.get(SECRET_ENV)
    if value is None:
        path = secret_path(config)
        if path.resolve().is_relative_to(home.resolve()):
            raise SecretError(
                f"the secret file {path} lies inside the data home {home}; keep it outside, "
                "so that a copy of the home cannot undo the purge log's hashes"
            )
        try:
            _check_private(path)
            value = path.read_text(encoding="utf-8").strip()
        except OSError:
            raise SecretError(
                f"no secret: set {SECRET_ENV}, or put one in {path} (or the file named by "
                f"{SECRET_FILE_ENV} or `secret_file` in the config); `vsig samples` makes one"
            ) from None
    if len(value) < MIN_SECRET:
        raise SecretError(f"the secret is shorter than {MIN_SECRET} characters")
    return value.encode("utf-8")


def _check_private(path: Path) -> None:
    """The key is a regular file of this user's, readable by nobody else: anyone who can read
    it can undo the purge log's pseudonyms. (A FIFO would hang the run holding the lock.)"""
    about = path.stat()
    if not stat.S_ISREG(about.st_mode):
        raise SecretError(f"the secret file {path} is not a regular file")
    if about.st_uid != os.getuid() or about.st_mode & 0o077:
        raise SecretError(
            f"the secret file {path} must be this user's and readable by nobody else; "
            f"run: chmod 600 {path}"
        )


def create_secret(path: Path) -> bool:
    """Write a new random secret, readable by its owner only; False when one exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def keyed(secret: bytes, kind: str, value: str) -> str:
    """A pseudonym for an identifier that only the secret's holder can recompute."""
    return hmac.new(secret, f"{kind}:{value}".encode(), "sha256").hexdigest()


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


@dataclass
class Purged:
    """What a purge removed, per kind of record, by identifier."""

    reden: str
    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, identifiers: Iterable[str]) -> None:
        found = sorted(set(identifiers))
        if found:
            self.ids.setdefault(kind, []).extend(found)

    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in sorted(self.ids.items())}


@dataclass(frozen=True)
class _Erased:
    """What an erasure removes from the runs: these signals, events and cases, and the
    register rows of `people` and of everyone else at `adressen` (with `households`: also
    where `people` lived in that run) but those to `keep`: the household of an erased case."""

    signals: pl.DataFrame
    events: pl.DataFrame
    cases: list[str]
    people: frozenset[str]
    adressen: frozenset[str] = frozenset()
    keep: frozenset[str] = frozenset()
    households: bool = False


def append_log(home: Home, purged: Purged, day: date, secret: bytes) -> None:
    """Add the purge to the append-only log: counts and keyed hashes, never a value."""
    if not purged.ids:
        return
    path = home.purge_log
    new = not path.exists()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        if new:
            writer.writerow(PURGE_LOG_COLUMNS)
        for kind, ids in sorted(purged.ids.items()):
            hashed = " ".join(keyed(secret, kind, i) for i in ids)
            writer.writerow([now, day.isoformat(), purged.reden, kind, len(ids), hashed])


def purge(db: Store, home: Home, config: Config, day: date, secret: bytes) -> list[Purged]:
    """Close cases without activity for `case_close_after_days`, then delete what retention
    no longer allows: cases whose last activity is more than `retention.months` ago, signals
    that never joined a case received that long ago, run folders that old, and delivered
    letters and exports past `outputs_keep_days`. What went is also scrubbed from the runs
    kept since, whose replay then says so. Needs no run to have happened.

    Each part is written to the purge log before the state lets go of it, and the files go
    before the state: a purge killed midway finds the same work again (a log line may come
    twice, never go missing). Returns what went, per reason."""
    closed = Purged("retention")
    closed.add(CLOSED, db.inactive_cases(day - timedelta(days=config.case_close_after_days)))
    append_log(home, closed, day, secret)
    db.close_cases(closed.ids.get(CLOSED, []), day, INACTIVE)
    purges = [closed, _expire(db, home, config, day, secret)]
    if config.retention.outputs_keep_days is not None:
        outputs = Purged("outputs")
        delivered = db.runs_before(day - timedelta(days=config.retention.outputs_keep_days))
        outputs.add("run", [r for r in delivered if _remove_delivered(home.outputs(r))])
        append_log(home, outputs, day, secret)
        purges.append(outputs)
    return purges


def _expire(db: Store, home: Home, config: Config, day: date, secret: bytes) -> Purged:
    """Retention's deletions: the files first, then the log, then the state."""
    cutoff = months_before(day, config.retention.months)
    retention = Purged("retention")
    old_runs = db.runs_before(cutoff)
    stale = db.cases_last_active_before(cutoff)
    erased = _Erased(*db.expiring(stale, old_runs), stale, frozenset())
    for run_id in old_runs:
        if _remove_run_folders(home, run_id):
            retention.add("run", [run_id])
    later = set(erased.signals["run_id"]) | set(erased.events["run_id"])
    scrubbed = sorted((later | _runs_mentioning(home, stale)) - set(old_runs))
    gone = _erased_people(db, erased, _case_addresses(home, scrubbed, stale))
    for run_id in scrubbed:
        _erase_in_run(home, config, run_id, gone, ERASED_BY_RETENTION, secret)
    retention.add("run_geschoond", scrubbed)
    retention.add("extract", _remove_old_extracts(home, cutoff))
    retention.add("rapport", _remove_old_reports(home, cutoff))
    retention.add("zaak", stale)
    retention.add("signaal", _signal_ids(erased.signals))
    crash_point("erasure-files")
    append_log(home, retention, day, secret)
    crash_point("erasure-logged")
    db.delete_cases(stale)
    db.delete_unbundled_signals(old_runs)
    return retention


def _signal_ids(signals: pl.DataFrame) -> list[str]:
    return [f"{p}/{i}" for p, i in signals.select("signaalpartner", "signaal_id").rows()]


def _case_addresses(home: Home, runs: list[str], zaak_ids: list[str]) -> frozenset[str]:
    """Where the cases lived in these runs, as their archived state slices say."""
    found: set[str] = set()
    for run_id in runs:
        path = home.archived(run_id) / audit.STATE / "zaken.parquet"
        if path.is_file():
            rows = pl.read_parquet(path, columns=["zaak_id", "adres_sleutel"])
            found |= set(rows.filter(pl.col("zaak_id").is_in(zaak_ids))["adres_sleutel"])
    return frozenset(found)


def _erased_people(db: Store, erased: _Erased, lived: frozenset[str]) -> _Erased:
    """The erasure with `people`: those it was about (and any it already names) of whom
    the state keeps nothing besides the erased signals, and the addresses its cases and
    signals had (`lived`, and the signals' own), whose other residents go too unless the
    state still holds something about them."""
    named = pl.concat([erased.signals["bsn"], erased.signals["persoon_bsn"]]).drop_nulls()
    kept = db.people_held(besides=erased.signals)
    people = (frozenset(named.to_list()) | erased.people) - kept
    adressen = lived | frozenset(erased.signals["adres_sleutel"].drop_nulls().to_list())
    return replace(erased, people=people, adressen=adressen, keep=kept, households=True)


def _remove_run_folders(home: Home, run_id: str) -> bool:
    """The run's archive and outputs, all but the manifest."""
    removed = False
    archive = home.archived(run_id)
    if archive.exists():
        shutil.rmtree(archive)
        removed = True
    out = home.outputs(run_id)
    for path in sorted(out.iterdir()) if out.is_dir() else []:
        if path.name != MANIFEST:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed = True
    return removed


def _remove_delivered(out: Path) -> bool:
    removed = False
    for name in ("letters", "exports"):
        if (out / name).exists():
            shutil.rmtree(out / name)
            removed = True
    return removed


def _remove_old_reports(home: Home, cutoff: date) -> list[str]:
    """Reports written (e.g. a CBS delivery, which names people) before the cutoff."""
    removed = []
    for path in sorted(home.reports.glob("*")):
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
        if path.is_file() and written < cutoff:
            path.unlink()
            removed.append(path.name)
    return removed


def _remove_reports_naming(home: Home, people: set[str]) -> list[str]:
    """Reports (a CBS delivery, say) that name one of these people: delivered already, and
    not to be kept with them in it."""
    removed = []
    for path in sorted(home.reports.glob("*")):
        data = path.read_bytes() if path.is_file() else b""
        if any(bsn.encode() in data for bsn in people):
            path.unlink()
            removed.append(path.name)
    return removed


def _remove_old_extracts(home: Home, cutoff: date) -> list[str]:
    """Superseded BRP and SDD extracts past retention; the newest of each kind stays."""
    removed = []
    for kind in ("brp", "sdd"):
        files = sorted(home.extracts(kind), key=lambda p: (extract_date(p), p.name))
        for path in files[:-1]:
            if extract_date(path) < cutoff:
                path.unlink()
                removed.append(f"{kind}/{path.name}")
    return removed


@dataclass(frozen=True)
class Subject:
    """Whom an erasure or inzage is about: one person by BSN, or a household by address."""

    bsn: str | None = None
    adres_sleutel: str | None = None

    @property
    def kind(self) -> str:
        return "persoon" if self.bsn else "adres"

    @property
    def value(self) -> str:
        return self.bsn or self.adres_sleutel or ""


def address_key(postcode: str, huisnummer: str, huisletter: str = "", toevoeging: str = "") -> str:
    """The address key of the parts as a person types them; ValueError when not valid."""
    key = normalize.address_key(postcode, huisnummer, huisletter, toevoeging)
    if key is None:
        raise ValueError("not a valid address: postcode 1234AB, house number, letter, addition")
    return key


_SIGNAL_KEY = ("signaalpartner", "signaal_id")


def forget(
    db: Store, home: Home, config: Config, subject: Subject, day: date, secret: bytes
) -> Purged:
    """Erase a person or household now: state, archives and kept outputs.

    A case is a household's; a person's case goes whole. Runs whose archive or outputs lost
    rows are marked in their manifest, so a replay says why it cannot reproduce them.
    """
    purged = Purged("request")
    signals = db.signals_about(subject.bsn, subject.adres_sleutel)
    cases = db.cases_at(signals["zaak_id"].drop_nulls().unique().to_list(), subject.adres_sleutel)
    events = db.event_places(cases)
    people = frozenset([subject.bsn] if subject.bsn else [])
    touched = sorted(
        set(signals["run_id"])
        | set(events["run_id"])
        | _runs_mentioning(home, cases)
        | _runs_registering(home, people)
    )
    at = frozenset([subject.adres_sleutel] if subject.adres_sleutel else [])
    erased = _erased_people(
        db,
        _Erased(signals, events, cases, people),
        at | _case_addresses(home, touched, cases),
    )
    for run_id in touched:
        _erase_in_run(home, config, run_id, erased, ERASED, secret)
    _erase_in_extracts(home, subject)
    if subject.bsn:
        rejected = _erase_rejected_rows(home, config, subject.bsn, secret)
        touched = sorted(set(touched) | rejected)
    named = {subject.bsn} if subject.bsn else set()
    named |= set(pl.concat([signals["bsn"], signals["persoon_bsn"]]).drop_nulls().to_list())
    purged.add("rapport", _remove_reports_naming(home, named))
    purged.add(subject.kind, [subject.value])
    purged.add("zaak", cases)
    purged.add("signaal", _signal_ids(signals))
    purged.add("run", touched)
    crash_point("erasure-files")
    append_log(home, purged, day, secret)  # before the state lets go: see `purge`
    crash_point("erasure-logged")
    db.delete_cases(cases)
    db.delete_signals(signals.select("run_id", "signaalpartner", "signaal_id").rows())
    return purged


def _runs_registering(home: Home, people: frozenset[str]) -> set[str]:
    """Runs whose archived BRP rows hold one of these people: as a debtor, or as someone
    who lived with one (named among the residents in that run's exports)."""
    found = set()
    for path in sorted(home.archive.glob(f"*/{audit.REGISTERS}/brp.parquet")):
        if pl.read_parquet(path, columns=["bsn"])["bsn"].is_in(sorted(people)).any():
            found.add(path.relative_to(home.archive).parts[0])
    return found


def _runs_mentioning(home: Home, cases: list[str]) -> set[str]:
    """Runs whose outputs or archived state slice name one of the cases (e.g. the night a
    case moved, or was read because a neighbour's signal came in)."""
    if not cases:
        return set()
    found = set()
    for table in sorted(home.out.glob("*/cases.csv")):
        if any(case in table.read_text(encoding="utf-8-sig") for case in cases):
            found.add(table.parent.name)
    for path in sorted(home.archive.glob(f"*/{audit.STATE}/zaken.parquet")):
        if pl.read_parquet(path, columns=["zaak_id"])["zaak_id"].is_in(cases).any():
            found.add(path.parent.parent.name)
    return found


def _erase_in_run(
    home: Home,
    config: Config,
    run_id: str,
    erased: _Erased,
    marker: str,
    secret: bytes,
) -> None:
    archive, out = home.archived(run_id), home.outputs(run_id)
    mine = erased.signals.filter(pl.col("run_id") == run_id)
    with _marked(home, run_id, marker, secret):
        for (partner, bestand), rows in mine.group_by("signaalpartner", "bestand"):
            found = config.partner(str(partner))
            layout = found.layout if found else Layout()
            _rewrite_csv(
                archive / "signalen" / str(partner) / str(bestand),
                _starting_on(rows),
                layout.encoding,
                layout.separator,
            )
        for (bestand,), rows in erased.events.filter(pl.col("run_id") == run_id).group_by(
            "bestand"
        ):
            _rewrite_csv(archive / "uitkomsten" / str(bestand), _starting_on(rows))
        named = _names_in(archive, erased.people)
        _erase_in_archive_tables(archive, erased, mine)
        _erase_in_outputs(out, erased, mine, named)


def _erase_in_extracts(home: Home, subject: Subject) -> None:
    """The subject's rows in the BRP and SDD extracts waiting in the inbox."""
    people = {subject.bsn} if subject.bsn else set()
    for path in home.extracts("brp"):
        if subject.adres_sleutel:
            brp = pl.read_csv(path, separator=";", infer_schema=False)
            at = brp.filter(_at(subject.adres_sleutel, parsed=False))
            people |= set(at["bsn"].drop_nulls().to_list())
    for kind in ("brp", "sdd"):
        for path in home.extracts(kind):
            _rewrite_csv(path, lambda _start, cells: cells.get("bsn", "").strip() in people)


def _erase_rejected_rows(home: Home, config: Config, bsn: str, secret: bytes) -> set[str]:
    """The person's rows that were rejected, so never in the state: in the archived partner
    files (found by the BSN column, however the partner writes it) and in the runs' rejects
    files. Returns the runs whose files changed."""
    runs = set()
    for path in sorted(home.archive.glob("*/signalen/*/*")):
        partner = config.partner(path.parent.name)
        layout = partner.layout if partner else Layout()
        column = next((k for k, v in layout.columns.items() if v == "bsn"), "bsn")
        lines = _lines_where(path, column, bsn, layout.encoding, layout.separator)
        if lines:
            run_id = path.relative_to(home.archive).parts[0]
            with _marked(home, run_id, ERASED, secret):
                _erase_lines(home, run_id, path, lines, layout)
            runs.add(run_id)
    return runs


def _erase_lines(home: Home, run_id: str, path: Path, lines: set[int], layout: Layout) -> None:
    """These records of an archived file, and the reject rows that name their lines."""

    def rejected_here(_start: int, cells: dict[str, str]) -> bool:
        line = cells.get("regel", "")
        return cells.get("bestand") == path.name and line.isdigit() and int(line) in lines

    _rewrite_csv(path, lambda start, _cells: start in lines, layout.encoding, layout.separator)
    for rejects in sorted((home.outputs(run_id) / "rejects").glob("*.csv")):
        _rewrite_csv(rejects, rejected_here)


def _lines_where(path: Path, column: str, bsn: str, encoding: str, separator: str) -> set[int]:
    """The start lines of the records whose `column` holds this BSN (digits compared)."""
    found: set[int] = set()

    def holds(start: int, cells: dict[str, str]) -> bool:
        if re.sub(r"\D", "", cells.get(column, "")) == bsn:
            found.add(start)
        return False

    _records(path, holds, encoding, separator)
    return found


def _starting_on(rows: pl.DataFrame) -> Callable[[int, dict[str, str]], bool]:
    """Picks the records that start on the rows' `regel`: where ingest found them."""
    lines = set(rows["regel"].to_list())
    return lambda start, _cells: start in lines


def _rewrite_csv(
    path: Path,
    drop: Callable[[int, dict[str, str]], bool],
    encoding: str = "utf-8",
    separator: str = ";",
) -> None:
    """Remove the records `drop` picks (by start line and cells), every other byte kept."""
    kept = _records(path, drop, encoding, separator)
    if kept is not None:
        write_atomic(path, "".join(kept).encode(encoding))


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


def _rewrite_cells(path: Path, column: str, change: Callable[[str], str]) -> None:
    """Change one column's cells (a file written by vsig: UTF-8, `;`); a changed record is
    written anew with its own line ending, every other byte kept."""
    table = _read_records(path, "utf-8", ";")
    if table is None or column not in table[1]:
        return
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
    write_atomic(path, "".join(lines).encode("utf-8"))


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


def _erase_in_archive_tables(archive: Path, erased: _Erased, signals: pl.DataFrame) -> None:
    """The archived extract rows and state slice about the erased."""
    registers = archive / audit.REGISTERS
    people = set(erased.people)
    brp_path = registers / "brp.parquet"
    if brp_path.is_file():
        brp = pl.read_parquet(brp_path).with_columns(sleutel=normalize.adres_sleutel())
        homes = set(erased.adressen)
        if erased.households:
            homes |= set(brp.filter(pl.col("bsn").is_in(erased.people))["sleutel"])
        at = brp.filter(pl.col("sleutel").is_in(homes))
        people |= set(at["bsn"].drop_nulls().to_list()) - erased.keep
    for kind in ("brp", "sdd"):
        path = registers / f"{kind}.parquet"
        if path.is_file():
            rows = pl.read_parquet(path)
            kept = rows.filter(~pl.col("bsn").is_in(sorted(people)).fill_null(False))
            write_parquet_atomic(kept, path)
    for table in audit.STATE_TABLES:
        path = archive / audit.STATE / f"{table}.parquet"
        if path.is_file() and table != "bestanden":
            rows = pl.read_parquet(path).with_row_index("_rij")
            erased_rows = rows.filter(pl.col("zaak_id").is_in(erased.cases).fill_null(False))
            if table == "signalen":  # a signal is its partner's id: another partner's stays
                theirs = rows.join(signals.select(*_SIGNAL_KEY), on=list(_SIGNAL_KEY))
                erased_rows = pl.concat([erased_rows, theirs])
            left = rows.join(erased_rows.select("_rij"), on="_rij", how="anti")
            write_parquet_atomic(left.sort("_rij").drop("_rij"), path)


def _at(adres_sleutel: str, parsed: bool = True) -> pl.Expr:
    """Rows at this address; `parsed=False` for raw extract text, normalised first."""
    if parsed:
        return normalize.adres_sleutel() == adres_sleutel
    written = normalize.adres_sleutel_uit_tekst(
        pl.col("postcode"),
        pl.col("huisnummer"),
        pl.col("huisletter"),
        pl.col("huisnummertoevoeging"),
    )
    return written == adres_sleutel


def _names_in(archive: Path, people: frozenset[str]) -> list[str]:
    """The names of these people as the run's exports wrote them, from its BRP rows."""
    path = archive / audit.REGISTERS / "brp.parquet"
    if not path.is_file():
        return []
    rows = pl.read_parquet(path).filter(pl.col("bsn").is_in(sorted(people)))
    return rows.select(exports.naam())["voorletters"].to_list()


def _erase_in_outputs(out: Path, erased: _Erased, signals: pl.DataFrame, named: list[str]) -> None:
    """Rows about the subject in every kept CSV, the names of the erased people where they
    are listed among a household's residents, and the letters to the household. A print
    file holding one of its letters goes whole: it cannot be rebuilt without the others'."""
    if not out.is_dir():
        return
    ids = set(signals.select(*_SIGNAL_KEY).rows())
    index = out / "letters" / "index.csv"
    if index.is_file():
        letters = pl.read_csv(index, separator=";", infer_schema=False)
        for row in letters.filter(pl.col("zaak_id").is_in(erased.cases)).iter_rows(named=True):
            (out / "letters" / row["bestand"]).unlink(missing_ok=True)
            (out / "letters" / row["printbestand"]).unlink(missing_ok=True)

    for table in sorted(out.rglob("*.csv")):
        # A feedback file is one partner's: its rows name no partner, the file does.
        partner = table.stem if table.parent.name == "terugmelding" else None

        def about(_start: int, cells: dict[str, str], partner: str | None = partner) -> bool:
            signal = (cells.get("signaalpartner", partner), cells.get("signaal_id"))
            return (
                cells.get("zaak_id") in erased.cases
                or signal in ids
                or cells.get("waarde") in erased.people
            )

        _rewrite_csv(table, about)
        if named:
            _rewrite_cells(table, RESIDENTS_COLUMN, lambda cell: _without(cell, named))


RESIDENTS_COLUMN: Final = "bewoners"


def _without(cell: str, names: list[str]) -> str:
    """A residents cell without these names, each taken out once: two residents may share
    initials and a surname, and only the erased one goes."""
    listed = cell.split(exports.LIST_SEPARATOR) if cell else []
    for name in names:
        if name in listed:
            listed.remove(name)
    return exports.LIST_SEPARATOR.join(listed)


@contextmanager
def _marked(home: Home, run_id: str, marker: str, secret: bytes) -> Iterator[None]:
    """Around an erasure's rewrites in one run. Afterwards its manifest says why its replay
    cannot reproduce it, records the new hashes of the archive files the erasure rewrote,
    and is sealed anew. An archive file that did not match its record before keeps that
    record, and a manifest whose seal did not hold is not sealed now: an erasure never
    makes tampering pass."""
    path, archive = home.manifest_path(run_id), home.archived(run_id)
    before = audit.hashes(archive) if archive.is_dir() else {}
    yield
    if not path.is_file():
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    trusted = audit.sealed(manifest, secret)
    after = audit.hashes(archive) if archive.is_dir() else {}
    manifest[marker] = True
    manifest["archive"] = {
        relative: after.get(relative, digest) if before.get(relative) == digest else digest
        for relative, digest in manifest["archive"].items()
    }
    audit.write_manifest(path, manifest, secret if trusted else None)
    crash_point("erasure-run")


def inzage(db: Store, home: Home, config: Config, bsn: str, day: date) -> dict[str, Any]:
    """Everything held about one person, and when it will be deleted (AVG art. 15)."""
    own = db.person_signals(bsn)
    cases = db.cases(own["zaak_id"].drop_nulls().unique().sort().to_list())
    months = config.retention.months
    return {
        "bsn": bsn,
        "opgesteld": day.isoformat(),
        "signalen": [
            {
                "signaalpartner": row["signaalpartner"],
                "soort": row["soort"],
                "signaal_id": row["signaal_id"],
                "bedrag": row["bedrag"],
                "bedrag_tekst": bedrag(row["bedrag"]),
                "signaaldatum": row["signaaldatum"].isoformat(),
                "ontvangen": row["verwerkingsdatum"].isoformat(),
                "status": row["status"],
                "zaak_id": row["zaak_id"],
                "verwijderd_uiterlijk": None
                if row["zaak_id"]
                else _after(row["verwerkingsdatum"], months),
            }
            for row in own.iter_rows(named=True)
        ],
        "zaken": [_case_for_inzage(db, home, config, row) for row in cases.iter_rows(named=True)],
    }


def _case_for_inzage(db: Store, home: Home, config: Config, case: dict[str, Any]) -> dict[str, Any]:
    zaak_id = case["zaak_id"]
    routes = db.routes_of(zaak_id).select("run_id", "regel")
    actions = db.actions_of(zaak_id).select("run_id", "actie", "soort", "template", "uiterlijk")
    events = db.events_of(zaak_id).select("datum", "gebeurtenis", "waarde")
    deleted = _after(case["laatste_activiteit"], config.retention.months)
    if not case["gesloten"]:
        deleted += ", of later als er nog een melding of contact volgt"
    return {
        "zaak_id": zaak_id,
        "adres": case["adres_sleutel"],
        "gemeentecode": case["gemeentecode"],
        "geopend": case["geopend"].isoformat(),
        "gesloten": case["gesloten"].isoformat() if case["gesloten"] else None,
        "routes": routes.rows(named=True),
        "acties": [
            {**row, "uiterlijk": row["uiterlijk"].isoformat() if row["uiterlijk"] else None}
            for row in actions.iter_rows(named=True)
        ],
        "gebeurtenissen": [
            {**row, "datum": row["datum"].isoformat()} for row in events.iter_rows(named=True)
        ],
        "bestanden": _files_naming(home, zaak_id),
        "verwijderd_uiterlijk": deleted,
    }


def _after(day: date, months: int) -> str:
    return months_before(day, -months).isoformat()


def _files_naming(home: Home, zaak_id: str) -> list[str]:
    """The letters and exports of kept runs in which the case appears."""
    found = []
    for path in sorted(home.out.glob("*/**/*")):
        letter = path.suffix == ".pdf" and path.name.startswith(zaak_id)
        export = path.suffix == ".csv" and "exports" in path.parts
        if letter or (export and zaak_id in path.read_text(encoding="utf-8-sig")):
            found.append(str(path.relative_to(home.out)))
    return found
