"""After the first contact: deadlines over Christmas, decisions fed back, the CBS delivery.

Two households over two months: one forwarded to the municipality, one crisis handled by
the SDD. Events arrive from the municipality and the SDD in `inbox/uitkomsten/`.
"""

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.config import Termijnen
from vsig.rules import termijnen

from .conftest import REPO
from .frames import ACTIONS, action
from .scenario import Home, Resident, csv_text, make_bsn

FORWARDED = Resident(make_bsn(801), "Termijn", date(1970, 1, 1), "3319AB", 1)
CRISIS = Resident(make_bsn(802), "Spoed", date(1971, 1, 1), "3319AB", 2)
SCHEMA = json.loads(
    (
        REPO / "standards" / "vng-vroegsignalering-v1.2" / "json_schema_Uitwisselmodel.json"
    ).read_text()
)
runner = CliRunner()


def events(*rows: tuple[str, str, str, str]) -> str:
    return csv_text(
        [{"zaak_id": z, "datum": d, "gebeurtenis": g, "waarde": w} for z, d, g, w in rows],
        ["zaak_id", "datum", "gebeurtenis", "waarde"],
    )


class Months:
    """The nights, each with what arrived; `deadlines[day]` is that night's termijnen.csv."""

    def __init__(self, root: Path) -> None:
        self.home = Home.create(root)
        self.deadlines: dict[str, list[dict[str, str]]] = {}
        self.feedback: dict[str, dict[str, list[dict[str, str]]]] = {}
        self.case: dict[str, str] = {}

    def night(self, day: date, events_text: str | None = None, **signals: Any) -> None:
        self.home.registers(day, [FORWARDED, CRISIS])
        for partner, rows in signals.items():
            self.home.signals(partner, day, rows)
        if events_text:
            self.home.write(f"uitkomsten/uitkomsten-{day:%Y%m%d}.csv", events_text)
        result = self.home.run(day)
        assert result.exit_code == 0, result.output
        run_id = f"{day:%Y%m%d}-01"
        out = self.home.path / "out" / run_id / "exports"
        self.deadlines[str(day)] = self.home.out(run_id, "exports/termijnen.csv").to_dicts()
        self.feedback[str(day)] = {
            p.stem: self.home.out(run_id, f"exports/terugmelding/{p.name}").to_dicts()
            for p in (out / "terugmelding").glob("*.csv")
        }


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    story = Months(tmp_path_factory.mktemp("termijnen"))
    first = date(2026, 12, 21)  # a Monday
    story.night(
        first,
        WOONKRACHT10=[FORWARDED.signal("W-1", "700.00", first)],
        VATTENFALL=[FORWARDED.signal("V-1", "120.00", first)],
        EVIDES=[
            CRISIS.signal("E-2", "80.00", first, crisissignaal="ja", telefoonnummer="0612345678")
        ],
    )
    cases = story.home.out("20261221-01", "cases.csv")
    story.case = {row["postcode"] + row["huisnummer"]: row["zaak_id"] for row in cases.to_dicts()}
    fwd, crisis = story.case["3319AB1"], story.case["3319AB2"]
    story.night(
        date(2026, 12, 24),
        events((fwd, "2026-12-22", "aanmelding", ""), (crisis, "2026-12-24", "aanmelding", "")),
    )
    story.night(
        date(2026, 12, 31),
        events((crisis, "2026-12-30", "contactpoging", "Telefoon|nee|Ochtend")),
    )
    story.night(
        date(2027, 1, 15),
        events(
            (fwd, "2027-01-12", "eerste_gesprek", ""),
            (crisis, "2027-01-04", "contactpoging", "Huisbezoek|ja|Middag"),
            (crisis, "2027-01-04", "eerste_gesprek", ""),
            (crisis, "2027-01-14", "beschikking", "toegelaten"),
        ),
    )
    story.night(date(2027, 2, 5))
    story.night(date(2027, 2, 10))
    story.night(
        date(2027, 2, 12),
        events((fwd, "2027-02-11", "resultaat", "Vervolghulp en/of verwijzing financieel")),
    )
    return story


def listed(months: Months, day: str) -> list[tuple[str, str, str, str, str, str]]:
    return [
        (r["wie"], r["zaak_id"], r["termijn"], r["uiterlijk"], r["stand"], r["dagen_te_laat"])
        for r in months.deadlines[day]
    ]


def test_a_crisis_conversation_is_due_three_working_days_after_christmas_eve(
    months: Months,
) -> None:
    crisis = months.case["3319AB2"]
    # 25 and 26 December are holidays, 27 a Sunday: 28, 29, 30 are the three working days.
    assert listed(months, "2026-12-24") == [
        ("sdd", crisis, "eerste_gesprek", "30-12-2026", "binnen de komende werkdagen", "0")
    ]
    assert listed(months, "2026-12-31") == [
        ("sdd", crisis, "eerste_gesprek", "30-12-2026", "te laat", "1")
    ]


def test_a_conversation_is_due_four_weeks_after_the_aanmelding(months: Months) -> None:
    # Due 19 January, not yet within five working days on 31 December or listed once done.
    assert all(r[1] != months.case["3319AB1"] for r in listed(months, "2026-12-31"))
    assert listed(months, "2027-01-15") == []


def test_the_decision_is_due_within_the_bylaw_term(months: Months) -> None:
    forwarded = months.case["3319AB1"]
    assert listed(months, "2027-02-05") == [
        ("gemeente", forwarded, "beschikking", "09-02-2027", "binnen de komende werkdagen", "0")
    ]
    assert listed(months, "2027-02-10") == [
        ("gemeente", forwarded, "beschikking", "09-02-2027", "te laat", "1")
    ]
    assert listed(months, "2027-02-12") == []  # the result closed the case


def test_a_decision_reaches_only_the_partners_of_its_case(months: Months) -> None:
    decided = months.feedback["2027-01-15"]
    assert list(decided) == ["EVIDES"]
    (row,) = decided["EVIDES"]
    assert (row["signaal_id"], row["beschikking"]) == ("E-2", "toegelaten")
    assert row["resultaat"] is None
    result = months.feedback["2027-02-12"]
    assert sorted(result) == ["VATTENFALL", "WOONKRACHT10"]
    assert [r["signaal_id"] for r in result["WOONKRACHT10"]] == ["W-1"]
    assert result["VATTENFALL"][0]["resultaat"] == "Vervolghulp en/of verwijzing financieel"


def test_an_event_outside_the_value_lists_is_a_reject(tmp_path: Path, months: Months) -> None:
    home = Home.create(tmp_path)
    home.registers(date(2026, 12, 21), [FORWARDED])
    home.write(
        "uitkomsten/u.csv",
        events(("Z", "2026-12-20", "contactpoging", "Fax|ja|Nacht"), ("Z", "2026-12-20", "x", "")),
    )
    result = home.run(date(2026, 12, 21))
    assert result.exit_code == 1
    reasons = home.out("20261221-01", "rejects/uitkomsten/u.csv")["reden"].to_list()
    assert any("does not fit the gebeurtenis" in r for r in reasons)
    assert any("is not one of contactpoging" in r for r in reasons)


def monitor(months: Months, period: str, tmp_path: Path) -> dict[str, Any]:
    target = tmp_path / f"{period}.json"
    result = runner.invoke(
        app,
        [
            "report", "monitor", "--period", period, "--out", str(target),
            "--home", str(months.home.path), "--config", str(months.home.config),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    delivery: dict[str, Any] = json.loads(target.read_text())
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(delivery)
    return delivery


def test_the_cbs_delivery_for_a_month_validates(months: Months, tmp_path: Path) -> None:
    delivery = monitor(months, "2026-12", tmp_path)
    assert (delivery["startdatumLevering"], delivery["einddatumLevering"]) == (
        "2026-12-01",
        "2026-12-31",
    )
    (dordrecht,) = [lev for lev in delivery["leveringen"] if lev["gemeentecode"] == "0505"]
    assert sorted(s["ID"] for s in dordrecht["vroegsignalen"]) == [
        "EVIDES-E-2",
        "VATTENFALL-V-1",
        "WOONKRACHT10-W-1",
    ]
    amounts = {s["ID"]: s["bedrag"] for s in dordrecht["vroegsignalen"]}
    assert amounts["WOONKRACHT10-W-1"] == 700
    assert len(delivery["leveringen"]) == 7


def test_the_cbs_delivery_of_a_quarter_holds_it_as_it_stood_at_its_end(
    months: Months, tmp_path: Path
) -> None:
    """The crisis case's letter and the first call (both December) are in Q4, the home
    visit of 4 January is not; Q1 shows the case again with all three, and the forwarded
    case with the result of February."""

    def cases_of(delivery: dict[str, Any]) -> dict[str, dict[str, Any]]:
        (dordrecht,) = [lev for lev in delivery["leveringen"] if lev["gemeentecode"] == "0505"]
        return {c["vroegsignalen"][0]["ID"]: c for c in dordrecht["vroegsignaalzaken"]}

    def attempts(case: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
        return [(c["soort"], c["datum"], c.get("bereikt")) for c in case["contactpogingen"]]

    q4 = cases_of(monitor(months, "2026-Q4", tmp_path))
    assert attempts(q4["EVIDES-E-2"]) == [
        ("Brief", "2026-12-21", None),
        ("Telefoon", "2026-12-30", False),
    ]
    assert all("resultaat" not in case for case in q4.values())
    q1 = cases_of(monitor(months, "2027-Q1", tmp_path))
    assert attempts(q1["EVIDES-E-2"])[-1] == ("Huisbezoek", "2027-01-04", True)
    forwarded = next(c for c in q1.values() if len(c["vroegsignalen"]) == 2)
    assert forwarded["resultaat"] == "Vervolghulp en/of verwijzing financieel"
    # Forwarded on 21 December; picked up when the resident's aanmelding came, not before.
    assert forwarded["datumOpgepakt"] == "2026-12-22"
    empty = monitor(months, "2027-Q2", tmp_path)
    assert all(not lev["vroegsignalen"] for lev in empty["leveringen"])
    assert all(not lev["vroegsignaalzaken"] for lev in empty["leveringen"])


def test_a_bad_period_is_a_usage_error(months: Months) -> None:
    result = runner.invoke(
        app, ["report", "monitor", "--period", "2026-13", "--home", str(months.home.path)]
    )
    assert result.exit_code == 2
    assert "YYYY-MM or YYYY-Qn" in result.stderr


class Page(HTMLParser):
    """What an HTML page holds: its tags, the addresses it would fetch, its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.fetches: list[str] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.fetches += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data.strip())


def test_the_overview_is_one_page_of_totals_without_people(months: Months, tmp_path: Path) -> None:
    target = tmp_path / "overview.html"
    result = runner.invoke(
        app,
        [
            "report", "overview", "--period", "2027-Q1", "--out", str(target),
            "--home", str(months.home.path), "--config", str(months.home.config),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = Page(target.read_text(encoding="utf-8"))
    assert page.fetches == []  # nothing from the network, no script either
    assert "script" not in page.tags
    text = [t for t in page.text if t]
    # The crisis conversation (due 30 December) was on 4 January: late. The other (due
    # 19 January) was on 12 January: on time. Q1 had no new signals or cases.
    shown = (text[text.index("op tijd") + 1], text[text.index("te laat") + 1])
    assert shown == ("< 5", "< 5")  # one each: too few to show to a council
    assert "eerste gesprek op tijd" not in text  # a share would show them: one of two
    assert text.count("Geen.") == 2
    assert page.tags.count("svg") == 2  # a chart each for the results and the conversations
    assert "Vervolghulp en/of verwijzing financieel" in text
    for person in (FORWARDED, CRISIS):
        assert person.bsn not in target.read_text()
        assert person.geslachtsnaam not in target.read_text()


def test_each_term_runs_over_the_holidays_to_a_working_day_and_goes_to_who_handles_it() -> None:
    """Four cases on frames: four weeks from 27 November end on Christmas Day and run to
    Monday 28 December; three working days from Christmas Eve skip both Christmas days and
    the weekend; a forwarded case's deadline is the municipality's, the others the SDD's.
    Z4 was forwarded on 14 December and nobody has been in touch: its municipality's first
    offer is due on 29 December. Z1's was made (its aanmelding came after the forward)."""
    cases = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z3", "Z4"],
            "gemeentecode": ["0505", "0590", "0505", "0590"],
            "crisis": [False, True, False, False],
            "laatste_activiteit": [date(2026, 12, 14)] * 4,
        }
    )
    recorded = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z3", "Z3"],
            "datum": [date(2026, 11, 27), date(2026, 12, 24), date(2026, 11, 2), date(2026, 11, 9)],
            "gebeurtenis": ["aanmelding", "aanmelding", "aanmelding", "eerste_gesprek"],
            "waarde": [None] * 4,
        },
        schema_overrides={"waarde": pl.String},
    )
    forwarded = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z4"],
            "geboekt": [date(2026, 11, 20), date(2026, 12, 14)],
            "uiterlijk": [date(2026, 12, 4), date(2026, 12, 29)],
        }
    ).with_columns(sinds="geboekt")
    owed = termijnen.obligations(
        cases, recorded, ACTIONS.clear(), forwarded, Termijnen(), 90, NO_MESSAGES
    )
    due = termijnen.deadlines(owed, Termijnen(), date(2026, 12, 24))
    assert due.select("wie", "zaak_id", "termijn", "uiterlijk", "stand").rows() == [
        ("sdd", "Z3", "beschikking", date(2026, 12, 7), termijnen.TE_LAAT),
        ("gemeente", "Z1", "eerste_gesprek", date(2026, 12, 28), termijnen.BIJNA),
        ("gemeente", "Z4", "eerste_aanbod", date(2026, 12, 29), termijnen.BIJNA),
        ("sdd", "Z2", "eerste_gesprek", date(2026, 12, 30), termijnen.BIJNA),
    ]


NO_MESSAGES = pl.DataFrame(schema={"zaak_id": pl.String, "datum": pl.Date, "soort": pl.String})
"""No e-mail or SMS was sent (`berichten.attempts`)."""
CRISIS_DAY = date(2026, 12, 8)
LAST = date(2026, 12, 1)
"""The last activity of every case below: each closes for silence from 1 March 2027 at the
soonest."""


def owed_on_frames(
    histories: dict[str, tuple[bool, list[tuple[str, str, str | None]]]],
    booked: list[dict[str, Any]],
    forwarded: list[tuple[str, date, date]],
) -> pl.DataFrame:
    """Each case's obligation, from its crisis flag and events (`gebeurtenis`, the day of
    December, `waarde`), its actions and its forward."""
    cases = pl.DataFrame(
        {
            "zaak_id": list(histories),
            "gemeentecode": "0505",
            "crisis": [crisis for crisis, _ in histories.values()],
            "laatste_activiteit": LAST,
        }
    )
    recorded = pl.DataFrame(
        [
            (zaak, date(2026, 12, int(day[:2])), gebeurtenis, waarde)
            for zaak, (_, rows) in histories.items()
            for gebeurtenis, day, waarde in rows
        ],
        schema={
            "zaak_id": pl.String,
            "datum": pl.Date,
            "gebeurtenis": pl.String,
            "waarde": pl.String,
        },
        orient="row",
    )
    forwards = pl.DataFrame(
        forwarded,
        schema={"zaak_id": pl.String, "geboekt": pl.Date, "uiterlijk": pl.Date},
        orient="row",
    ).with_columns(sinds="geboekt")
    actions = pl.concat([ACTIONS, *(action(**a) for a in booked)])
    owed = termijnen.obligations(cases, recorded, actions, forwards, Termijnen(), 90, NO_MESSAGES)
    assert owed["zaak_id"].to_list() == sorted(histories)  # exactly one row per open case
    return owed


def test_every_open_case_owes_one_thing_the_next_step_of_its_help() -> None:
    """Sixteen cases, each at another step. A letter counts as one attempt and the SDD's
    policy asks two before 'no contact': a letter alone still owes an attempt (A), by the day
    the case would close for silence, also after the letter of a move (O); a promised call
    is owed by its date until it is tried (C, D); a forward is owed its first offer by the
    municipality (E, F); after an aanmelding the first conversation (G: a crisis, 3 working
    days), after it the decision (H). The
    next attempt is due 90 days after the last (F), when a case would close for silence."""
    close_day = date(2027, 3, 1)
    call = {"actie": "sdd_belt", "actietype": "bellen", "wie": "sdd", "geboekt": LAST}
    call |= {"gepland": date(2026, 12, 10), "uiterlijk": date(2026, 12, 15)}
    letter = {"actie": "brief", "actietype": "brief", "geboekt": LAST}
    missed = ("contactpoging", "05", "Telefoon|nee|Ochtend")
    owed = owed_on_frames(
        {
            "A": (False, []),
            "B": (False, [missed]),
            "C": (False, []),
            "D": (False, [("contactpoging", "11", "Telefoon|nee|Middag")]),
            "E": (False, []),
            "F": (False, [("contactpoging", "03", "Huisbezoek|nee|Middag")]),
            "G": (True, [("aanmelding", "03", None)]),
            "H": (False, [("aanmelding", "01", None), ("eerste_gesprek", "10", None)]),
            "I": (False, [("eerste_gesprek", "10", None), ("beschikking", "20", "toegelaten")]),
            "J": (False, [("contactpoging", "02", "Telefoon|ja|Ochtend")]),
            "K": (False, [("aanmelding", "01", None), ("beschikking", "02", "toegelaten")]),
            "L": (True, [("contactpoging", "03", "Huisbezoek|nee|Middag")]),
            "M": (True, [("contactpoging", "03", "Huisbezoek|nee|Middag")]),
            "N": (True, [("aanmelding", "01", None), ("beschikking", "02", "afgewezen")]),
            "O": (False, []),
            "P": (
                False,
                [
                    ("aanmelding", "01", None),
                    ("beschikking", "02", "afgewezen"),
                    ("aanmelding", "10", None),
                ],
            ),
        },
        [
            *({"zaak_id": z} | letter for z in "ABCDJLO"),
            {"zaak_id": "O"} | letter | {"actie": "na_verhuizing", "geboekt": CRISIS_DAY},
            *({"zaak_id": z} | call for z in "CD"),
            {"zaak_id": "M"} | call | {"geboekt": CRISIS_DAY, "gepland": CRISIS_DAY},
        ],
        [
            ("E", LAST, date(2026, 12, 15)),
            ("F", LAST, date(2026, 12, 15)),
            ("K", date(2026, 12, 3), date(2026, 12, 17)),
            *(("L", LAST, date(2026, 12, 15)), ("L", CRISIS_DAY, date(2026, 12, 11))),
            ("M", LAST, date(2026, 12, 15)),
            ("N", CRISIS_DAY, date(2026, 12, 11)),
        ],
    )
    assert {
        z: tuple(rest)
        for z, *rest in owed.select("zaak_id", "termijn", "wie", "uiterlijk", "pogingen").rows()
    } == {
        "A": ("contactpoging", "sdd", close_day, 1),
        "B": ("afronden", "sdd", close_day, 2),
        "C": ("bellen", "sdd", date(2026, 12, 15), 1),
        "D": ("afronden", "sdd", close_day, 2),
        "E": ("eerste_aanbod", "gemeente", date(2026, 12, 15), 0),
        "F": ("contactpoging", "gemeente", date(2027, 3, 3), 1),  # 90 days after its try
        "G": ("eerste_gesprek", "sdd", date(2026, 12, 8), 0),
        "H": ("beschikking", "sdd", date(2027, 1, 7), 0),
        "I": ("afronden", "sdd", close_day, 0),
        "J": ("afronden", "sdd", close_day, 2),
        "K": ("afronden", "gemeente", close_day, 0),  # helped before it was forwarded
        # A crisis after a forward the municipality tried: its visit, or the SDD's call, is
        # owed by its own term.
        "L": ("eerste_aanbod", "gemeente", date(2026, 12, 11), 2),
        "M": ("bellen", "sdd", date(2026, 12, 15), 1),
        # Refused in December, then a crisis: the visit is owed anew.
        "N": ("eerste_aanbod", "gemeente", date(2026, 12, 11), 0),
        # The letter after a move repeats the offer: still one attempt, due as before.
        "O": ("contactpoging", "sdd", close_day, 1),
        # Refused, then asked again: a new request, whose conversation is owed anew.
        "P": ("eerste_gesprek", "sdd", date(2027, 1, 7), 0),
    }
    assert set(termijnen.TE_DOEN) >= set(owed["termijn"])


def test_only_a_case_owed_nothing_but_its_result_may_close_for_silence() -> None:
    """On the day after the silence ran out, the forwarded case nobody contacted (E) and the
    letter without a second attempt (A) are overdue on the worklist, not closed; the case
    whose two attempts were made (B) and the one reached (J) may close."""
    owed = owed_on_frames(
        {
            "A": (False, []),
            "B": (False, [("contactpoging", "05", "Telefoon|nee|Ochtend")]),
            "E": (False, []),
            "J": (False, [("contactpoging", "02", "Telefoon|ja|Ochtend")]),
        },
        [{"zaak_id": z, "actie": "brief", "actietype": "brief", "geboekt": LAST} for z in "ABJ"],
        [("E", LAST, date(2026, 12, 15))],
    )
    assert sorted(termijnen.settled(owed)) == ["B", "J"]
    listed = termijnen.deadlines(owed, Termijnen(), date(2027, 3, 2))
    assert listed.select("zaak_id", "termijn", "stand").rows() == [
        ("E", "eerste_aanbod", termijnen.TE_LAAT),
        ("A", "contactpoging", termijnen.TE_LAAT),
    ]
