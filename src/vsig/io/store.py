"""The state: one embedded DuckDB file under `home/state/`, the only mutable state.

A run reads what it needs, computes everything in memory, and then writes all its changes
in one transaction: the state holds a whole run or none of it. The schema carries a
version; `MIGRATIONS` brings an older state file up to date when it is opened. A lock file
keeps a second run out while one is busy.
"""

import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import duckdb
import polars as pl

from vsig.contracts import ACTION_COLUMNS
from vsig.io.files import crash_point, write_text_atomic
from vsig.io.home import Home

STATE_FILE: Final = "vsig.duckdb"
LOCK_FILE: Final = "vsig.lock"
SNAPSHOT_PREFIX: Final = ".snapshot-"
IN_USE: Final = "in-use"
COMPACT_PENDING: Final = "compact.pending"
"""Present from before an erasure until the state file is compacted: a compaction cut off
is done again by the next command that takes the lock."""

_CLOSE_REASONS_OF_TEXT: Final = """
    UPDATE zaken SET samengevoegd_in = substr(sluitreden, 18)
        WHERE starts_with(sluitreden, 'samengevoegd met ');
    UPDATE zaken SET sluitreden = CASE
        WHEN sluitreden = 'geen activiteit' THEN 'geen_activiteit'
        WHEN starts_with(sluitreden, 'resultaat: ') THEN 'resultaat'
        WHEN starts_with(sluitreden, 'samengevoegd met ') THEN 'samengevoegd'
        WHEN sluitreden = 'Inwoner is overleden' THEN 'overleden'
        WHEN sluitreden = 'Persoon is geen inwoner (meer) in de gemeente' THEN 'vertrokken'
        ELSE sluitreden END;
    """
"""Migration 6's rewrite of why a case closed, from the Dutch text kept before it to
`lifecycle.CloseReason`; also applied to the rows of an older archive a replay restores."""

# Each migration is frozen once released: a state file made by it must migrate the same way
# forever, so column lists are written out in full rather than shared between tables.
MIGRATIONS: Final = (
    # 1: the first schema.
    """
    CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        verwerkingsdatum DATE NOT NULL,
        exit_code INTEGER NOT NULL
    );
    CREATE TABLE bestanden (
        sha256 VARCHAR PRIMARY KEY,
        bestand VARCHAR NOT NULL,
        soort VARCHAR NOT NULL,
        run_id VARCHAR NOT NULL
    );
    CREATE TABLE signalen (
        run_id VARCHAR NOT NULL,
        signaalpartner VARCHAR NOT NULL,
        signaal_id VARCHAR NOT NULL,
        klantnummer VARCHAR NOT NULL,
        soort VARCHAR NOT NULL,
        bedrag BIGINT NOT NULL,
        ontstaansdatum DATE NOT NULL,
        signaaldatum DATE NOT NULL,
        crisissignaal BOOLEAN NOT NULL,
        warme_overdracht BOOLEAN NOT NULL,
        bsn VARCHAR,
        voorletters VARCHAR,
        voorvoegsel VARCHAR,
        achternaam VARCHAR NOT NULL,
        geboortedatum DATE,
        straatnaam VARCHAR,
        postcode VARCHAR NOT NULL,
        huisnummer INTEGER NOT NULL,
        huisletter VARCHAR,
        huisnummertoevoeging VARCHAR,
        plaatsnaam VARCHAR,
        telefoonnummer VARCHAR,
        email VARCHAR,
        bestand VARCHAR NOT NULL,
        regel BIGINT NOT NULL,
        persoon_bsn VARCHAR,
        match_regel VARCHAR,
        verhuisd BOOLEAN NOT NULL,
        adres_sleutel VARCHAR,
        gemeentecode VARCHAR,
        status VARCHAR NOT NULL,
        zaak_id VARCHAR
    );
    CREATE TABLE zaken (
        zaak_id VARCHAR PRIMARY KEY,
        adres_sleutel VARCHAR NOT NULL,
        gemeentecode VARCHAR NOT NULL,
        geopend DATE NOT NULL,
        laatste_activiteit DATE NOT NULL,
        gesloten DATE,
        sluitreden VARCHAR,
        bekend_bij_sdd BOOLEAN NOT NULL,
        totaal_achterstand BIGINT NOT NULL,
        aantal_signalen INTEGER NOT NULL,
        soorten VARCHAR[] NOT NULL,
        crisis BOOLEAN NOT NULL,
        warme_overdracht BOOLEAN NOT NULL,
        meervoudig BOOLEAN NOT NULL,
        regel VARCHAR NOT NULL
    );
    CREATE TABLE routeringen (
        run_id VARCHAR NOT NULL,
        zaak_id VARCHAR NOT NULL,
        bekend_bij_sdd BOOLEAN NOT NULL,
        totaal_achterstand BIGINT NOT NULL,
        aantal_signalen INTEGER NOT NULL,
        soorten VARCHAR[] NOT NULL,
        crisis BOOLEAN NOT NULL,
        warme_overdracht BOOLEAN NOT NULL,
        gemeentecode VARCHAR NOT NULL,
        meervoudig BOOLEAN NOT NULL,
        regel VARCHAR NOT NULL
    );
    CREATE TABLE acties (
        run_id VARCHAR NOT NULL,
        zaak_id VARCHAR NOT NULL,
        actie VARCHAR NOT NULL,
        volgorde INTEGER NOT NULL,
        soort VARCHAR NOT NULL,
        template VARCHAR,
        wie VARCHAR,
        uiterlijk DATE,
        PRIMARY KEY (zaak_id, actie)
    );
    CREATE TABLE gebeurtenissen (
        run_id VARCHAR NOT NULL,
        zaak_id VARCHAR NOT NULL,
        datum DATE NOT NULL,
        gebeurtenis VARCHAR NOT NULL,
        waarde VARCHAR,
        bestand VARCHAR NOT NULL,
        regel BIGINT NOT NULL
    );
    """,
    # 2: why a signal reached nobody (matching never falls back to an address alone).
    """
    ALTER TABLE signalen ADD COLUMN niet_gekoppeld VARCHAR;
    """,
    # 3: the routing fact "a phone number is known", derived for the cases before it.
    """
    ALTER TABLE zaken ADD COLUMN telefoon_bekend BOOLEAN;
    ALTER TABLE routeringen ADD COLUMN telefoon_bekend BOOLEAN;
    UPDATE zaken SET telefoon_bekend = zaak_id IN
        (SELECT zaak_id FROM signalen WHERE telefoonnummer IS NOT NULL AND zaak_id IS NOT NULL);
    UPDATE routeringen SET telefoon_bekend = zaak_id IN
        (SELECT zaak_id FROM signalen WHERE telefoonnummer IS NOT NULL AND zaak_id IS NOT NULL);
    """,
    # 4: one name per concept: `regel` is a routing rule, `soort` a creditor's type.
    """
    ALTER TABLE signalen RENAME COLUMN regel TO regelnummer;
    ALTER TABLE gebeurtenissen RENAME COLUMN regel TO regelnummer;
    ALTER TABLE acties RENAME COLUMN soort TO actietype;
    ALTER TABLE bestanden RENAME COLUMN soort TO bestandsoort;
    """,
    # 5: when an action was booked and the day it is for, so that a call stays on the SDD's
    # worklist from its day until contact. Before it, the day a call was for was not kept:
    # such a call counts as due from its booking, listed early rather than never.
    """
    ALTER TABLE acties ADD COLUMN geboekt DATE;
    ALTER TABLE acties ADD COLUMN gepland DATE;
    UPDATE acties SET geboekt = r.verwerkingsdatum, gepland = r.verwerkingsdatum
        FROM runs r WHERE r.run_id = acties.run_id;
    """,
    # 6: why a case closed as one of `lifecycle.CloseReason`, and the case a merged one
    # went into, instead of Dutch text that CBS's result was parsed back from.
    """
    ALTER TABLE zaken ADD COLUMN samengevoegd_in VARCHAR;
    """
    + _CLOSE_REASONS_OF_TEXT,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)


_OWN_ADDRESS: Final = (
    "postcode || '|' || huisnummer || '|' || coalesce(huisletter, '') || '|' "
    "|| coalesce(huisnummertoevoeging, '')"
)
"""A signal's address as its partner wrote it, in the form of an address key."""


class StoreError(Exception):
    """The state cannot be used; the message says why and what to do."""


class LockedError(Exception):
    """Another run holds the lock."""


WRITER_WAIT: Final = 10.0
"""Seconds a run, purge or forget waits for the lock: long enough for a reader's snapshot,
short enough that a second night started beside a first one gives up (exit 4)."""
READER_WAIT: Final = 6 * 3600.0
"""Seconds a reader waits for a night to finish before it takes its snapshot."""


@contextmanager
def locked(state_dir: Path, wait: float = 0.0) -> Iterator[str | None]:
    """Hold the run lock; raise LockedError when another process still has it after `wait`
    seconds.

    The operating system drops the lock when its process dies, so a killed run never
    blocks the next one. Yields the pid of a killed holder (its pid is still in the file),
    or None after a clean finish, so the caller can say it took over.
    """
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(state_dir / LOCK_FILE, "a+", encoding="ascii") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise LockedError(
                    f"another vsig run (pid {holder}) holds the lock {state_dir / LOCK_FILE}; "
                    "wait for it to finish"
                ) from None
        handle.seek(0)
        previous = handle.read().strip() or None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield previous
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Changes:
    """Everything one run writes to the state, applied in one transaction.

    `zaken` holds whole rows of every case opened, changed or closed; they replace the old.
    """

    run_id: str
    verwerkingsdatum: date
    exit_code: int
    bestanden: pl.DataFrame
    signalen: pl.DataFrame
    zaken: pl.DataFrame
    routeringen: pl.DataFrame
    acties: pl.DataFrame
    gebeurtenissen: pl.DataFrame
    herindeling: pl.DataFrame  # earlier signals now in another case: partner, id, zaak_id


class Store:
    def __init__(self, connection: duckdb.DuckDBPyConnection, generation: int = 0) -> None:
        self._db = connection
        self.generation = generation
        """For a snapshot, the erasure generation it was copied at (to `publish` with)."""

    @classmethod
    @contextmanager
    def snapshot(cls, state_dir: Path, wait: float = READER_WAIT) -> Iterator["Store"]:
        """A private copy of the state for a reader (`explain`, `report`, `inzage`, `doctor`):
        copied under the lock, so never half a run, and read without it, so a reader never
        holds the state file a run must open. The copy lives in the state folder (owner-only)
        and is removed afterwards; while it is read, a lock on it keeps writers from removing
        it, and one a killed reader left is removed by the next writer."""
        with locked(state_dir, wait):
            scratch = Path(tempfile.mkdtemp(dir=state_dir, prefix=SNAPSHOT_PREFIX))
            in_use = (scratch / IN_USE).open("w")
            fcntl.flock(in_use, fcntl.LOCK_EX)
            for name in (STATE_FILE, f"{STATE_FILE}.wal"):
                if (state_dir / name).exists():
                    shutil.copyfile(state_dir / name, scratch / name)
            generation = erasure_generation(state_dir)
        try:
            with cls.open(scratch, generation) as store:
                yield store
        finally:
            in_use.close()
            shutil.rmtree(scratch, ignore_errors=True)

    @classmethod
    @contextmanager
    def open(cls, state_dir: Path, generation: int = 0) -> Iterator["Store"]:
        state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            connection = duckdb.connect(state_dir / STATE_FILE)
        except duckdb.Error as error:
            raise StoreError(f"cannot open the state {state_dir / STATE_FILE}: {error}") from None
        try:
            store = cls(connection, generation)
            store._migrate()
            yield store
        finally:
            connection.close()

    def _scalar(self, sql: str, parameters: Sequence[object] | None = None) -> Any:
        # fetchall, not fetchone: an unfinished result would block the next statement.
        return self._db.execute(sql, parameters or []).fetchall()[0][0]

    def version(self) -> int:
        exists = self._scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_versie'"
        )
        if not exists:
            return 0
        return int(self._scalar("SELECT coalesce(max(versie), 0) FROM schema_versie"))

    def _migrate(self) -> None:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"the state has schema version {current}, newer than this vsig knows "
                f"({SCHEMA_VERSION}); run a newer vsig"
            )
        if current == SCHEMA_VERSION:
            return
        with self._transaction():
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_versie (versie INTEGER NOT NULL)")
            for version in range(current + 1, SCHEMA_VERSION + 1):
                self._db.execute(MIGRATIONS[version - 1])
                self._db.execute("INSERT INTO schema_versie VALUES (?)", [version])

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.begin()
        try:
            yield
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    def _query(
        self,
        sql: str,
        parameters: Sequence[object] | Mapping[str, object] | None = None,
        frames: Mapping[str, pl.DataFrame] | None = None,
    ) -> pl.DataFrame:
        """Rows as a polars frame; `frames` are readable in the SQL under their names."""
        for name, frame in (frames or {}).items():
            self._db.register(name, frame.to_arrow())
        try:
            result: pl.DataFrame = self._db.sql(sql, params=parameters).pl()
        finally:
            for name in frames or {}:
                self._db.unregister(name)
        return result

    def delete_cases(self, zaak_ids: list[str]) -> list[str]:
        """Remove cases with everything about them; returns the removed signals' ids."""
        if not zaak_ids:
            return []
        ids = [zaak_ids]
        signals = self._query(
            "SELECT signaalpartner || '/' || signaal_id AS id FROM signalen "
            "WHERE list_contains(?, zaak_id)",
            ids,
        )["id"].to_list()
        with self._transaction():
            for table in ("signalen", "acties", "gebeurtenissen", "routeringen", "zaken"):
                self._db.execute(f"DELETE FROM {table} WHERE list_contains(?, zaak_id)", ids)
        return signals

    def close_cases(self, closed: pl.DataFrame) -> None:
        """Close these cases (`zaak_id, gesloten, sluitreden`) as `lifecycle` closed them."""
        with self._transaction():
            self._db.register(
                "dicht", closed.select("zaak_id", "gesloten", "sluitreden").to_arrow()
            )
            try:
                self._db.execute(
                    "UPDATE zaken SET gesloten = d.gesloten, sluitreden = d.sluitreden "
                    "FROM dicht d WHERE zaken.zaak_id = d.zaak_id AND zaken.gesloten IS NULL"
                )
            finally:
                self._db.unregister("dicht")

    def expiring(
        self, zaak_ids: list[str], run_ids: list[str]
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The signals and the events' places (run, file, line) of these cases, and the
        signals of these runs that never joined a case."""
        signals = self._query(
            "SELECT * FROM signalen WHERE list_contains(?, zaak_id) "
            "OR (zaak_id IS NULL AND list_contains(?, run_id)) "
            "ORDER BY run_id, signaalpartner, signaal_id",
            [zaak_ids, run_ids],
        )
        return signals, self.event_places(zaak_ids)

    def event_places(self, zaak_ids: list[str]) -> pl.DataFrame:
        """Where these cases' events came from: run, file and line."""
        return self._query(
            "SELECT run_id, bestand, regelnummer FROM gebeurtenissen "
            "WHERE list_contains(?, zaak_id)",
            [zaak_ids],
        )

    def event_history(self) -> pl.DataFrame:
        """Every event kept: `zaak_id, datum, gebeurtenis, waarde`, for the legal terms and
        the calls still to make."""
        return self._query("SELECT zaak_id, datum, gebeurtenis, waarde FROM gebeurtenissen")

    def signals_seen(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Of these `signaalpartner, signaal_id`, those received before, with the first run
        (`eerder`) that received them."""
        return self._query(
            "SELECT signaalpartner, signaal_id, min(run_id) AS eerder FROM signalen "
            "WHERE (signaalpartner, signaal_id) IN (SELECT * FROM keys) GROUP BY ALL",
            frames={"keys": keys},
        )

    def cases_holding(self, debts: pl.DataFrame) -> pl.DataFrame:
        """The cases, open or closed, holding one of these debts (`signaalpartner,
        klantnummer`)."""
        return self._query(
            "SELECT DISTINCT zaak_id FROM signalen WHERE zaak_id IS NOT NULL "
            "AND (signaalpartner, klantnummer) IN (SELECT * FROM debts)",
            frames={"debts": debts},
        )

    def state_slice(
        self, zaak_ids: pl.DataFrame, sent: pl.DataFrame, files: pl.DataFrame
    ) -> dict[str, pl.DataFrame]:
        """The rows of these cases (a `zaak_id` column) besides the cases themselves: their
        signals with the signals `sent` (`signaalpartner, signaal_id`), their actions and
        events; and the rows of these processed `files` (a `sha256` column)."""
        frames = {"ids": zaak_ids, "sent": sent, "shas": files}
        return {
            "signalen": self._query(
                "SELECT * FROM signalen WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "OR (signaalpartner, signaal_id) IN (SELECT signaalpartner, signaal_id FROM sent) "
                "ORDER BY run_id, signaalpartner, signaal_id",
                frames=frames,
            ),
            "acties": self._query(
                "SELECT * FROM acties WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "ORDER BY zaak_id, actie",
                frames=frames,
            ),
            "gebeurtenissen": self._query(
                "SELECT * FROM gebeurtenissen WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "ORDER BY zaak_id, datum, run_id, regelnummer",
                frames=frames,
            ),
            "bestanden": self._query(
                "SELECT * FROM bestanden WHERE sha256 IN (SELECT sha256 FROM shas) ORDER BY sha256",
                frames=frames,
            ),
        }

    def delivery_rows(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """For the CBS delivery of a period, as the state stood at its end: every signal
        received in it (`opgepakt`: when its case was first acted on), the cases opened,
        acted on, with an event or closed in it (`opgepakt` too), and of those cases the
        signals received by its end (`leden`), the events dated in it or before and the
        letters sent by then (`brieven`). A later night adds nothing to a past period."""
        period = {"start": start, "end": end}
        acted = (
            "LEFT JOIN (SELECT zaak_id, min(geboekt) AS opgepakt FROM acties "
            "WHERE geboekt <= $end GROUP BY zaak_id) a USING (zaak_id)"
        )
        cases = self._query(
            f"SELECT z.*, a.opgepakt FROM zaken z {acted} WHERE z.geopend <= $end AND ("
            "z.geopend >= $start OR z.gesloten BETWEEN $start AND $end "
            "OR zaak_id IN (SELECT zaak_id FROM gebeurtenissen "
            "WHERE datum BETWEEN $start AND $end) "
            "OR zaak_id IN (SELECT zaak_id FROM acties WHERE geboekt BETWEEN $start AND $end)) "
            "ORDER BY zaak_id",
            period,
        )
        frames = {"cases": cases.select("zaak_id")}
        return {
            "signalen": self._query(
                f"SELECT s.*, r.verwerkingsdatum, a.opgepakt FROM signalen s JOIN runs r "
                f"USING (run_id) {acted} WHERE r.verwerkingsdatum BETWEEN $start AND $end "
                "ORDER BY s.signaalpartner, s.signaal_id, s.run_id",
                period,
            ),
            "zaken": cases,
            "leden": self._query(
                "SELECT s.zaak_id, s.signaalpartner, s.signaal_id FROM signalen s JOIN runs r "
                "USING (run_id) WHERE s.zaak_id IN (SELECT zaak_id FROM cases) "
                "AND r.verwerkingsdatum <= ? ORDER BY s.signaalpartner, s.signaal_id",
                [end],
                frames=frames,
            ),
            "gebeurtenissen": self._query(
                "SELECT * FROM gebeurtenissen WHERE zaak_id IN (SELECT zaak_id FROM cases) "
                "AND datum <= ? ORDER BY zaak_id, datum, run_id, regelnummer",
                [end],
                frames=frames,
            ),
            "brieven": self._query(
                "SELECT zaak_id, geboekt AS datum FROM acties WHERE actietype = 'brief' "
                "AND zaak_id IN (SELECT zaak_id FROM cases) AND geboekt <= ? "
                "ORDER BY zaak_id, geboekt, actie",
                [end],
                frames=frames,
            ),
        }

    def period_counts(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """Totals of a period, no person in them: signals per month and creditor type, cases
        opened per municipality and rule, results, and each first conversation with its
        aanmelding (for the term)."""
        period = [start, end]
        return {
            "signalen": self._query(
                "SELECT strftime(r.verwerkingsdatum, '%Y-%m') AS maand, s.soort, count(*) AS n "
                "FROM signalen s JOIN runs r USING (run_id) "
                "WHERE r.verwerkingsdatum BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "zaken": self._query(
                "SELECT gemeentecode, regel, count(*) AS n FROM zaken "
                "WHERE geopend BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "resultaten": self._query(
                "SELECT waarde AS resultaat, count(*) AS n FROM gebeurtenissen "
                "WHERE gebeurtenis = 'resultaat' AND datum BETWEEN ? AND ? "
                "GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "gesprekken": self._query(
                "SELECT z.crisis, a.datum AS aanmelding, g.datum AS gesprek FROM zaken z "
                "JOIN (SELECT zaak_id, min(datum) AS datum FROM gebeurtenissen "
                "      WHERE gebeurtenis = 'aanmelding' GROUP BY zaak_id) a USING (zaak_id) "
                "JOIN (SELECT zaak_id, min(datum) AS datum FROM gebeurtenissen "
                "      WHERE gebeurtenis = 'eerste_gesprek' GROUP BY zaak_id) g USING (zaak_id) "
                "WHERE g.datum BETWEEN ? AND ?",
                period,
            ),
        }

    def runs_before(self, day: date) -> list[str]:
        return list(
            self._query(
                "SELECT run_id FROM runs WHERE verwerkingsdatum < ? ORDER BY run_id", [day]
            )["run_id"]
        )

    def run_ids(self) -> set[str]:
        return set(self._query("SELECT run_id FROM runs")["run_id"])

    def cases_last_active_before(self, day: date) -> list[str]:
        """Open or closed: retention counts from the last activity."""
        return list(
            self._query(
                "SELECT zaak_id FROM zaken WHERE laatste_activiteit < ? ORDER BY zaak_id", [day]
            )["zaak_id"]
        )

    def signals_about(self, bsn: str | None, adres_sleutel: str | None) -> pl.DataFrame:
        """Every signal about a person (as sent or as matched) or an address (as matched or
        as written), and every signal of the cases those joined or of a case there."""
        values: list[str | None]
        if bsn:
            where, values = "bsn = ? OR persoon_bsn = ?", [bsn, bsn]
        else:
            where, values = f"adres_sleutel = ? OR ({_OWN_ADDRESS}) = ?", [adres_sleutel] * 2
        return self._query(
            "WITH own AS (SELECT * FROM signalen WHERE " + where + ") "
            "SELECT * FROM own UNION SELECT * FROM signalen WHERE zaak_id IN "
            "(SELECT zaak_id FROM own UNION SELECT zaak_id FROM zaken WHERE adres_sleutel = ?) "
            "ORDER BY run_id, signaalpartner, signaal_id",
            [*values, adres_sleutel],
        )

    def cases_at(self, zaak_ids: list[str], adres_sleutel: str | None) -> list[str]:
        """These cases, and those at the address."""
        return list(
            self._query(
                "SELECT zaak_id FROM zaken WHERE list_contains(?, zaak_id) OR adres_sleutel = ? "
                "ORDER BY zaak_id",
                [zaak_ids, adres_sleutel],
            )["zaak_id"]
        )

    def person_signals(self, bsn: str) -> pl.DataFrame:
        """A person's signals, as sent or as matched, with the date they came in."""
        return self._query(
            "SELECT s.*, r.verwerkingsdatum FROM signalen s JOIN runs r USING (run_id) "
            "WHERE s.bsn = ? OR s.persoon_bsn = ? "
            "ORDER BY s.run_id, s.signaalpartner, s.signaal_id",
            [bsn, bsn],
        )

    def cases(self, zaak_ids: list[str]) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM zaken WHERE list_contains(?, zaak_id) ORDER BY zaak_id", [zaak_ids]
        )

    def signals_named(self, signaal_id: str, run: str | None) -> pl.DataFrame:
        """The signals with this id (partners may share one), of one run or of all."""
        return self._query(
            "SELECT * FROM signalen WHERE signaal_id = ? AND (? IS NULL OR run_id = ?) "
            "ORDER BY run_id, signaalpartner",
            [signaal_id, run, run],
        )

    def signals_of_case(self, zaak_id: str) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM signalen WHERE zaak_id = ? ORDER BY run_id, signaalpartner, signaal_id",
            [zaak_id],
        )

    def routes_of(self, zaak_id: str, until_run: str | None = None) -> pl.DataFrame:
        """Every routing of the case, night by night, up to a run."""
        return self._query(
            "SELECT * FROM routeringen WHERE zaak_id = ? AND (? IS NULL OR run_id <= ?) "
            "ORDER BY run_id",
            [zaak_id, until_run, until_run],
        )

    def actions_of(self, zaak_id: str) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM acties WHERE zaak_id = ? ORDER BY run_id, volgorde", [zaak_id]
        )

    def events_of(self, zaak_id: str) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM gebeurtenissen WHERE zaak_id = ? ORDER BY datum, run_id, regelnummer",
            [zaak_id],
        )

    def people_held(self, besides: pl.DataFrame | None = None) -> frozenset[str]:
        """Every BSN a kept signal names, as sent or as matched; not counting the signals
        `besides` (`signaalpartner, signaal_id`), which an erasure is about to delete."""
        going = pl.DataFrame(schema={"signaalpartner": pl.String, "signaal_id": pl.String})
        if besides is not None:
            going = pl.concat([going, besides.select(going.columns)])
        rows = self._query(
            "SELECT DISTINCT p FROM (SELECT bsn AS p, signaalpartner, signaal_id FROM signalen "
            "UNION ALL SELECT persoon_bsn, signaalpartner, signaal_id FROM signalen) "
            "ANTI JOIN going USING (signaalpartner, signaal_id) WHERE p IS NOT NULL",
            frames={"going": going},
        )
        return frozenset(rows["p"].to_list())

    def closed_cases(self, zaak_ids: pl.DataFrame) -> pl.DataFrame:
        """The rows of those of these cases (a `zaak_id` column) that are closed."""
        return self._query(
            "SELECT * FROM zaken WHERE gesloten IS NOT NULL AND zaak_id IN "
            "(SELECT zaak_id FROM wanted) ORDER BY zaak_id",
            frames={"wanted": zaak_ids},
        )

    def delete_unbundled_signals(self, run_ids: list[str]) -> list[str]:
        """Remove the signals of these runs that never joined a case; returns their ids."""
        if not run_ids:
            return []
        where = "zaak_id IS NULL AND list_contains(?, run_id)"
        signals = self._query(
            f"SELECT signaalpartner || '/' || signaal_id AS id FROM signalen WHERE {where}",
            [run_ids],
        )["id"].to_list()
        with self._transaction():
            self._db.execute(f"DELETE FROM signalen WHERE {where}", [run_ids])
        return signals

    def delete_signals(self, keys: list[tuple[str, str, str]]) -> None:
        """Remove signals by (run_id, signaalpartner, signaal_id)."""
        if not keys:
            return
        frame = pl.DataFrame(keys, schema=["run_id", "signaalpartner", "signaal_id"], orient="row")
        self._db.register("weg", frame.to_arrow())
        try:
            with self._transaction():
                self._db.execute(
                    "DELETE FROM signalen WHERE (run_id, signaalpartner, signaal_id) IN "
                    "(SELECT * FROM weg)"
                )
        finally:
            self._db.unregister("weg")

    def restore(self, tables: Mapping[str, pl.DataFrame]) -> None:
        """Load rows as an archive kept them, for a replay in a scratch state."""
        with self._transaction():
            for table, rows in tables.items():
                self._insert(table, rows)
            # An archive made before migration 6 keeps why a case closed as Dutch text.
            self._db.execute(_CLOSE_REASONS_OF_TEXT)

    def next_run_id(self, processing_date: date) -> str:
        done = self._scalar(
            "SELECT count(*) FROM runs WHERE verwerkingsdatum = ?", [processing_date]
        )
        return f"{processing_date:%Y%m%d}-{done + 1:02d}"

    def processed_files(self) -> dict[str, str]:
        """SHA-256 → the run that consumed the file."""
        return dict(self._db.execute("SELECT sha256, run_id FROM bestanden").fetchall())

    def open_cases(self) -> pl.DataFrame:
        return self._query("SELECT * FROM zaken WHERE gesloten IS NULL ORDER BY zaak_id")

    def case_signals(self, columns: tuple[str, ...], closed: bool = False) -> pl.DataFrame:
        """The signals of every open case (`closed`: of every closed case still kept)."""
        selected = ", ".join(f"s.{c}" for c in columns)
        state = "NOT NULL" if closed else "NULL"
        return self._query(
            f"SELECT {selected} FROM signalen s JOIN zaken z USING (zaak_id) "
            f"WHERE z.gesloten IS {state} ORDER BY s.zaak_id, s.signaalpartner, s.signaal_id"
        )

    def performed_actions(self) -> pl.DataFrame:
        """Every action taken (`ACTION_COLUMNS`): what a case has had, and what is open."""
        columns = ", ".join(ACTION_COLUMNS)
        return self._query(f"SELECT {columns} FROM acties ORDER BY zaak_id, actie")

    def write(self, changes: Changes) -> None:
        """Apply one run's changes in one transaction: all of them or none."""
        tables: Mapping[str, pl.DataFrame] = {
            "bestanden": changes.bestanden,
            "signalen": changes.signalen,
            "routeringen": changes.routeringen,
            "acties": changes.acties,
            "gebeurtenissen": changes.gebeurtenissen,
        }
        with self._transaction():
            self._db.execute(
                "INSERT INTO runs VALUES (?, ?, ?)",
                [changes.run_id, changes.verwerkingsdatum, changes.exit_code],
            )
            for table, frame in tables.items():
                self._insert(table, frame)
            self._insert("zaken", changes.zaken, "INSERT OR REPLACE")
            self._regroup(changes.herindeling)

    def _regroup(self, moved: pl.DataFrame) -> None:
        """Signals that follow their person into another case (a partner's ids are unique)."""
        if not moved.height:
            return
        self._db.register("verhuisd", moved.to_arrow())
        self._db.execute(
            "UPDATE signalen SET zaak_id = v.zaak_id FROM verhuisd v "
            "WHERE signalen.signaalpartner = v.signaalpartner "
            "AND signalen.signaal_id = v.signaal_id"
        )
        self._db.unregister("verhuisd")

    def _insert(self, table: str, frame: pl.DataFrame, verb: str = "INSERT") -> None:
        if not frame.height:
            return
        self._db.register("nieuw", frame.to_arrow())
        self._db.execute(f"{verb} INTO {table} BY NAME SELECT * FROM nieuw")
        self._db.unregister("nieuw")


def compact(state_dir: Path) -> None:
    """Rewrite the state file with only its live rows; call it holding the lock.

    A DELETE frees blocks but leaves their bytes in the file; after a purge the erased
    values must be gone from the disk too, so the live rows move to a fresh file, which
    replaces the old one in one rename.
    """
    path, fresh = state_dir / STATE_FILE, state_dir / f"{STATE_FILE}.compact"
    fresh.unlink(missing_ok=True)
    with duckdb.connect(path) as connection:
        name = connection.execute("SELECT current_database()").fetchall()[0][0]
        connection.execute("ATTACH ? AS fresh", [str(fresh)])  # a path may hold a quote
        connection.execute(f"COPY FROM DATABASE {_identifier(name)} TO fresh")
        connection.execute("DETACH fresh")
    with fresh.open("rb") as handle:
        os.fsync(handle.fileno())
    crash_point("compact-copied")
    os.replace(fresh, path)
    (state_dir / COMPACT_PENDING).unlink(missing_ok=True)


def _identifier(name: str) -> str:
    """A database name as SQL quotes it (DuckDB takes no parameter in its place)."""
    return '"' + name.replace('"', '""') + '"'


def erasing(state_dir: Path) -> None:
    """Note, before anything is erased, that the state file must be compacted after, and
    (by the next erasure generation) that a report read before may not be written."""
    write_text_atomic(state_dir / ERASURES, f"{erasure_generation(state_dir) + 1}\n")
    (state_dir / COMPACT_PENDING).touch()


ERASURES: Final = "erasures"
"""The erasure generation: how many erasures (`forget`, and the purge of every night) have
begun in this state."""


def erasure_generation(state_dir: Path) -> int:
    """The erasure generation now (a snapshot reads it under the lock: `Store.generation`)."""
    try:
        return int((state_dir / ERASURES).read_text(encoding="ascii"))
    except FileNotFoundError:
        return 0


class ErasedSinceError(Exception):
    """An erasure began after a report read the state: what it read may be erased."""


def publish(state_dir: Path, generation: int, write: Callable[[], None]) -> None:
    """`write` a report made from what was read at erasure `generation`, holding the lock
    so that no erasure begins meanwhile; refused when one began since (an erasure may have
    removed what the report holds, and also the reports already written)."""
    with locked(state_dir, READER_WAIT):
        if erasure_generation(state_dir) != generation:
            raise ErasedSinceError(
                "data was erased (by `vsig forget` or a purge) while this was being made "
                "from what was read before; nothing was written: make it again"
            )
        write()


def erased(state_dir: Path, anything: bool) -> None:
    """After an erasure: compact the state file if it removed anything, else just clear
    the note."""
    if anything:
        compact(state_dir)
    (state_dir / COMPACT_PENDING).unlink(missing_ok=True)


def _in_use(snapshot: Path) -> bool:
    """Whether a reader still holds this snapshot (a killed one holds nothing)."""
    try:
        with (snapshot / IN_USE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def clear_leftovers(home: Home) -> None:
    """What killed commands left: a compaction to finish, readers' snapshots and replays'
    scratch folders, which hold personal data. Called holding the lock."""
    compact_if_pending(home.state)
    shutil.rmtree(home.scratch, ignore_errors=True)


def compact_if_pending(state_dir: Path) -> None:
    """Finish what a killed command left in the state folder: the compaction an erasure
    was cut off before, and the snapshots of readers that never cleaned up."""
    for leftover in state_dir.glob(f"{SNAPSHOT_PREFIX}*"):
        if not _in_use(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
    if (state_dir / COMPACT_PENDING).exists():
        compact(state_dir)
