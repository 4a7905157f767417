"""The contracts hold: the store's tables and every CSV a run writes have the columns of
`vsig.contracts`, and older states and archives are brought to them."""

import csv
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from vsig import audit, contracts, schemas
from vsig.io import berichten
from vsig.io.state import store
from vsig.io.state.store import Store
from vsig.rules.lifecycle import CloseReason

from .street import Story

OUTPUTS = {
    "signals.csv": contracts.SIGNALS_CSV,
    "cases.csv": contracts.CASES_CSV,
    "rejects": tuple(schemas.REJECTS),
    "gemeente": contracts.GEMEENTE_CSV,
    "huisbezoeken": contracts.HUISBEZOEKEN_CSV,
    "bellijst.csv": contracts.BELLIJST_CSV,
    "niet_gekoppeld.csv": contracts.NIET_GEKOPPELD_CSV,
    "schuldhulpverlening.csv": contracts.SCHULDHULPVERLENING_CSV,
    "termijnen.csv": contracts.TERMIJNEN_CSV,
    "terugmelding": contracts.TERUGMELDING_CSV,
    "index.csv": tuple(schemas.LETTER_INDEX),
    "berichten.csv": contracts.BERICHTEN_CSV,
    "berichten": berichten.INDEX_COLUMNS,
}


def columns(db: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    rows = db.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return tuple(name for (name,) in rows)


def test_the_store_has_the_tables_of_the_contract(tmp_path: Path) -> None:
    with Store.open(tmp_path):
        pass
    with duckdb.connect(tmp_path / store.STATE_FILE, read_only=True) as db:
        tables = {t for (t,) in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert tables == set(contracts.STATE_COLUMNS)
        for table, expected in contracts.STATE_COLUMNS.items():
            assert columns(db, table) == expected, table


def test_every_csv_of_a_run_has_the_columns_of_its_contract(story: Story) -> None:
    checked = set()
    for path in sorted((story.home.path / "out").rglob("*.csv")):
        relative = path.relative_to(story.home.path / "out").parts
        kind = "rejects" if relative[1] == "rejects" else path.name
        kind = path.parent.name if relative[1] == "berichten" else kind
        kind = kind if kind in OUTPUTS else path.parent.name
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = tuple(next(csv.reader(handle, delimiter=";")))
        assert header == OUTPUTS[kind], path
        checked.add(kind)
    assert checked == set(OUTPUTS)  # the street's nights write every kind of file


def state_of_version(
    version: int, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> duckdb.DuckDBPyConnection:
    """A state as a vsig that knew `version` migrations made it, open to write old rows."""
    with monkeypatch.context() as before:
        before.setattr(store, "MIGRATIONS", store.MIGRATIONS[:version])
        before.setattr(store, "SCHEMA_VERSION", version)
        with Store.open(folder):
            pass
    return duckdb.connect(folder / store.STATE_FILE)


def test_a_state_from_before_the_renames_keeps_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 4 gives `regel` (a line), and `soort` (an action's and a file's kind)
    their own names; the rows stay."""
    with state_of_version(3, tmp_path, monkeypatch) as db:
        db.execute("INSERT INTO bestanden VALUES ('abc', 'a.csv', 'signalen', 'R1')")
        db.execute(
            "INSERT INTO acties VALUES ('R1', 'Z1', 'informatiebrief', 1, 'brief', 't', 'sdd', "
            "NULL)"
        )
    with Store.open(tmp_path) as db:
        assert db.version() == store.SCHEMA_VERSION
        performed = db.performed_actions().select("zaak_id", "actie", "actietype")
        assert performed.rows() == [("Z1", "informatiebrief", "brief")]
    with duckdb.connect(tmp_path / store.STATE_FILE, read_only=True) as raw:
        assert columns(raw, "bestanden") == contracts.STATE_COLUMNS["bestanden"]
        assert raw.execute("SELECT bestandsoort FROM bestanden").fetchall() == [("signalen",)]


def test_migration_5_dates_each_action_by_the_night_that_booked_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An action from before migration 5 is booked on its run's date, and counts as due
    from then: the day a call was for was not kept, and early beats never on a worklist."""
    with state_of_version(4, tmp_path, monkeypatch) as db:
        db.execute("INSERT INTO runs VALUES ('R1', DATE '2026-03-02', 0)")
        db.execute("INSERT INTO runs VALUES ('R2', DATE '2026-03-09', 0)")
        for run, action in (("R1", "informatiebrief"), ("R2", "sdd_belt_na_2_weken")):
            db.execute(
                "INSERT INTO acties VALUES (?, 'Z1', ?, 1, 'brief', NULL, NULL, NULL)",
                [run, action],
            )
    with Store.open(tmp_path) as db:
        performed = db.performed_actions().select("actie", "geboekt", "gepland")
    assert performed.rows() == [
        ("informatiebrief", date(2026, 3, 2), date(2026, 3, 2)),
        ("sdd_belt_na_2_weken", date(2026, 3, 9), date(2026, 3, 9)),
    ]
    with duckdb.connect(tmp_path / store.STATE_FILE, read_only=True) as raw:
        assert columns(raw, "acties") == contracts.STATE_COLUMNS["acties"]


def test_an_archive_from_before_the_renames_loads_with_the_new_names(tmp_path: Path) -> None:
    old = {
        "bestanden": pl.DataFrame({"sha256": ["abc"], "soort": ["signalen"]}),
        "zaken": pl.DataFrame({"zaak_id": ["Z1"], "regel": ["vanaf_500_bekend"]}),
        "signalen": pl.DataFrame({"signaal_id": ["S1"], "regel": [2]}),
        "acties": pl.DataFrame({"actie": ["informatiebrief"], "soort": ["brief"]}),
        "gebeurtenissen": pl.DataFrame({"gebeurtenis": ["aanmelding"], "regel": [3]}),
    }
    audit.write_state(tmp_path, old)
    loaded = audit.load_state(tmp_path)
    assert loaded["bestanden"].columns == ["sha256", "bestandsoort"]
    assert loaded["zaken"].columns == ["zaak_id", "regel"]  # a rule's name: not renamed
    assert loaded["signalen"]["regelnummer"].to_list() == [2]
    assert loaded["acties"]["actietype"].to_list() == ["brief"]
    assert loaded["gebeurtenissen"]["regelnummer"].to_list() == [3]


OLD_REASONS = (
    ("Z1", "geen activiteit", CloseReason.GEEN_ACTIVITEIT, None),
    ("Z2", "resultaat: Vervolghulp", CloseReason.RESULTAAT, None),
    ("Z3", "samengevoegd met Z20261126-01-0007", CloseReason.SAMENGEVOEGD, "Z20261126-01-0007"),
    ("Z4", "Inwoner is overleden", CloseReason.OVERLEDEN, None),
    ("Z5", "Persoon is geen inwoner (meer) in de gemeente", CloseReason.VERTROKKEN, None),
    ("Z6", None, None, None),
)


def test_migration_6_keeps_why_each_case_closed_as_a_close_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before migration 6 the reason was Dutch text, the case merged into inside it."""
    with state_of_version(5, tmp_path, monkeypatch) as db:
        for zaak, text, _, _ in OLD_REASONS:
            db.execute(
                "INSERT INTO zaken (zaak_id, adres_sleutel, gemeentecode, geopend, "
                "laatste_activiteit, sluitreden, bekend_bij_sdd, totaal_achterstand, "
                "aantal_signalen, soorten, crisis, warme_overdracht, meervoudig, regel) "
                "VALUES (?, 'a', '0505', DATE '2026-11-02', DATE '2026-11-02', ?, false, 1, "
                "1, ['Huur'], false, false, false, 'r')",
                [zaak, text],
            )
    with Store.open(tmp_path) as db:
        assert db.version() == store.SCHEMA_VERSION
    with duckdb.connect(tmp_path / store.STATE_FILE, read_only=True) as raw:
        assert columns(raw, "zaken") == contracts.STATE_COLUMNS["zaken"]
        rows = raw.execute(
            "SELECT zaak_id, sluitreden, samengevoegd_in FROM zaken ORDER BY zaak_id"
        ).fetchall()
    assert rows == [(zaak, reason, into) for zaak, _, reason, into in OLD_REASONS]


def test_a_replay_of_an_older_archive_reads_why_its_cases_closed_the_same_way(
    tmp_path: Path,
) -> None:
    closed = pl.DataFrame(
        {
            "zaak_id": [z for z, *_ in OLD_REASONS],
            "adres_sleutel": "a",
            "gemeentecode": "0505",
            "geopend": date(2026, 11, 2),
            "laatste_activiteit": date(2026, 11, 2),
            "sluitreden": [text for _, text, _, _ in OLD_REASONS],
            "bekend_bij_sdd": False,
            "totaal_achterstand": 1,
            "aantal_signalen": 1,
            "soorten": [["Huur"]] * len(OLD_REASONS),
            "crisis": False,
            "warme_overdracht": False,
            "meervoudig": False,
            "regel": "r",
        }
    )
    with Store.open(tmp_path) as db:
        db.restore({"zaken": closed})
    with duckdb.connect(tmp_path / store.STATE_FILE, read_only=True) as raw:
        rows = raw.execute(
            "SELECT zaak_id, sluitreden, samengevoegd_in FROM zaken ORDER BY zaak_id"
        ).fetchall()
    assert rows == [(zaak, reason, into) for zaak, _, reason, into in OLD_REASONS]
