"""The state store: versioned schema, all-or-nothing runs, one runner at a time."""

import re
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from vsig.io.state import lock, store, upkeep
from vsig.io.state.lock import LockedError, locked
from vsig.io.state.store import Changes, Store, StoreError

from .conftest import REPO

DAY = date(2026, 11, 26)


def empty(store_: Store, table: str) -> pl.DataFrame:
    return store_._query(f"SELECT * FROM {table} LIMIT 0")


def changes(store_: Store, **frames: pl.DataFrame) -> Changes:
    tables = (
        "bestanden", "signalen", "zaken", "routeringen", "acties", "gebeurtenissen", "keuzes",
        "berichten",
    )  # fmt: skip
    given = {t: frames.get(t, empty(store_, t)) for t in tables}
    given["berichtbesluiten"] = frames.get(
        "berichtbesluiten",
        empty(store_, "berichten").select("bericht_id", "status", "reden", "adres"),
    )
    given["besluiten"] = frames.get("besluiten", empty(store_, "signalen"))
    given["uiteen"] = frames.get("uiteen", empty(store_, "signalen"))
    given["teruggemeld"] = frames.get("teruggemeld", empty(store_, "signalen"))
    moved = frames.get(
        "herindeling",
        pl.DataFrame(
            schema={"signaalpartner": pl.String, "signaal_id": pl.String, "zaak_id": pl.String}
        ),
    )
    return Changes(
        run_id="20261126-01", verwerkingsdatum=DAY, exit_code=0, herindeling=moved, **given
    )


def test_a_new_state_gets_the_current_schema_version(tmp_path: Path) -> None:
    with Store.open(tmp_path) as db:
        assert db.version() == store.SCHEMA_VERSION
        assert db.next_run_id(DAY) == "20261126-01"


def test_a_state_from_a_newer_vsig_is_refused(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        pass
    with duckdb.connect(tmp_path / store.STATE_FILE) as raw:
        raw.execute("INSERT INTO schema_versie VALUES (?)", [store.SCHEMA_VERSION + 1])
    with pytest.raises(StoreError, match="newer than this vsig knows"), Store.open(tmp_path):
        pass


def test_an_old_state_is_migrated_on_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(tmp_path):
        pass
    later = (*store.MIGRATIONS, "ALTER TABLE zaken ADD COLUMN notitie VARCHAR;")
    monkeypatch.setattr(store, "MIGRATIONS", later)
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(later))
    with Store.open(tmp_path) as db:
        assert db.version() == len(later)
        assert "notitie" in empty(db, "zaken").columns


def test_migration_7_keeps_every_action_and_lets_a_later_run_book_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state from before: its action keeps every value and gets its case's municipality
    (a forward booked before must stay with the municipality a case later leaves); a case
    that moves may then have the same action again from a later run, never twice from one."""
    monkeypatch.setattr(store, "SCHEMA_VERSION", 6)
    with Store.open(tmp_path) as db:
        db._db.execute(
            "INSERT INTO acties VALUES ('20261125-01', 'Z1', 'doorsturen', 0, 'doorsturen', "
            "NULL, NULL, DATE '2026-12-09', DATE '2026-11-25', DATE '2026-11-25')"
        )
        db._db.execute(
            "INSERT INTO zaken (zaak_id, adres_sleutel, gemeentecode, geopend, "
            "laatste_activiteit, bekend_bij_sdd, totaal_achterstand, aantal_signalen, soorten, "
            "crisis, warme_overdracht, meervoudig, regel) VALUES ('Z1', '3311AB|1||', '0505', "
            "DATE '2026-11-25', DATE '2026-11-25', false, 60000, 1, ['Huur'], false, false, "
            "false, 'vangnet')"
        )
    monkeypatch.undo()
    with Store.open(tmp_path) as db:
        assert db.version() == store.SCHEMA_VERSION
        assert db._query("SELECT * FROM acties").row(0) == (
            "20261125-01", "Z1", "doorsturen", 0, "doorsturen", None, None,
            date(2026, 12, 9), date(2026, 11, 25), date(2026, 11, 25), "0505",
        )  # fmt: skip
        again = db._query("SELECT * EXCLUDE (run_id) FROM acties").with_columns(
            run_id=pl.lit("20261126-01"), geboekt=pl.lit(DAY), gemeentecode=pl.lit("0642")
        )
        db.write(changes(db, acties=again))
        assert db.performed_actions().height == 2
        with pytest.raises(duckdb.ConstraintException):
            db.write(replace(changes(db, acties=again), run_id="20261126-02"))


def test_a_run_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    with Store.open(tmp_path) as db:
        files = pl.DataFrame(
            {
                "sha256": ["abc"],
                "bestand": ["f.csv"],
                "bestandsoort": ["signalen"],
                "run_id": ["20261126-01"],
            }
        )
        broken_case = pl.DataFrame({"zaak_id": ["Z1"]})  # its required facts are missing
        with pytest.raises(duckdb.Error):
            db.write(changes(db, bestanden=files, zaken=broken_case))
        assert db._query("SELECT count(*) AS n FROM runs")["n"].item() == 0
        assert db.processed_files() == {}
        db.write(changes(db, bestanden=files))
        assert db.processed_files() == {"abc": "20261126-01"}
        assert db.next_run_id(DAY) == "20261126-02"


def test_the_lock_keeps_a_second_runner_out(tmp_path: Path) -> None:
    with locked(tmp_path), pytest.raises(LockedError, match="another vsig run"), locked(tmp_path):
        pass
    with locked(tmp_path):  # released after use
        pass


def test_a_killed_runner_leaves_no_lock_behind(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from vsig.io.state.lock import locked\n"
            "with locked(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LockedError, match=f"pid {holder.pid}"), locked(tmp_path):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    with locked(tmp_path):
        pass


def test_a_writer_removes_a_killed_readers_snapshot_but_not_a_live_one(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        pass
    stale = tmp_path / f"{lock.SNAPSHOT_PREFIX}killed"
    stale.mkdir()
    (stale / store.STATE_FILE).write_text("a copy of the state")
    with Store.snapshot(tmp_path) as db:
        upkeep.compact_if_pending(tmp_path)  # what a run beside the reader does first
        assert db.version() == store.SCHEMA_VERSION
        live = list(tmp_path.glob(f"{lock.SNAPSHOT_PREFIX}*"))
        assert len(live) == 1
        assert live[0] != stale
    assert list(tmp_path.glob(f"{lock.SNAPSHOT_PREFIX}*")) == []


def test_all_sql_lives_in_the_state_layer() -> None:
    """Which SQL touches a table is answered by reading one folder."""
    statement = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    state = REPO / "src" / "vsig" / "io" / "state"
    for path in sorted((REPO / "src" / "vsig").rglob("*.py")):
        if not path.is_relative_to(state):
            assert not statement.search(path.read_text(encoding="utf-8")), path
