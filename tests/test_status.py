"""One status, told the same to everyone: the creditor's feedback, CBS and the resident's
inzage each say what `rules.status` says, night after night.

Five households of Dordrecht, each signalled once on 2 November by Vattenfall:
- LETTER (under €500, unknown to the SDD) gets a letter that night: `Opgepakt`;
- FORWARDED (€700) is forwarded to the municipality, which records the resident's
  aanmelding of 4 November on the night of 9 November: `Opgepakt` from then, not before;
- UNTOUCHED (€900) is forwarded and nothing happens: `Nog niet opgepakt` throughout;
- LEAVES (€800) is forwarded and leaves the region before anyone acted: its case closes and
  its creditor is told that the person is no resident (any more);
- IN_SHV has a running schuldhulpverlening arrangement: `Inwoner al bekend bij
  schuldhulpverlening`, no case, and the debt on the SDD's list for their schuldhulpverlener.
"""

import csv
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from vsig.cli import app
from vsig.routing import NOTICE
from vsig.rules import status, vng
from vsig.rules.lifecycle import CloseReason

from .scenario import Home, Resident, csv_text, make_bsn
from .test_keuzes import choose

runner = CliRunner()
NIGHT_1, NIGHT_2 = date(2026, 11, 2), date(2026, 11, 9)
AANMELDING = date(2026, 11, 4)


def resident(number: int, **changes: Any) -> Resident:
    values: dict[str, Any] = {"bsn": make_bsn(900 + number), "geslachtsnaam": f"Status{number}",
              "geboortedatum": date(1975, 1, number), "postcode": "3317KL",
              "huisnummer": number}  # fmt: skip
    return Resident(**(values | changes))


LETTER, FORWARDED, UNTOUCHED, LEAVES, IN_SHV = (resident(n) for n in range(1, 6))
GONE = resident(4, postcode="4201AA", huisnummer=1, gemeentecode="0512", woonplaats="Gorinchem")
SIGNALS = {"V-1": LETTER, "V-2": FORWARDED, "V-3": UNTOUCHED, "V-4": LEAVES, "V-5": IN_SHV}
AMOUNTS = {"V-1": "120.00", "V-2": "700.00", "V-3": "900.00", "V-4": "800.00", "V-5": "300.00"}
EXPECTED = {
    "V-1": vng.OPGEPAKT,
    "V-2": vng.OPGEPAKT,
    "V-3": vng.NOG_NIET_OPGEPAKT,
    "V-4": vng.GEEN_INWONER,
    "V-5": vng.BEKEND_SHV,
}


def registers(home: Home, day: date, residents: list[Resident]) -> None:
    home.registers(day, residents)
    arrangement = {"bsn": IN_SHV.bsn, "regeling": "schuldhulpverlening",
                   "startdatum": "2026-06-01", "einddatum": ""}  # fmt: skip
    home.write(f"sdd/sdd-{day:%Y%m%d}.csv", csv_text([arrangement]))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = Home.create(tmp_path_factory.mktemp("status"))
    registers(home, NIGHT_1, list(SIGNALS.values()))
    rows = [person.signal(sid, AMOUNTS[sid], NIGHT_1) for sid, person in SIGNALS.items()]
    home.signals("VATTENFALL", NIGHT_1, rows)
    assert home.run(NIGHT_1).exit_code == 0
    cases = home.out("20261102-01", "cases.csv")
    forwarded = cases.filter(pl.col("huisnummer") == str(FORWARDED.huisnummer))["zaak_id"].item()
    home.write(
        "uitkomsten/uitkomsten-20261109.csv",
        csv_text([{"zaak_id": forwarded, "datum": AANMELDING.isoformat(),
                   "gebeurtenis": "aanmelding", "waarde": ""}]),
    )  # fmt: skip
    registers(home, NIGHT_2, [LETTER, FORWARDED, UNTOUCHED, GONE, IN_SHV])
    assert home.run(NIGHT_2).exit_code == 0
    return home


def feedback(home: Home, run_id: str, partner: str = "VATTENFALL") -> dict[str, str]:
    """What the partner heard that night (nothing: no file)."""
    path = home.path / "out" / run_id / "exports" / "terugmelding" / f"{partner}.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["signaal_id"]: row["status"] for row in csv.DictReader(handle, delimiter=";")}


def monitor(home: Home, tmp_path: Path, period: str) -> dict[str, Any]:
    """A month's CBS delivery, without the moment it was made."""
    target = tmp_path / f"{period}.json"
    result = runner.invoke(
        app,
        ["report", "monitor", "--period", period, "--out", str(target),
         "--home", str(home.path), "--config", str(home.config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    delivery: dict[str, Any] = json.loads(target.read_text())
    delivery.pop("aanleverdatumEnTijd")
    return delivery


def cbs_statuses(home: Home, tmp_path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    delivery = monitor(home, tmp_path, "2026-11")
    signals = [s for lev in delivery["leveringen"] for s in lev["vroegsignalen"]]
    cases = {
        c["vroegsignalen"][0]["ID"]: c for lev in delivery["leveringen"]
        for c in lev["vroegsignaalzaken"]
    }  # fmt: skip
    return {s["ID"].removeprefix("VATTENFALL-"): s["status"] for s in signals}, cases


def inzage_status(home: Home, person: Resident, tmp_path: Path) -> dict[str, str]:
    target = tmp_path / f"inzage-{person.bsn}.pdf"
    result = runner.invoke(
        app,
        ["inzage", "--bsn", person.bsn, "--home", str(home.path), "--config", str(home.config),
         "--date", NIGHT_2.isoformat(), "--out", str(target)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(target.with_suffix(".json").read_text())
    return {m["melding"]: m["status"] for m in found["meldingen"]}


def test_the_creditor_cbs_and_the_resident_are_told_one_status(home: Home, tmp_path: Path) -> None:
    told: dict[str, str] = {}
    for run_id in ("20261102-01", "20261109-01"):  # the latest row a creditor got counts
        told |= feedback(home, run_id)
    to_cbs, _ = cbs_statuses(home, tmp_path)
    for signaal_id, person in SIGNALS.items():
        in_inzage = inzage_status(home, person, tmp_path)[signaal_id]
        assert (told[signaal_id], to_cbs[signaal_id], in_inzage) == (EXPECTED[signaal_id],) * 3


def test_a_creditor_hears_again_of_a_signal_whose_status_changed(home: Home) -> None:
    first, second = feedback(home, "20261102-01"), feedback(home, "20261109-01")
    assert first == EXPECTED | {"V-2": vng.NOG_NIET_OPGEPAKT, "V-4": vng.NOG_NIET_OPGEPAKT}
    assert second == {"V-2": vng.OPGEPAKT, "V-4": vng.GEEN_INWONER}  # nothing else changed


def test_a_case_is_picked_up_on_its_first_real_action(home: Home, tmp_path: Path) -> None:
    _, cases = cbs_statuses(home, tmp_path)
    assert cases["VATTENFALL-V-1"]["datumOpgepakt"] == NIGHT_1.isoformat()  # its letter
    assert cases["VATTENFALL-V-2"]["datumOpgepakt"] == AANMELDING.isoformat()  # not the forward
    assert "datumOpgepakt" not in cases["VATTENFALL-V-3"]
    assert "datumOpgepakt" not in cases["VATTENFALL-V-4"]
    assert "VATTENFALL-V-5" not in cases  # no case: the schuldhulpverlener has the debt


def test_a_resident_in_schuldhulpverlening_gets_no_letter_and_their_debt_goes_to_the_sdd(
    home: Home,
) -> None:
    listed = home.out("20261102-01", "exports/sdd/schuldhulpverlening.csv")
    assert listed.select("signaal_id", "persoon_bsn", "bedrag").rows() == [
        ("V-5", IN_SHV.bsn, "300,00")
    ]
    cases = home.out("20261102-01", "cases.csv")
    assert str(IN_SHV.huisnummer) not in cases["huisnummer"].to_list()
    letter = cases.filter(pl.col("huisnummer") == str(LETTER.huisnummer))["zaak_id"].to_list()
    offers = home.out("20261102-01", "letters/index.csv").filter(pl.col("template") != NOTICE)
    assert offers["zaak_id"].to_list() == letter


def test_a_signal_picked_up_stays_picked_up_in_the_case_it_follows_its_person_into(
    tmp_path: Path,
) -> None:
    """A (€120) had a letter on 2 November; on the 9th A moves in with B, whose forwarded
    case nobody acted on, and A's signal follows into B's case. It was picked up: its
    creditor hears nothing new, and the inzage, November's CBS month (made before and
    after) and `explain` all still say `Opgepakt`; B's signal stays as it was."""
    home = Home.create(tmp_path)
    a, b = resident(11), resident(12)
    moved = resident(11, huisnummer=b.huisnummer)
    home.registers(NIGHT_1, [a, b])
    home.signals("VATTENFALL", NIGHT_1, [a.signal("V-A", "120.00", NIGHT_1),
                                         b.signal("V-B", "900.00", NIGHT_1)])  # fmt: skip
    assert home.run(NIGHT_1).exit_code == 0
    november, _ = cbs_statuses(home, tmp_path)
    home.registers(NIGHT_2, [moved, b])
    assert home.run(NIGHT_2).exit_code == 0
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        merged = db.execute("SELECT count(DISTINCT zaak_id) FROM signalen").fetchall()
    assert merged == [(1,)]
    assert feedback(home, "20261102-01") == {"V-A": vng.OPGEPAKT, "V-B": vng.NOG_NIET_OPGEPAKT}
    assert not (home.path / "out" / "20261109-01" / "exports" / "terugmelding").exists()
    assert cbs_statuses(home, tmp_path)[0] == november
    assert inzage_status(home, moved, tmp_path) == {"V-A": vng.OPGEPAKT}
    explained = runner.invoke(
        app, ["explain", "V-A", "--home", str(home.path), "--config", str(home.config)]
    )
    assert "fed back to VATTENFALL: Opgepakt" in explained.stdout


def test_a_result_a_later_night_records_leaves_the_month_it_is_dated_in(tmp_path: Path) -> None:
    """A forwarded case, and on 2 December a workbook with its result dated 28 November
    ("zelf al betaald", known without contact). November's delivery stays as made on 1
    December; December's has the closing. Nobody acted: its creditor is told `Niet
    opgepakt: andere reden`, and no `datumOpgepakt` is given."""
    home = Home.create(tmp_path)
    a = resident(13)
    december = date(2026, 12, 2)
    home.registers(NIGHT_1, [a])
    home.signals("VATTENFALL", NIGHT_1, [a.signal("V-1", "900.00", NIGHT_1)])
    assert home.run(NIGHT_1).exit_code == 0
    first = monitor(home, tmp_path, "2026-11")
    (zaak_id,) = home.out("20261102-01", "cases.csv")["zaak_id"]
    paid = "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
    home.write(
        "uitkomsten/uitkomsten-20261202.csv",
        csv_text([{"zaak_id": zaak_id, "datum": "2026-11-28", "gebeurtenis": "resultaat",
                   "waarde": paid}]),
    )  # fmt: skip
    home.registers(december, [a])
    assert home.run(december).exit_code == 0
    assert monitor(home, tmp_path, "2026-11") == first
    (case,) = [c for lev in monitor(home, tmp_path, "2026-12")["leveringen"]
               for c in lev["vroegsignaalzaken"]]  # fmt: skip
    assert case["resultaat"] == paid
    assert "datumOpgepakt" not in case
    assert feedback(home, "20261202-01") == {"V-1": vng.ANDERE_REDEN}


def test_a_debt_picked_up_stays_picked_up_when_a_person_decides_whose_it_is(
    tmp_path: Path,
) -> None:
    """A household of namesakes, its €900 forwarded, and the municipality's call of 9
    November reached them: `Opgepakt`. They part on the 16th; the debt waits, still
    `Opgepakt`. The SDD chooses the parent; the new case is only forwarded, and the
    creditor is not told `Nog niet opgepakt` again."""
    parent = resident(21, geslachtsnaam="Tweeling", geboortedatum=date(1962, 2, 2))
    child = resident(22, geslachtsnaam="Tweeling", geboortedatum=date(2001, 3, 3),
                     huisnummer=parent.huisnummer)  # fmt: skip
    apart = [replace(parent, huisnummer=31), replace(child, huisnummer=33)]
    parted, chosen = date(2026, 11, 16), date(2026, 12, 7)
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, [parent, child])
    written = {"bsn": "", "geboortedatum": "", "voorletters": "A."}
    home.signals("VGZ", NIGHT_1, [parent.signal("V-1", "900.00", NIGHT_1, **written)])
    assert home.run(NIGHT_1).exit_code == 0
    (zaak_id,) = home.out("20261102-01", "cases.csv")["zaak_id"]
    home.write(
        "uitkomsten/u-20261109.csv",
        csv_text([{"zaak_id": zaak_id, "datum": NIGHT_2.isoformat(),
                   "gebeurtenis": "contactpoging", "waarde": "Telefoon|ja|"}]),
    )  # fmt: skip
    home.registers(NIGHT_2, [parent, child])
    assert home.run(NIGHT_2).exit_code == 0
    home.registers(parted, apart)
    assert home.run(parted).exit_code == 0
    choose(home, f"{parted:%Y%m%d}-01", {"VGZ/V-1": "Kandidaat 1"}, "bellijst-sdd.xlsx")
    home.registers(chosen, apart)
    assert home.run(chosen).exit_code == 0
    told: dict[str, str] = {}
    for run_id in ("20261102-01", "20261109-01", "20261116-01", "20261207-01"):
        told |= feedback(home, run_id, "VGZ")
    assert told == {"V-1": vng.OPGEPAKT}
    assert inzage_status(home, apart[0], tmp_path) == {"V-1": vng.OPGEPAKT}


def test_a_state_from_before_the_rule_keeps_its_past_months_and_tells_its_closed_cases(
    tmp_path: Path,
) -> None:
    """A state made before migration 11: its creditors were told the status matching gave,
    and CBS `Opgepakt` from a case's first action of any kind. Its past months stay as
    they were; on the next night the signal of a case closed before (a letter, then the
    resident left) is told `Opgepakt` by the rule, once, as is the open one."""
    home = Home.create(tmp_path)
    stays, leaves = resident(14), resident(15)
    gone = resident(15, postcode="4201AA", huisnummer=1, gemeentecode="0512")
    home.registers(NIGHT_1, [stays, leaves])
    home.signals("VATTENFALL", NIGHT_1, [p.signal(f"V-{p.huisnummer}", "120.00", NIGHT_1)
                                         for p in (stays, leaves)])  # fmt: skip
    assert home.run(NIGHT_1).exit_code == 0
    home.registers(NIGHT_2, [stays, gone])
    assert home.run(NIGHT_2).exit_code == 0
    november = monitor(home, tmp_path, "2026-11")
    # As a vsig before migration 11 left it: nothing told by the rule, no standings.
    with duckdb.connect(home.path / "state" / "vsig.duckdb") as db:
        db.execute("UPDATE signalen SET teruggemeld = NULL")
        db.execute("DROP TABLE signaalstanden")
        db.execute("ALTER TABLE signalen DROP COLUMN teruggemeld")
        db.execute("DROP TABLE uitsluitingen")  # migration 12's, made after it
        db.execute("DROP TABLE berichten")  # migration 14's
        db.execute("DROP TABLE geen_berichten")
        for table in ("zaken", "routeringen"):  # migration 13's
            for fact in ("mobiel_bekend", "email_bekend"):
                db.execute(f"ALTER TABLE {table} DROP COLUMN {fact}")
        db.execute("DELETE FROM schema_versie WHERE versie >= 11")
    assert monitor(home, tmp_path, "2026-11") == november  # migrated as it is read
    later = date(2026, 11, 16)
    home.registers(later, [stays])
    assert home.run(later).exit_code == 0
    assert feedback(home, "20261116-01") == {"V-14": vng.OPGEPAKT, "V-15": vng.OPGEPAKT}
    assert inzage_status(home, gone, tmp_path) == {"V-15": vng.OPGEPAKT}
    assert monitor(home, tmp_path, "2026-11") == november


# The rule itself, over frames.

CASES = {"zaak_id": pl.String, "gesloten": pl.Date, "sluitreden": pl.String}
LETTERS = {"zaak_id": pl.String, "datum": pl.Date}
EVENTS = {"zaak_id": pl.String, "datum": pl.Date, "gebeurtenis": pl.String, "waarde": pl.String}
DAY = date(2026, 11, 2)


def told_one(
    stored: str,
    closed: str | None = None,
    letters: int = 0,
    events: Sequence[tuple[str, str | None] | tuple[str, str | None, int]] = (),
    before: str | None = None,
) -> str:
    """What a signal stored with `stored` (told `before`) is told, its case `closed` for a
    reason, with `letters` and `events` (kind, value, and the day of November)."""
    signals = pl.DataFrame(
        {"signaalpartner": ["P"], "signaal_id": ["S"], "status": [stored], "zaak_id": ["Z"],
         "teruggemeld": [before]},
        schema_overrides={"teruggemeld": pl.String},
    )  # fmt: skip
    known = status.Known(
        pl.DataFrame([("Z", DAY, closed)] if closed else [], schema=CASES, orient="row"),
        pl.DataFrame([("Z", DAY)] * letters, schema=LETTERS, orient="row"),
        pl.DataFrame(
            [("Z", date(2026, 11, e[2] if len(e) == 3 else 2), e[0], e[1]) for e in events],
            schema=EVENTS,
            orient="row",
        ),
    )
    (found,) = status.told(signals, known)["teruggemeld"].to_list()
    return str(found)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({}, vng.NOG_NIET_OPGEPAKT),
        ({"letters": 1}, vng.OPGEPAKT),
        *(({"events": [(kind, None)]}, vng.OPGEPAKT) for kind in status.ACTED_ON),
        ({"events": [("resultaat", "(Budget)advies en/of quick fix")]}, vng.OPGEPAKT),
        # A result that says the signal was not taken up is told as such, once closed.
        ({"events": [("resultaat", vng.BEKEND_SHV)], "closed": CloseReason.RESULTAAT},
         vng.BEKEND_SHV),
        # A result known without contact is no action.
        ({"events": [("resultaat", "Inwoner heeft zelf al betaald/betalingsregeling getroffen")],
          "closed": CloseReason.RESULTAAT}, vng.ANDERE_REDEN),
        # Two results: the latest by date counts, whatever the order they came in.
        ({"events": [("resultaat", vng.OVERLEDEN, 8), ("resultaat", vng.BEKEND_SHV, 5)],
          "closed": CloseReason.RESULTAAT}, vng.OVERLEDEN),
        # Told `Opgepakt` before (in a case it left): it stays, however this one goes.
        ({"before": vng.OPGEPAKT}, vng.OPGEPAKT),
        ({"before": vng.OPGEPAKT, "closed": CloseReason.VERTROKKEN}, vng.OPGEPAKT),
        ({"before": vng.NOG_NIET_OPGEPAKT, "closed": CloseReason.VERTROKKEN}, vng.GEEN_INWONER),
        ({"closed": CloseReason.VERTROKKEN}, vng.GEEN_INWONER),
        ({"closed": CloseReason.OVERLEDEN}, vng.OVERLEDEN),
        ({"closed": CloseReason.SAMENGEVOEGD}, vng.ANDERE_REDEN),
        ({"closed": CloseReason.UITEENGEGAAN}, vng.ANDERE_REDEN),
        # Acted on first: it was picked up, however it closed.
        ({"letters": 1, "closed": CloseReason.OVERLEDEN}, vng.OPGEPAKT),
    ],
)  # fmt: skip
def test_the_status_follows_the_case(case: dict[str, Any], expected: str) -> None:
    assert told_one(vng.NOG_NIET_OPGEPAKT, **case) == expected


@given(
    st.sampled_from([s for s in vng.SIGNAALSTATUSSEN if s != vng.NOG_NIET_OPGEPAKT]),
    st.sampled_from([None, *CloseReason]),
    st.integers(0, 2),
    st.lists(st.sampled_from(["contactpoging", "aanmelding", "resultaat"]), max_size=3),
)
def test_a_final_status_is_never_told_otherwise(
    stored: str, closed: str | None, letters: int, kinds: list[str]
) -> None:
    events = [(kind, vng.ANDERE_REDEN if kind == "resultaat" else None) for kind in kinds]
    assert told_one(stored, closed, letters, events) == stored
