"""Doubt decided by a person (issue 33): the SDD's sheet "Twijfel" lists every signal that
waits, with its candidates; a choice made on it is taken the next night, a choice that is
no choice for its signal is refused in Dutch."""

import io
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

from .conftest import bytes_held
from .scenario import Home, Resident, make_bsn

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
        ("W-1", vng.OPGEPAKT, None),
        ("W-2", vng.OPGEPAKT, None),
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
    return spreadsheets.xlsx(pl.DataFrame({"x": [1]}), NIGHT_1, (cases, organisatie, rows))


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
