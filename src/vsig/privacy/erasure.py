"""Erasure on request (`vsig forget`): a person or household, from everywhere.

Personal data lives in four places: the state, the run archives, the run outputs and the
inbox's extracts. An erasure removes it from all four: the files first, then the purge log,
then the state, so that an erasure killed midway finds the same work again. Runs whose
files changed are marked in their manifest, so their replay says why it cannot reproduce
them.
"""

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Final

import polars as pl
from stdnum.nl import bsn as stdnum_bsn

from vsig import audit
from vsig.config import Config, Layout
from vsig.contracts import SIGNAL_KEY
from vsig.io import ingest, uitkomsten
from vsig.io.files import crash_point, private_files, write_atomic, write_parquet_atomic
from vsig.io.home import Home, run_date
from vsig.io.sources import WORKBOOK, Source, rejects_of
from vsig.io.state import upkeep
from vsig.io.state.lock import WRITER_WAIT, locked
from vsig.io.state.store import Store
from vsig.io.state.upkeep import clear_leftovers, erasing
from vsig.privacy import uitsluitingen
from vsig.privacy.purge_log import ERASED, Purged, append_log
from vsig.privacy.records import lines_where, rewrite_cells, rewrite_csv
from vsig.rules import berichten, exports, formats, normalize
from vsig.rules.formats import LIST_SEPARATOR

UNLISTED: Final = "uitsluiting"
"""The kind under which an erasure records the entries it took off the exclusion list."""
NO_MESSAGES: Final = "geen_berichten"
"""The kind under which it records the addresses it took off the list of those who want
no messages."""


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

    @classmethod
    def person(cls, bsn: str) -> "Subject":
        """One person, by a BSN as typed; ValueError when it is not a valid BSN."""
        number = bsn.strip()
        if not stdnum_bsn.is_valid(number):
            raise ValueError("not a valid BSN (9 digits, 11-check)")
        return cls(bsn=number)

    @classmethod
    def household(cls, address: str) -> "Subject":
        """A household, by its address as a person types it ("3311 AB 12 A", "3311AB
        12-2", "3320AA 3 1" for an addition alone); ValueError when it is not one."""
        parts = address.split()
        if len(parts) >= 2 and re.fullmatch(r"[A-Za-z]{2}", parts[1]):
            parts = [parts[0] + parts[1], *parts[2:]]
        number = _NUMBER.fullmatch(" ".join(parts[1:]))
        key = (
            normalize.adres_sleutel_van(parts[0], *number.groups())
            if number and re.fullmatch(r"\d{4}[A-Za-z]{2}", parts[0])
            else None
        )
        if key is None:
            raise ValueError(
                'not an address: "POSTCODE HUISNUMMER [LETTER] [TOEVOEGING]", e.g. "3311AB '
                '12 A", "3311AB 12-2"'
            )
        return cls(adres_sleutel=key)


_NUMBER: Final = re.compile(
    r"(\d{1,5})(?:\s*([A-Za-z])(?![A-Za-z0-9]))?(?:\s*-?\s*([A-Za-z0-9]{1,4}))?"
)
"""A house number as a person types it after the postcode: the number, a letter (one, on
its own or against the number), an addition (after a space or a dash)."""


def named_bsns(signals: pl.DataFrame) -> frozenset[str]:
    """Every BSN state rows of signals name: as sent, as matched, or as a candidate of the
    household a signal was matched to or of the doubt it waits in."""
    every = [signals["bsn"], signals["persoon_bsn"], signals["kandidaten"].explode()]
    return frozenset(pl.concat(every).drop_nulls().to_list())


def forget(config: Config, home: Home, subject: Subject, day: date, secret: bytes) -> list[Purged]:
    """`vsig forget`: erase one person or household, holding the lock until the state file
    is compacted."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        erasing(home.state)
        with Store.open(home.state) as db:
            purged = erase(db, home, config, subject, day, secret)
        return finish(home, [purged])


def finish(home: Home, purges: list[Purged]) -> list[Purged]:
    """Scrub what the purges removed from the state file (the purge log has it), and give
    them back. Called holding the lock, after the state is closed."""
    crash_point("erasure-state")
    upkeep.erased(home.state, any(p.ids for p in purges))
    return purges


@dataclass(frozen=True)
class Erased:
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


def erase(
    db: Store, home: Home, config: Config, subject: Subject, day: date, secret: bytes
) -> Purged:
    """Erase a person or household now: state, archives and kept outputs.

    A case is a household's; a person's case goes whole. Runs whose archive or outputs lost
    rows are marked in their manifest, so a replay says why it cannot reproduce them.
    """
    purged = Purged("request")
    signals = db.signals_about(subject.bsn, subject.adres_sleutel)
    held = signals["zaak_id"].drop_nulls().unique().to_list() + db.cases_left(signals)
    cases = db.cases_at(held, subject.adres_sleutel)
    events = db.event_places(cases)
    people = frozenset([subject.bsn] if subject.bsn else [])
    touched = sorted(
        set(signals["run_id"])
        | set(events["run_id"])
        | runs_mentioning(home, cases)
        | runs_registering(home, people)
        | runs_holding(home, signals.filter(pl.col("zaak_id").is_null()))
    )
    at = frozenset([subject.adres_sleutel] if subject.adres_sleutel else [])
    erased = erased_people(
        db,
        Erased(signals, events, cases, people),
        at | case_addresses(home, touched, cases),
    )
    known = identities(home, subject, signals, day)
    for run_id in touched:
        erase_in_run(home, config, run_id, erased, ERASED, secret)
    # A signal a person decided for someone else listed them among its candidates on the
    # nights it waited: the state forgot them with the choice, those nights did not.
    listed = candidate_of(home, erased.people).join(signals, on=list(SIGNAL_KEY), how="anti")
    waited_in = {
        run_id
        for run_id in sorted(set(listed["in_run"]) | set(listed["run_id"]))
        if _erase_candidacy(home, run_id, listed, secret)
    }
    configured = _erase_in_archived_configs(home, erased.people, secret)
    touched = sorted(set(touched) | waited_in | configured)
    _erase_in_extracts(home, subject)
    rejected = _erase_rejected_rows(home, config, subject, known, secret)
    touched = sorted(set(touched) | rejected)
    named = {subject.bsn} if subject.bsn else set()
    named |= named_bsns(signals)
    purged.add("rapport", _remove_naming(home.reports, named))
    purged.add("inzage", _remove_naming(home.inzage, named))
    purged.add(subject.kind, [subject.value])
    # Whom the erasure is about leaves the exclusion list too: a household with the
    # address, and each of its people the erasure takes. (From the next night their
    # signals are picked up again; `vsig forget` says so.)
    listed = db.exclusions()
    unlisted = {"persoon": people | (erased.people if at else frozenset()), "adres": at}
    for soort, keys in unlisted.items():
        mine = listed.filter(pl.col("soort") == soort, pl.col("sleutel").is_in(sorted(keys)))
        unlisted[soort] = frozenset(mine["sleutel"])
        purged.add(UNLISTED, (f"{soort}:{key}" for key in unlisted[soort]))
    # Their addresses and numbers leave the list of those who want no messages: whoever
    # writes to them next starts afresh, as after the exclusion list.
    theirs = berichten.contact(signals)
    allowed: dict[str, list[str]] = {}
    for kanaal, adres in db.unwanted().select("kanaal", "adres").rows():
        if (kanaal, adres.lower()) in theirs:
            allowed.setdefault(kanaal, []).append(adres)
    purged.add(NO_MESSAGES, (f"{k}:{a}" for k, found in allowed.items() for a in found))
    purged.add("zaak", cases)
    purged.add("signaal", signal_ids(signals))
    purged.add("run", touched)
    crash_point("erasure-files")
    append_log(home, purged, day, secret)  # before the state lets go: see `retention.retain`
    crash_point("erasure-logged")
    db.delete_cases(cases)
    db.delete_signals(signals.select("run_id", "signaalpartner", "signaal_id").rows())
    for soort, keys in unlisted.items():
        db.delete_exclusions(soort, sorted(keys))
    for kanaal, adressen in allowed.items():
        db.allow_messages(kanaal, adressen)
    return purged


def signal_ids(signals: pl.DataFrame) -> list[str]:
    return [f"{p}/{i}" for p, i in signals.select("signaalpartner", "signaal_id").rows()]


def case_addresses(home: Home, runs: list[str], zaak_ids: list[str]) -> frozenset[str]:
    """Where the cases lived in these runs, as their archived state slices say."""
    found: set[str] = set()
    for run_id in runs:
        path = home.archived(run_id) / audit.STATE_FOLDER / "zaken.parquet"
        if path.is_file():
            rows = pl.read_parquet(path, columns=["zaak_id", "adres_sleutel"])
            found |= set(rows.filter(pl.col("zaak_id").is_in(zaak_ids))["adres_sleutel"])
    return frozenset(found)


def case_persons(home: Home, runs: list[str], zaak_ids: list[str]) -> frozenset[str]:
    """Whom the cases' signals named in these runs, as their archived state slices say: a
    case keeps no signal that left it (a household that parted), but its nights read and
    kept the register rows of the persons that signal named."""
    found: set[str] = set()
    for run_id in runs:
        path = home.archived(run_id) / audit.STATE_FOLDER / "signalen.parquet"
        if path.is_file():
            rows = _naming(path, ["zaak_id"])
            found |= named_bsns(rows.filter(pl.col("zaak_id").is_in(zaak_ids)))
    return frozenset(found)


def _naming(path: Path, columns: list[str]) -> pl.DataFrame:
    """These columns of an archived state slice's signals and whom each names; a slice
    archived before state migration 8 has no `kandidaten`: it named no candidates."""
    named = "kandidaten" in pl.read_parquet_schema(path)
    rows = pl.read_parquet(
        path, columns=[*columns, "bsn", "persoon_bsn", *(["kandidaten"] if named else [])]
    )
    return rows if named else rows.with_columns(kandidaten=pl.lit(None, pl.List(pl.String)))


def erased_people(db: Store, erased: Erased, lived: frozenset[str]) -> Erased:
    """The erasure with `people`: those it was about (and any it already names) of whom
    the state keeps nothing besides the erased signals, and the addresses its cases and
    signals had (`lived`, and the signals' own), whose other residents go too unless the
    state still holds something about them."""
    kept = db.people_held(besides=erased.signals)
    people = (named_bsns(erased.signals) | erased.people) - kept
    adressen = lived | frozenset(erased.signals["adres_sleutel"].drop_nulls().to_list())
    return replace(erased, people=people, adressen=adressen, keep=kept, households=True)


def runs_registering(home: Home, people: frozenset[str]) -> set[str]:
    """Runs whose archived BRP rows hold one of these people: as a debtor, or as someone
    who lived with one (named among the residents in that run's exports)."""
    found = set()
    for path in sorted(home.archive.glob(f"*/{audit.REGISTERS}/brp.parquet")):
        if pl.read_parquet(path, columns=["bsn"])["bsn"].is_in(sorted(people)).any():
            found.add(path.relative_to(home.archive).parts[0])
    return found


def runs_mentioning(home: Home, cases: list[str]) -> set[str]:
    """Runs whose outputs or archived state slice name one of the cases (e.g. the night a
    case moved, or was read because a neighbour's signal came in)."""
    if not cases:
        return set()
    found = set()
    # Each file's case column read once, its ids compared whole: `…-1000` is no part of
    # `…-10000`, and a night with many stale cases reads each file once.
    for table in sorted(home.out.glob("*/cases.csv")):
        named = pl.read_csv(table, separator=";", infer_schema=False, encoding="utf8-lossy")
        column = [c for c in named.columns if c.lstrip("\ufeff") == "zaak_id"]
        if column and named[column[0]].is_in(cases).any():
            found.add(table.parent.name)
    for path in sorted(home.archive.glob(f"*/{audit.STATE_FOLDER}/zaken.parquet")):
        if pl.read_parquet(path, columns=["zaak_id"])["zaak_id"].is_in(cases).any():
            found.add(path.parent.parent.name)
    return found


def runs_holding(home: Home, signals: pl.DataFrame) -> set[str]:
    """Runs whose archived state slice holds one of these signals (`signaalpartner,
    signaal_id`): a signal that waited for a person is read, and archived, by every night
    it waited (each shows it on the sheet "Twijfel")."""
    if not signals.height:
        return set()
    wanted = signals.select(SIGNAL_KEY).unique()
    found = set()
    for path in sorted(home.archive.glob(f"*/{audit.STATE_FOLDER}/signalen.parquet")):
        held = pl.read_parquet(path, columns=list(SIGNAL_KEY))
        if held.join(wanted, on=list(SIGNAL_KEY), how="semi").height:
            found.add(path.parent.parent.name)
    return found


def candidate_of(home: Home, people: frozenset[str]) -> pl.DataFrame:
    """The signals (`signaalpartner, signaal_id` and the `run_id` that received them) each
    night's archived state slice (`in_run`) lists with one of these people among their
    candidates: the nights they waited."""
    schema = dict.fromkeys([*SIGNAL_KEY, "run_id", "in_run"], pl.String)
    found = [pl.DataFrame(schema=schema)]
    for path in sorted(home.archive.glob(f"*/{audit.STATE_FOLDER}/signalen.parquet")):
        rows = _naming(path, [*SIGNAL_KEY, "run_id"])
        listing = pl.col("kandidaten").list.eval(pl.element().is_in(sorted(people))).list.any()
        night = pl.lit(path.parent.parent.name).alias("in_run")
        found.append(rows.filter(listing.fill_null(False)).select(*SIGNAL_KEY, "run_id", night))
    return pl.concat(found).unique().sort(*SIGNAL_KEY, "in_run")


def _erase_candidacy(home: Home, run_id: str, listed: pl.DataFrame, secret: bytes) -> bool:
    """A night as it listed these signals while they waited (`candidate_of`): the rows its
    archived state slice holds naming the erased, and the workbook whose sheet "Twijfel"
    described their candidates, which the night a signal came in wrote too. The signal
    itself, its creditor's file and its feedback stay: it is someone else's debt now.
    Whether the night changed (and is marked)."""
    path = home.archived(run_id) / audit.STATE_FOLDER / "signalen.parquet"
    rows = pl.read_parquet(path) if path.is_file() else None
    keys = listed.filter(pl.col("in_run") == run_id).select(SIGNAL_KEY)
    shown = listed.filter((pl.col("in_run") == run_id) | (pl.col("run_id") == run_id))
    waited = {f"{p}/{i}" for p, i in shown.select(SIGNAL_KEY).rows()}
    workbooks = [
        book
        for book in sorted(home.outputs(run_id).rglob("*.xlsx"))
        if uitkomsten.mentions(book, [], [], waited, {})
    ]
    if not keys.height and not workbooks:
        return False
    with _marked(home, run_id, ERASED, secret):
        if rows is not None and keys.height:
            write_parquet_atomic(rows.join(keys, on=list(SIGNAL_KEY), how="anti"), path)
        for workbook in workbooks:
            workbook.unlink()
    return True


def _erase_in_archived_configs(home: Home, people: frozenset[str], secret: bytes) -> set[str]:
    """The runs from before the exclusion list left the config archived it with their
    config, BSNs in plain text: these people's go. Returns the runs changed."""
    changed = set()
    for path in sorted(home.archive.glob(f"*/{audit.CONFIG}/*")):
        text = path.read_bytes()
        named = [bsn for bsn in sorted(people) if bsn.encode() in text]
        if not named:
            continue
        run_id = path.relative_to(home.archive).parts[0]
        with _marked(home, run_id, ERASED, secret):
            for bsn in named:
                text = text.replace(bsn.encode(), b"verwijderd")
            write_atomic(path, text)
        changed.add(run_id)
    return changed


def runs_waited(home: Home, decided: pl.DataFrame) -> tuple[set[str], frozenset[str]]:
    """The runs before the one that took its choice (`gekozen_in`) whose archived state
    slice holds one of these decided signals, as it waited; and whom those rows named
    (its candidates then)."""
    wanted = decided.select(*SIGNAL_KEY, "gekozen_in")
    found: set[str] = set()
    named: frozenset[str] = frozenset()
    if not wanted.height:
        return found, named
    for path in sorted(home.archive.glob(f"*/{audit.STATE_FOLDER}/signalen.parquet")):
        run_id = path.parent.parent.name
        rows = (
            _naming(path, list(SIGNAL_KEY))
            .join(wanted, on=list(SIGNAL_KEY))
            .filter(pl.col("gekozen_in") > run_id)
        )
        if rows.height:
            found.add(run_id)
            named |= named_bsns(rows)
    return found, named


def _remove_naming(folder: Path, people: set[str]) -> list[str]:
    """Files that name one of these people, with every file of the same name beside them:
    a report (a CBS delivery, delivered already, not to be kept with them in it), or an
    inzage, whose JSON names the BSN and whose PDF (compressed) shows it only once read."""
    named = {
        path.stem
        for path in sorted(folder.glob("*"))
        if path.is_file() and any(bsn.encode() in path.read_bytes() for bsn in people)
    }
    removed = sorted(p.name for p in folder.glob("*") if p.stem in named)
    for name in removed:
        (folder / name).unlink()
    return removed


def erase_in_run(
    home: Home,
    config: Config,
    run_id: str,
    erased: Erased,
    marker: str,
    secret: bytes,
) -> None:
    archive, out = home.archived(run_id), home.outputs(run_id)
    mine = erased.signals.filter(pl.col("run_id") == run_id)
    with _marked(home, run_id, marker, secret):
        for (partner, bestand), rows in mine.group_by("signaalpartner", "bestand"):
            found = config.partner(str(partner))
            layout = found.layout if found else Layout()
            rewrite_csv(
                archive / "signalen" / str(partner) / str(bestand),
                _starting_on(rows),
                layout.encoding,
                layout.separator,
            )
        for (bestand,), rows in erased.events.filter(pl.col("run_id") == run_id).group_by(
            "bestand"
        ):
            kept = archive / "uitkomsten" / str(bestand)
            if kept.suffix == WORKBOOK and kept.is_file():
                lines = rows["regelnummer"].to_list()
                write_atomic(kept, uitkomsten.without_rows(kept.read_bytes(), lines))
            else:
                rewrite_csv(kept, _starting_on(rows))
        named = _names_in(archive, erased.people)
        _erase_in_archive_tables(archive, erased)
        _erase_exclusions(archive, erased, secret)
        _erase_in_outputs(
            out,
            erased,
            named,
            _debts_as_exported(erased.signals, config),
            _contact_as_exported(erased.signals),
            _debts_on_sheet(erased.signals, config),
        )


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
            rewrite_csv(path, lambda _start, cells: cells.get("bsn", "").strip() in people)


def rejected_lines(
    home: Home, config: Config, subject: Subject, known: pl.DataFrame
) -> Iterator[tuple[str, Path, set[int], Layout]]:
    """Where the subject's rows sit in the archived partner files: run, file, start lines
    and the file's layout. Rejected rows are in no state table, only there and in the runs'
    rejects files, so they are found by what identifies them: the BSN column, however the
    partner writes it (in a file rejected whole for its header too); for a person also a
    row without a valid BSN that has their surname, birth date and address as they are
    `known` (`identities`), and no other first initial; for a household, its address (in
    a file that could be read as its layout)."""
    for path in sorted(home.archive.glob("*/signalen/*/*")):
        run_id = path.relative_to(home.archive).parts[0]
        partner = config.partner(path.parent.name)
        layout = partner.layout if partner else Layout()
        lines: set[int] = set()
        if subject.bsn:
            column = next((k for k, v in layout.columns.items() if v == "bsn"), "bsn")
            lines = lines_where(path, column, subject.bsn, layout.encoding, layout.separator)
        source = Source(path, "signalen", partner, None if partner else path.parent.name)
        rows = ingest.every_row(source, run_date(run_id)).with_columns(_identity())
        # A row with someone else's valid BSN is theirs, however alike.
        unnamed = pl.col("bsn").is_null()
        if subject.bsn:
            unnamed |= pl.col("bsn") == subject.bsn
        alike = rows.filter(unnamed).join(known, on=["naam", "geboortedatum", "adres"])
        # Another first initial than the person's is someone else (a twin at home).
        theirs, ours = pl.col("initiaal"), pl.col("initialen")
        hits = alike.filter(theirs.is_null() | (ours.list.len() == 0) | ours.list.contains(theirs))
        lines |= set(hits["regelnummer"].to_list())
        if subject.adres_sleutel:
            at = rows.filter(pl.col("adres") == subject.adres_sleutel)
            lines |= set(at["regelnummer"].to_list())
        if lines:
            yield run_id, path, lines, layout


def identities(home: Home, subject: Subject, signals: pl.DataFrame, day: date) -> pl.DataFrame:
    """Surname (folded), birth date and address of a person, with the first initials known
    with them (`initialen`): as creditors wrote them in the `signals` about them, as the
    runs' archived BRP rows had them, and as the BRP extracts in the inbox have them (a
    person whose every row was rejected is in no state table, and in a run's BRP rows only
    when a signal named them); none for a household. Read before the extracts are erased."""
    key = {"naam": pl.String, "geboortedatum": pl.Date, "adres": pl.String}
    bsn = subject.bsn
    if not bsn:
        return pl.DataFrame(schema=key | {"initialen": pl.List(pl.String)})
    written = signals.filter(
        (pl.col("bsn") == bsn)
        | (pl.col("persoon_bsn") == bsn)
        | pl.col("kandidaten").list.contains(bsn).fill_null(False)
    )
    archived = [
        pl.read_parquet(path).filter(pl.col("bsn") == bsn)
        for path in sorted(home.archive.glob(f"*/{audit.REGISTERS}/brp.parquet"))
    ]
    # As ingest reads a BSN: its digits, a dropped leading zero restored.
    digits = pl.col("bsn").str.replace_all(r"\D", "").str.zfill(9)
    by_bsn = ingest.Needed(("bsn",), lambda keys: keys.select(digits == bsn).to_series())
    extracts = [
        ingest.every_row(Source(path, "brp"), day, by_bsn).filter(pl.col("bsn") == bsn)
        for path in home.extracts("brp")
    ]
    registered = [rows.rename({"geslachtsnaam": "achternaam"}) for rows in (*archived, *extracts)]
    frames = [f.select(_identity()) for f in (written, *registered) if f.height]
    empty = pl.DataFrame(schema=key | {"initiaal": pl.String})
    found = pl.concat([empty, *frames]).drop_nulls(list(key))
    return found.group_by("naam", "geboortedatum", "adres").agg(
        initialen=pl.col("initiaal").drop_nulls().unique().sort()
    )


def _identity() -> list[pl.Expr]:
    return [
        normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("achternaam")).alias("naam"),
        pl.col("geboortedatum"),
        normalize.adres_sleutel().alias("adres"),
        normalize.blank_to_null(pl.col("voorletters").str.slice(0, 1).str.to_uppercase()).alias(
            "initiaal"
        ),
    ]


def _erase_rejected_rows(
    home: Home, config: Config, subject: Subject, known: pl.DataFrame, secret: bytes
) -> set[str]:
    """The subject's rows in the archived partner files and the runs' rejects files.
    Returns the runs whose files changed."""
    runs = set()
    for run_id, path, lines, layout in list(rejected_lines(home, config, subject, known)):
        with _marked(home, run_id, ERASED, secret):
            _erase_lines(home, run_id, path, lines, layout)
        runs.add(run_id)
    return runs


def _erase_lines(home: Home, run_id: str, path: Path, lines: set[int], layout: Layout) -> None:
    """These records of an archived file, and the reject rows that name their lines."""

    def rejected_here(_start: int, cells: dict[str, str]) -> bool:
        line = cells.get("regelnummer", "")
        return cells.get("bestand") == path.name and line.isdigit() and int(line) in lines

    rewrite_csv(path, lambda start, _cells: start in lines, layout.encoding, layout.separator)
    for rejects in rejects_files(home, run_id, path):
        rewrite_csv(rejects, rejected_here)


def rejects_files(home: Home, run_id: str, archived: Path) -> list[Path]:
    """Where a run wrote the rejects of an archived file: beside its place in the inbox
    (`sources.rejects_of`), or, in a run from before that, any of the run's rejects files
    at the top of `rejects/` (a row there names its file)."""
    out = home.outputs(run_id)
    mirrored = out / rejects_of(archived.relative_to(home.archived(run_id)).as_posix())
    return [mirrored] if mirrored.is_file() else sorted((out / "rejects").glob("*.csv"))


def _starting_on(rows: pl.DataFrame) -> Callable[[int, dict[str, str]], bool]:
    """Picks the records that start on the rows' `regelnummer`: where ingest found them."""
    lines = set(rows["regelnummer"].to_list())
    return lambda start, _cells: start in lines


def _erase_in_archive_tables(archive: Path, erased: Erased) -> None:
    """The archived extract rows and state slice about the erased: the state slice of a
    later night holds the erased signals of earlier runs too."""
    registers = archive / audit.REGISTERS
    people = set(erased.people)
    brp_path = registers / "brp.parquet"
    if brp_path.is_file():
        brp = pl.read_parquet(brp_path).with_columns(adres_sleutel=normalize.adres_sleutel())
        homes = set(erased.adressen)
        if erased.households:
            homes |= set(brp.filter(pl.col("bsn").is_in(erased.people))["adres_sleutel"])
        at = brp.filter(pl.col("adres_sleutel").is_in(homes))
        people |= set(at["bsn"].drop_nulls().to_list()) - erased.keep
    for kind in ("brp", "sdd"):
        path = registers / f"{kind}.parquet"
        if path.is_file():
            rows = pl.read_parquet(path)
            kept = rows.filter(~pl.col("bsn").is_in(sorted(people)).fill_null(False))
            write_parquet_atomic(kept, path)
    for table in audit.STATE_TABLES:
        path = archive / audit.STATE_FOLDER / f"{table}.parquet"
        if path.is_file() and table != "bestanden":
            rows = pl.read_parquet(path).with_row_index("_rij")
            erased_rows = rows.filter(pl.col("zaak_id").is_in(erased.cases).fill_null(False))
            if table == "signalen":  # a signal is its partner's id: another partner's stays
                theirs = rows.join(erased.signals.select(*SIGNAL_KEY), on=list(SIGNAL_KEY))
                erased_rows = pl.concat([erased_rows, theirs])
            left = rows.join(erased_rows.select("_rij"), on="_rij", how="anti")
            write_parquet_atomic(left.sort("_rij").drop("_rij"), path)


def _erase_exclusions(archive: Path, erased: Erased, secret: bytes) -> None:
    """The keyed entries of the exclusion list the archive keeps for the erased people and
    addresses."""
    path = archive / audit.EXCLUSIONS
    if not path.is_file():
        return
    people = pl.Series(sorted(erased.people), dtype=pl.String)
    addresses = pl.Series(sorted(erased.adressen), dtype=pl.String)
    gone = uitsluitingen.pseudonyms(people, addresses, secret).select("soort", sleutel="hash")
    rows = pl.read_parquet(path)
    left = rows.join(gone, on=["soort", "sleutel"], how="anti")
    if left.height < rows.height:
        write_parquet_atomic(left, path)


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


def _debts_as_exported(signals: pl.DataFrame, config: Config) -> set[tuple[str, str]]:
    """The erased signals' debts as an export names them: the creditor's name and the
    klantnummer."""
    return {
        (found.naam if (found := config.partner(str(partner))) else str(partner), str(klant))
        for partner, klant in signals.select("signaalpartner", "klantnummer").unique().rows()
    }


def _debts_on_sheet(signals: pl.DataFrame, config: Config) -> dict[str, set[str]]:
    """Per case, the erased signals' debts as the sheet of outcomes lists them: `Evides
    (Water) 120,50`, at each amount a signal had."""
    names = {p.code: p.naam for p in config.signaalpartners}
    listed = signals.filter(pl.col("zaak_id").is_not_null()).select(
        "zaak_id",
        schuld=pl.format(
            "{} ({}) {}",
            pl.col("signaalpartner").replace(names),
            "soort",
            formats.euros_komma(pl.col("bedrag")),
        ),
    )
    owed: dict[str, set[str]] = {}
    for zaak, schuld in listed.unique().rows():
        owed.setdefault(zaak, set()).add(schuld)
    return owed


def _contact_as_exported(signals: pl.DataFrame) -> list[str]:
    """The erased signals' phone numbers and e-mail addresses as the exports write them,
    and as a message was sent to them (`berichten/index.csv`: `+31…` behind a CSV's guard
    against formulas)."""
    contact = signals.select(
        telefoon=formats.telefoon(pl.col("telefoonnummer")), email=pl.col("email")
    )
    sent = [
        *normalize.mobile_numbers(signals["telefoonnummer"]).values(),
        *normalize.mail_addresses(signals["email"]).values(),
    ]
    guarded = [f"'{value}" for value in sent if value.startswith("+")]
    shown = pl.concat([contact["telefoon"], contact["email"]]).drop_nulls()
    return sorted({*shown, *sent, *guarded})


def _erase_in_outputs(
    out: Path,
    erased: Erased,
    named: list[str],
    debts: set[tuple[str, str]],
    contact: list[str],
    owed: dict[str, set[str]],
) -> None:
    """Rows about the subject in every kept CSV, the names of the erased people where they
    are listed among a household's residents (unless the household stays: a person
    outlived in it still lives there), and the letters to the household. A print file
    holding one of its letters goes whole: it cannot be rebuilt without the others'; so
    does the spreadsheet beside a CSV that changed, and any whose sheet of outcomes lists
    the subject's case, names them, or lists their debt (`owed`), or whose sheet "Twijfel"
    lists an erased signal."""
    if not out.is_dir():
        return
    # A later night's feedback tells a signal's creditor what became of it (a decision, a
    # status changed): every erased signal's row goes, wherever it came in.
    ids = set(erased.signals.select(*SIGNAL_KEY).rows())
    # A person outlived in a household kept (`households` false) still lives there: they
    # stay among its residents, where only their debts and contact data go.
    residents = named if erased.households else []
    # The sheet "Twijfel" of a later night lists a signal of an earlier run that waited.
    waited = {f"{p}/{i}" for p, i in ids}
    debtors = set(named)
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
                any(cells.get(column) in erased.cases for column in CASE_COLUMNS)
                or signal in ids
                or cells.get("waarde") in erased.people
                # An erased person's debt row in a case kept for others: their name and
                # their debt, so a namesake's own debt stays.
                or (
                    cells.get("Schuldenaar") in debtors
                    and (cells.get("Schuldeiser"), cells.get("Klantnummer")) in debts
                )
            )

        changed = rewrite_csv(table, about)
        for column in RESIDENTS_COLUMNS if residents else ():
            changed = rewrite_cells(table, column, lambda c: _without(c, residents)) or changed
        # A household's contact data lists theirs beside their housemates'.
        for column in CONTACT_COLUMNS if contact else ():
            changed = rewrite_cells(table, column, lambda c: _without(c, contact)) or changed
        if changed:  # its spreadsheet copy still holds what went; the CSV is the record
            table.with_suffix(".xlsx").unlink(missing_ok=True)
    for workbook in sorted(out.rglob("*.xlsx")):  # a sheet of outcomes lists every open case
        if uitkomsten.mentions(workbook, erased.cases, residents, waited, owed):
            workbook.unlink()


CASE_COLUMNS: Final = ("zaak_id", "Zaak")
"""Where a CSV names the case: the run's own files, and the exports people read."""
RESIDENTS_COLUMNS: Final = ("bewoners", "Bewoners")
"""Where a CSV lists a household's residents by name."""
CONTACT_COLUMNS: Final = ("Telefoon", "E-mail", "Aan", "aan")
"""Where an export lists a household's phone numbers and e-mail addresses, and where a
message's address is (`exports/sdd/berichten.csv`, `berichten/index.csv`)."""


def _without(cell: str, names: list[str]) -> str:
    """A list cell (residents, phone numbers, e-mail addresses) without these values, each
    taken out once: two residents may share initials and a surname, and only the erased one
    goes."""
    listed = cell.split(LIST_SEPARATOR) if cell else []
    for name in names:
        if name in listed:
            listed.remove(name)
    return LIST_SEPARATOR.join(listed)


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
