"""`vsig uitsluiten`: the exclusion list lives in the data home, decides the night, is kept
in an archive only as keyed hashes, and goes with `vsig forget`."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from vsig.audit import write_manifest
from vsig.cli import app
from vsig.io.files import sha256
from vsig.privacy import erasure
from vsig.privacy.purge_log import ERASED
from vsig.rules import match, vng

from .conftest import REPO, TEST_SECRET
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


def test_an_entry_in_the_config_stops_the_night_until_it_is_moved(tmp_path: Path) -> None:
    """The upgrade in its order: with an entry left in the config no night runs (its
    residents would get letters) and `config check` says where it goes; putting it on
    the list works meanwhile; once the section is gone, the night runs."""
    home = Home.create(tmp_path, uitsluitingen={"adressen": [], "personen": [OBJECTED.bsn]})
    home.registers(DAY, [OBJECTED])
    checked = runner.invoke(app, ["config", "check", "--config", str(home.config)])
    assert checked.exit_code == 2
    assert "vsig uitsluiten toevoegen" in checked.output
    refused = home.run(DAY)
    assert refused.exit_code == 2
    assert "lists 1 exclusion(s)" in refused.output
    assert not (home.path / "out").exists()
    moved = home.vsig("uitsluiten", "toevoegen", "--bsn", OBJECTED.bsn, "--reason", "bezwaar")
    assert moved.exit_code == 0, moved.output
    config = yaml.safe_load(home.config.read_text())
    del config["uitsluitingen"]
    home.config.write_text(yaml.safe_dump(config))
    assert home.run(DAY).exit_code == 0
    empty = Home.create(tmp_path / "empty", uitsluitingen={"adressen": [], "personen": []})
    # as the configs of earlier runs have it
    assert runner.invoke(app, ["config", "check", "--config", str(empty.config)]).exit_code == 0


def test_a_case_whose_resident_is_listed_later_gets_no_letter_after_a_move(
    tmp_path: Path,
) -> None:
    """Forwarded on the first night (and told so), the resident then objects and moves to
    Papendrecht: the case follows them and is forwarded there, but no notice or letter
    goes to someone on the list."""
    home = Home.create(tmp_path)
    home.registers(DAY, [NEIGHBOUR])
    home.signals("WOONKRACHT10", DAY, [NEIGHBOUR.signal("N-1", "800.00", DAY)])
    assert home.run(DAY).exit_code == 0
    first = home.out("20261102-01", "letters/index.csv")
    assert first["template"].to_list() == ["kennisgeving"]
    add = ("uitsluiten", "toevoegen", "--bsn", NEIGHBOUR.bsn, "--reason", "bezwaar")
    assert home.vsig(*add).exit_code == 0
    later = date(2026, 11, 9)
    moved = replace(NEIGHBOUR, postcode="3351AB", huisnummer=4, gemeentecode="0590")
    home.registers(later, [moved])
    assert home.run(later).exit_code == 0
    cases = home.out("20261109-01", "cases.csv")
    assert cases["gemeentecode"].to_list() == ["0590"]
    assert "doorsturen_naar_gemeente" in cases["acties"].item()
    assert home.out("20261109-01", "letters/index.csv").is_empty()


def test_a_case_is_silenced_at_a_listed_address_or_when_each_debtor_is_listed() -> None:
    case_signals = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z2", "Z3", "Z4"],
            "persoon_bsn": ["A", "A", "B", None, "C"],
            "kandidaten": [None, None, None, ["A", "D"], None],
        }
    )
    cases = pl.DataFrame(
        {"zaak_id": ["Z1", "Z2", "Z3", "Z4"], "adres_sleutel": ["a", "b", "c", "unsafe"]}
    )
    listed = pl.DataFrame({"soort": ["persoon", "adres"], "sleutel": ["A", "unsafe"]})
    silenced = match.silenced(case_signals, cases, listed)
    # Z2's B and Z3's D are not listed: their letters go.
    assert sorted(silenced["zaak_id"]) == ["Z1", "Z4"]


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("3311AB 12", "3311AB|12||"),
        ("3311 ab 12 a", "3311AB|12|A|"),
        ("3311AB 12A-2", "3311AB|12|A|2"),
        ("3311AB 12 A 2", "3311AB|12|A|2"),
        ("3320AA 3 1", "3320AA|3||1"),  # an addition alone, as the register writes 3-1
        ("3320AA 3-1", "3320AA|3||1"),
        ("3320AA 3 - 1", "3320AA|3||1"),
        ("3311AB 12 BIS", "3311AB|12||BIS"),
    ],
)
def test_an_address_is_read_as_a_person_types_it(typed: str, key: str) -> None:
    """The same reading for `uitsluiten` and `forget`: a part after the number that is no
    single letter is the addition, never dropped."""
    assert erasure.Subject.household(typed).adres_sleutel == key


@pytest.mark.parametrize("typed", ["Voorstraat 1", "3311AB", "3311AB 12 A B C", "33111AB 12"])
def test_what_is_no_address_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not an address"):
        erasure.Subject.household(typed)


def test_forget_reaches_the_list_a_run_from_before_archived_with_its_config(
    tmp_path: Path,
) -> None:
    """A run from before the list left the config archived it in plain text: `forget`
    takes the person's BSN out of that copy too, and marks the run."""
    home = night(tmp_path)
    run = "20261102-01"
    archived = home.path / "archive" / run / "config" / "vsig.yaml"
    legacy = archived.read_text() + f"uitsluitingen:\n  personen: ['{OBJECTED.bsn}']\n"
    archived.write_text(legacy)  # as a vsig before the move wrote it, sealed as such
    manifest_path = home.path / "out" / run / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["archive"]["config/vsig.yaml"] = sha256(archived)
    write_manifest(manifest_path, manifest, TEST_SECRET.encode())
    assert home.vsig("forget", "--bsn", OBJECTED.bsn).exit_code == 0
    assert found_in_home(home.path, [OBJECTED.bsn]) == []
    assert json.loads(manifest_path.read_text())[ERASED]
    replayed = home.vsig("replay", run)
    assert "data erased on request" in replayed.output  # not "tampered"
