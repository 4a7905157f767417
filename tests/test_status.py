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
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from vsig.cli import app
from vsig.rules import status, vng
from vsig.rules.lifecycle import CloseReason

from .scenario import Home, Resident, csv_text, make_bsn

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


def feedback(home: Home, run_id: str) -> dict[str, str]:
    path = home.path / "out" / run_id / "exports" / "terugmelding" / "VATTENFALL.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["signaal_id"]: row["status"] for row in csv.DictReader(handle, delimiter=";")}


def cbs_statuses(home: Home, tmp_path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    target = tmp_path / "2026-11.json"
    result = runner.invoke(
        app,
        ["report", "monitor", "--period", "2026-11", "--out", str(target),
         "--home", str(home.path), "--config", str(home.config)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    delivery = json.loads(target.read_text())
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
    assert home.out("20261102-01", "letters/index.csv")["zaak_id"].to_list() == letter


# The rule itself, over frames.

CASES = {"zaak_id": pl.String, "gesloten": pl.Date, "sluitreden": pl.String}
LETTERS = {"zaak_id": pl.String, "datum": pl.Date}
EVENTS = {"zaak_id": pl.String, "datum": pl.Date, "gebeurtenis": pl.String, "waarde": pl.String}
DAY = date(2026, 11, 2)


def told_one(
    stored: str,
    closed: str | None = None,
    letters: int = 0,
    events: Sequence[tuple[str, str | None]] = (),
) -> str:
    signals = pl.DataFrame(
        {"signaalpartner": ["P"], "signaal_id": ["S"], "status": [stored], "zaak_id": ["Z"]}
    )
    known = status.Known(
        pl.DataFrame([("Z", DAY, closed)] if closed else [], schema=CASES, orient="row"),
        pl.DataFrame([("Z", DAY)] * letters, schema=LETTERS, orient="row"),
        pl.DataFrame(
            [("Z", DAY, kind, value) for kind, value in events], schema=EVENTS, orient="row"
        ),
    )
    (found,) = status.told(signals, known)["status"].to_list()
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
