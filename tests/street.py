"""A street in Dordrecht over several nights: each house shows one rule of vsig.

Built once per test session (`story` in conftest.py) and read by the tests of `vsig run`,
`vsig replay` and `vsig explain`. Tests must not change its home; copy it first.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from .scenario import Home, Resident, csv_text, make_bsn

NIGHT_1 = date(2026, 11, 2)  # a Monday
NIGHT_2 = date(2026, 11, 3)
NIGHT_3 = NIGHT_1 + timedelta(days=95)  # past case_close_after_days (90)


def resident(number: int, **changes: object) -> Resident:
    values: dict[str, object] = {
        "bsn": make_bsn(number),
        "geslachtsnaam": f"Huis{number}",
        "geboortedatum": date(1980, 1, 1) + timedelta(days=number),
        "postcode": "3311AB",
        "huisnummer": number,
    }
    return Resident(**(values | changes))  # type: ignore[arg-type]


KNOWN_LOW = resident(1)
UNKNOWN_LOW = resident(2)
KNOWN_HIGH = resident(3)
UNKNOWN_HIGH = resident(4)
EXACTLY_500 = resident(5)
CRISIS = resident(6)
MULTIPLE = resident(7)
ESCALATES = resident(8)
KNOWN_ESCALATES = resident(9)
REPEATS = resident(10)
MOVED = resident(11, postcode="3312CD", huisnummer=1)
DECEASED = resident(12, datum_overlijden=date(2026, 10, 1))
EXCLUDED = resident(13)
NOT_LIVE = resident(14, postcode="3371AA", huisnummer=1, gemeentecode="0523")
OUTSIDE = resident(15, postcode="4201AA", huisnummer=1, gemeentecode="0512")
GOES_QUIET = resident(16)
GETS_RESULT = resident(17)
BY_ADDRESS = resident(18)
ONE_FLAT = resident(19, toevoeging="2")
FLAT_A = resident(20, toevoeging="1")
FLAT_B = resident(21, huisnummer=20, toevoeging="2", geslachtsnaam="Boven")
TOO_OLD = resident(22)
HOUSEMATE = resident(23, huisnummer=1)  # lives with KNOWN_LOW, is the one the SDD knows
KNOWN_HIGH_NO_PHONE = resident(24)  # as KNOWN_HIGH, but nobody has a number to call
NEIGHBOURS = [resident(n, postcode="3313EF") for n in (51, 52, 53)]  # never signalled
STRANGER = resident(99, postcode="3399ZZ", huisnummer=1)  # not in the BRP

RESIDENTS = [
    KNOWN_LOW, UNKNOWN_LOW, KNOWN_HIGH, UNKNOWN_HIGH, EXACTLY_500, CRISIS, MULTIPLE,
    ESCALATES, KNOWN_ESCALATES, REPEATS, MOVED, DECEASED, EXCLUDED, NOT_LIVE, OUTSIDE,
    GOES_QUIET, GETS_RESULT, BY_ADDRESS, ONE_FLAT, FLAT_A, FLAT_B, TOO_OLD, HOUSEMATE,
    KNOWN_HIGH_NO_PHONE, *NEIGHBOURS,
]  # fmt: skip
KNOWN = [HOUSEMATE.bsn, KNOWN_HIGH.bsn, KNOWN_ESCALATES.bsn, KNOWN_HIGH_NO_PHONE.bsn]


@dataclass
class Story:
    home: Home
    results: dict[str, int]
    outputs: dict[str, str]

    def signals(self, run_id: str) -> dict[str, dict[str, str]]:
        frame = self.home.out(run_id, "signals.csv")
        return {row["signaal_id"]: row for row in frame.iter_rows(named=True)}

    def cases(self, run_id: str) -> dict[str, dict[str, str]]:
        frame = self.home.out(run_id, "cases.csv")
        return {_address(row): row for row in frame.iter_rows(named=True)}

    def state(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.home.path / "state" / "vsig.duckdb", read_only=True) as db:
            return db.execute(sql).fetchall()


def _address(row: dict[str, str]) -> str:
    parts = (row["postcode"], row["huisnummer"], row["huisletter"], row["huisnummertoevoeging"])
    return " ".join(p for p in parts if p)


def at(person: Resident) -> str:
    return " ".join(
        str(p)
        for p in (person.postcode, person.huisnummer, person.huisletter, person.toevoeging)
        if p
    )


def night_1_signals() -> dict[str, list[dict[str, str]]]:
    d = NIGHT_1
    return {
        "WOONKRACHT10": [
            KNOWN_LOW.signal("W-1", "120.00", d),
            UNKNOWN_LOW.signal("W-2", "499.99", d),
            KNOWN_HIGH.signal("W-3", "800.00", d, telefoonnummer="0612345003"),
            KNOWN_HIGH_NO_PHONE.signal("W-24", "800.00", d),
            UNKNOWN_HIGH.signal("W-4", "1.200,00", d),
            EXACTLY_500.signal("W-5", "500,00", d),
            CRISIS.signal("W-6", "100.00", d, crisissignaal="ja"),
            MULTIPLE.signal("W-7", "300.00", d),
            MOVED.signal("W-11", "90.00", d, bsn=MOVED.bsn, postcode="3311AB", huisnummer="11"),
            DECEASED.signal("W-12", "90.00", d),
            EXCLUDED.signal("W-13", "90.00", d),
            NOT_LIVE.signal("W-14", "90.00", d),
            OUTSIDE.signal("W-15", "90.00", d),
            GOES_QUIET.signal("W-16", "100.00", d),
            GETS_RESULT.signal("W-17", "100.00", d),
            BY_ADDRESS.signal("W-18", "100.00", d, achternaam="Anders", geboortedatum=""),
            ONE_FLAT.signal("W-19", "100.00", d, huisnummertoevoeging="", geboortedatum=""),
            FLAT_A.signal("W-20", "100.00", d, huisnummertoevoeging="", geboortedatum=""),
            STRANGER.signal("W-99", "100.00", d),
        ],
        "VATTENFALL": [MULTIPLE.signal("V-7", "250.00", d)],
        "EVIDES": [ESCALATES.signal("E-8", "300.00", d)],
        "VGZ": [
            KNOWN_ESCALATES.signal("Z-9", "200.00", d, klantnummer="POLIS-9"),
            REPEATS.signal("Z-10", "300.00", d, klantnummer="POLIS-10"),
            TOO_OLD.signal("Z-22", "150.00", d, ontstaansdatum=(d - timedelta(120)).isoformat()),
        ],
    }


def night_2_signals() -> dict[str, list[dict[str, str]]]:
    d = NIGHT_2
    return {
        "OASEN": [ESCALATES.signal("O-8", "400.00", d)],
        "VGZ": [
            KNOWN_ESCALATES.signal(
                "Z-9b", "650.00", d, klantnummer="POLIS-9", telefoonnummer="0612345009"
            ),
            REPEATS.signal("Z-10b", "300.00", d, klantnummer="POLIS-10"),
        ],
    }


def build_story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    gemeenten = Home.default_config()["gemeenten"]
    for gemeente in gemeenten:
        if gemeente["code"] == "0523":
            gemeente["startdatum"] = date(2027, 1, 1)
    home = Home.create(tmp_path_factory.mktemp("story"), gemeenten=gemeenten)
    unsafe = ("--address", "3311 ab 13", "--reason", "onveilig adres", "--date", str(NIGHT_1))
    added = home.vsig("uitsluiten", "toevoegen", *unsafe)
    assert added.exit_code == 0, added.output
    results: dict[str, int] = {}
    outputs: dict[str, str] = {}

    def run(day: date) -> None:
        result = home.run(day)
        summary_line = result.stdout.splitlines()[0] if result.stdout else result.stderr
        run_id = summary_line.split()[1]
        results[run_id] = result.exit_code
        outputs[run_id] = result.stdout + result.stderr

    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    for partner, rows in night_1_signals().items():
        home.signals(partner, NIGHT_1, rows)
    run(NIGHT_1)
    run(NIGHT_1)  # the same night again: nothing new
    home.registers(NIGHT_2, RESIDENTS, KNOWN)
    for partner, rows in night_2_signals().items():
        home.signals(partner, NIGHT_2, rows)
    first = Story(home, results, outputs).cases("20261102-01")
    result_case = first[at(GETS_RESULT)]["zaak_id"]
    home.write(
        "uitkomsten/uitkomsten-20261103.csv",
        csv_text(
            [
                {
                    "zaak_id": result_case,
                    "datum": "2026-11-03",
                    "gebeurtenis": "resultaat",
                    "waarde": "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
                },
                {"zaak_id": "Z-ONBEKEND", "datum": "2026-11-03", "gebeurtenis": "aanmelding"},
                # The SDD's second attempt after the letter: the case may then close silently.
                {
                    "zaak_id": first[at(GOES_QUIET)]["zaak_id"],
                    "datum": "2026-11-03",
                    "gebeurtenis": "contactpoging",
                    "waarde": "Huisbezoek|nee|Middag",
                },
            ],
            ["zaak_id", "datum", "gebeurtenis", "waarde"],
        ),
    )
    run(NIGHT_2)
    home.registers(NIGHT_3, RESIDENTS, KNOWN)
    home.signals(
        "WOONKRACHT10",
        NIGHT_3,
        [
            GOES_QUIET.signal("W-16b", "100.00", NIGHT_3, klantnummer="NIEUW-16"),
            GETS_RESULT.signal("W-17b", "100.00", NIGHT_3, klantnummer="NIEUW-17"),
            NOT_LIVE.signal("W-14b", "90.00", NIGHT_3),
        ],
    )
    run(NIGHT_3)
    return Story(home, results, outputs)
