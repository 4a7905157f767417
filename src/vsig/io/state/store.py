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
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
import polars as pl

from vsig.contracts import MATCHED_COLUMNS, SIGNAL_KEY, STANDING_COLUMNS
from vsig.io.files import crash_point
from vsig.io.state.audit import AuditQueries
from vsig.io.state.berichten import OutboxQueries
from vsig.io.state.lock import IN_USE, READER_WAIT, SNAPSHOT_PREFIX, erasure_generation, locked
from vsig.io.state.night import NightQueries
from vsig.io.state.privacy import PrivacyQueries
from vsig.io.state.reports import ReportQueries

STATE_FILE: Final = "vsig.duckdb"

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

_ACTION_MUNICIPALITIES: Final = """
    UPDATE acties SET gemeentecode = z.gemeentecode FROM zaken z
        WHERE acties.zaak_id = z.zaak_id AND acties.gemeentecode IS NULL;
    """
"""Migration 7's municipality of an action booked before actions recorded theirs: its
case's at the time of the migration, where a forward booked before a later move must stay
with the municipality the case left. Also applied to an older archive a replay restores."""

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
    # 7: the municipality each action was booked for, and an action booked again by a later
    # run: a case that moves gets the new municipality's letter and its forward, under the
    # names it had them before (two runs may share a day, so the key gains the run, not
    # the day). An action from before gets its case's municipality.
    """
    CREATE TABLE acties_7 (
        run_id VARCHAR NOT NULL,
        zaak_id VARCHAR NOT NULL,
        actie VARCHAR NOT NULL,
        volgorde INTEGER NOT NULL,
        actietype VARCHAR NOT NULL,
        template VARCHAR,
        wie VARCHAR,
        uiterlijk DATE,
        geboekt DATE,
        gepland DATE,
        gemeentecode VARCHAR,
        PRIMARY KEY (zaak_id, actie, run_id)
    );
    INSERT INTO acties_7 SELECT run_id, zaak_id, actie, volgorde, actietype, template, wie,
        uiterlijk, geboekt, gepland, NULL FROM acties;
    DROP TABLE acties;
    ALTER TABLE acties_7 RENAME TO acties;
    """
    + _ACTION_MUNICIPALITIES,
    # 8: the residents a signal could be about when its person is not determined: those of
    # the household it was matched to, or those a person at the SDD chooses from.
    """
    ALTER TABLE signalen ADD COLUMN kandidaten VARCHAR[];
    """,
    # 9: a person's choice for a signal in doubt, from the SDD's sheet "Twijfel": which
    # workbook and row it came from, and the run that took it; and each candidate of a
    # signal in doubt as the register described them when it came in, which the sheet
    # shows for as long as the signal waits.
    """
    ALTER TABLE signalen ADD COLUMN kandidaten_omschrijving VARCHAR[];
    CREATE TABLE keuzes (
        run_id VARCHAR NOT NULL,
        signaalpartner VARCHAR NOT NULL,
        signaal_id VARCHAR NOT NULL,
        keuze VARCHAR NOT NULL,
        organisatie VARCHAR NOT NULL,
        bestand VARCHAR NOT NULL,
        regelnummer BIGINT NOT NULL
    );
    """,
    # 10: the last activity retention counts a signal in no case from, when that is not the
    # night it came in: a signal whose household parted (`lifecycle.Followed.parted`)
    # keeps the last activity of the case it left.
    """
    ALTER TABLE signalen ADD COLUMN laatste_activiteit DATE;
    """,
    # 11: a signal's status as everyone is told it (`rules.status`; before, the creditor
    # was told the status matching gave), and its case, status, person and municipality as
    # each night left them, so that a past CBS period shows them as they stood at its end
    # (`ReportQueries.delivery_rows`). A state made before it knows only the present: it
    # stands from the signal's own night.
    # `teruggemeld` stays empty until the next night tells it by the rule (the creditor
    # was told `status`); the standings say what CBS was told until then: `Opgepakt` from
    # the night of the case's first action of any kind, the status before.
    """
    ALTER TABLE signalen ADD COLUMN teruggemeld VARCHAR;
    CREATE TABLE signaalstanden (
        run_id VARCHAR NOT NULL,
        signaalpartner VARCHAR NOT NULL,
        signaal_id VARCHAR NOT NULL,
        zaak_id VARCHAR,
        teruggemeld VARCHAR NOT NULL,
        persoon_bsn VARCHAR,
        gemeentecode VARCHAR
    );
    CREATE TEMP TABLE eerste_actie AS SELECT zaak_id, min(run_id) AS run_id FROM acties
        GROUP BY zaak_id;
    INSERT INTO signaalstanden SELECT s.run_id, s.signaalpartner, s.signaal_id, s.zaak_id,
        CASE WHEN s.status = 'Nog niet opgepakt' AND e.run_id <= s.run_id THEN 'Opgepakt'
        ELSE s.status END, s.persoon_bsn, s.gemeentecode
        FROM signalen s LEFT JOIN eerste_actie e USING (zaak_id);
    INSERT INTO signaalstanden SELECT e.run_id, s.signaalpartner, s.signaal_id, s.zaak_id,
        'Opgepakt', s.persoon_bsn, s.gemeentecode
        FROM signalen s JOIN eerste_actie e USING (zaak_id)
        WHERE s.status = 'Nog niet opgepakt' AND e.run_id > s.run_id;
    DROP TABLE eerste_actie;
    """,
    # 12: the exclusion list, moved out of the config (a file under version control, copied
    # into every archive) into the state, where `vsig forget` reaches it: a resident who
    # objected (`persoon`, by BSN) or an address (`adres`, by its key), with why and since
    # when. A replay's night finds its entries in the run's archive instead, keyed
    # (`audit.EXCLUSIONS`).
    """
    CREATE TABLE uitsluitingen (
        soort VARCHAR NOT NULL,
        sleutel VARCHAR NOT NULL,
        reden VARCHAR,
        datum DATE,
        PRIMARY KEY (soort, sleutel)
    );
    """,
    # 13: the routing facts "a mobile number is known" and "an e-mail address is known"
    # (`cases.facts`). A case routed before has neither recorded: its next routing, when
    # its signals or address change, computes them from its signals.
    """
    ALTER TABLE zaken ADD COLUMN mobiel_bekend BOOLEAN;
    ALTER TABLE zaken ADD COLUMN email_bekend BOOLEAN;
    ALTER TABLE routeringen ADD COLUMN mobiel_bekend BOOLEAN;
    ALTER TABLE routeringen ADD COLUMN email_bekend BOOLEAN;
    """,
    # 14: the outbox of e-mails and SMS (`rules.berichten`): booked in a night's commit,
    # sent after it one by one, each result recorded as it comes; and the addresses and
    # numbers of residents who asked for no more messages.
    """
    CREATE TABLE berichten (
        bericht_id VARCHAR PRIMARY KEY,
        zaak_id VARCHAR NOT NULL,
        actie VARCHAR NOT NULL,
        kanaal VARCHAR NOT NULL,
        template VARCHAR NOT NULL,
        adres VARCHAR NOT NULL,
        onderwerp VARCHAR,
        tekst VARCHAR NOT NULL,
        geboekt DATE NOT NULL,
        gepland DATE NOT NULL,
        status VARCHAR NOT NULL,
        reden VARCHAR,
        pogingen INTEGER NOT NULL,
        volgende DATE,
        referentie VARCHAR,
        verzonden DATE,
        run_id VARCHAR NOT NULL
    );
    CREATE TABLE geen_berichten (
        kanaal VARCHAR NOT NULL,
        adres VARCHAR NOT NULL,
        reden VARCHAR,
        datum DATE,
        PRIMARY KEY (kanaal, adres)
    );
    """,
)

SCHEMA_VERSION: Final = len(MIGRATIONS)


class StoreError(Exception):
    """The state cannot be used; the message says why and what to do."""


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
    besluiten: pl.DataFrame  # earlier signals a person decided tonight, as matched now
    uiteen: pl.DataFrame  # signals whose household parted, waiting now (`laatste_activiteit`)
    keuzes: pl.DataFrame  # the choices that decided them
    teruggemeld: pl.DataFrame  # earlier signals told otherwise tonight (`status.retold`)
    berichten: pl.DataFrame  # the messages booked tonight (`berichten.OUTBOX_COLUMNS`)
    berichtbesluiten: pl.DataFrame  # the messages due tonight: bericht_id, status, reden, adres


class Store(NightQueries, PrivacyQueries, ReportQueries, AuditQueries, OutboxQueries):
    """The state, open. Its queries are grouped by who asks for them (the mixins)."""

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

    @staticmethod
    def fingerprint(state_dir: Path, wait: float = READER_WAIT) -> tuple[object, ...]:
        """The state as it is now, without copying it: each of its files' identity, size
        and last change, and the erasure generation, read under the lock (never half a run).
        Every write to the state changes it: a night, a purge, a forget."""
        with locked(state_dir, wait):
            files = [state_dir / name for name in (STATE_FILE, f"{STATE_FILE}.wal")]
            stats = [(f.name, f.stat()) for f in files if f.exists()]
            return (
                *((name, s.st_ino, s.st_size, s.st_mtime_ns) for name, s in stats),
                erasure_generation(state_dir),
            )

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

    def restore(self, tables: Mapping[str, pl.DataFrame]) -> None:
        """Load rows as an archive kept them, for a replay in a scratch state."""
        with self._transaction():
            for table, rows in tables.items():
                self._insert(table, rows)
            # An archive made before migration 6 keeps why a case closed as Dutch text, and
            # one made before migration 7 no municipality per action.
            self._db.execute(_CLOSE_REASONS_OF_TEXT)
            self._db.execute(_ACTION_MUNICIPALITIES)

    def write(self, changes: Changes) -> None:
        """Apply one run's changes in one transaction: all of them or none."""
        tables: Mapping[str, pl.DataFrame] = {
            "bestanden": changes.bestanden,
            "signalen": changes.signalen,
            "routeringen": changes.routeringen,
            "acties": changes.acties,
            "gebeurtenissen": changes.gebeurtenissen,
            "keuzes": changes.keuzes,
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
            self._rematch(changes.besluiten, _DECIDED)
            self._rematch(changes.uiteen, (*_DECIDED, "laatste_activiteit"))
            self._rematch(changes.teruggemeld, (*SIGNAL_KEY, "teruggemeld"))
            self._stand(changes)
            self._insert("berichten", changes.berichten)
            self._decide_messages(changes.berichtbesluiten)

    def _stand(self, changes: Changes) -> None:
        """Record how tonight left each signal it received, moved, matched anew or told
        otherwise (a signal of a state older than migration 11 told nothing yet: its
        status)."""
        touched = pl.concat(
            [
                frame.select(SIGNAL_KEY)
                for frame in (
                    changes.signalen,
                    changes.herindeling,
                    changes.besluiten,
                    changes.uiteen,
                    changes.teruggemeld,
                )
            ]
        ).unique()
        standing = {c: f"s.{c}" for c in STANDING_COLUMNS} | {
            "teruggemeld": "coalesce(s.teruggemeld, s.status)"
        }
        with self._registered({"vannacht": touched}):
            self._db.execute(
                f"INSERT INTO signaalstanden SELECT ?, s.signaalpartner, s.signaal_id, "
                f"{', '.join(standing.values())} FROM signalen s "
                "WHERE (s.signaalpartner, s.signaal_id) IN (SELECT * FROM vannacht)",
                [changes.run_id],
            )

    def _regroup(self, moved: pl.DataFrame) -> None:
        """Signals that follow their person into another case (a partner's ids are unique)."""
        if not moved.height:
            return
        with self._registered({"verhuisd": moved}):
            self._db.execute(
                "UPDATE signalen SET zaak_id = v.zaak_id FROM verhuisd v "
                "WHERE signalen.signaalpartner = v.signaalpartner "
                "AND signalen.signaal_id = v.signaal_id"
            )

    def _rematch(self, signals: pl.DataFrame, columns: tuple[str, ...]) -> None:
        """Earlier signals set anew: matched as a person decided, waiting for one since
        their household parted, or told otherwise. The row keeps the run that received it,
        and what it said."""
        if not signals.height:
            return
        with self._registered({"opnieuw": signals.select(columns)}):
            self._db.execute(
                "UPDATE signalen SET "
                + ", ".join(f"{c} = o.{c}" for c in columns[len(SIGNAL_KEY) :])
                + " FROM opnieuw o WHERE signalen.signaalpartner = o.signaalpartner "
                "AND signalen.signaal_id = o.signaal_id"
            )


_DECIDED: Final = (*SIGNAL_KEY, *MATCHED_COLUMNS)
"""What matching anew changes of a signal: how it matched, and what followed."""


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
