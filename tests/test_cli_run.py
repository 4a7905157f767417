"""`vsig run` over several nights: every route, status and case life cycle, end to end.

Most tests read the street of `tests/street.py`, run once per session.
"""

import csv
import hashlib
import io
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.io.state.lock import locked
from vsig.night import nightly
from vsig.rules import termijnen, vng
from vsig.rules.lifecycle import CloseReason

from .conftest import PROCESSING_DATE, REPO
from .scenario import Home
from .street import (
    BY_ADDRESS,
    CRISIS,
    ESCALATES,
    EXACTLY_500,
    FLAT_A,
    GETS_RESULT,
    GOES_QUIET,
    KNOWN,
    KNOWN_ESCALATES,
    KNOWN_HIGH,
    KNOWN_HIGH_NO_PHONE,
    KNOWN_LOW,
    MOVED,
    MULTIPLE,
    NIGHT_1,
    NIGHT_2,
    ONE_FLAT,
    REPEATS,
    RESIDENTS,
    UNKNOWN_HIGH,
    UNKNOWN_LOW,
    Story,
    at,
)


def test_runs_get_ids_per_day_and_exit_codes(story: Story) -> None:
    assert story.results == {
        "20261102-01": 0,
        "20261102-02": 0,
        "20261103-01": 1,  # the event for an unknown case is rejected
        "20270205-01": 0,
    }


@pytest.mark.parametrize(
    ("person", "rule", "actions"),
    [
        (KNOWN_LOW, "onder_500_bekend", "brief_lokaal_aanbod"),
        (UNKNOWN_LOW, "onder_500_niet_bekend", "informatiebrief"),
        (KNOWN_HIGH, "vanaf_500_bekend", "brief_lokaal_aanbod+sdd_belt_na_2_weken"),
        (
            KNOWN_HIGH_NO_PHONE,
            "vanaf_500_bekend_geen_telefoon",
            "brief_lokaal_aanbod+doorsturen_naar_gemeente",
        ),
        # the notice of the forward (AVG art. 14) first, vsig's own
        (UNKNOWN_HIGH, "vanaf_500_niet_bekend", "kennisgeving+doorsturen_naar_gemeente"),
        (EXACTLY_500, "vanaf_500_niet_bekend", "kennisgeving+doorsturen_naar_gemeente"),
        (CRISIS, "crisis_huisbezoek", "informatiebrief+huisbezoek_gemeente"),
    ],
)
def test_every_cell_of_the_sdd_table(story: Story, person, rule, actions) -> None:
    case = story.cases("20261102-01")[at(person)]
    assert (case["regel"], case["acties"]) == (rule, actions)


def test_known_is_the_household_not_only_the_debtor(story: Story) -> None:
    case = story.cases("20261102-01")[at(KNOWN_LOW)]
    assert KNOWN_LOW.bsn not in KNOWN
    assert case["bekend_bij_sdd"] == "ja"


def test_a_crisis_home_visit_is_due_in_three_working_days(story: Story) -> None:
    due = story.state(
        "SELECT a.actietype, a.uiterlijk FROM acties a JOIN zaken z USING (zaak_id) "
        f"WHERE z.adres_sleutel = '3311AB|{CRISIS.huisnummer}||' ORDER BY a.volgorde"
    )
    assert due == [("brief", None), ("doorsturen", date(2026, 11, 5))]  # Monday + 3


def test_two_creditors_on_one_address_make_one_multiple_case(story: Story) -> None:
    case = story.cases("20261102-01")[at(MULTIPLE)]
    assert case["aantal_signalen"] == "2"
    assert case["soorten"] == "Energie+Huur"
    assert case["totaal_achterstand"] == "550.00"
    assert case["regel"] == "vanaf_500_niet_bekend"
    signals = story.signals("20261102-01")
    assert signals["W-7"]["zaak_id"] == signals["V-7"]["zaak_id"] == case["zaak_id"]


def test_escalation_adds_the_forward_and_never_a_second_letter(story: Story) -> None:
    first = story.cases("20261102-01")[at(ESCALATES)]
    second = story.cases("20261103-01")[at(ESCALATES)]
    assert (first["regel"], first["acties"]) == ("onder_500_niet_bekend", "informatiebrief")
    assert second["zaak_id"] == first["zaak_id"]
    assert (second["totaal_achterstand"], second["aantal_signalen"]) == ("700.00", "2")
    assert (second["regel"], second["acties"]) == (
        "vanaf_500_niet_bekend",
        "doorsturen_naar_gemeente",
    )


def test_known_escalation_schedules_only_the_call(story: Story) -> None:
    first = story.cases("20261102-01")[at(KNOWN_ESCALATES)]
    second = story.cases("20261103-01")[at(KNOWN_ESCALATES)]
    assert first["acties"] == "brief_lokaal_aanbod"
    # The same arrears signalled higher: the latest amount counts, not the sum.
    assert second["totaal_achterstand"] == "650.00"
    assert (second["regel"], second["acties"]) == ("vanaf_500_bekend", "sdd_belt_na_2_weken")
    letters = story.state(
        "SELECT count(*) FROM acties WHERE actie = 'brief_lokaal_aanbod' "
        f"AND zaak_id = '{first['zaak_id']}'"
    )
    assert letters == [(1,)]


def test_repeated_signal_with_the_same_amount_is_not_picked_up_but_is_activity(
    story: Story,
) -> None:
    signals = story.signals("20261103-01")
    first = story.cases("20261102-01")[at(REPEATS)]
    assert signals["Z-10b"]["status"] == vng.HERHAALD
    assert signals["Z-10b"]["zaak_id"] == first["zaak_id"]
    assert signals["Z-9b"]["status"] == vng.NOG_NIET_OPGEPAKT
    again = story.cases("20261103-01")[at(REPEATS)]
    assert (again["aantal_signalen"], again["totaal_achterstand"], again["acties"]) == (
        "1",
        "300.00",
        "",
    )
    (active,) = story.state(
        f"SELECT laatste_activiteit FROM zaken WHERE zaak_id = '{first['zaak_id']}'"
    )
    assert active == (NIGHT_2,)


def test_a_moved_person_is_followed_to_the_current_address(story: Story) -> None:
    signal = story.signals("20261102-01")["W-11"]
    assert signal["status"] == vng.NOG_NIET_OPGEPAKT
    case = story.cases("20261102-01")[at(MOVED)]
    assert case["zaak_id"] == signal["zaak_id"]
    assert "3311AB 11" not in story.cases("20261102-01")


@pytest.mark.parametrize(
    ("signaal_id", "status"),
    [
        ("W-99", vng.NOG_NIET_OPGEPAKT),  # no BSN, and nobody of that name and birth date: doubt
        ("W-15", vng.GEEN_INWONER),  # registered in Gorinchem, outside the region
        ("W-12", vng.OVERLEDEN),
        ("W-13", vng.ANDERE_REDEN),  # address on the exclusion list
        ("W-14", vng.ANDERE_REDEN),  # Hardinxveld-Giessendam starts in 2027
        ("Z-22", vng.ONTERECHT),  # €150 of premium 120 days in arrears: outside 30-100
        ("W-18", vng.NOG_NIET_OPGEPAKT),  # the name fits nobody at the address: no guess, no fact
    ],
)
def test_signals_not_picked_up_get_their_vng_status(story: Story, signaal_id, status) -> None:
    signal = story.signals("20261102-01")[signaal_id]
    assert signal["status"] == status
    assert signal["zaak_id"] is None


def test_a_municipality_is_picked_up_from_its_start_date(story: Story) -> None:
    assert story.signals("20270205-01")["W-14b"]["status"] == vng.NOG_NIET_OPGEPAKT


def test_a_flat_left_vague_is_settled_by_the_surname_and_an_address_alone_by_nobody(
    story: Story,
) -> None:
    cases = story.cases("20261102-01")
    assert at(BY_ADDRESS) not in cases
    assert at(ONE_FLAT) in cases  # the partner left out the addition "2"
    assert at(FLAT_A) in cases  # two flats at that number, the surname fits one
    how = {
        row[0]: row[1:]
        for row in story.state("SELECT signaal_id, match_regel, niet_gekoppeld FROM signalen")
    }
    assert how["W-18"] == (None, "niemand in de BRP past")
    assert how["W-19"] == how["W-20"] == ("naam_adres", None)
    assert how["W-11"] == ("bsn", None)


def test_the_same_night_again_changes_nothing(story: Story) -> None:
    assert story.home.out("20261102-02", "cases.csv").height == 0
    assert story.home.out("20261102-02", "signals.csv").height == 0
    assert story.state("SELECT count(*) FROM signalen WHERE run_id = '20261102-02'") == [(0,)]


def test_a_quiet_case_closes_and_a_later_signal_opens_a_new_one(story: Story) -> None:
    """After its letter and a home visit that found nobody (two attempts, as the SDD's
    policy asks), the case closes after 90 quiet days."""
    old = story.cases("20261102-01")[at(GOES_QUIET)]["zaak_id"]
    new = story.cases("20270205-01")[at(GOES_QUIET)]["zaak_id"]
    assert new != old
    assert story.state(f"SELECT sluitreden FROM zaken WHERE zaak_id = '{old}'") == [
        (CloseReason.GEEN_ACTIVITEIT,)
    ]


def test_a_quiet_case_with_only_its_letter_stays_open_and_overdue(story: Story) -> None:
    """The letter was the one attempt: 90 quiet days later the case is not closed as 'no
    contact' but listed as overdue for the SDD, which makes another attempt or records the
    result."""
    zaak = story.cases("20261102-01")[at(KNOWN_LOW)]["zaak_id"]
    assert story.state(f"SELECT gesloten FROM zaken WHERE zaak_id = '{zaak}'") == [(None,)]
    overdue = story.home.out("20270205-01", "exports/termijnen.csv").filter(
        pl.col("zaak_id") == zaak
    )
    assert overdue.select("wie", "termijn", "stand").rows() == [
        ("sdd", "contactpoging", termijnen.TE_LAAT)
    ]


def test_a_result_event_closes_the_case(story: Story) -> None:
    old = story.cases("20261102-01")[at(GETS_RESULT)]["zaak_id"]
    assert story.state(f"SELECT gesloten, sluitreden FROM zaken WHERE zaak_id = '{old}'") == [
        (NIGHT_2, CloseReason.RESULTAAT)
    ]
    assert story.cases("20270205-01")[at(GETS_RESULT)]["zaak_id"] != old


def test_an_event_for_an_unknown_case_is_rejected_with_its_line(story: Story) -> None:
    rejects = story.home.out("20261103-01", "rejects/uitkomsten/uitkomsten-20261103.csv")
    assert rejects.select("regelnummer", "kolom", "reden").rows() == [
        ("3", "zaak_id", "is not the zaak_id of an open case")
    ]


def test_consumed_files_move_to_the_archive(story: Story) -> None:
    archive = story.home.path / "archive" / "20261102-01" / "signalen" / "VGZ"
    assert (archive / "vgz-20261102.csv").is_file()
    assert not list((story.home.path / "inbox" / "signalen").rglob("*.csv"))
    assert (story.home.path / "inbox" / "brp" / "brp-20270205.csv").is_file()


def test_outputs_are_sorted_and_excel_ready(story: Story) -> None:
    raw = (story.home.path / "out" / "20261102-01" / "cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfzaak_id;gemeentecode;postcode;")
    cases = story.home.out("20261102-01", "cases.csv")
    assert cases["zaak_id"].to_list() == sorted(cases["zaak_id"].to_list())
    signals = story.home.out("20261102-01", "signals.csv")
    keys = signals.select("signaalpartner", "signaal_id").rows()
    assert keys == sorted(keys)


def test_manifest_accounts_for_every_row(story: Story) -> None:
    manifest = json.loads(
        (story.home.path / "out" / "20261103-01" / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["run_id"] == "20261103-01"
    for item in manifest["inputs"]:
        assert item["accepted"] + item["rejected"] == item["read"]
    folder = story.home.path / "out" / "20261103-01"
    written = {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert {o["path"]: o["sha256"] for o in manifest["outputs"]} == written
    assert {"signals.csv", "cases.csv", "rejects/uitkomsten/uitkomsten-20261103.csv"} <= set(
        written
    )
    assert manifest["brieven_per_template"] == {}  # tonight escalates: a call, a forward
    assert manifest["signalen_per_status"] == {  # as told: both join a case a letter reached
        vng.HERHAALD: 1,
        vng.OPGEPAKT: 2,
    }


def cells(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))


def test_each_partner_hears_only_of_its_own_signals(story: Story) -> None:
    signals = story.state("SELECT signaalpartner, signaal_id, klantnummer FROM signalen")
    for run_id in story.results:
        feedback = story.home.path / "out" / run_id / "exports" / "terugmelding"
        for path in feedback.glob("*.csv"):
            partner = path.stem
            own = {(s[1], s[2]) for s in signals if s[0] == partner}
            others = {v for s in signals if s[0] != partner for v in s[1:]}
            rows = cells(path)
            assert {(r["signaal_id"], r["klantnummer"]) for r in rows} <= own
            assert not {v for r in rows for v in r.values()} & others, path
            assert "zaak_id" not in rows[0]


def test_a_municipality_gets_only_its_own_cases(story: Story) -> None:
    gemeente_of = dict(story.state("SELECT zaak_id, gemeentecode FROM zaken"))
    seen = set()
    for run_id in story.results:
        exports = story.home.path / "out" / run_id / "exports"
        for path in [*exports.glob("gemeente/*.csv"), *exports.glob("huisbezoeken/*.csv")]:
            for row in cells(path):
                assert gemeente_of[row["Zaak"]] == path.stem
                seen.add(path.stem)
    assert {"0505", "0523"} <= seen


def test_summary_names_no_person(story: Story) -> None:
    printed = "\n".join(story.outputs.values())
    for person in RESIDENTS:
        assert person.bsn not in printed
        assert person.geslachtsnaam not in printed
    assert "3311AB" not in printed


def test_a_file_delivered_again_is_rejected_not_processed(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    rows = [UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)]
    home.signals("WOONKRACHT10", NIGHT_1, rows)
    assert home.run(NIGHT_1).exit_code == 0
    home.signals("WOONKRACHT10", NIGHT_1, rows)
    again = home.run(NIGHT_1)
    assert again.exit_code == 1
    assert "already processed in run 20261102-01" in again.stdout
    assert home.out("20261102-02", "signals.csv").height == 0


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    home.signals("WOONKRACHT10", NIGHT_1, [UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)])
    result = home.run(NIGHT_1, "--dry-run", "--json")
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1  # one line for the log cron keeps
    summary = json.loads(result.stdout)
    assert summary["dry_run"] is True
    assert summary["zaken_per_regel"] == {"onder_500_niet_bekend": 1}
    assert summary["brieven_per_template"] == {"informatiebrief": 1}
    assert summary["zaken_per_gemeente"] == {
        "0482": 0,
        "0505": 1,
        "0523": 0,
        "0531": 0,
        "0590": 0,
        "0610": 0,
        "0642": 0,
    }
    assert not (home.path / "out").exists()
    assert (home.path / "inbox" / "signalen" / "WOONKRACHT10").is_dir()
    assert home.run(NIGHT_1).exit_code == 0  # and the real run still finds everything
    assert home.out("20261102-01", "cases.csv").height == 1


@pytest.mark.parametrize(
    ("brp_day", "message"),
    [
        (None, "no BRP extract"),
        (NIGHT_1 - timedelta(days=8), "more than brp_max_age_days (7)"),
    ],
)
def test_without_a_fresh_brp_extract_the_run_aborts(tmp_path: Path, brp_day, message) -> None:
    home = Home.create(tmp_path)
    if brp_day is not None:
        home.registers(brp_day, RESIDENTS, KNOWN)
    home.signals("WOONKRACHT10", NIGHT_1, [UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)])
    result = home.run(NIGHT_1)
    assert result.exit_code == 3
    assert message in result.stderr
    assert not (home.path / "out").exists()
    assert (home.path / "inbox" / "signalen" / "WOONKRACHT10").is_dir()


def test_a_second_concurrent_run_exits_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    monkeypatch.setattr(nightly, "WRITER_WAIT", 0.5)  # the 10 s it waits for the lock
    with locked(home.path / "state"):
        result = home.run(NIGHT_1)
    assert result.exit_code == 4
    assert "another vsig run" in result.stderr
    assert home.run(NIGHT_1).exit_code == 0


def test_a_crisis_call_skips_the_christmas_holidays(tmp_path: Path) -> None:
    christmas_eve = date(2026, 12, 24)
    home = Home.create(tmp_path)
    home.registers(christmas_eve, RESIDENTS, KNOWN)
    home.signals(
        "WOONKRACHT10",
        christmas_eve,
        [CRISIS.signal("W-6", "100.00", christmas_eve, crisissignaal="J")],
    )
    assert home.run(christmas_eve).exit_code == 0
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        due = db.execute("SELECT uiterlijk FROM acties WHERE actietype != 'brief'").fetchall()
    # 25 and 26 December are holidays, 27 is a Sunday: Monday 28 is the first working day.
    assert due == [(date(2026, 12, 30),)]


def test_sample_inbox_runs_end_to_end(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    for source in (REPO / "samples" / "inbox").rglob("*.csv"):
        target = home.path / "inbox" / source.relative_to(REPO / "samples" / "inbox")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    result = home.run(PROCESSING_DATE)
    assert result.exit_code == 1  # the samples hold 5 broken rows on purpose
    signals = home.out("20261126-01", "signals.csv")
    assert set(signals["status"]) <= set(vng.SIGNAALSTATUSSEN)
    cases = home.out("20261126-01", "cases.csv")
    assert cases.height > 50
    assert set(cases["regel"]) == {
        "crisis",
        "crisis_huisbezoek",
        "onder_500_bekend",
        "onder_500_niet_bekend",
        "vanaf_500_bekend",
        "vanaf_500_bekend_geen_telefoon",
        "vanaf_500_niet_bekend",
    }
    assert pl.Series(cases["zaak_id"]).is_unique().all()


def test_a_signal_sent_again_in_a_new_file_is_reported_not_processed(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    first = UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)
    home.signals("WOONKRACHT10", NIGHT_1, [first])
    assert home.run(NIGHT_1).exit_code == 0
    home.registers(NIGHT_2, RESIDENTS, KNOWN)
    # Yesterday's row again, beside a new one, in a file that is new as a whole.
    new = KNOWN_LOW.signal("W-9", "100.00", NIGHT_2)
    home.signals("WOONKRACHT10", NIGHT_2, [first, new])
    again = home.run(NIGHT_2)
    assert again.exit_code == 1
    rejects = home.out("20261103-01", "rejects/signalen/WOONKRACHT10/woonkracht10-20261103.csv")
    assert rejects.select("regelnummer", "waarde", "reden").rows() == [
        ("2", "W-2", "was already received in run 20261102-01")
    ]
    assert home.out("20261103-01", "signals.csv")["signaal_id"].to_list() == ["W-9"]
    feedback = home.out("20261103-01", "exports/terugmelding/WOONKRACHT10.csv")
    assert feedback.select("regelnummer", "signaal_id", "afwijzing").rows() == [
        ("2", "W-2", "signaal_id: is al ontvangen (verwerking 20261102)"),
        ("3", "W-9", None),  # every row the partner sent comes back
    ]
    letters = list((home.path / "out" / "20261103-01" / "letters").glob("*.pdf"))
    assert len([p for p in letters if p.parent.name == "letters"]) == 1
    replay = CliRunner().invoke(app, ["replay", "20261103-01", "--home", str(home.path)])
    assert replay.exit_code == 0, replay.output


def test_the_summary_starts_with_the_run_its_outcome_and_where_its_files_are(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    home.signals("WOONKRACHT10", NIGHT_1, [UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)])
    result = home.run(NIGHT_1)
    first = result.stdout.splitlines()[0]
    assert first.startswith("run 20261102-01 (2026-11-02): done, exit 0, ")
    assert first.endswith(f"outputs in {home.path / 'out' / '20261102-01'}")
    assert "Dordrecht (0505)" in result.stdout
    assert "opened" in result.stdout


def test_a_signal_no_one_fits_waits_for_a_person_and_is_told_as_not_yet_picked_up(
    tmp_path: Path,
) -> None:
    """No BSN, no birth date, and nobody of that name at the address: vsig cannot tell a
    typo from a departure. Its creditor hears `Nog niet opgepakt`, not that the resident
    does not live there; the SDD finds it on niet_gekoppeld.csv, and the run says so."""
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    signal = BY_ADDRESS.signal("W-1", "100.00", NIGHT_1, achternaam="Anders", geboortedatum="")
    home.signals("WOONKRACHT10", NIGHT_1, [signal])
    result = home.run(NIGHT_1)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "1 signal(s) no single person fits, waiting for a person at the SDD" in said
    run = f"{NIGHT_1:%Y%m%d}-01"
    (told,) = home.out(run, "exports/terugmelding/WOONKRACHT10.csv").to_dicts()
    assert told["status"] == vng.NOG_NIET_OPGEPAKT
    assert home.out(run, "exports/sdd/niet_gekoppeld.csv")["signaal_id"].to_list() == ["W-1"]
    assert home.out(run, "cases.csv").is_empty()
