"""`vsig explain`: the way of a signal and a case, rule by rule, over the nights."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

from vsig.cli import app
from vsig.rules import vng

from .scenario import Home, Resident, make_bsn
from .street import ESCALATES, MOVED, Story, at

runner = CliRunner()
DAY = date(2026, 11, 26)


def explained(story: Story, wanted: str, *options: str) -> dict[str, Any]:
    result = runner.invoke(
        app, ["explain", wanted, "--home", str(story.home.path), "--json", *options]
    )
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def escalated_case(story: Story) -> str:
    return story.cases("20261102-01")[at(ESCALATES)]["zaak_id"]


def test_an_escalated_case_shows_both_evaluations(story: Story) -> None:
    (case,) = explained(story, escalated_case(story))["zaken"]
    first, second = case["evaluaties"]
    assert (first["run_id"], first["regel"]) == ("20261102-01", "onder_500_niet_bekend")
    assert (second["run_id"], second["regel"]) == ("20261103-01", "vanaf_500_niet_bekend")
    assert (first["feiten"]["totaal_achterstand"], second["feiten"]["totaal_achterstand"]) == (
        300_00,
        700_00,
    )
    tried = [(r["regel"], r["matched"]) for r in first["regels_geprobeerd"]]
    assert tried == [
        ("crisis", False),
        ("crisis_huisbezoek", False),
        ("onder_500_bekend", False),
        ("onder_500_niet_bekend", True),
    ]
    failing = first["regels_geprobeerd"][2]["conditions"]
    assert [(c["fact"], c["holds"]) for c in failing] == [
        ("totaal_achterstand", True),
        ("bekend_bij_sdd", False),
    ]
    assert [(a["run_id"], a["actie"]) for a in case["acties"]] == [
        ("20261102-01", "informatiebrief"),
        ("20261103-01", "doorsturen_naar_gemeente"),
    ]
    assert first["routering_uit"] == "archive/20261102-01"


def test_run_limits_the_story_to_that_night(story: Story) -> None:
    (case,) = explained(story, escalated_case(story), "--run", "20261102-01")["zaken"]
    assert [e["run_id"] for e in case["evaluaties"]] == ["20261102-01"]


def test_a_signal_shows_how_it_matched_and_what_the_partner_heard(story: Story) -> None:
    found = explained(story, "W-11")
    (signal,) = found["signalen"]
    assert signal["ontvangen"]["postcode"] == "3311AB"  # where the partner sent it
    assert signal["match"] == {
        "regel": "bsn",
        "niet_gekoppeld": None,
        "kandidaten": 0,
        "keuze": None,
        "verhuisd": True,
        "adres_sleutel": f"{MOVED.postcode}|{MOVED.huisnummer}||",
        "gemeentecode": "0505",
        "laatste_activiteit": None,
    }
    heard = story.home.out("20261102-01", "exports/terugmelding/WOONKRACHT10.csv")
    told = heard.filter(pl.col("signaal_id") == "W-11")["status"].item()
    assert signal["terugmelding"] == told == vng.OPGEPAKT  # its letter went that night
    assert [c["zaak_id"] for c in found["zaken"]] == [signal["zaak_id"]]


def test_in_words(story: Story) -> None:
    result = runner.invoke(app, ["explain", escalated_case(story), "--home", str(story.home.path)])
    assert result.exit_code == 0
    text = result.stdout
    assert "routed in run 20261102-01" in text
    assert "routed in run 20261103-01" in text
    assert "rule onder_500_niet_bekend: totaal_achterstand < € 500,00? yes (€ 300,00)" in text
    assert "action doorsturen_naar_gemeente (doorsturen) in run 20261103-01" in text


def test_a_signal_that_reached_nobody_says_why(story: Story) -> None:
    result = runner.invoke(app, ["explain", "W-18", "--home", str(story.home.path)])
    assert result.exit_code == 0
    assert "to nobody: niemand in de BRP past" in result.stdout


def test_an_unknown_id_is_a_usage_error(story: Story) -> None:
    result = runner.invoke(app, ["explain", "NIETS", "--home", str(story.home.path)])
    assert result.exit_code == 2
    assert "no signal or case 'NIETS'" in result.stderr


def test_explain_speaks_in_euros_words_and_addresses(story: Story) -> None:
    result = runner.invoke(app, ["explain", escalated_case(story), "--home", str(story.home.path)])
    text = result.stdout
    for python in ("True", "False", "['", "|"):
        assert python not in text, python
    assert "crisis no" in text
    assert "soorten Water," in text  # a list, joined
    # The case's address with its street and town, as the register row the run kept has it.
    assert f" at Voorstraat {ESCALATES.huisnummer}, 3311 AB Dordrecht " in text


def test_a_signal_outside_its_window_says_which_and_why_it_was_picked_up_or_not(
    tmp_path: Path,
) -> None:
    """All 10 days in arrears: €90 is not picked up, €900 is, for its amount; €900 for
    someone who does not live there was never picked up, whatever its amount."""
    home = Home.create(tmp_path)
    debtor = Resident(make_bsn(910), "Tevroeg", date(1980, 1, 1), "3311AB", 9)
    stranger = Resident(make_bsn(911), "Elders", date(1981, 1, 1), "3311AB", 10)
    home.registers(DAY, [debtor])
    since = str(DAY - timedelta(days=10))
    home.signals(
        "VGZ",
        DAY,
        [
            debtor.signal("Z-1", "90.00", DAY, ontstaansdatum=since),
            debtor.signal("Z-2", "900.00", DAY, ontstaansdatum=since, klantnummer="K-2"),
            stranger.signal("Z-3", "900.00", DAY, ontstaansdatum=since, klantnummer="K-3"),
        ],
    )
    assert home.run(DAY).exit_code == 0
    told = {}
    for signaal in ("Z-1", "Z-2", "Z-3"):
        result = runner.invoke(
            app, ["explain", signaal, "--home", str(home.path), "--config", str(home.config)]
        )
        assert result.exit_code == 0, result.output
        told[signaal] = " ".join(result.stdout.split())
    window = "fewer than the 30 days in arrears a Zorg signal needs (it was 10 days in arrears)"
    assert f"not picked up: {window}" in told["Z-1"]
    assert f"picked up for its amount, though {window}" in told["Z-2"]
    assert "not picked up" not in told["Z-2"]
    assert "picked up" not in told["Z-3"]
