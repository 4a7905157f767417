"""Doubt decided by a person (issue 33): the SDD's sheet "Twijfel" lists every signal that
waits, with its candidates; a choice made on it is taken the next night, a choice that is
no choice for its signal is refused in Dutch."""

import io
import json
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from dateutil.relativedelta import relativedelta
from typer.testing import CliRunner

from vsig.cli import app
from vsig.io import spreadsheets, uitkomsten
from vsig.rules import keuzes, vng
from vsig.rules.formats import datum

from .conftest import bytes_held
from .scenario import Home, Resident, csv_text, make_bsn

NIGHT_1 = date(2027, 1, 4)
NIGHT_2 = NIGHT_1 + timedelta(days=1)
NIGHT_3 = NIGHT_2 + timedelta(days=1)
DOWNSTAIRS = Resident(make_bsn(931), "Jansen", date(1960, 1, 1), "3320AA", 3, toevoeging="1")
UPSTAIRS = Resident(make_bsn(932), "Jansen", date(1990, 2, 2), "3320AA", 3, toevoeging="2")
ELSEWHERE = Resident(make_bsn(933), "Pietersen", date(1970, 3, 3), "3320AA", 5)
REGISTER = [DOWNSTAIRS, UPSTAIRS, ELSEWHERE]
UNSURE = {"bsn": "", "geboortedatum": "", "huisnummertoevoeging": ""}


def waiting_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "signaalpartner": ["VGZ", "VGZ"],
            "signaal_id": ["S1", "S2"],
            "kandidaten": [["A", "B"], None],
        },
        schema_overrides={"kandidaten": pl.List(pl.String)},
    )


def made(*rows: tuple[str, str, int]) -> pl.DataFrame:
    """(signaal_id, keuze, regelnummer) from the first workbook."""
    return pl.DataFrame(
        [
            {"signaalpartner": "VGZ", "signaal_id": s, "keuze": k, "regelnummer": n, "bron": 0}
            for s, k, n in rows
        ]
    )


def test_a_choice_names_a_candidate_of_its_signal_or_nobody() -> None:
    accepted, rejects = keuzes.decided(
        waiting_frame(),
        made(
            ("S1", "Kandidaat 7", 1),  # no choice for S1: the next one counts
            ("S1", "Kandidaat 2", 2),
            ("S1", "Kandidaat 1", 3),  # the first choice for a signal counts
            ("S2", "Geen inwoner", 4),
            ("S9", "Niemand van deze", 5),  # waits for nothing
        ),
    )
    assert accepted.select("signaal_id", "gekozen", "besluit").rows() == [
        ("S1", "B", None),
        ("S2", None, vng.GEEN_INWONER),
    ]
    assert rejects.select("regelnummer", "reden").rows() == [
        (1, "is not a candidate of this signal, which has 2"),
        (3, keuzes.REJECT_CHOSEN_TWICE),
        (5, keuzes.REJECT_NOT_WAITING),
    ]
    _, rejects = keuzes.decided(
        waiting_frame(),
        made(("S1", "Kandidaat 3", 2), ("S2", "Kandidaat 1", 3), ("S1", "Kandidaat 0", 4)),
    )
    assert rejects.select("regelnummer", "reden").rows() == [
        (2, "is not a candidate of this signal, which has 2"),
        (3, keuzes.REJECT_NO_CANDIDATES),
        (4, "is not a candidate of this signal, which has 2"),  # not the last one
    ]
    assert keuzes.choices(2) == ["Kandidaat 1", "Kandidaat 2", "Niemand van deze", "Geen inwoner"]


def test_the_night_of_a_choice_keeps_only_the_chosen_and_judges_the_same_again() -> None:
    """A replay reads what the night kept (`chosen_only`): the chosen candidate in their
    place, the others gone, no description; every choice of that night is judged the same
    against it, a second one for a candidate not chosen too."""
    waiting = waiting_frame().with_columns(
        kandidaten_omschrijving=pl.Series([["a", "b"], None], dtype=pl.List(pl.String))
    )
    night = made(("S1", "Kandidaat 2", 1), ("S1", "Kandidaat 1", 2), ("S2", "Geen inwoner", 3))
    accepted, rejects = keuzes.decided(waiting, night)
    kept = keuzes.chosen_only(waiting, accepted)
    assert kept.select("kandidaten", "kandidaten_omschrijving").rows() == [
        ([None, "B"], None),
        (None, None),
    ]
    again, refused_again = keuzes.decided(kept, night)
    assert again.rows() == accepted.rows()
    assert refused_again.rows() == rejects.rows()
    assert rejects["reden"].to_list() == [keuzes.REJECT_CHOSEN_TWICE]


def state(home: Home, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        return db.execute(sql).fetchall()


def twijfel(home: Home, run_id: str) -> list[dict[str, object]]:
    path = home.path / "out" / run_id / "exports" / "sdd" / "bellijst.xlsx"
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book[uitkomsten.TWIJFEL].iter_rows(values_only=True)
        header = list(next(rows))
        return [dict(zip(header, row, strict=True)) for row in rows]
    finally:
        book.close()


def choose(home: Home, run_id: str, choices: dict[str, str], name: str) -> None:
    """Fill in the sheet "Twijfel" of the night's workbook as a person at the SDD would, and
    send the workbook back."""
    sent = home.path / "out" / run_id / "exports" / "sdd" / "bellijst.xlsx"
    book = openpyxl.load_workbook(sent)
    sheet = book[uitkomsten.TWIJFEL]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        signal = row[header.index("Signaal")].value
        if signal in choices:
            row[header.index("Keuze")].value = choices[signal]
    inbox = home.path / "inbox" / "uitkomsten"
    inbox.mkdir(parents=True, exist_ok=True)
    book.save(inbox / name)


def test_a_signal_in_doubt_is_decided_by_a_choice_on_the_sheet_the_next_night(
    tmp_path: Path,
) -> None:
    """`J. Jansen` without addition, BSN or birth date fits both flats of number 3: it waits,
    on the sheet with both candidates. The SDD chooses the second: the next night it is
    matched to them, gets a case, a route and a letter in their name, and the sheet no
    longer lists it. A choice of a third candidate for another signal is refused in Dutch,
    and that signal stays on the sheet until a person says it is about no resident."""
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, REGISTER, [UPSTAIRS.bsn])
    home.signals(
        "WOONKRACHT10",
        NIGHT_1,
        [
            DOWNSTAIRS.signal("W-1", "900.00", NIGHT_1, **UNSURE),
            ELSEWHERE.signal("W-2", "400.00", NIGHT_1, achternaam="Pieterson", **UNSURE),
        ],
    )
    assert home.run(NIGHT_1).exit_code == 0
    run_1 = f"{NIGHT_1:%Y%m%d}-01"
    assert state(home, "SELECT signaal_id, status, zaak_id FROM signalen ORDER BY 1") == [
        ("W-1", vng.NOG_NIET_OPGEPAKT, None),
        ("W-2", vng.NOG_NIET_OPGEPAKT, None),
    ]
    sheet = {row["Signaal"]: row for row in twijfel(home, run_1)}
    first = sheet["WOONKRACHT10/W-1"]
    assert first["Kandidaten"] == (
        "Kandidaat 1: A. Jansen, geboren 1960, Voorstraat 3-1, 3320 AA Dordrecht\n"
        "Kandidaat 2: A. Jansen, geboren 1990, Voorstraat 3-2, 3320 AA Dordrecht"
    )
    assert (first["Waarom twijfel"], first["Keuze"]) == ("meer dan een persoon past", None)
    assert str(sheet["WOONKRACHT10/W-2"]["Kandidaten"]).startswith("Kandidaat 1: A. Pietersen")

    choose(
        home,
        run_1,
        {"WOONKRACHT10/W-1": "Kandidaat 2", "WOONKRACHT10/W-2": "kandidaat 3"},
        "bellijst-sdd.xlsx",
    )
    home.registers(NIGHT_2, REGISTER, [UPSTAIRS.bsn])
    assert home.run(NIGHT_2).exit_code == 1  # a choice was refused
    run_2 = f"{NIGHT_2:%Y%m%d}-01"
    ((persoon, regel, zaak, run),) = state(
        home,
        "SELECT persoon_bsn, match_regel, zaak_id, run_id FROM signalen WHERE signaal_id = 'W-1'",
    )
    assert (persoon, regel, run) == (UPSTAIRS.bsn, keuzes.BY_CHOICE, run_1)
    assert zaak is not None
    index = home.out(run_2, "letters/index.csv")
    assert index["zaak_id"].to_list() == [zaak]
    letter = home.letter(run_2, index["bestand"].item())
    assert "Voorstraat 3-2" in letter
    assert "Voorstraat 3-1" not in letter
    assert state(
        home, "SELECT signaal_id, keuze, organisatie, bestand, regelnummer FROM keuzes"
    ) == [("W-1", "Kandidaat 2", "SDD", "bellijst-sdd.xlsx", 2)]
    refused = home.out(run_2, "exports/sdd/SDD-uitkomsten-afgewezen.csv")
    assert refused.select("Rij", "Kolom", "Waarde", "Reden").rows() == [
        ("3", "Twijfel!Keuze", "Kandidaat 3", "is geen kandidaat van dit signaal, dat er 1 heeft")
    ]
    assert [row["Signaal"] for row in twijfel(home, run_2)] == ["WOONKRACHT10/W-2"]
    told = CliRunner().invoke(
        app, ["explain", "W-1", "--home", str(home.path), "--config", str(home.config)]
    )
    said = " ".join(told.output.split())
    assert "by keuze to the BRP address huisnummer 3-2, 3320 AA" in said
    assert "SDD chose 'Kandidaat 2' on the sheet Twijfel of bellijst-sdd.xlsx row 2" in said

    choose(home, run_2, {"WOONKRACHT10/W-2": "Geen inwoner"}, "bellijst-sdd-2.xlsx")
    home.registers(NIGHT_3, REGISTER, [UPSTAIRS.bsn])
    assert home.run(NIGHT_3).exit_code == 0
    run_3 = f"{NIGHT_3:%Y%m%d}-01"
    assert state(home, "SELECT status, zaak_id FROM signalen WHERE signaal_id = 'W-2'") == [
        (vng.GEEN_INWONER, None)
    ]
    feedback = home.out(run_3, "exports/terugmelding/WOONKRACHT10.csv")
    assert feedback.select("signaal_id", "status").rows() == [("W-2", vng.GEEN_INWONER)]
    assert twijfel(home, run_3) == []
    told = CliRunner().invoke(
        app, ["explain", "W-2", "--home", str(home.path), "--config", str(home.config)]
    )
    assert f"to nobody: {keuzes.CHOSEN}: Geen inwoner" in " ".join(told.output.split())
    replayed = CliRunner().invoke(
        app, ["replay", run_2, "--home", str(home.path), "--config", str(home.config)]
    )
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output


@pytest.mark.parametrize(
    "subject", [("--bsn", DOWNSTAIRS.bsn), ("--address", "3320 AA 3")], ids=["bsn", "address"]
)
def test_forgetting_a_candidate_erases_the_signal_from_every_night_it_waited(
    tmp_path: Path, subject: tuple[str, str]
) -> None:
    """A signal that waits is read, archived and listed on the sheet every night: forgetting
    one of its candidates, or the address its creditor wrote, erases it from all of them,
    workbook and archived state alike."""
    home = Home.create(tmp_path)
    for day in (NIGHT_1, NIGHT_2):
        home.registers(day, REGISTER, [UPSTAIRS.bsn])
        if day == NIGHT_1:
            home.signals("WOONKRACHT10", day, [DOWNSTAIRS.signal("W-1", "900.00", day, **UNSURE)])
        assert home.run(day).exit_code == 0
    run_2 = f"{NIGHT_2:%Y%m%d}-01"
    assert [row["Signaal"] for row in twijfel(home, run_2)] == ["WOONKRACHT10/W-1"]
    forgot = CliRunner().invoke(
        app,
        ["forget", *subject, "--home", str(home.path), "--config", str(home.config)],
    )
    assert forgot.exit_code == 0, forgot.output
    assert state(home, "SELECT count(*) FROM signalen") == [(0,)]
    held = [
        str(path.relative_to(home.path))
        for path in sorted(home.path.rglob("*"))
        if path.is_file()
        and "inbox" not in path.parts
        and DOWNSTAIRS.bsn.encode() in bytes_held(path)
    ]
    assert held == []
    assert not (home.path / "out" / run_2 / "exports" / "sdd" / "bellijst.xlsx").exists()


def sheet_with_doubt(organisatie: str) -> bytes:
    """A workbook as vsig writes it, with two signals in doubt on the sheet "Twijfel"."""
    rows = pl.DataFrame(
        {
            "Signaal": ["VGZ/S1", "VGZ/S2"],
            **{c: [None, None] for c in uitkomsten.TWIJFEL_COLUMNS[1:-1]},
            "aantal_kandidaten": [2, 0],
        },
        schema_overrides=dict.fromkeys(uitkomsten.TWIJFEL_COLUMNS[1:-1], pl.String),
    )
    cases = pl.DataFrame(schema=dict.fromkeys(uitkomsten.CASE_COLUMNS, pl.String))
    with tempfile.TemporaryDirectory() as scratch:
        return spreadsheets.xlsx(
            pl.DataFrame({"x": [1]}), NIGHT_1, Path(scratch), (cases, organisatie, rows)
        )


def filled(data: bytes, *rows: tuple[str | None, str]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[uitkomsten.TWIJFEL]
    for number, (signal, choice) in enumerate(rows, start=2):
        sheet.cell(number, 1, signal)
        sheet.cell(number, len(uitkomsten.TWIJFEL_COLUMNS), choice)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_sheet_gives_each_signal_its_own_choices_and_reads_them_back_in_any_case() -> None:
    data = sheet_with_doubt("SDD")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[uitkomsten.TWIJFEL]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists == {
        "K2": '"Kandidaat 1,Kandidaat 2,Niemand van deze,Geen inwoner"',
        "K3": '"Niemand van deze,Geen inwoner"',
    }
    assert sheet.protection.sheet
    assert sheet["K2"].protection.locked is False
    assert sheet["J2"].protection.locked is True
    back = uitkomsten.read(
        filled(
            data,
            ("VGZ/S1", " kandidaat  2 "),
            ("VGZ/S2", "NIEMAND VAN DEZE"),
            ("S3", "Geen inwoner"),
            ("VGZ/S4", "Kandidaat 0"),
        ),
        "terug.xlsx",
        "regel",
    )
    assert back.keuzes.rows() == [
        (2, "VGZ", "S1", "Kandidaat 2"),
        (3, "VGZ", "S2", "Niemand van deze"),
    ]
    assert back.rejects.select("regelnummer", "kolom", "reden").rows() == [
        (4, "Twijfel!Signaal", keuzes.REJECT_UNNAMED),
        (5, "Twijfel!Keuze", keuzes.REJECT_NOT_LISTED),
    ]
    # What the archive keeps of it reads back the same, without a name.
    again = uitkomsten.read(back.archived(), "archief.xlsx", "regel")
    assert again.keuzes.rows() == back.keuzes.rows()
    theirs = uitkomsten.read(
        filled(sheet_with_doubt("0505"), ("VGZ/S1", "Kandidaat 1")), "x.xlsx", "regel"
    )
    assert theirs.keuzes.is_empty()
    assert theirs.rejects["reden"].to_list() == [keuzes.REJECT_NOT_SDD]


def test_a_signal_that_waited_six_months_goes_from_every_night_that_listed_it(
    tmp_path: Path,
) -> None:
    """Retention takes a waiting signal six months after it came in, from the state and from
    the nights that listed it; tonight's sheet never lists what tonight's purge takes, and
    the households it named as candidates keep their own case and phone number."""
    home = Home.create(tmp_path)
    phone = {"telefoonnummer": "0611111111"}
    home.registers(NIGHT_1, REGISTER, [UPSTAIRS.bsn])
    home.signals(
        "WOONKRACHT10",
        NIGHT_1,
        [
            DOWNSTAIRS.signal("W-1", "900.00", NIGHT_1, **UNSURE, **phone),
            UPSTAIRS.signal("W-3", "900.00", NIGHT_1, bsn=UPSTAIRS.bsn, **phone),
        ],
    )
    assert home.run(NIGHT_1).exit_code == 0
    called = NIGHT_1 + timedelta(days=14)  # the call the letter promised is on the list
    home.registers(called, REGISTER, [UPSTAIRS.bsn])
    assert home.run(called).exit_code == 0
    run_2 = f"{called:%Y%m%d}-01"
    later = NIGHT_1 + relativedelta(months=6) + timedelta(days=1)
    home.registers(later, REGISTER, [UPSTAIRS.bsn])
    home.signals("VGZ", later, [UPSTAIRS.signal("V-1", "300.00", later, bsn=UPSTAIRS.bsn, **phone)])
    assert home.run(later).exit_code == 0
    run_3 = f"{later:%Y%m%d}-01"
    assert state(home, "SELECT signaal_id FROM signalen WHERE signaal_id = 'W-1'") == []
    assert twijfel(home, run_3) == []
    slice_2 = pl.read_parquet(home.path / "archive" / run_2 / "state" / "signalen.parquet")
    assert "W-1" not in slice_2["signaal_id"].to_list()
    assert not (home.path / "out" / run_2 / "exports" / "sdd" / "bellijst.xlsx").exists()
    assert (home.path / "out" / run_3 / "exports" / "sdd" / "bellijst.xlsx").exists()
    # The creditor's number for the waiting signal was never shown beside a household's:
    # the household's own stays on the call list that named it.
    assert home.out(run_2, "exports/sdd/bellijst.csv")["Telefoon"].to_list() == ["06 11111111"]


PARENT = Resident(make_bsn(941), "Tweeling", date(1962, 2, 2), "3320AA", 7, voorletters="T.")
CHILD = Resident(make_bsn(942), "Tweeling", date(2001, 3, 3), "3320AA", 7, voorletters="T.")
NEWCOMER = Resident(make_bsn(943), "Nieuw", date(1985, 5, 5), "3320AA", 7)
PARTED = NIGHT_1 + timedelta(days=60)
"""The night the namesakes are found apart, neither at number 7 any more."""
APART = [replace(PARENT, huisnummer=9), replace(CHILD, huisnummer=11), NEWCOMER]


def parted_household(
    tmp_path: Path, contact: date | None = None, parted: date = PARTED, repeat: bool = False
) -> Home:
    """`T. Tweeling`, parent and grown child at number 7, without BSN or birth date: the
    household gets the letter (and, on the night `contact`, a call that reaches nobody).
    On the night `parted` the parent lives at 9, the child at 11, and a newcomer at 7, whose
    own creditor signals them that night (and, with `repeat`, the namesakes' creditor
    writes to the parent alone, by BSN, about the same debt)."""
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, [PARENT, CHILD])
    written = {"bsn": "", "geboortedatum": "", "voorletters": "T."}
    home.signals("VGZ", NIGHT_1, [PARENT.signal("V-1", "300.00", NIGHT_1, **written)])
    assert home.run(NIGHT_1).exit_code == 0
    ((regel, zaak),) = state(home, "SELECT match_regel, zaak_id FROM signalen")
    assert (regel, zaak is not None) == ("naam_huishouden", True)
    if contact:
        home.registers(contact, [PARENT, CHILD])
        call = {
            "zaak_id": str(zaak),
            "datum": str(contact),
            "gebeurtenis": "contactpoging",
        }
        home.write(
            f"uitkomsten/uitkomsten-{contact:%Y%m%d}.csv",
            csv_text([call | {"waarde": "Telefoon|nee|"}]),
        )
        assert home.run(contact).exit_code == 0
    home.registers(parted, APART)
    home.signals("EVIDES", parted, [NEWCOMER.signal("E-1", "250.00", parted, bsn=NEWCOMER.bsn)])
    if repeat:
        again = APART[0].signal("V-2", "300.00", parted, bsn=PARENT.bsn, klantnummer="K-V-1")
        home.signals("VGZ", parted, [again])
    assert home.run(parted).exit_code == 0
    return home


def test_a_household_that_parted_leaves_its_debt_on_the_sheet_for_a_person_to_place(
    tmp_path: Path,
) -> None:
    """Issue 33: following either namesake would lay the debt on one of them, and staying at
    number 7 would leave it with the newcomer. The signal leaves its case (closed as
    parted) and waits on the sheet with where each of them lives now; the newcomer gets a
    case and a letter of their own. The SDD chooses the parent: the next night the debt is
    theirs, at their address, with a letter in their name."""
    home = parted_household(tmp_path)
    run_2 = f"{PARTED:%Y%m%d}-01"
    assert state(
        home,
        "SELECT zaak_id, adres_sleutel, niet_gekoppeld, status, laatste_activiteit "
        "FROM signalen WHERE signaal_id = 'V-1'",
    ) == [(None, None, keuzes.UITEEN, vng.NOG_NIET_OPGEPAKT, NIGHT_1)]
    assert state(home, "SELECT adres_sleutel, sluitreden FROM zaken ORDER BY geopend") == [
        ("3320AA|7||", "uiteengegaan"),
        ("3320AA|7||", None),
    ]
    told = CliRunner().invoke(
        app, ["explain", "V-1", "--home", str(home.path), "--config", str(home.config)]
    )
    waits = f"waiting for a person: {keuzes.UITEEN} (its case last active {NIGHT_1})"
    assert waits in " ".join(told.output.split())
    (row,) = twijfel(home, run_2)
    assert row["Signaal"] == "VGZ/V-1"
    assert row["Waarom twijfel"] == keuzes.UITEEN
    assert row["Kandidaten"] == (
        "Kandidaat 1: T. Tweeling, geboren 1962, Voorstraat 9, 3320 AA Dordrecht\n"
        "Kandidaat 2: T. Tweeling, geboren 2001, Voorstraat 11, 3320 AA Dordrecht"
    )
    index = home.out(run_2, "letters/index.csv")
    (newcomers,) = index["zaak_id"].to_list()
    assert "Nieuw" in home.letter(run_2, index["bestand"].item())
    export = home.path / "out" / run_2 / "exports" / "gemeente" / "0505.csv"
    assert set(home.out(run_2, "exports/gemeente/0505.csv")["Zaak"]) == {newcomers}
    assert "Tweeling" not in export.read_text(encoding="utf-8-sig")

    replayed = CliRunner().invoke(
        app, ["replay", run_2, "--home", str(home.path), "--config", str(home.config)]
    )
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output

    choose(home, run_2, {"VGZ/V-1": "Kandidaat 1"}, "bellijst-sdd.xlsx")
    night_3 = PARTED + timedelta(days=1)
    home.registers(night_3, APART)
    assert home.run(night_3).exit_code == 0
    run_3 = f"{night_3:%Y%m%d}-01"
    ((persoon, adres, zaak),) = state(
        home, "SELECT persoon_bsn, adres_sleutel, zaak_id FROM signalen WHERE signaal_id = 'V-1'"
    )
    assert (persoon, adres) == (PARENT.bsn, "3320AA|9||")
    index = home.out(run_3, "letters/index.csv")
    assert index["zaak_id"].to_list() == [zaak]
    letter = home.letter(run_3, index["bestand"].item())
    assert "Voorstraat 9" in letter
    assert "Voorstraat 11" not in letter
    assert twijfel(home, run_3) == []
    # Six months after the household's case was last active, the child, whom the debt no
    # longer names, is gone from every night that case kept (the parent's case lives on).
    purged = CliRunner().invoke(
        app,
        [
            *("purge", "--home", str(home.path), "--config", str(home.config)),
            *("--date", str(NIGHT_1 + relativedelta(months=6) + timedelta(days=1))),
        ],
    )
    assert purged.exit_code == 0, purged.output
    held = [p for p in home.path.rglob("*") if p.is_file() and CHILD.bsn.encode() in bytes_held(p)]
    assert {p.relative_to(home.path).parts[:2] for p in held} == {("inbox", "brp")}


def test_a_debt_whose_household_parted_is_kept_six_months_from_its_case_s_last_activity(
    tmp_path: Path,
) -> None:
    """Waiting is no activity: retention counts a parted household's debt from the last
    activity of the case it left (a call a month on), as the household's letter promised;
    not from the night it came in, nor from the night they parted."""
    called = NIGHT_1 + timedelta(days=30)
    home = parted_household(tmp_path, contact=called)
    runner = CliRunner()

    def purge(day: date) -> list[tuple[object, ...]]:
        purged = runner.invoke(
            app,
            ["purge", "--home", str(home.path), "--config", str(home.config), "--date", str(day)],
        )
        assert purged.exit_code == 0, purged.output
        return state(home, "SELECT signaal_id FROM signalen WHERE signaal_id = 'V-1'")

    told = runner.invoke(
        app,
        ["inzage", "--bsn", CHILD.bsn, "--home", str(home.path), "--config", str(home.config)],
    )
    assert told.exit_code == 0, told.output
    (asked,) = (home.path / "inzage").glob("*.json")
    (melding,) = json.loads(asked.read_text(encoding="utf-8"))["meldingen"]
    assert melding["verwijderd_uiterlijk"] == datum(called + relativedelta(months=6))
    later = NIGHT_1 + relativedelta(months=6) + timedelta(days=1)
    home.registers(later, APART)
    assert home.run(later).exit_code == 0
    assert [row["Signaal"] for row in twijfel(home, f"{later:%Y%m%d}-01")] == ["VGZ/V-1"]
    assert purge(later) == [("V-1",)]
    assert purge(called + relativedelta(months=6)) == [("V-1",)]
    assert purge(called + relativedelta(months=6) + timedelta(days=1)) == []
    # Only the register itself, its extracts in the inbox, still holds the parent.
    held = [p for p in home.path.rglob("*") if p.is_file() and PARENT.bsn.encode() in bytes_held(p)]
    assert {p.relative_to(home.path).parts[:2] for p in held} == {("inbox", "brp")}


def chosen_upstairs(tmp_path: Path) -> tuple[Home, str]:
    """`J. Jansen` waits two nights with both flats as candidates; the SDD chooses the
    upstairs one on the second night's sheet, which the third night takes. The home, and
    the run the signal last waited in."""
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, REGISTER, [UPSTAIRS.bsn])
    home.signals("WOONKRACHT10", NIGHT_1, [DOWNSTAIRS.signal("W-1", "900.00", NIGHT_1, **UNSURE)])
    assert home.run(NIGHT_1).exit_code == 0
    home.registers(NIGHT_2, REGISTER, [UPSTAIRS.bsn])
    assert home.run(NIGHT_2).exit_code == 0
    waited = f"{NIGHT_2:%Y%m%d}-01"
    choose(home, waited, {"WOONKRACHT10/W-1": "Kandidaat 2"}, "bellijst-sdd.xlsx")
    home.registers(NIGHT_3, REGISTER, [UPSTAIRS.bsn])
    assert home.run(NIGHT_3).exit_code == 0
    return home, waited


def test_a_candidate_not_chosen_goes_from_every_night_when_the_signal_would_have(
    tmp_path: Path,
) -> None:
    """`J. Jansen` waits two nights with both flats as candidates, then the SDD chooses the
    upstairs one. The night that took the choice keeps only them; six months after the
    signal came in, downstairs (whom nothing else names) is gone from the nights it waited
    too, their BSN and the sheet's description of them, as if nobody had chosen."""
    home, waited = chosen_upstairs(tmp_path)
    taken = pl.read_parquet(
        home.path / "archive" / f"{NIGHT_3:%Y%m%d}-01" / "state" / "signalen.parquet"
    ).filter(pl.col("signaal_id") == "W-1")
    assert taken.select("kandidaten", "kandidaten_omschrijving").rows() == [
        ([None, UPSTAIRS.bsn], None)
    ]
    described = b"Voorstraat 3-1, 3320 AA"

    def held(text: bytes) -> set[tuple[str, ...]]:
        found = [p for p in home.path.rglob("*") if p.is_file() and text in bytes_held(p)]
        return {p.relative_to(home.path).parts[:2] for p in found}

    assert ("out", waited) in held(described)
    later = NIGHT_1 + relativedelta(months=6) + timedelta(days=1)
    purged = CliRunner().invoke(
        app,
        [
            *("purge", "--home", str(home.path), "--config", str(home.config)),
            *("--date", str(later)),
        ],
    )
    assert purged.exit_code == 0, purged.output
    # Left: the register, and, as for every signal matched at number 3, the night that
    # matched it keeps the register rows of that building (the residents compared).
    found = [
        p for p in home.path.rglob("*") if p.is_file() and DOWNSTAIRS.bsn.encode() in bytes_held(p)
    ]
    building = Path("archive", f"{NIGHT_3:%Y%m%d}-01", "registers", "brp.parquet")
    assert {p.relative_to(home.path) for p in found if "inbox" not in p.parts} == {building}
    assert held(described) == set()
    assert state(home, "SELECT persoon_bsn FROM signalen WHERE signaal_id = 'W-1'") == [
        (UPSTAIRS.bsn,)
    ]


def test_the_night_they_part_the_creditor_may_name_the_debtor(tmp_path: Path) -> None:
    """The night the namesakes are found apart, their creditor writes to the parent alone
    about the same debt: that signal is the parent's, in a case at their address, and not
    taken for a repeat of the debt that left its case to wait."""
    home = parted_household(tmp_path, repeat=True)
    ((persoon, adres, status, zaak),) = state(
        home,
        "SELECT persoon_bsn, adres_sleutel, status, zaak_id FROM signalen WHERE signaal_id = 'V-2'",
    )
    assert (persoon, adres, status) == (PARENT.bsn, "3320AA|9||", vng.NOG_NIET_OPGEPAKT)
    assert zaak is not None


def test_a_night_shows_no_parted_debt_its_own_purge_deletes(tmp_path: Path) -> None:
    """The namesakes part on the night their case has been silent six months (still owed an
    attempt after its letter): their debt goes with tonight's purge, as the letter
    promised, so tonight's sheet does not list it, and the workbook outlives the purge."""
    late = NIGHT_1 + relativedelta(months=6) + timedelta(days=1)
    home = parted_household(tmp_path, parted=late)
    run = f"{late:%Y%m%d}-01"
    assert (home.path / "out" / run / "exports" / "sdd" / "bellijst.xlsx").is_file()
    assert twijfel(home, run) == []
    assert state(home, "SELECT signaal_id FROM signalen WHERE signaal_id = 'V-1'") == []


def test_forgetting_a_candidate_not_chosen_takes_them_from_the_nights_the_signal_waited(
    tmp_path: Path,
) -> None:
    """The SDD chose upstairs for `J. Jansen`; downstairs asks to be forgotten. The nights
    the signal waited listed them as a candidate, on the sheet and in their archived state:
    nothing of them is left anywhere under the home, and upstairs keeps the debt."""
    home, _ = chosen_upstairs(tmp_path)
    after = NIGHT_3 + timedelta(days=1)
    home.registers(after, REGISTER, [UPSTAIRS.bsn])
    assert home.run(after).exit_code == 0
    forgot = CliRunner().invoke(
        app,
        ["forget", "--bsn", DOWNSTAIRS.bsn, "--home", str(home.path), "--config", str(home.config)],
    )
    assert forgot.exit_code == 0, forgot.output
    found = [
        str(p.relative_to(home.path))
        for p in sorted(home.path.rglob("*"))
        if p.is_file() and DOWNSTAIRS.bsn.encode() in bytes_held(p)
    ]
    assert found == []
    # The nights from the choice on keep the signal, the chosen person's debt.
    for night in (NIGHT_3, after):
        kept = home.path / "archive" / f"{night:%Y%m%d}-01" / "state" / "signalen.parquet"
        assert pl.read_parquet(kept)["signaal_id"].to_list() == ["W-1"], night
    described = b"Voorstraat 3-1, 3320 AA"  # as the sheet "Twijfel" described them
    assert [p for p in home.path.rglob("*") if p.is_file() and described in bytes_held(p)] == []
    assert state(home, "SELECT persoon_bsn FROM signalen WHERE signaal_id = 'W-1'") == [
        (UPSTAIRS.bsn,)
    ]
