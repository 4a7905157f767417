"""A case over months, end to end: what once went wrong on night 90, pinned night by night.

Each test drives `vsig run` through the nights of one small story and reads what people
get: cases.csv, the letters' index, the municipal exports and the state.
"""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.rules import vng
from vsig.rules.lifecycle import CloseReason

from .scenario import Home, Resident, csv_text, make_bsn

START = date(2027, 1, 4)  # a Monday
OWNER = Resident(make_bsn(901), "Eigenaar", date(1975, 3, 3), "3320AA", 1)
PARTNER = Resident(make_bsn(902), "Partner", date(1976, 4, 4), "3320AA", 1, voorletters="B.")
NEWCOMER = Resident(make_bsn(903), "Nieuwkomer", date(1990, 5, 5), "3320AA", 1)
NEW_ADDRESS = {"postcode": "3330BB", "huisnummer": 7, "gemeentecode": "0642"}


def state(home: Home, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        return db.execute(sql).fetchall()


def night(
    home: Home,
    day: date,
    residents: list[Resident],
    known: list[str] | tuple[str, ...] = (),
    **signals: Any,
) -> str:
    home.registers(day, residents, known)
    for partner, rows in signals.items():
        home.signals(partner, day, rows)
    result = home.run(day)
    assert result.exit_code == 0, result.output
    return f"{day:%Y%m%d}-01"


def events(home: Home, day: date, *rows: tuple[str, str, str]) -> None:
    home.write(
        f"uitkomsten/uitkomsten-{day:%Y%m%d}.csv",
        csv_text(
            [{"zaak_id": z, "datum": str(day), "gebeurtenis": g, "waarde": w} for z, g, w in rows],
            ["zaak_id", "datum", "gebeurtenis", "waarde"],
        ),
    )


def moved(person: Resident) -> Resident:
    return Resident(**(vars(person) | NEW_ADDRESS))


def test_events_keep_a_case_open_and_its_result_is_accepted(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    run = night(home, START, [OWNER], VGZ=[OWNER.signal("Z-1", "300.00", START)])
    (zaak,) = home.out(run, "cases.csv")["zaak_id"]
    for days, what in ((40, "aanmelding"), (80, "eerste_gesprek"), (120, "beschikking")):
        day = START + timedelta(days=days)
        events(home, day, (zaak, what, "toegelaten" if what == "beschikking" else ""))
        night(home, day, [OWNER])
    assert state(home, f"SELECT laatste_activiteit FROM zaken WHERE zaak_id = '{zaak}'") == [
        (START + timedelta(days=120),)
    ]
    later = START + timedelta(days=150)  # 150 days after the signal, 30 after the last event
    events(home, later, (zaak, "resultaat", "(Budget)advies en/of quick fix"))
    night(home, later, [OWNER])
    assert state(home, f"SELECT sluitreden FROM zaken WHERE zaak_id = '{zaak}'") == [
        (CloseReason.RESULTAAT,)
    ]


def test_monthly_repeats_keep_one_case_one_letter_and_a_lower_amount_counts(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    amounts = ["600.00", "600.00", "600.00", "600.00", "450.00"]
    runs = []
    for month, amount in enumerate(amounts):
        day = START + timedelta(days=30 * month)
        signal = OWNER.signal(f"W-{month}", amount, day, klantnummer="HUUR-1")
        runs.append(night(home, day, [OWNER], WOONKRACHT10=[signal]))
    first = home.out(runs[0], "cases.csv").row(0, named=True)
    assert [home.out(r, "signals.csv")["status"].item() for r in runs] == [
        vng.NOG_NIET_OPGEPAKT,
        *[vng.HERHAALD] * 4,
    ]
    assert {home.out(r, "signals.csv")["zaak_id"].item() for r in runs} == {first["zaak_id"]}
    letters = [home.out(r, "letters/index.csv")["template"].to_list() for r in runs]
    # Forwarded to the municipality: the notice of it once, never an offer letter.
    assert letters == [["kennisgeving"], [], [], [], []]
    last = home.out(runs[-1], "cases.csv").row(0, named=True)
    assert (last["totaal_achterstand"], last["aantal_signalen"]) == ("450.00", "1")
    assert state(home, "SELECT count(*) FROM zaken") == [(1,)]


def test_a_new_occupant_never_inherits_the_case_of_the_household_that_moved(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    phone = {"telefoonnummer": "0611111111"}
    first = night(
        home,
        START,
        [OWNER, PARTNER],
        WOONKRACHT10=[OWNER.signal("W-1", "800.00", START, **phone)],
    )
    (zaak,) = home.out(first, "cases.csv")["zaak_id"]
    day = START + timedelta(days=10)
    after = night(home, day, [moved(OWNER), moved(PARTNER), NEWCOMER])
    followed = home.out(after, "cases.csv").row(0, named=True)
    assert (followed["zaak_id"], followed["postcode"], followed["gemeentecode"]) == (
        zaak,
        "3330BB",
        "0642",
    )
    assert home.out(after, "exports/gemeente/0642.csv")["Zaak"].to_list() == [zaak]
    day += timedelta(days=1)
    new = night(
        home,
        day,
        [moved(OWNER), moved(PARTNER), NEWCOMER],
        EVIDES=[NEWCOMER.signal("E-9", "700.00", day)],
        VGZ=[moved(OWNER).signal("Z-2", "100.00", day)],
    )
    cases = {r["postcode"]: r for r in home.out(new, "cases.csv").iter_rows(named=True)}
    assert cases["3330BB"]["zaak_id"] == zaak  # the mover's new debt joins their own case
    assert cases["3330BB"]["totaal_achterstand"] == "900.00"
    theirs = cases["3320AA"]
    assert theirs["zaak_id"] != zaak
    assert theirs["totaal_achterstand"] == "700.00"
    export = home.out(new, "exports/gemeente/0505.csv").row(0, named=True)
    assert export["Zaak"] == theirs["zaak_id"]
    assert "Eigenaar" not in str(export["Bewoners"])
    assert "0611111111" not in str(export["Telefoon"])
    for run_id in (after, new):  # an auditor reproduces the move and the newcomer's night
        replayed = CliRunner().invoke(
            app, ["replay", run_id, "--home", str(home.path), "--config", str(home.config)]
        )
        assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output


def test_a_move_to_another_municipality_brings_its_offer_once_and_tells_both(
    tmp_path: Path,
) -> None:
    """A household the SDD knows gets Dordrecht's offer and a call; ten days later it lives
    in Zwijndrecht. That night it gets one letter with Zwijndrecht's offer that says it
    replaces the first; Dordrecht's export lists the case once as moved away, without its
    new address or its people, and Zwijndrecht's lists it with its letters. The next night
    brings no letter and no row for Dordrecht."""
    home = Home.create(tmp_path)
    signal = OWNER.signal("W-1", "800.00", START, telefoonnummer="0611111111")
    first = night(home, START, [OWNER], [OWNER.bsn], WOONKRACHT10=[signal])
    (zaak,) = home.out(first, "cases.csv")["zaak_id"]
    day = START + timedelta(days=10)
    after = night(home, day, [moved(OWNER)], [OWNER.bsn])
    index = home.out(after, "letters/index.csv")
    assert index.select("zaak_id", "template").rows() == [(zaak, "brief_lokaal_aanbod")]
    letter = home.letter(after, index["bestand"].item())
    assert "Deze brief vervangt onze brief van 4 januari 2027" in letter
    assert "In Zwijndrecht kunt u gratis terecht" in letter
    assert "Dordrecht helpen" not in letter
    assert "Wij bellen u uiterlijk 18 januari 2027" in letter  # the call promised before
    old = home.out(after, "exports/gemeente/0505.csv")
    assert old.select("Zaak", "Verhuisd", "Adres", "Bewoners").rows() == [
        (zaak, "naar Zwijndrecht", None, None)
    ]
    new = home.out(after, "exports/gemeente/0642.csv").row(0, named=True)
    assert (new["Zaak"], new["Verhuisd"], new["Adres"]) == (zaak, "van Dordrecht", "Voorstraat 7")
    assert new["Al verstuurd"].count("(") == 2  # the first letter, and tonight's
    assert state(home, "SELECT actie, gemeentecode FROM acties ORDER BY geboekt, volgorde") == [
        ("brief_lokaal_aanbod", "0505"),
        ("sdd_belt_na_2_weken", "0505"),
        ("brief_na_verhuizing", "0642"),
    ]
    later = night(home, day + timedelta(days=1), [moved(OWNER)], [OWNER.bsn])
    assert home.out(later, "letters/index.csv").is_empty()
    assert home.out(later, "exports/gemeente/0505.csv").is_empty()
    replayed = CliRunner().invoke(
        app, ["replay", after, "--home", str(home.path), "--config", str(home.config)]
    )
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output


def test_namesakes_of_one_household_get_one_letter_in_the_name_the_creditor_wrote(
    tmp_path: Path,
) -> None:
    """Issue 33: a parent and a grown child are both `F. Jansen`; the creditor wrote `F.
    JANSEN` at their address, with neither BSN nor birth date. The household is matched:
    one case, one letter addressed as the creditor wrote it, with no housemate's initials;
    the export says who of them is not determined, `explain` says so, and forgetting
    either of them erases the signal."""
    parent = Resident(make_bsn(911), "Jansen", date(1960, 1, 1), "3320AA", 3, voorletters="F.A.")
    child = Resident(make_bsn(912), "Jansen", date(2001, 1, 1), "3320AA", 3, voorletters="F.B.")
    written = {"bsn": "", "geboortedatum": "", "voorletters": "F.", "achternaam": "JANSEN"}
    signal = parent.signal("W-9", "900.00", START, **written)
    home = Home.create(tmp_path)
    run_id = night(home, START, [parent, child], [parent.bsn], WOONKRACHT10=[signal])
    ((persoon, regel, kandidaten, status, zaak),) = state(
        home, "SELECT persoon_bsn, match_regel, kandidaten, status, zaak_id FROM signalen"
    )
    assert (persoon, regel, status) == (None, "naam_huishouden", vng.NOG_NIET_OPGEPAKT)
    assert kandidaten == sorted([parent.bsn, child.bsn])
    assert zaak is not None
    index = home.out(run_id, "letters/index.csv")
    assert index["zaak_id"].to_list() == [zaak]
    letter = home.letter(run_id, index["bestand"].item())
    assert "F. JANSEN" in letter
    assert "F.A." not in letter
    assert "F.B." not in letter
    export = home.out(run_id, "exports/gemeente/0505.csv")
    assert export["Schuldenaar"].to_list() == [
        "F. JANSEN (huishouden; wie van hen is niet vastgesteld)"
    ]
    told = CliRunner().invoke(
        app, ["explain", "W-9", "--home", str(home.path), "--config", str(home.config)]
    )
    assert "2 residents fit, all of this household" in " ".join(told.output.split())
    assert parent.bsn not in told.output
    assert child.bsn not in told.output
    forgot = CliRunner().invoke(
        app,
        ["forget", "--bsn", child.bsn, "--home", str(home.path), "--config", str(home.config)],
    )
    assert forgot.exit_code == 0, forgot.output
    assert state(home, "SELECT count(*) FROM signalen") == [(0,)]


def test_a_forwarded_case_that_moves_is_owed_by_its_new_municipality(tmp_path: Path) -> None:
    """Forwarded to Dordrecht, which never acted, the household moves to Zwijndrecht:
    Dordrecht's offer is owed no more; the case is forwarded to Zwijndrecht, whose
    export shows its people and debts, and the first offer is Zwijndrecht's, due ten
    working days after the move."""
    home = Home.create(tmp_path)
    night(home, START, [OWNER], WOONKRACHT10=[OWNER.signal("W-1", "800.00", START)])
    day = START + timedelta(days=21)  # a Monday; Dordrecht's ten working days have passed
    after = night(home, day, [moved(OWNER)])
    # Forwarded, never an offer letter: the notice that Zwijndrecht has their data now.
    (notice,) = home.out(after, "letters/index.csv").iter_rows(named=True)
    assert notice["template"] == "kennisgeving"
    assert "gemeente Zwijndrecht" in home.letter(after, notice["bestand"])
    new = home.out(after, "exports/gemeente/0642.csv").row(0, named=True)
    assert (new["Doorgestuurd"], new["Bewoners"], new["Nu te doen"]) == (
        "ja",
        "A. Eigenaar",
        "Eerste aanbod doen",
    )
    assert (new["Door"], new["Te doen uiterlijk"]) == ("Zwijndrecht", "08-02-2027")
    old = home.out(after, "exports/gemeente/0505.csv").row(0, named=True)
    assert (old["Verhuisd"], old["Door"], old["Bewoners"]) == (
        "naar Zwijndrecht",
        "Zwijndrecht",
        None,
    )


def test_a_move_keeps_the_sdds_crisis_call_and_moving_back_revives_no_forward(
    tmp_path: Path,
) -> None:
    """Forwarded to Dordrecht; the next day a crisis: the SDD owes a call within 3 working
    days. The household moves to Zwijndrecht: the forward goes with it, and the call stays
    the SDD's (a forward booked again by a move takes over no call booked before it). Three
    weeks later it moves back: Dordrecht's first forward, never acted on, is not owed again;
    the one booked that night is, by Dordrecht's term from then."""
    home = Home.create(tmp_path)
    night(home, START, [OWNER], WOONKRACHT10=[OWNER.signal("W-1", "800.00", START)])
    day = START + timedelta(days=1)
    crisis = OWNER.signal("Z-1", "300.00", day, crisissignaal="ja", telefoonnummer="0611111111")
    night(home, day, [OWNER], VGZ=[crisis])
    there = night(home, START + timedelta(days=2), [moved(OWNER)])
    (call,) = home.out(there, "exports/sdd/bellijst.csv").to_dicts()
    assert (call["Bellen"], call["Uiterlijk"]) == (
        "SDD belt binnen 3 werkdagen (crisis)",
        "08-01-2027",
    )
    back = START + timedelta(days=28)  # Monday 1 February
    home_again = night(home, back, [OWNER])
    row = home.out(home_again, "exports/gemeente/0505.csv").row(0, named=True)
    assert (row["Verhuisd"], row["Door"], row["Te doen uiterlijk"]) == (
        "van Zwijndrecht",
        "Dordrecht",
        "15-02-2027",
    )
    late = home.out(home_again, "exports/termijnen.csv").filter(
        pl.col("termijn") == "eerste_aanbod"
    )
    assert late.select("uiterlijk", "stand").rows() == []  # due in two weeks, not late


def test_a_case_closes_when_its_household_leaves_the_region(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    night(home, START, [OWNER], VGZ=[OWNER.signal("Z-1", "300.00", START)])
    night(home, START + timedelta(days=1), [NEWCOMER])
    assert state(home, "SELECT sluitreden FROM zaken") == [(CloseReason.VERTROKKEN,)]


def test_a_change_in_sdd_status_adds_no_second_letter(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    day = START
    home.registers(day, [OWNER])
    home.signals("WOONKRACHT10", day, [OWNER.signal("W-1", "300.00", day)])
    assert home.run(day).exit_code == 0
    day += timedelta(days=1)
    home.registers(day, [OWNER], [OWNER.bsn])
    home.signals("VGZ", day, [OWNER.signal("Z-1", "250.00", day, telefoonnummer="0612345678")])
    assert home.run(day).exit_code == 0
    letters = state(home, "SELECT run_id, actie FROM acties ORDER BY run_id, volgorde")
    assert letters == [
        ("20270104-01", "informatiebrief"),
        ("20270105-01", "sdd_belt_na_2_weken"),
    ]


@pytest.fixture
def purged(tmp_path: Path) -> Home:
    """A case whose only activity was a signal in January, and a night in March on which the
    household moved, so that that night's outputs and archive hold the case too."""
    home = Home.create(tmp_path)
    night(home, START, [OWNER, PARTNER], VGZ=[OWNER.signal("Z-1", "300.00", START)])
    night(home, date(2027, 3, 1), [moved(OWNER), moved(PARTNER)])
    return home


def purge(home: Home, day: str) -> str:
    result = CliRunner().invoke(
        app, ["purge", "--home", str(home.path), "--config", str(home.config), "--date", day]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_counts_from_the_last_activity_and_scrubs_later_runs(purged: Home) -> None:
    home = purged
    purge(home, "2027-07-04")  # six months after the last activity: still kept
    assert state(home, "SELECT count(*) FROM zaken") == [(1,)]
    purge(home, "2027-07-05")
    assert state(home, "SELECT count(*) FROM zaken") == [(0,)]
    for path in home.path.rglob("*"):
        if path.is_file() and "inbox" not in path.parts:
            data = path.read_bytes()
            assert OWNER.bsn.encode() not in data, path
            assert PARTNER.bsn.encode() not in data, path
    replay = CliRunner().invoke(
        app, ["replay", "20270301-01", "--home", str(home.path), "--config", str(home.config)]
    )
    assert "erased by retention" in replay.output


def calls_on(home: Home, run: str) -> list[dict[str, str]]:
    return home.out(run, "exports/sdd/bellijst.csv").to_dicts()


def test_a_call_is_on_the_worklist_from_its_day_until_the_household_is_reached(
    tmp_path: Path,
) -> None:
    """`vanaf_500_bekend` books a call for two weeks after the letter, which promises it by
    Monday 18 January: it is on the list from three working days before (Wednesday 13
    January), not late until after the 18th and only until it is tried, stays on it with
    each attempt counted, and leaves it once a contactpoging reaches the household. The
    crisis call of a second household leaves it with the aanmelding."""
    home = Home.create(tmp_path)
    crisis = Resident(make_bsn(904), "Crisis", date(1980, 1, 1), "3320AA", 3)
    people, known = [OWNER, crisis], [OWNER.bsn]
    home.registers(START, people, known)
    home.signals("VGZ", START, [OWNER.signal("Z-1", "600.00", START, telefoonnummer="0612345678")])
    home.signals(
        "WOONKRACHT10",
        START,
        [crisis.signal("W-1", "900.00", START, crisissignaal="ja", telefoonnummer="0612345678")],
    )
    assert home.run(START).exit_code == 0
    cases = {
        r["regel"]: r["zaak_id"] for r in home.out(f"{START:%Y%m%d}-01", "cases.csv").to_dicts()
    }
    first = calls_on(home, f"{START:%Y%m%d}-01")
    assert [(c["Zaak"], c["Te laat"]) for c in first] == [(cases["crisis"], "nee")]

    def night_on(days: int, *happened: tuple[str, str, str]) -> list[dict[str, str]]:
        day = START + timedelta(days=days)
        if happened:
            events(home, day, *happened)
        home.registers(day, people, known)
        assert home.run(day).exit_code == 0
        return calls_on(home, f"{day:%Y%m%d}-01")

    assert [c["Zaak"] for c in night_on(1, (cases["crisis"], "aanmelding", ""))] == []
    assert night_on(8) == []
    (due,) = night_on(9)  # Wednesday 13 January
    assert (due["Zaak"], due["Bellen vanaf"], due["Uiterlijk"]) == (
        cases["vanaf_500_bekend"],
        "13-01-2027",
        "18-01-2027",
    )
    assert due["Al verstuurd"] == "Brief met het aanbod van de SDD (04-01-2027)"
    assert (due["Te laat"], due["Pogingen"]) == ("nee", "0")
    (promised,) = night_on(14)  # Monday 18 January: the day the letter promised
    assert promised["Te laat"] == "nee"
    (overdue,) = night_on(15)
    assert (overdue["Te laat"], overdue["Pogingen"]) == ("ja", "0")
    # Called, late, and nobody answered: the promise is kept (termijnen.csv agrees); the
    # call stays on the list to try again, no longer late.
    (tried,) = night_on(16, (cases["vanaf_500_bekend"], "contactpoging", "Telefoon|nee|Ochtend"))
    assert (tried["Te laat"], tried["Pogingen"], tried["Laatste poging"]) == (
        "nee",
        "1",
        "20-01-2027",
    )
    assert tried["Nu te doen"] != "Bellen zoals de brief belooft"
    assert night_on(17, (cases["vanaf_500_bekend"], "contactpoging", "Telefoon|ja|Middag")) == []
    assert night_on(30) == []


def test_a_decision_in_one_file_counts_the_aanmelding_in_a_file_read_after_it(
    tmp_path: Path,
) -> None:
    """The municipality's file `a-…` (read first) brings the beschikking, the SDD's `b-…`
    the aanmelding of the same day: the night takes both, and nothing is refused."""
    home = Home.create(tmp_path)
    run = night(home, START, [OWNER], VGZ=[OWNER.signal("Z-1", "300.00", START)])
    (zaak,) = home.out(run, "cases.csv")["zaak_id"].to_list()
    day = START + timedelta(days=2)
    header = ["zaak_id", "datum", "gebeurtenis", "waarde"]
    for name, what, value in (
        ("a-gemeente", "beschikking", "toegelaten"),
        ("b-sdd", "aanmelding", ""),
    ):
        row = {"zaak_id": zaak, "datum": str(day), "gebeurtenis": what, "waarde": value}
        home.write(f"uitkomsten/{name}.csv", csv_text([row], header))
    night(home, day, [OWNER])
    recorded = state(home, "SELECT gebeurtenis FROM gebeurtenissen ORDER BY gebeurtenis")
    assert recorded == [("aanmelding",), ("beschikking",)]
