"""A year of nights on a small street, simulated from a seed, with the invariants of a case's
life checked after every night.

Households get debts that their creditors re-signal every month (the same amount, more or
less), case workers record events, people move within the region, leave it or die, the SDD
starts and stops arrangements, and the holidays come and go. After every night:
- no case stays open longer than `case_close_after_days` without activity unless it is
  owed a duty, overdue on termijnen.csv;
- a case closes for inactivity only after contact or the attempts the policy asks;
- every open case has one obligation with a date on the SDD's sheet (every week);
- a case is never closed for inactivity while events keep coming;
- no household gets two letters for one debt;
- no person is in a case at another household's address, and a signal matched to a
  household of namesakes is where they live while they live together;
- a signal in doubt (a misspelt name, nothing else) waits `Nog niet opgepakt`, in no case,
  until the SDD decides it on its sheet "Twijfel" (two months on) or, left undecided,
  retention takes it six months on, also when its person moves meanwhile;
- every deadline falls on a working day of the Algemene termijnenwet;
- a case that moves to another municipality is told to both, once, and brings one letter
  with the new municipality's offer when its letter was the only offer made;
- the SDD's call list holds exactly the calls of open cases, not taken over by a forward
  to their municipality, that are due and were not yet answered by contact, an aanmelding or later
  step;
- nothing about a person whose last activity is more than six months old is left in the
  state file (raw bytes), the archives or the outputs.
"""

import json
import os
import random
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest
from dateutil.relativedelta import relativedelta

from vsig.cli import app
from vsig.config import Config, load_config
from vsig.io.uitkomsten import ENTRIES_PER_CASE
from vsig.privacy.purge_log import ERASED_BY_RETENTION
from vsig.reporting import cbs
from vsig.rules import keuzes, vng, werkdagen
from vsig.rules.lifecycle import CloseReason

from .conftest import bytes_held
from .scenario import Home, Resident, csv_text, make_bsn

START = date(2026, 11, 2)
NIGHTS = int(os.environ.get("VSIG_YEAR_NIGHTS", "365"))
CLOSE_AFTER = 90
PARTNERS = ("WOONKRACHT10", "EVIDES", "VATTENFALL", "VGZ")
ADDRESSES = [("3311AB", n) for n in range(1, 9)] + [("3331AB", n) for n in range(1, 5)]
"""Eight houses in Dordrecht, where everyone starts, and four in Zwijndrecht to move to."""
MUNICIPALITY = {"3311AB": ("0505", "Dordrecht"), "3331AB": ("0642", "Zwijndrecht")}


NAMESAKES = (make_bsn(790), make_bsn(791))
"""`T. Tweeling`, parent and grown child, living together in a house of their own in Dordrecht
until they part (days 160 and 170, `part_the_namesakes`); their household never answers."""
QUIET = make_bsn(795)
"""`S. Stil`, in a house of their own in Zwijndrecht: one debt, a letter and one call that
reaches nobody, a move to Dordrecht (the new municipality's letter), then silence. Their
case closes for it (`geen_activiteit`) whatever the seed does."""


@dataclass
class Debt:
    bsn: str
    bedrag: int
    next: date
    left: int
    crisis: bool


class Street:
    """The simulated world: who lives where, their debts, and what happened when."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: dict[str, Resident] = {}
        self.gone: set[str] = set()
        self.known: set[str] = set()
        self.debts: dict[tuple[str, str], Debt] = {}
        self.last_activity: dict[str, date] = {}
        self.events_sent: dict[str, list[date]] = {}
        self.homes_then: list[tuple[date, dict[str, set[str]]]] = []
        self.closed_because: set[CloseReason] = set()
        self.recorded: dict[str, set[str]] = {}
        """Per case, the kinds of event recorded for it."""
        self.searched: dict[Path, tuple[tuple[int, int, int] | None, set[str]]] = {}
        """Per file, its version when searched, and the BSNs it was then found not to hold."""
        self.moves = 0
        self.case_municipality: dict[str, str] = {}
        """Per open case, its municipality after the night before."""
        number = 0
        for postcode, huisnummer in ADDRESSES[:8]:
            for _ in range(self.rng.choice([1, 2, 2])):
                number += 1
                self.people[make_bsn(700 + number)] = Resident(
                    make_bsn(700 + number),
                    f"Jaar{number}",
                    date(1970, 1, 1) + timedelta(days=97 * number),
                    postcode,
                    huisnummer,
                    voorletters=f"{'ABCDEFGHJK'[number % 10]}.",
                )
        # A parent and a grown child of one name: without a BSN or birth date their
        # creditor's signals fit the household, never one of them (issue 33).
        for number, born in ((90, date(1962, 2, 2)), (91, date(2001, 3, 3))):
            bsn = make_bsn(700 + number)
            self.people[bsn] = Resident(bsn, "Tweeling", born, "3311AB", 30, voorletters="T.")
        code, town = MUNICIPALITY[ADDRESSES[11][0]]
        self.people[QUIET] = Resident(
            QUIET,
            "Stil",
            date(1966, 6, 6),
            *ADDRESSES[11],
            gemeentecode=code,
            woonplaats=town,
            voorletters="S.",
        )
        self.signal_number = 0
        self.undecided: set[str] = set()
        """The signals in doubt the SDD leaves waiting."""
        self.decided: dict[str, date] = {}
        """Per signal the SDD decided on the sheet "Twijfel", the night it was taken."""
        self.doubts: dict[str, tuple[date, str, str]] = {}
        """Signals no one fits for sure, by id: the night they came in, who they are about
        and where that person lived then."""
        self.deliveries: dict[date, dict[str, Any]] = {}
        """Each month's CBS delivery as first made, the night after the month ended."""

    def residents(self) -> list[Resident]:
        return [p for b, p in sorted(self.people.items()) if b not in self.gone]

    def living(self, day: date) -> list[Resident]:
        return [p for p in self.residents() if not p.datum_overlijden or p.datum_overlijden > day]

    def address_of(self, bsn: str) -> str:
        person = self.people[bsn]
        return f"{person.postcode}|{person.huisnummer}||"

    def change_the_world(self, day: date) -> None:
        """Moves, departures, deaths and SDD changes: rarely, as in life."""
        # Stil's and the namesakes' stories are scripted; chance moves everyone else.
        living = [p for p in self.living(day) if p.bsn not in (QUIET, *NAMESAKES)]
        if day == START + timedelta(days=30) and QUIET in self.people:
            # Only written to, Stil moves to Dordrecht: the new municipality's letter.
            self.people[QUIET] = replace(
                self.people[QUIET],
                postcode="3311AB",
                huisnummer=20,
                gemeentecode="0505",
                woonplaats="Dordrecht",
            )
            self.moves += 1
        self.part_the_namesakes(day)
        waiting = [bsn for came, bsn, _ in self.doubts.values() if (day - came).days == 30]
        if waiting and waiting[0] in {p.bsn for p in living}:
            self.move(self.people[waiting[0]])  # a month into the wait, they move
        draw = self.rng.random()
        if draw < 0.02 and living:  # a household (or one of it) moves within the region
            self.move(self.rng.choice(self.indebted(living) or living))
        elif draw < 0.025 and living:  # someone leaves the region
            self.gone.add(self.rng.choice(living).bsn)
        elif draw < 0.028 and living:  # someone dies
            person = self.rng.choice(living)
            self.people[person.bsn] = replace(person, datum_overlijden=day - timedelta(days=1))
        elif draw < 0.05 and living:  # the SDD starts or stops an arrangement
            self.known ^= {self.rng.choice(living).bsn}
        if self.rng.random() < 0.01:  # a newcomer moves into an empty house
            empty = [
                a
                for a in ADDRESSES
                if not any((p.postcode, p.huisnummer) == a for p in self.residents())
            ]
            if empty:
                number = len(self.people) + 1
                target = self.rng.choice(empty)
                bsn = make_bsn(700 + number)
                self.people[bsn] = Resident(
                    bsn,
                    f"Nieuw{number}",
                    date(1985, 5, number % 28 + 1),
                    *target,
                    gemeentecode=MUNICIPALITY[target[0]][0],
                    woonplaats=MUNICIPALITY[target[0]][1],
                )

    def part_the_namesakes(self, day: date) -> None:
        """After their creditor's last signal, the grown child moves out alone, and ten days
        later the parent moves elsewhere: the household their debt was laid on is no more,
        and nobody can tell whose it is (issue 33). Both stay in Dordrecht."""
        for days, bsn, home in ((160, NAMESAKES[1], 31), (170, NAMESAKES[0], 32)):
            if (day - START).days == days and bsn in {p.bsn for p in self.living(day)}:
                self.people[bsn] = replace(self.people[bsn], huisnummer=home)
                self.moves += 1

    def indebted(self, living: list[Resident]) -> list[Resident]:
        """Most movers have debts, so that the cases' moves are put to the test."""
        debtors = {d.bsn for d in self.debts.values()}
        return [p for p in living if p.bsn in debtors] if self.rng.random() < 0.8 else []

    def move(self, mover: Resident) -> None:
        """To an empty house, or in with another household (not Stil's or the namesakes',
        whose stories are scripted); with everyone, or alone."""
        here = (mover.postcode, mover.huisnummer)
        taken = {(p.postcode, p.huisnummer) for p in self.residents()}
        empty = [a for a in ADDRESSES if a not in taken]
        scripted = {
            (p.postcode, p.huisnummer) for b, p in self.people.items() if b in (QUIET, *NAMESAKES)
        }
        others = sorted(taken - {here} - scripted)
        choices = empty if empty and (self.rng.random() < 0.7 or not others) else others
        if not choices:
            return
        target = self.rng.choice(choices)
        whole = self.rng.random() < 0.7
        for bsn, person in self.people.items():
            if (person.postcode, person.huisnummer) == here and (whole or person is mover):
                code, town = MUNICIPALITY[target[0]]
                self.people[bsn] = replace(
                    person,
                    postcode=target[0],
                    huisnummer=target[1],
                    gemeentecode=code,
                    woonplaats=town,
                )
                self.moves += 1

    def signals(self, day: date) -> dict[str, list[dict[str, str]]]:
        """New debts now and then; each known debt re-signalled monthly until it stops."""
        out: dict[str, list[dict[str, str]]] = {}
        living = {p.bsn for p in self.living(day)} - {QUIET, *NAMESAKES}
        if day == START + timedelta(days=3):  # under €500 even after a rise: the SDD's letter
            self.debts[("EVIDES", "K-stil")] = Debt(QUIET, 350_00, day, 1, False)
        if self.rng.random() < 0.1 and living:
            bsn = self.rng.choice(sorted(living))
            partner = self.rng.choice(PARTNERS)
            self.debts[(partner, f"K{len(self.debts)}")] = Debt(
                bsn,
                self.rng.choice([150_00, 450_00, 700_00]),
                day,
                self.rng.randint(1, 4),
                self.rng.random() < 0.1,
            )
        if day == START + timedelta(days=1):  # the namesakes' creditor knows only the name
            self.debts[("VGZ", "K-tweeling")] = Debt(NAMESAKES[0], 300_00, day, 6, False)
        for (partner, klantnummer), debt in sorted(self.debts.items()):
            if debt.next != day or not debt.left:
                continue
            person = self.people[debt.bsn]
            # A creditor signals arrears, never nothing: a debt paid down stays at €50.
            debt.bedrag = max(debt.bedrag + self.rng.choice([0, 0, 100_00, -50_00]), 50_00)
            debt.next = day + timedelta(days=30)
            debt.left -= 1
            self.signal_number += 1
            # Each person their own number: retention takes an outlived person's number
            # from every export that lists it, and two households rarely share one.
            row = person.signal(
                f"J-{self.signal_number}",
                f"{debt.bedrag // 100}.{debt.bedrag % 100:02d}",
                day,
                bsn=person.bsn,
                klantnummer=klantnummer,
                crisissignaal="ja" if debt.crisis else "nee",
                voorletters="",  # every row of a file has the same columns
                telefoonnummer=f"06{person.bsn[-8:]}" if self.rng.random() < 0.5 else "",
            )
            about = [person.bsn]
            if debt.bsn in NAMESAKES:  # a signal about the household names both
                row |= {"bsn": "", "geboortedatum": "", "voorletters": person.voorletters}
                about = list(NAMESAKES)
            out.setdefault(partner, []).append(row)
            for bsn in about:
                self.last_activity[bsn] = day
        if day == START + timedelta(days=330):
            # A crisis without a number to call: the municipality owes a home visit. Drawn
            # from nothing random, and late in the year, which the seed makes as it was
            # until then (the events of an extra case draw from it after).
            free = sorted(living - {d.bsn for d in self.debts.values()})
            person = self.people[free[0]]
            self.signal_number += 1
            visit = person.signal(
                f"J-{self.signal_number}", "120.00", day, bsn=person.bsn,
                klantnummer="K-bezoek", crisissignaal="ja", voorletters="",
            )  # fmt: skip
            out.setdefault("EVIDES", []).append(visit)
            self.last_activity[person.bsn] = day
        if (day - START).days in (20, 200) and living:
            # A creditor misspells a name and knows nothing else: doubt, which waits for a
            # person at the SDD and ages out with retention, whoever moves meanwhile.
            person = self.people[self.rng.choice(sorted(living))]
            self.signal_number += 1
            signal_id = f"J-{self.signal_number}"
            written = {
                "bsn": "",
                "geboortedatum": "",
                "voorletters": "",
                "achternaam": person.geslachtsnaam + "x",
            }
            out.setdefault("EVIDES", []).append(person.signal(signal_id, "250.00", day, **written))
            self.doubts[signal_id] = (day, person.bsn, self.address_of(person.bsn))
            if (day - START).days == 200:
                self.undecided.add(signal_id)
            self.last_activity[person.bsn] = day
        return out

    def call_stil_once(self, zaak_id: str, day: date) -> list[dict[str, str]]:
        """One call that reaches nobody, then silence."""
        if "contactpoging" in self.recorded.get(zaak_id, set()):
            return []
        self.recorded.setdefault(zaak_id, set()).add("contactpoging")
        self.events_sent.setdefault(zaak_id, []).append(day)
        self.last_activity[QUIET] = day
        return [
            {
                "zaak_id": zaak_id,
                "datum": str(day),
                "gebeurtenis": "contactpoging",
                "waarde": "Telefoon|nee|",
            }
        ]

    def events(self, day: date, open_cases: list[tuple[str, list[str]]]) -> list[dict[str, str]]:
        """Case workers record what happened with half the households; the other half never
        answer, and a case worker records one more attempt that reached nobody, as the SDD's
        policy asks after the letter (for a third of those cases she never does). A result
        ends the debts' repeats. The namesakes' household never answers, so that its case is
        open when they part."""
        rows = []
        for zaak_id, persons in open_cases:
            if persons in ([QUIET], sorted(NAMESAKES)):  # scripted: Stil's call, no more
                rows += self.call_stil_once(zaak_id, day) if persons == [QUIET] else []
                continue
            answers = zlib.crc32(",".join(persons).encode()) % 2
            tried = "contactpoging" in self.recorded.get(zaak_id, set())
            forgotten = zlib.crc32(zaak_id.encode()) % 3 == 0
            if not answers and not tried and not forgotten and self.rng.random() < 0.02:
                self.recorded.setdefault(zaak_id, set()).add("contactpoging")
                rows.append(
                    {
                        "zaak_id": zaak_id,
                        "datum": str(day),
                        "gebeurtenis": "contactpoging",
                        "waarde": self.rng.choice(["Telefoon|nee|", "Huisbezoek|nee|Middag"]),
                    }
                )
                self.events_sent.setdefault(zaak_id, []).append(day)
                for bsn in persons:
                    self.last_activity[bsn] = day
            if answers and self.rng.random() < 0.05:
                what = self.rng.choice(
                    ["contactpoging", "aanmelding", "eerste_gesprek", "beschikking", "resultaat"]
                )
                # In the order a case worker meets them: a decision answers a request, and
                # a result follows something done (vsig refuses them otherwise).
                done = self.recorded.setdefault(zaak_id, set())
                if what == "beschikking" and not done & {"aanmelding", "eerste_gesprek"}:
                    what = "aanmelding"
                if what == "resultaat" and not done:
                    what = "contactpoging"
                done.add(what)
                value = {
                    "contactpoging": self.rng.choice(["Telefoon|ja|Ochtend", "Telefoon|nee|"]),
                    "beschikking": "toegelaten",
                    "resultaat": "(Budget)advies en/of quick fix",
                }.get(what, "")
                rows.append(
                    {"zaak_id": zaak_id, "datum": str(day), "gebeurtenis": what, "waarde": value}
                )
                self.events_sent.setdefault(zaak_id, []).append(day)
                for bsn in persons:
                    self.last_activity[bsn] = day
                if what == "resultaat":
                    for debt in self.debts.values():
                        if debt.bsn in persons:
                            debt.left = 0
        return rows

    def decide_doubt(self, home: Home, db: "Db", day: date) -> None:
        """Two months after a signal in doubt came in, the SDD decides it on the sheet
        "Twijfel" of last night's workbook: its first candidate, or no resident. (Not the
        year's last doubt, which waits.)"""
        sent = home.path / "out" / f"{day - timedelta(days=1):%Y%m%d}-01" / "exports" / "sdd"
        waiting = state(
            db,
            "SELECT s.signaalpartner || '/' || s.signaal_id, "
            "coalesce(s.laatste_activiteit, r.verwerkingsdatum), s.kandidaten FROM signalen s "
            "JOIN runs r USING (run_id) WHERE s.zaak_id IS NULL AND s.adres_sleutel IS NULL "
            "AND s.niet_gekoppeld IS NOT NULL "
            "AND s.status IN ('Nog niet opgepakt', 'Niet opgepakt: herhaalde melding')",
        )
        # A parted household's debt is the parent's, as the person deciding finds out.
        debtor = {
            signal: f"Kandidaat {kandidaten.index(NAMESAKES[0]) + 1}"
            for signal, _, kandidaten in waiting
            if kandidaten and NAMESAKES[0] in kandidaten
        }
        due = {
            signal
            for signal, came, _ in waiting
            if (day - came).days >= 60 and signal.split("/")[1] not in self.undecided
        }
        if not due or not (sent / "bellijst.xlsx").is_file():
            return
        book = openpyxl.load_workbook(sent / "bellijst.xlsx")
        sheet = book["Twijfel"]
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            signal = row[header.index("Signaal")].value
            if signal in due:
                found = row[header.index("Kandidaten")].value != "geen"
                row[header.index("Keuze")].value = debtor.get(
                    str(signal), "Kandidaat 1" if found else "Geen inwoner"
                )
                self.decided[str(signal).split("/")[1]] = day
                if signal in debtor:
                    self.last_activity[NAMESAKES[0]] = day  # their case opens tomorrow
        (home.path / "inbox" / "uitkomsten").mkdir(parents=True, exist_ok=True)
        book.save(home.path / "inbox" / "uitkomsten" / f"twijfel-{day:%Y%m%d}.xlsx")

    def remember_homes(self, day: date) -> None:
        homes: dict[str, set[str]] = {}
        for person in self.residents():
            homes.setdefault(self.address_of(person.bsn), set()).add(person.bsn)
        self.homes_then.append((day, homes))


Db = duckdb.DuckDBPyConnection


def opened(home: Home) -> Db:
    """The state, read-only: one connection for a night's checks, closed before the next
    night runs (opening it for every query took a fifth of the year)."""
    return duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True)


def state(db: Db, sql: str) -> list[tuple[Any, ...]]:
    return db.execute(sql).fetchall()


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Home, Street]:
    home = Home.create(tmp_path_factory.mktemp("year"))
    # Seed 2035 holds every kind of event the checks below need (run by hand on 7 December
    # 2026, after the namesakes' parting was scripted; 2026 then had nobody leave the region).
    street = Street(seed=2035)
    for night in range(NIGHTS):
        day = START + timedelta(days=night)
        street.change_the_world(day)
        street.remember_homes(day)
        home.registers(day, street.residents(), sorted(street.known))
        for partner, rows in street.signals(day).items():
            home.signals(partner, day, rows)
        open_cases = []
        if (home.path / "state").exists():
            with opened(home) as db:
                open_cases = state_open_cases(db)
                street.decide_doubt(home, db, day)
        events = street.events(day, open_cases)
        if events:
            home.write(
                f"uitkomsten/uitkomsten-{day:%Y%m%d}.csv",
                csv_text(events, ["zaak_id", "datum", "gebeurtenis", "waarde"]),
            )
        result = home.run(day)
        rejects = [p.read_text() for p in home.path.glob(f"out/{day:%Y%m%d}-01/rejects/**/*.csv")]
        assert result.exit_code == 0, (day, result.output, rejects)
        with opened(home) as db:
            check_the_night(db, home, street, day)
    return home, street


PERSONS_OF_SIGNALS = (
    "SELECT zaak_id, persoon_bsn AS p FROM signalen WHERE persoon_bsn IS NOT NULL UNION ALL "
    "SELECT zaak_id, unnest(kandidaten) FROM signalen WHERE persoon_bsn IS NULL"
)
"""Whom each signal is about: its person, or each candidate of the household it was
matched to or of the doubt it waits in."""


def state_open_cases(db: Db) -> list[tuple[str, list[str]]]:
    rows = state(
        db,
        "SELECT z.zaak_id, list(DISTINCT s.p ORDER BY s.p) FROM zaken z JOIN ("
        f"{PERSONS_OF_SIGNALS}) s USING (zaak_id) WHERE z.gesloten IS NULL "
        "GROUP BY z.zaak_id ORDER BY z.zaak_id",
    )
    return [(str(z), list(p)) for z, p in rows]


def check_the_night(db: Db, home: Home, street: Street, day: date) -> None:
    assert_open_past_silence_only_while_overdue(db, home, day)
    assert_closed_for_silence_only_after_the_attempts(db, day)
    if (day - START).days % 7 == 0:
        assert_one_obligation_per_open_case(db, home, day)
    street.closed_because |= {
        CloseReason(r) for (r,) in state(db, "SELECT DISTINCT sluitreden FROM zaken") if r
    }
    for zaak_id, closed in state(
        db, "SELECT zaak_id, gesloten FROM zaken WHERE sluitreden = 'geen_activiteit'"
    ):
        sent = street.events_sent.get(zaak_id, [])
        assert all((closed - d).days >= CLOSE_AFTER for d in sent), (day, zaak_id, "in treatment")
    assert_one_letter_per_debt(db, day)
    lives = {p.bsn: street.address_of(p.bsn) for p in street.living(day)}
    # Known lag of one night: a repeat that names one of a household's candidates (who has
    # since moved apart from the others) joins the case holding its debt tonight, and the
    # case follows that person the next night (`lifecycle._whereabouts`).
    named_tonight = (
        f"s.run_id = '{day:%Y%m%d}-01' AND s.status = 'Niet opgepakt: herhaalde melding' "
        "AND EXISTS (SELECT 1 FROM signalen h WHERE h.zaak_id = s.zaak_id AND "
        "h.signaalpartner = s.signaalpartner AND h.klantnummer = s.klantnummer "
        "AND list_contains(h.kandidaten, s.persoon_bsn))"
    )
    for zaak_id, adres, bsn in state(
        db,
        "SELECT DISTINCT z.zaak_id, z.adres_sleutel, s.persoon_bsn FROM zaken z "
        "JOIN signalen s USING (zaak_id) WHERE z.gesloten IS NULL AND s.persoon_bsn IS NOT NULL "
        f"AND NOT ({named_tonight})",
    ):
        assert lives.get(bsn, adres) == adres, (day, zaak_id, "someone else's case")
    assert_households_matched_where_they_live(db, lives, day)
    assert_doubt_waits(db, street, day)
    deadlines = home.out(f"{day:%Y%m%d}-01", "exports/termijnen.csv")["uiterlijk"].to_list()
    actions = state(db, "SELECT uiterlijk FROM acties WHERE uiterlijk IS NOT NULL")
    read = [datetime.strptime(d, "%d-%m-%Y").date() for d in deadlines]
    for due in read + [d for (d,) in actions]:
        assert werkdagen.is_werkdag(due), (day, due)
    assert_calls_listed_while_due_and_unanswered(db, home, day)
    assert_visits_listed_while_owed_and_unreached(db, home, day)
    assert_no_call_promised_without_a_number(db, day)
    assert_forwards_overdue_without_an_offer(db, home, day)
    assert_moves_told(db, home, street, day)
    assert_past_deliveries_unchanged(db, home, street, day)
    assert_forgotten(home, street, day)


def assert_past_deliveries_unchanged(db: Db, home: Home, street: Street, day: date) -> None:
    """On the first night of a month, the month before is delivered; every month delivered
    so far is made again and is what it was, apart from when it was made and what retention
    has taken out since (moves, merges, partings, choices and later events change nothing
    in a past month). In every delivery, a case and the signals of the period it refers to
    are in one levering."""
    if day.day != 1 or day == START:
        return
    config = load_config(home.config)
    begin = day - relativedelta(months=1)
    street.deliveries.setdefault(begin, delivered(home, config, begin))
    kept = {f"{p}-{i}" for p, i in state(db, "SELECT signaalpartner, signaal_id FROM signalen")}
    cases_gone = sum(
        int(n) for (n,) in purged(home, "zaak")
    )  # a case retention deleted may have referred to a signal kept in another case
    for month, first in street.deliveries.items():
        again = delivered(home, config, month)
        expected = without_erased(first, kept)
        for new, old in zip(again["leveringen"], expected["leveringen"], strict=True):
            where = (day, month, new["gemeentecode"], "a past month changed")
            assert new["vroegsignalen"] == old["vroegsignalen"], where
            listed = [json.dumps(c, sort_keys=True) for c in old["vroegsignaalzaken"]]
            for case in new["vroegsignaalzaken"]:
                assert json.dumps(case, sort_keys=True) in listed, (*where, case)
            dropped = len(old["vroegsignaalzaken"]) - len(new["vroegsignaalzaken"])
            assert 0 <= dropped <= cases_gone, (*where, dropped, cases_gone)
        assert {k: v for k, v in again.items() if k != "leveringen"} == {
            k: v for k, v in expected.items() if k != "leveringen"
        }
        received = {s["ID"] for lev in again["leveringen"] for s in lev["vroegsignalen"]}
        for lev in again["leveringen"]:
            own = {s["ID"] for s in lev["vroegsignalen"]}
            for case in lev["vroegsignaalzaken"]:
                refers = {ref["ID"] for ref in case["vroegsignalen"]}
                assert refers & received <= own, (day, month, lev["gemeentecode"], refers)


def purged(home: Home, soort: str) -> list[tuple[str]]:
    """The counts of the purge log's lines of one kind."""
    log = home.path / "purge-log.csv"
    if not log.exists():
        return []
    lines = pl.read_csv(log, separator=";", infer_schema=False)
    return lines.filter(pl.col("soort") == soort).select("aantal").rows()


def delivered(home: Home, config: Config, month: date) -> dict[str, Any]:
    """A month's CBS delivery, without the moment it was made."""
    end = month + relativedelta(months=1) - timedelta(days=1)
    found, _ = cbs.read_delivery(home.data, config, month, end)
    return {k: v for k, v in found.items() if k != "aanleverdatumEnTijd"}


def without_erased(delivery: dict[str, Any], kept: set[str]) -> dict[str, Any]:
    """A delivery as it reads once retention removed every signal not `kept`, and with
    them their cases."""
    leveringen = []
    for lev in delivery["leveringen"]:
        cases = []
        for case in lev["vroegsignaalzaken"]:
            refers = [ref for ref in case["vroegsignalen"] if ref["ID"] in kept]
            if refers:
                cases.append(case | {"vroegsignalen": refers})
        signals = [s for s in lev["vroegsignalen"] if s["ID"] in kept]
        leveringen.append(lev | {"vroegsignalen": signals, "vroegsignaalzaken": cases})
    return delivery | {"leveringen": leveringen}


def assert_households_matched_where_they_live(db: Db, lives: dict[str, str], day: date) -> None:
    """A signal matched to a household is in a case where its candidates live while they
    live together; once they part, it stays where the household was (issue 33)."""
    for zaak_id, adres, kandidaten in state(
        db,
        "SELECT z.zaak_id, z.adres_sleutel, s.kandidaten FROM zaken z JOIN signalen s "
        "USING (zaak_id) WHERE z.gesloten IS NULL AND s.match_regel = 'naam_huishouden'",
    ):
        homes = {lives.get(b) for b in kandidaten}
        if len(homes) == 1 and None not in homes:
            assert homes == {adres}, (day, zaak_id, "a household's case left its home")
        else:  # parted: one of them still lives where the case is, or it waits
            assert adres in homes, (day, zaak_id, "a parted household's debt left with strangers")
        street_household_cases.add(zaak_id)
    for active, status, kandidaten in state(
        db,
        "SELECT laatste_activiteit, status, kandidaten FROM signalen WHERE zaak_id IS NULL "
        f"AND adres_sleutel IS NULL AND niet_gekoppeld = '{keuzes.UITEEN}'",
    ):
        assert active >= day - relativedelta(months=6), (day, "a parted debt kept too long")
        assert status in (vng.NOG_NIET_OPGEPAKT, vng.HERHAALD), (
            day,
            status,
            "doubt told as a fact",
        )
        street_parted.add(tuple(kandidaten))
    # The parent chosen: their debt's signals are theirs, in a case where they live.
    for zaak_id, adres in state(
        db,
        "SELECT DISTINCT z.zaak_id, z.adres_sleutel FROM zaken z JOIN signalen s "
        "USING (zaak_id) WHERE z.gesloten IS NULL AND s.match_regel = 'keuze' "
        f"AND s.persoon_bsn = '{NAMESAKES[0]}'",
    ):
        assert lives.get(NAMESAKES[0], adres) == adres, (day, zaak_id, "the chosen debtor moved")
        street_parted_placed.add(zaak_id)


street_household_cases: set[str] = set()
"""Each case that held a signal matched to a household of namesakes."""
street_parted: set[tuple[str, ...]] = set()
"""The candidates of each debt that waited after its household parted."""
street_parted_placed: set[str] = set()
"""Each case that holds a parted household's debt after the SDD chose its debtor."""


def assert_doubt_waits(db: Db, street: Street, day: date) -> None:
    """A signal no one fits for sure is `Nog niet opgepakt`, in no case, never told a final
    status, until retention takes it six months after the night it came in."""
    held = dict(
        state(
            db,
            "SELECT signaal_id, status FROM signalen WHERE zaak_id IS NULL "
            "AND adres_sleutel IS NULL AND status = 'Nog niet opgepakt'",
        )
    )
    for signal_id, (came, bsn, lived) in street.doubts.items():
        kept = came >= day - relativedelta(months=6)
        if signal_id in street.decided:
            assert signal_id not in held, (day, signal_id, "decided, yet still waiting")
        elif kept:
            assert held.get(signal_id) == "Nog niet opgepakt", (day, signal_id, held)
            street_waited[signal_id] = (day - came).days
            if bsn in street.people and street.address_of(bsn) != lived:
                street_moved_in_doubt.add(signal_id)
        else:
            assert signal_id not in held, (day, signal_id, "doubt kept past six months")


street_waited: dict[str, int] = {}
"""Per signal in doubt, how many days it was seen waiting."""
street_moved_in_doubt: set[str] = set()
"""Each signal in doubt whose person moved while it waited."""


ATTEMPTS = 2
"""`termijnen.pogingen_geen_contact` as the default config sets it."""


def assert_open_past_silence_only_while_overdue(db: Db, home: Home, day: date) -> None:
    """A case open longer than `case_close_after_days` without activity is one still owed a
    duty: it is on tonight's termijnen.csv (due within days, or late), never silently
    closed or forgotten; or it moved since, and its new municipality's term for the first
    offer (a forward booked after its last activity) still runs: once run out, it is late."""
    stale = state(
        db,
        "SELECT zaak_id FROM zaken z WHERE gesloten IS NULL AND laatste_activiteit <= "
        f"DATE '{day - timedelta(days=CLOSE_AFTER)}' AND NOT EXISTS (SELECT 1 FROM acties a "
        "WHERE a.zaak_id = z.zaak_id AND a.actietype = 'doorsturen' "
        f"AND a.geboekt > z.laatste_activiteit AND a.uiterlijk >= DATE '{day}') "
        "ORDER BY zaak_id",
    )
    listed = home.out(f"{day:%Y%m%d}-01", "exports/termijnen.csv")
    missing = {z for (z,) in stale} - set(listed["zaak_id"])
    assert not missing, (day, "open past its silence and not owed anything", missing)
    street_stale_overdue.update(z for (z,) in stale)


street_stale_overdue: set[str] = set()
"""Each case kept open past its silence because it was still owed a duty."""


def assert_closed_for_silence_only_after_the_attempts(db: Db, day: date) -> None:
    """'No activity' (which CBS reads as 'Definitief geen contact kunnen krijgen', or 'Geen
    reactie na eerder contact' after a contact) only after the resident was reached, or
    after the attempts the policy asks: the letters as one, each recorded contactpoging."""
    closed = state(
        db,
        "SELECT z.zaak_id, "
        "(SELECT count(*) > 0 FROM acties a WHERE a.zaak_id = z.zaak_id "
        "AND a.actietype = 'brief')::INT + "
        "(SELECT count(*) FROM gebeurtenissen g WHERE g.zaak_id = z.zaak_id "
        "AND g.gebeurtenis = 'contactpoging'), "
        "(SELECT count(*) FROM gebeurtenissen g WHERE g.zaak_id = z.zaak_id "
        "AND (g.gebeurtenis IN ('aanmelding', 'eerste_gesprek', 'beschikking') "
        "OR g.waarde LIKE '%|ja|%')) "
        "FROM zaken z WHERE z.sluitreden = 'geen_activiteit'",
    )
    untrue = [(z, tried) for z, tried, reached in closed if not reached and tried < ATTEMPTS]
    assert not untrue, (day, "closed as 'no contact' without the attempts", untrue)


def assert_one_obligation_per_open_case(db: Db, home: Home, day: date) -> None:
    """The SDD's sheet "Uitkomsten" lists every open case once, each with what it is owed
    now, by whom and by when."""
    book = openpyxl.load_workbook(
        home.path / "out" / f"{day:%Y%m%d}-01" / "exports" / "sdd" / "bellijst.xlsx",
        read_only=True,
    )
    try:
        rows = book["Uitkomsten"].iter_rows(values_only=True)
        header = list(next(rows))
        at = [header.index(c) for c in ("Zaak", "Adres", "Nu te doen", "Door", "Te doen uiterlijk")]
        rows_of = [tuple(row[i] for i in at) for row in rows if row[at[0]]]
    finally:
        book.close()
    cases = [row for row in rows_of if row[1] is not None]  # a case's own row has its address
    open_now = [z for (z,) in state(db, "SELECT zaak_id FROM zaken WHERE gesloten IS NULL")]
    assert sorted(z for z, *_ in cases) == sorted(open_now), (day, "sheet and state differ")
    assert all(all(v is not None for v in row) for row in cases), (day, cases)
    assert len(rows_of) == len(cases) * ENTRIES_PER_CASE, (day, "rows for entries")


def assert_forwards_overdue_without_an_offer(db: Db, home: Home, day: date) -> None:
    """A forward carries its municipality's term for the first offer; an open forwarded
    case with no contact attempt, aanmelding or first conversation since, past that term,
    is overdue for its municipality on termijnen.csv. (A case whose resident already asked
    for help before the forward owes the later step instead: its conversation or decision.)"""
    forwards = state(
        db,
        "SELECT a.zaak_id, min(a.uiterlijk) FROM acties a JOIN zaken z USING (zaak_id) "
        "WHERE z.gesloten IS NULL AND a.actietype = 'doorsturen' GROUP BY ALL",
    )

    assert all(due is not None for _, due in forwards), (day, "a forward without a term")
    overdue = state(
        db,
        "SELECT a.zaak_id FROM acties a JOIN zaken z USING (zaak_id) "
        f"WHERE z.gesloten IS NULL AND a.actietype = 'doorsturen' AND a.uiterlijk < DATE '{day}' "
        f"AND {counted('a')} "
        "AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g WHERE g.zaak_id = a.zaak_id "
        "AND g.datum >= a.geboekt AND g.gebeurtenis IN "
        "('contactpoging', 'aanmelding', 'eerste_gesprek')) "
        "AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g WHERE g.zaak_id = a.zaak_id "
        "AND g.gebeurtenis IN ('aanmelding', 'eerste_gesprek', 'beschikking')) ORDER BY ALL",
    )
    listed = home.out(f"{day:%Y%m%d}-01", "exports/termijnen.csv").filter(
        (pl.col("termijn") == "eerste_aanbod") & (pl.col("stand") == "te laat")
    )
    assert sorted(listed["zaak_id"]) == [z for (z,) in overdue], (day, "overdue forwards")
    assert set(listed["wie"]) <= {"gemeente"}, (day, listed)
    street_overdue_forwards.update(z for (z,) in overdue)


def counted(forward: str) -> str:
    """SQL: the forward `forward` (of the case `z`) is owed: it went to the municipality the
    case is in, on or after its last action for another one (a forward to a municipality
    the case has since left is owed there no more)."""
    return (
        f"coalesce({forward}.gemeentecode, z.gemeentecode) = z.gemeentecode AND "
        f"{forward}.geboekt >= coalesce((SELECT max(o.geboekt) FROM acties o WHERE "
        f"o.zaak_id = {forward}.zaak_id AND o.gemeentecode <> z.gemeentecode), DATE '1900-01-01')"
    )


street_overdue_forwards: set[str] = set()
"""Each forwarded case that was overdue on some night, to show the year had them."""


def assert_moves_told(db: Db, home: Home, street: Street, day: date) -> None:
    """A case whose household moved to another municipality tonight is listed once by the
    municipality it left, as moved there, and by the new one, as moved from there; it gets
    one letter with the new municipality's offer when it was sent a letter before and
    nobody was reached or asked for help, and no other night brings such a letter."""
    run = f"{day:%Y%m%d}-01"
    now = dict(state(db, "SELECT zaak_id, gemeentecode FROM zaken WHERE gesloten IS NULL"))
    moved = {z: (street.case_municipality[z], g) for z, g in now.items()
             if street.case_municipality.get(z, g) != g}  # fmt: skip
    street.case_municipality = now
    told: dict[tuple[str, str], list[str]] = {}
    for code in ("0505", "0642"):
        export = home.out(run, f"exports/gemeente/{code}.csv").drop_nulls("Verhuisd")
        for zaak, verhuisd in export.select("Zaak", "Verhuisd").unique().rows():
            told.setdefault((zaak, code), []).append(verhuisd)
    names = {"0505": "Dordrecht", "0642": "Zwijndrecht"}
    expected = {
        key: [f"{way} {names[there]}"]
        for zaak, (old, new) in moved.items()
        for key, way, there in (((zaak, old), "naar", new), ((zaak, new), "van", old))
    }
    assert told == expected, (day, "moves told", told, expected)
    letters = dict(
        state(
            db,
            "SELECT a.zaak_id, count(*) FROM acties a WHERE a.actie = 'brief_na_verhuizing' "
            f"AND a.geboekt = DATE '{day}' GROUP BY ALL",
        )
    )
    owed = {
        z
        for (z,) in state(
            db,
            "SELECT DISTINCT a.zaak_id FROM acties a WHERE a.actietype = 'brief' "
            f"AND a.geboekt < DATE '{day}' AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g "
            "WHERE g.zaak_id = a.zaak_id AND (g.gebeurtenis <> 'contactpoging' "
            "OR g.waarde LIKE '%|ja|%'))",
        )
        if z in moved
    }
    assert letters == dict.fromkeys(owed, 1), (day, "letters on a move", letters, owed)
    street_moved_cases.update(moved)
    street_move_letters.update(letters)


street_moved_cases: set[str] = set()
"""Each case that moved to another municipality, to show the year had them."""
street_move_letters: set[str] = set()


def assert_no_call_promised_without_a_number(db: Db, day: date) -> None:
    """A call booked tonight is promised in tonight's letter: the case's route had a
    number to call. (An earlier call stays booked when a case later loses its number.)"""
    unreachable = state(
        db,
        "SELECT a.zaak_id FROM acties a JOIN routeringen r USING (run_id, zaak_id) "
        f"WHERE a.actietype = 'bellen' AND a.geboekt = DATE '{day}' "
        "AND NOT r.telefoon_bekend ORDER BY ALL",
    )
    assert unreachable == [], (day, "a call promised without a number", unreachable)


def assert_calls_listed_while_due_and_unanswered(db: Db, home: Home, day: date) -> None:
    """The SDD's call list holds exactly the calls of open cases that are due, not taken
    over by a forward begun on or after them (a move's forward carries on the first), and
    not answered since their booking."""
    listed = home.out(f"{day:%Y%m%d}-01", "exports/sdd/bellijst.csv")
    due = state(
        db,
        "SELECT a.zaak_id, a.gepland FROM acties a JOIN zaken z USING (zaak_id) "
        f"WHERE z.gesloten IS NULL AND a.actietype = 'bellen' AND a.wie = 'sdd' "
        f"AND a.gepland <= DATE '{day}' AND NOT EXISTS (SELECT 1 FROM acties d WHERE "
        f"d.zaak_id = a.zaak_id AND d.actietype = 'doorsturen' AND {counted('d')} AND "
        "(SELECT min(f.geboekt) FROM acties f WHERE f.zaak_id = d.zaak_id AND f.actie = d.actie)"
        " >= a.geboekt) "
        "AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g "
        "WHERE g.zaak_id = a.zaak_id AND g.datum >= a.geboekt AND (g.gebeurtenis <> "
        "'contactpoging' OR g.waarde LIKE '%|ja|%')) ORDER BY ALL",
    )
    days = [datetime.strptime(d, "%d-%m-%Y").date() for d in listed["Bellen vanaf"]]
    shown = sorted(zip(listed["Zaak"], days, strict=True))
    assert shown == sorted(due), (day, "call list")
    street_calls.extend(z for z, _ in due)


street_calls: list[str] = []
"""Each case on each night's call list, to show the year had calls to check."""


def assert_visits_listed_while_owed_and_unreached(db: Db, home: Home, day: date) -> None:
    """The municipalities' visit lists hold exactly the open cases whose forward they are
    under now (owed where the case is, begun last: a move's forward carries on the first)
    is a home visit, and whose household nobody reached since it began."""
    owed = state(
        db,
        "WITH fw AS (SELECT a.zaak_id, a.actie, a.geboekt, z.gemeentecode AS hier, "
        "(SELECT min(f.geboekt) FROM acties f WHERE f.zaak_id = a.zaak_id AND "
        "f.actie = a.actie) AS sinds FROM acties a JOIN zaken z USING (zaak_id) "
        f"WHERE z.gesloten IS NULL AND a.actietype = 'doorsturen' AND {counted('a')}), "
        "laatst AS (SELECT zaak_id, max(sinds) AS laatst FROM fw GROUP BY zaak_id) "
        "SELECT DISTINCT fw.hier, fw.zaak_id FROM fw JOIN laatst USING (zaak_id) "
        "WHERE fw.actie = 'huisbezoek_gemeente' AND fw.geboekt >= laatst.laatst "
        "AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g WHERE g.zaak_id = fw.zaak_id "
        "AND g.datum >= laatst.laatst AND (g.gebeurtenis <> 'contactpoging' "
        "OR g.waarde LIKE '%|ja|%')) ORDER BY ALL",
    )
    folder = home.path / "out" / f"{day:%Y%m%d}-01" / "exports" / "huisbezoeken"
    listed = sorted(
        (path.stem, zaak)
        for path in folder.glob("*.csv")
        for zaak in home.out(f"{day:%Y%m%d}-01", f"exports/huisbezoeken/{path.name}")["Zaak"]
    )
    assert listed == owed, (day, "visit lists")
    street_visits.extend(z for _, z in owed)


street_visits: list[str] = []
"""Each case on each night's visit lists, to show the year had visits to check."""


def assert_one_letter_per_debt(db: Db, day: date) -> None:
    """A household gets a second letter about a debt only when the debt grew since the
    first: per address and debt, the cases with a letter, in order, count ever more."""
    rows = state(
        db,
        "SELECT z.adres_sleutel, s.signaalpartner, s.klantnummer, z.zaak_id, "
        "arg_max(s.bedrag, s.signaaldatum) FROM acties a JOIN zaken z USING (zaak_id) "
        "JOIN signalen s USING (zaak_id) WHERE a.actietype = 'brief' "
        "GROUP BY ALL ORDER BY ALL",
    )
    amounts: dict[tuple[str, str, str], list[int]] = {}
    for adres, partner, klantnummer, _zaak, bedrag in rows:
        amounts.setdefault((adres, partner, klantnummer), []).append(bedrag)
    for debt, seen in amounts.items():
        assert all(b > a for a, b in pairwise(seen)), (day, debt, seen)


def assert_forgotten(home: Home, street: Street, day: date) -> None:
    """Whoever has had no activity for six months, and lived with nobody who had, is in no
    file of the home but the registers' own extracts in the inbox."""
    cutoff = day - relativedelta(months=6)
    recent = {b for b, d in street.last_activity.items() if d >= cutoff}
    housemates = {
        bsn
        for then, homes in street.homes_then
        if then >= cutoff
        for members in homes.values()
        if members & recent
        for bsn in members
    }
    old = {b for b, d in street.last_activity.items() if d < cutoff} - recent - housemates
    if not old:
        return
    for path in sorted(home.path.rglob("*")):
        if not path.is_file() or (path.parent.name in ("brp", "sdd") and "inbox" in path.parts):
            continue
        about = path.stat()
        version = (about.st_ino, about.st_mtime_ns, about.st_size)
        seen, absent = street.searched.get(path, (None, set()))
        wanted = old - absent if seen == version else old
        if wanted:
            data = bytes_held(path)
            found = [b for b in wanted if b.encode() in data]
            assert not found, (day, str(path.relative_to(home.path)), "kept past six months")
        # A file that did not change cannot gain what it was searched for and did not hold.
        street.searched[path] = (version, (absent if seen == version else set()) | old)


def test_a_year_of_nights_keeps_every_invariant(year: tuple[Home, Street]) -> None:
    """The invariants are checked night by night while the fixture runs the year; here,
    that the year was eventful enough for them to mean something."""
    _, street = year
    assert street.signal_number > 40, street.signal_number
    expected = {CloseReason.GEEN_ACTIVITEIT, CloseReason.RESULTAAT, CloseReason.UITEENGEGAAN}
    assert expected <= street.closed_because, street.closed_because
    assert street.gone
    assert street.moves >= 5, street.moves
    assert street_overdue_forwards, "no forward went overdue: the year checked nothing"
    assert street_stale_overdue, "no case stayed open for a duty: the year checked nothing"
    assert len(set(street_calls)) >= 2, street_calls  # cases
    assert len(street_calls) >= 10, street_calls  # nights on the list
    assert street_visits, "no case was on a visit list: the year checked nothing"
    assert street_household_cases, "no signal reached the namesakes' household"
    assert max(street_waited.values(), default=0) >= 150, street_waited  # months in doubt
    assert street_moved_in_doubt, "nobody moved while a signal about them waited"
    assert street.decided, "the SDD decided no doubt on its sheet"
    assert street_parted == {NAMESAKES}, "the namesakes' household never parted with a debt"
    assert street_parted_placed, "the parted household's debt never reached its debtor"


def test_households_of_the_year_moved_between_municipalities(year: tuple[Home, Street]) -> None:
    """Moves to Zwijndrecht and back were told to both municipalities each night they
    happened (`assert_moves_told`); here, that the year had them, and letters after them."""
    assert street_moved_cases, "no case moved to another municipality: the year checked nothing"
    assert street_move_letters, "no letter followed a move: the year checked nothing"


def test_the_nights_of_the_year_replay_byte_for_byte(year: tuple[Home, Street]) -> None:
    """Moves, merges and repeats included: every fourth week's run, and the last week's,
    whose archive is kept whole reproduces; one that retention has since purged or scrubbed
    says so. (Retention scrubs every night that listed what it erases: a case open all
    year is on every night's sheet, so the last weeks are the ones surely whole.)"""
    home, _ = year
    manifests = sorted((home.path / "out").glob("*/manifest.json"))
    reproduced = 0
    for manifest in sorted({*manifests[::28], *manifests[-7::3]}):
        run_id = manifest.parent.name
        whole = (home.path / "archive" / run_id).is_dir() and not json.loads(
            manifest.read_text()
        ).get(ERASED_BY_RETENTION)
        result = home.runner.invoke(
            app, ["replay", run_id, "--home", str(home.path), "--config", str(home.config)]
        )
        if whole:
            assert result.stdout.splitlines()[-1].endswith("outputs, identical"), result.output
            reproduced += 1
        else:
            assert "not reproducible" in result.output, result.output
    assert reproduced >= 3
