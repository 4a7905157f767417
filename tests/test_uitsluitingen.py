"""`vsig uitsluiten`: the exclusion list lives in the data home, decides the night, is kept
in an archive only as keyed hashes, and goes with `vsig forget`."""

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from vsig.cli import app
from vsig.rules import vng

from .conftest import REPO
from .scenario import Home, Resident, make_bsn
from .test_privacy import found_in_home

DAY = date(2026, 11, 2)
OBJECTED = Resident(make_bsn(801), "Bezwaar", date(1970, 1, 1), "3317XY", 5)
UNSAFE = Resident(make_bsn(802), "Onveilig", date(1971, 2, 2), "3317XY", 9)
NEIGHBOUR = Resident(make_bsn(803), "Buurman", date(1972, 3, 3), "3317XY", 11)
HOUSEMATE = Resident(make_bsn(804), "Huisgenoot", date(1973, 4, 4), "3318AB", 1)
OTHER_HOUSEMATE = Resident(make_bsn(805), "Huisgenoot", date(1974, 5, 5), "3318AB", 1)
runner = CliRunner()


def night(root: Path) -> Home:
    """A night with a resident who objected, an unsafe address and a neighbour; and a
    household of two whose signal names its surname only, one of whom objected."""
    home = Home.create(root)
    for option, reason in (
        (("--bsn", OBJECTED.bsn), "bezwaar gemaakt"),
        (("--address", "3317 xy 9"), "onveilig adres"),
        (("--bsn", OTHER_HOUSEMATE.bsn), "bezwaar gemaakt"),
    ):
        added = home.vsig(
            "uitsluiten", "toevoegen", *option, "--reason", reason, "--date", "2026-10-01"
        )
        assert added.exit_code == 0, added.output
        assert "added" in added.stdout
    residents = [OBJECTED, UNSAFE, NEIGHBOUR, HOUSEMATE, OTHER_HOUSEMATE]
    home.registers(DAY, residents)
    household = HOUSEMATE.signal("H-1", "400.00", DAY, geboortedatum="")
    home.signals(
        "WOONKRACHT10",
        DAY,
        [
            OBJECTED.signal("O-1", "400.00", DAY),
            UNSAFE.signal("U-1", "400.00", DAY),
            NEIGHBOUR.signal("N-1", "400.00", DAY),
            household,
        ],
    )
    result = home.run(DAY)
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def excluded(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return night(tmp_path_factory.mktemp("uitsluitingen"))


def test_the_listed_get_no_letter_and_their_creditor_hears_andere_reden(excluded: Home) -> None:
    told = dict(
        excluded.out("20261102-01", "exports/terugmelding/WOONKRACHT10.csv")
        .select("signaal_id", "status")
        .iter_rows()
    )
    assert told == {
        "O-1": vng.ANDERE_REDEN,
        "U-1": vng.ANDERE_REDEN,
        # a letter to the household would reach the housemate who objected
        "H-1": vng.ANDERE_REDEN,
        "N-1": vng.OPGEPAKT,
    }
    letters = sorted((excluded.path / "out" / "20261102-01" / "letters").glob("*.pdf"))
    text = " ".join(excluded.letter("20261102-01", p.name) for p in letters)
    assert len(letters) == 1
    assert "Buurman" in text
    for listed in ("Bezwaar", "Onveilig", "Huisgenoot"):
        assert listed not in text


def test_the_list_is_in_the_state_never_in_the_config_or_an_archive(excluded: Home) -> None:
    config_dir = excluded.config.parent
    for path in [*config_dir.rglob("*"), *(excluded.path / "archive").rglob("config/*")]:
        if path.is_file():
            assert OBJECTED.bsn.encode() not in path.read_bytes(), path
    kept = pl.read_parquet(excluded.path / "archive" / "20261102-01/state/uitsluitingen.parquet")
    # Each entry that could decide one of the night's signals, as a keyed hash only.
    assert kept["soort"].to_list() == ["adres", "persoon", "persoon"]
    assert all(len(key) == 64 for key in kept["sleutel"])
    assert not {OBJECTED.bsn, OTHER_HOUSEMATE.bsn, "3317XY|9||"} & set(kept["sleutel"])


def test_a_night_with_exclusions_replays_byte_for_byte(excluded: Home) -> None:
    replay = excluded.vsig("replay", "20261102-01")
    assert replay.exit_code == 0, replay.output
    assert "identical" in replay.stdout


def test_lijst_shows_each_entry_with_why_and_since_when(excluded: Home) -> None:
    listed = excluded.vsig("uitsluiten", "lijst", "--json")
    assert listed.exit_code == 0, listed.output
    assert yaml.safe_load(listed.stdout) == [
        {
            "soort": "adres",
            "wie": "huisnummer 9, 3317 XY",
            "reden": "onveilig adres",
            "sinds": "2026-10-01",
        },
        *(
            {"soort": "persoon", "wie": bsn, "reden": "bezwaar gemaakt", "sinds": "2026-10-01"}
            for bsn in sorted([OBJECTED.bsn, OTHER_HOUSEMATE.bsn])
        ),
    ]
    table = excluded.vsig("uitsluiten", "lijst")
    assert "01-10-2026" in table.stdout
    assert "onveilig adres" in table.stdout


def test_the_inzage_shows_the_persons_entry(excluded: Home, tmp_path: Path) -> None:
    made = excluded.vsig("inzage", "--bsn", OBJECTED.bsn, "--out", str(tmp_path / "i.pdf"))
    assert made.exit_code == 0, made.output
    found = yaml.safe_load((tmp_path / "i.json").read_text())
    assert found["uitsluiting"] == {"reden": "bezwaar gemaakt", "sinds": "1\xa0oktober\xa02026"}
    assert not found["niets"]


def test_adding_again_keeps_the_entry_and_removing_takes_it_off(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    add = ("uitsluiten", "toevoegen", "--bsn", OBJECTED.bsn, "--reason")
    assert home.vsig(*add, "bezwaar", "--date", "2026-10-01").exit_code == 0
    again = home.vsig(*add, "ander", "--date", "2026-11-01")
    assert again.exit_code == 0
    assert "already, since 01-10-2026" in again.stdout
    removed = home.vsig("uitsluiten", "verwijderen", "--bsn", OBJECTED.bsn)
    assert removed.exit_code == 0, removed.output
    assert yaml.safe_load(home.vsig("uitsluiten", "lijst", "--json").stdout) == []
    # Taken off, and gone from the state file's bytes too (compacted).
    assert found_in_home(home.path, [OBJECTED.bsn]) == []
    missing = home.vsig("uitsluiten", "verwijderen", "--bsn", OBJECTED.bsn)
    assert missing.exit_code == 2
    assert "not on the exclusion list" in missing.output


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("--bsn", "123456789", "--reason", "x"), "--bsn is not a valid BSN"),
        (("--address", "Voorstraat 1", "--reason", "x"), "--address is not an address"),
        (("--bsn", OBJECTED.bsn, "--reason", "  "), "--reason is empty"),
        (("--reason", "x"), "exactly one of --bsn and --address"),
    ],
)
def test_toevoegen_refuses_what_it_cannot_keep(
    tmp_path: Path, args: tuple[str, ...], why: str
) -> None:
    home = Home.create(tmp_path)
    result = home.vsig("uitsluiten", "toevoegen", *args)
    assert result.exit_code == 2
    assert why in result.output
    assert (
        not (home.path / "state").exists()
        or yaml.safe_load(home.vsig("uitsluiten", "lijst", "--json").stdout) == []
    )


def test_forget_takes_the_person_off_the_list_and_out_of_every_archive(tmp_path: Path) -> None:
    """The issue's test: after an exclusion is added and then forgotten, the BSN is
    nowhere: not in the config, the repository or any archive, nor anywhere under the
    home (raw bytes); the archive keeps no keyed hash of it either."""
    home = night(tmp_path)
    archived = home.path / "archive" / "20261102-01/state/uitsluitingen.parquet"
    before = pl.read_parquet(archived).height
    forgotten = home.vsig("forget", "--bsn", OBJECTED.bsn)
    assert forgotten.exit_code == 0, forgotten.output
    assert "request/uitsluiting" in forgotten.stdout
    assert "picked up again" in forgotten.stdout
    assert found_in_home(home.path, [OBJECTED.bsn]) == []
    assert pl.read_parquet(archived).height == before - 1
    for place in (home.config.parent, REPO / "config", REPO / "samples"):
        for path in (p for p in place.rglob("*") if p.is_file()):
            assert OBJECTED.bsn.encode() not in path.read_bytes(), path
    listed = yaml.safe_load(home.vsig("uitsluiten", "lijst", "--json").stdout)
    assert OBJECTED.bsn not in [e["wie"] for e in listed]
    assert {e["wie"] for e in listed} == {"huisnummer 9, 3317 XY", OTHER_HOUSEMATE.bsn}


def test_forgetting_a_household_takes_its_address_off_the_list(tmp_path: Path) -> None:
    home = night(tmp_path)
    assert home.vsig("forget", "--address", "3317 xy 9").exit_code == 0
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        left = db.execute("SELECT soort FROM uitsluitingen ORDER BY soort").fetchall()
    assert left == [("persoon",), ("persoon",)]


def test_an_entry_in_the_config_is_refused_with_where_it_goes(tmp_path: Path) -> None:
    home = Home.create(tmp_path, uitsluitingen={"adressen": [], "personen": [OBJECTED.bsn]})
    result = runner.invoke(app, ["config", "check", "--config", str(home.config)])
    assert result.exit_code == 2
    assert "vsig uitsluiten toevoegen" in result.output
    empty = Home.create(tmp_path / "empty", uitsluitingen={"adressen": [], "personen": []})
    # as the configs of earlier runs have it, for their replay
    assert runner.invoke(app, ["config", "check", "--config", str(empty.config)]).exit_code == 0
