"""Issue 30's hostile corpus: files that stopped every night, events counted twice, reject
files that overwrote each other, and a home whose path SQL once took for its own. Each
case states what a run does with it now: its exit code, what it processes, what it
rejects with which reason, and what stays under the home."""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from vsig import messages
from vsig.cli import app
from vsig.io import uitkomsten
from vsig.io.sources import MAX_NAME, rejects_of
from vsig.rules import events
from vsig.schemas import REQUIRED, WAARDE_FITS

from .conftest import REPO
from .scenario import Home, Resident, csv_text, make_bsn

NIGHT_1 = date(2026, 11, 2)
NIGHT_2 = NIGHT_1 + timedelta(days=7)
VSIG = str(Path(sys.executable).parent / "vsig")
runner = CliRunner()
PEOPLE = [
    Resident(make_bsn(800 + n), f"Vijand{n}", date(1970, 1, n), "3311AB", n) for n in (1, 2, 3)
]
LATER = Resident(make_bsn(810), "Later", date(1980, 2, 2), "3311AB", 9)


def first_night(home: Home) -> dict[str, str]:
    """Three cases of 600 euros, unknown to the SDD, forwarded to Dordrecht: zaak by signal."""
    home.registers(NIGHT_1, [*PEOPLE, LATER])
    rows = [p.signal(f"V-{n}", "600.00", NIGHT_1, bsn=p.bsn) for n, p in enumerate(PEOPLE, 1)]
    home.signals("VGZ", NIGHT_1, rows)
    result = home.run(NIGHT_1)
    assert result.exit_code == 0, result.output
    signals = home.out(f"{NIGHT_1:%Y%m%d}-01", "signals.csv")
    return dict(zip(signals["signaal_id"], signals["zaak_id"], strict=True))


def second_night(home: Home) -> tuple[Any, str]:
    """Night 2 with a new signal, which must be processed whatever else the inbox holds."""
    home.registers(NIGHT_2, [*PEOPLE, LATER])
    home.signals("CAK", NIGHT_2, [LATER.signal("C-1", "300.00", NIGHT_2, bsn=LATER.bsn)])
    result = home.run(NIGHT_2)
    return result, f"{NIGHT_2:%Y%m%d}-01"


def sent(home: Home, name: str = "0505.xlsx") -> Path:
    return home.path / "out" / f"{NIGHT_1:%Y%m%d}-01" / "exports" / "gemeente" / name


def explained(home: Home, zaak: str) -> dict[str, Any]:
    shown = runner.invoke(app, ["explain", zaak, "--home", str(home.path), "--json"])
    (case,) = json.loads(shown.output)["zaken"]
    return dict(case)


def filled(home: Home, entries: dict[str, dict[str, Any]]) -> Path:
    """Dordrecht's sheet of night 1 filled in as a case worker would, by case and column on
    the case's first row, and saved into the inbox."""
    book = openpyxl.load_workbook(sent(home))
    sheet = book[uitkomsten.SHEET]
    header = [c.value for c in sheet[1]]
    done = set()
    for row in sheet.iter_rows(min_row=2):
        zaak = str(row[0].value)
        for column, value in entries.get(zaak, {}).items() if zaak not in done else ():
            row[header.index(column)].value = value
        done.add(zaak)
    target = home.path / "inbox" / "uitkomsten" / "0505.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def events_of(home: Home, zaak: str) -> list[tuple[str, str, str | None]]:
    case = explained(home, zaak)
    return [(e["datum"], e["gebeurtenis"], e["waarde"]) for e in case["gebeurtenissen"]]


def processed(home: Home, run_id: str) -> list[str]:
    return home.out(run_id, "signals.csv")["signaal_id"].to_list()


# 1. A workbook that stopped every night.


def test_a_municipalitys_workbook_returned_unchanged_is_taken_and_the_night_goes_on(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    first_night(home)
    inbox = home.path / "inbox" / "uitkomsten" / "0505.xlsx"
    inbox.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sent(home), inbox)
    checked = runner.invoke(app, ["validate", str(inbox), "--config", str(home.config)])
    assert checked.exit_code == 0, checked.output
    result, run_id = second_night(home)
    assert result.exit_code == 0, result.output
    assert processed(home, run_id) == ["C-1"]
    (workbook,) = [
        i for i in home.data.manifest(run_id)["inputs"] if i["file"] == "uitkomsten/0505.xlsx"
    ]
    rows = 3 * uitkomsten.ENTRIES_PER_CASE  # three cases, each with rows for its entries
    assert (workbook["accepted"], workbook["rejected"], workbook["unused"]) == (0, 0, rows)
    assert not inbox.exists()
    # The next night's sheet, sent back unchanged too, is no file processed before.
    shutil.copyfile(home.path / "out" / run_id / "exports" / "gemeente" / "0505.xlsx", inbox)
    night_3 = NIGHT_2 + timedelta(days=1)
    home.registers(night_3, [*PEOPLE, LATER])
    assert home.run(night_3).exit_code == 0
    assert not inbox.exists()


def test_an_entry_without_its_date_or_its_event_is_rejected_and_the_rest_taken(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    zaken = first_night(home)
    filled(
        home,
        {
            zaken["V-1"]: {"Datum": datetime(2026, 11, 3)},
            zaken["V-2"]: {"Gebeurtenis": "aanmelding"},
            zaken["V-3"]: {"Datum": datetime(2026, 11, 4), "Gebeurtenis": "aanmelding"},
        },
    )
    result, run_id = second_night(home)
    assert result.exit_code == 1, result.output
    assert processed(home, run_id) == ["C-1"]
    rejects = home.out(run_id, rejects_of("uitkomsten/0505.xlsx"))
    assert sorted(zip(rejects["kolom"], rejects["reden"], strict=True)) == [
        ("Datum", messages.in_dutch(REQUIRED)),
        ("Gebeurtenis", messages.in_dutch(REQUIRED)),
    ]
    assert events_of(home, zaken["V-3"]) == [("2026-11-04", "aanmelding", None)]


def sheet_bytes(rows: list[dict[str, Any]], blank_rows: int = 0) -> bytes:
    """A sheet of outcomes as a spreadsheet program saves it: the case rows, then
    `blank_rows` rows with cells that hold nothing."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = uitkomsten.SHEET
    sheet.append(list(uitkomsten.COLUMNS))
    for row in rows:
        sheet.append([row.get(c) for c in uitkomsten.COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text as typed, `=1+1` too (openpyxl: a formula)
    for _ in range(blank_rows):
        sheet.append([None] * len(uitkomsten.COLUMNS))
    lists = book.create_sheet(uitkomsten.LISTS)
    lists[uitkomsten.ORGANISATION_CELL] = "SDD"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_entry_far_below_the_first_hundred_rows_is_read_as_text() -> None:
    """polars guessed a column's type from its first 100 rows: an entry below them was
    lost or stopped the night."""
    rows = [{"Zaak": f"Z-{n:04d}"} for n in range(1, 151)]
    rows[139] |= {"Datum": "20-11-2026", "Gebeurtenis": "resultaat", "Resultaat": "Geen hulp"}
    rows[144] |= {"Gebeurtenis": "contactpoging", "Contactsoort": "Telefoon", "Bereikt": "nee"}
    entries = uitkomsten.read(sheet_bytes(rows), "u.xlsx", "line")
    assert entries.rows.rows() == [
        (141, "Z-0140", "2026-11-20", "resultaat", "Geen hulp", "SDD"),
        (146, "Z-0145", None, "contactpoging", "Telefoon|nee|", "SDD"),
    ]
    assert entries.empty == 148


def claiming(data: bytes, ref: str) -> bytes:
    """The workbook with its sheet of outcomes claiming the range `ref` for itself."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for part in source.infolist():
            body = source.read(part)
            if part.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(
                    rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), body
                )
                assert ref.encode() in body
            out.writestr(part, body)
    return target.getvalue()


def test_a_sheet_claiming_every_cell_is_read_as_far_as_cells_are_present() -> None:
    """A 250 KB sheet claiming A1:XFD1048576 took 110 s and 6.5 GB: every row was padded
    to 16,384 cells, down to row 1,048,576."""
    rows = [{"Zaak": "Z-1", "Datum": "2026-11-20", "Gebeurtenis": "aanmelding"}]
    entries = uitkomsten.read(claiming(sheet_bytes(rows, 5), "A1:XFD1048576"), "u.xlsx", "n")
    assert entries.rows.rows() == [(2, "Z-1", "2026-11-20", "aanmelding", None, "SDD")]
    assert entries.empty == 5


def test_a_workbook_too_large_unpacked_or_too_long_is_refused_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = sheet_bytes([{"Zaak": "Z-1", "Gebeurtenis": "aanmelding"}], 20)
    monkeypatch.setattr(uitkomsten, "MAX_ROWS", 10)
    with pytest.raises(uitkomsten.WorkbookError, match="more than 10 rows"):
        uitkomsten.read(data, "u.xlsx", "n")
    monkeypatch.setattr(uitkomsten, "MAX_UNPACKED", 1000)
    with pytest.raises(uitkomsten.WorkbookError, match=r"unpacks to .* more than the 1,000"):
        uitkomsten.read(data, "u.xlsx", "n")


def test_the_archived_copy_keeps_what_was_typed() -> None:
    """The archive's copy of a workbook made `=1+1` a formula (read back as 0) and dropped
    a long link; the replay then differed."""
    typed = ["=1+1", "{=1}", "mailto:x", "https://example.org/" + "a" * 2100, "0012"]
    rows = [{"Zaak": f"Z-{n}", "Gebeurtenis": value} for n, value in enumerate(typed)]
    entries = uitkomsten.read(sheet_bytes(rows), "u.xlsx", "n")
    again = uitkomsten.read(entries.archived(), "archived", "n")
    assert again.entered["Gebeurtenis"].to_list() == typed


@given(st.lists(st.from_regex(r"[a-z0-9.]{1,12}", fullmatch=True), min_size=1))
def test_no_two_deliveries_share_a_rejects_file(stems: list[str]) -> None:
    """`0505.xlsx` and `0505.xlsx.csv` once wrote to the same rejects file."""
    kinds = (".csv", ".xlsx", ".xlsx.csv", ".csv.xlsx")
    names = {f"{stem}{kind}" for stem in stems for kind in kinds}
    places = [f"{folder}/{name}" for name in names for folder in ("uitkomsten", "signalen/VGZ")]
    assert len({rejects_of(place) for place in places}) == len(places)


# 2 and 11. A name that stopped every night, or faked a line.


def test_a_name_too_long_is_left_with_its_reason_and_the_night_goes_on(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    first_night(home)
    name = "x" * (MAX_NAME - 3) + ".csv"
    left = home.write(f"signalen/VGZ/{name}", csv_text([LATER.signal("V-9", "1.00", NIGHT_2)]))
    result, run_id = second_night(home)
    assert result.exit_code == 1, result.output
    assert processed(home, run_id) == ["C-1"]
    said = f"inbox/signalen/VGZ/{name} has a name of {MAX_NAME + 1} bytes, more than {MAX_NAME}"
    assert any(n.startswith(said) for n in home.data.manifest(run_id)["notices"])
    assert left.exists()
    args = ["--home", str(home.path), "--config", str(home.config), "--json"]
    doctor = json.loads(runner.invoke(app, ["doctor", *args]).output)
    (inbox,) = [c for c in doctor if c["name"] == "inbox"]
    assert said in inbox["detail"]
    checked = runner.invoke(app, ["validate", str(left), "--config", str(home.config), "--json"])
    assert checked.exit_code == 1
    (file_rejected,) = [f["file_rejected"] for f in json.loads(checked.output)]
    assert file_rejected.startswith(f"the file has a name of {MAX_NAME + 1} bytes")


def test_only_a_delivery_is_left_for_its_name(tmp_path: Path) -> None:
    """A note with a tab in its name is not read, as any note; a delivery named so is left
    (the night needs attention), and the files in a badly named folder are said once."""
    from vsig.config import load_config  # noqa: PLC0415
    from vsig.io.sources import unread  # noqa: PLC0415

    inbox = tmp_path / "inbox"
    for relative in ("uitkomsten/notes\tx.txt", "signalen/VGZ/a\nb.csv", "signalen/V\tG/c.csv"):
        (inbox / relative).parent.mkdir(parents=True, exist_ok=True)
        (inbox / relative).write_text("x")
    said = unread(inbox, load_config(REPO / "config" / "vsig.yaml"))
    assert [(u.path, u.left) for u in said] == [
        ("signalen/V\\tG", True),
        ("signalen/VGZ/a\\nb.csv", True),
        ("uitkomsten/notes\\tx.txt", False),
    ]


# 4. A home whose path holds a quote.


def test_every_command_works_in_a_home_whose_path_holds_quotes(
    tmp_path: Path,
) -> None:
    """ATTACH was built with an f-string: in 's-Hertogenbosch the purge's compaction failed,
    every later command exited 5, and an erased BSN stayed in the state file."""
    home = Home.create(tmp_path / '\'s-Hertogenbosch "Zuid" `é`; --')
    zaken = first_night(home)
    run_id = f"{NIGHT_1:%Y%m%d}-01"
    args = ["--home", str(home.path), "--config", str(home.config)]
    for command in (
        ["explain", zaken["V-1"]],
        ["runs"],
        ["replay", run_id],
        ["inzage", "--bsn", PEOPLE[1].bsn],
        ["report", "monitor", "--period", "2026-11"],
        ["report", "overview", "--period", "2026-11", "--date", "2026-12-01"],
        ["forget", "--bsn", PEOPLE[0].bsn, "--date", str(NIGHT_2)],
        ["purge", "--date", str(NIGHT_2)],
    ):
        result = runner.invoke(app, [*command, *args])
        assert result.exit_code == 0, (command, result.output)
    brp = home.path / "inbox" / "brp" / f"brp-{NIGHT_1:%Y%m%d}.csv"
    result = runner.invoke(app, ["validate", str(brp), "--config", str(home.config)])
    assert result.exit_code == 0, result.output
    assert not (home.path / "state" / "compact.pending").exists()
    assert PEOPLE[0].bsn.encode() not in (home.path / "state" / "vsig.duckdb").read_bytes()
    result, _ = second_night(home)
    assert result.exit_code == 0, result.output


def test_a_home_whose_path_holds_a_backslash_is_refused_with_the_reason(tmp_path: Path) -> None:
    """DuckDB takes a backslash in a path for a folder separator: the state could not be
    opened, and each command failed half-way."""
    home = Home.create(tmp_path / "a\\b")
    home.registers(NIGHT_1, PEOPLE)
    result = home.run(NIGHT_1)
    assert result.exit_code == 2
    assert "has a backslash in its path" in " ".join(result.output.split())
    assert not (home.path / "state").exists()


# 7. The same event from two files.


def test_the_same_event_in_two_files_of_one_night_is_recorded_once(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    zaken = first_night(home)
    row = {"zaak_id": zaken["V-1"], "datum": "2026-11-05", "gebeurtenis": "aanmelding"}
    called = {"zaak_id": zaken["V-3"], "datum": "2026-11-06", "gebeurtenis": "contactpoging"}
    home.write(
        "uitkomsten/a.csv",
        csv_text([row | {"waarde": ""}, called | {"waarde": "Telefoon|ja|Middag"}]),
    )
    other = row | {"zaak_id": zaken["V-2"]}
    again = [row | {"waarde": ""}, other | {"waarde": ""}, called | {"waarde": "Telefoon|J|Middag"}]
    home.write("uitkomsten/b.csv", csv_text(again))
    result, run_id = second_night(home)
    assert result.exit_code == 1, result.output
    assert events_of(home, zaken["V-1"]) == [("2026-11-05", "aanmelding", None)]
    assert events_of(home, zaken["V-2"]) == [("2026-11-05", "aanmelding", None)]
    assert events_of(home, zaken["V-3"]) == [("2026-11-06", "contactpoging", "Telefoon|ja|Middag")]
    assert not (home.path / "out" / run_id / rejects_of("uitkomsten/a.csv")).exists()
    rejected = home.out(run_id, rejects_of("uitkomsten/b.csv"))
    assert rejected.select("regelnummer", "reden").rows() == [
        ("2", events.REJECT_RECORDED),
        ("4", events.REJECT_RECORDED),
    ]


# 8. Reject files of two partners.


def test_the_rejects_of_two_partners_files_of_one_name_never_meet(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, PEOPLE)
    for partner, signaal_id in (("CAK", "A"), ("OASEN", "B"), ("VGZ", "C")):
        name = "VGZ-x.csv" if partner == "OASEN" else "x.csv"
        bad = PEOPLE[0].signal(f"{signaal_id}-1", "twintig", NIGHT_1, bsn=PEOPLE[0].bsn)
        home.write(f"signalen/{partner}/{name}", csv_text([bad]))
    assert home.run(NIGHT_1).exit_code == 1
    run_id = f"{NIGHT_1:%Y%m%d}-01"
    for relative, signaal_id in (
        ("signalen/CAK/x.csv", "A-1"),
        ("signalen/OASEN/VGZ-x.csv", "B-1"),
        ("signalen/VGZ/x.csv", "C-1"),
    ):
        rejects = home.out(run_id, rejects_of(relative))
        assert rejects["kolom"].to_list() == ["bedrag"], relative
        archived = home.path / "archive" / run_id / relative
        assert f"{signaal_id};".encode() in archived.read_bytes()


# 9. A run killed just after its commit, with a workbook.


def test_a_workbook_of_a_run_killed_after_its_commit_is_taken_and_not_refused_later(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)
    zaken = first_night(home)
    entry = {"Datum": datetime(2026, 11, 5), "Gebeurtenis": "aanmelding"}
    inbox = filled(home, {zaken["V-2"]: entry})
    home.registers(NIGHT_2, [*PEOPLE, LATER])
    env = dict(os.environ, VSIG_TEST_CRASH_AT="after-commit")
    args = ["--home", str(home.path), "--config", str(home.config)]
    killed = subprocess.run(
        [VSIG, "run", *args, "--date", str(NIGHT_2)], env=env, capture_output=True, check=False
    )
    assert killed.returncode == -9
    env.pop("VSIG_TEST_CRASH_AT")
    again = subprocess.run(
        [VSIG, "run", *args, "--date", str(NIGHT_2)], env=env, capture_output=True, check=False
    )
    assert again.returncode == 0, again.stdout
    assert not inbox.exists()
    assert events_of(home, zaken["V-2"]) == [("2026-11-05", "aanmelding", None)]
    night_3 = NIGHT_2 + timedelta(days=1)
    home.registers(night_3, [*PEOPLE, LATER])
    third = home.run(night_3)
    assert third.exit_code == 0, third.output
    rejected = home.path / "out" / f"{night_3:%Y%m%d}-01" / "exports" / "gemeente"
    assert not list(rejected.glob("*-uitkomsten-afgewezen.csv"))


# 10. Impossible dates.


def test_an_event_dated_before_its_case_was_opened_is_rejected(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    zaken = first_night(home)
    rows = [
        {"zaak_id": zaken["V-1"], "datum": "1900-01-01", "gebeurtenis": "resultaat"}
        | {"waarde": "Definitief geen contact kunnen krijgen"},
        {"zaak_id": zaken["V-2"], "datum": "0001-01-01", "gebeurtenis": "aanmelding"}
        | {"waarde": ""},
        {"zaak_id": zaken["V-3"], "datum": str(NIGHT_1), "gebeurtenis": "aanmelding"}
        | {"waarde": ""},
        {"zaak_id": zaken["V-3"], "datum": str(NIGHT_1), "gebeurtenis": "resultaat"}
        | {"waarde": ""},
    ]
    home.write("uitkomsten/u.csv", csv_text(rows))
    result, run_id = second_night(home)
    assert result.exit_code == 1, result.output
    rejects = home.out(run_id, rejects_of("uitkomsten/u.csv"))
    assert sorted(rejects.select("regelnummer", "kolom", "waarde", "reden").rows()) == [
        ("2", "datum", "1900-01-01", events.REJECT_BEFORE_OPENING),
        ("3", "datum", "0001-01-01", events.REJECT_BEFORE_OPENING),
        ("5", "waarde", None, WAARDE_FITS),  # a result without one would close the case
    ]
    assert events_of(home, zaken["V-1"]) == []
    assert events_of(home, zaken["V-3"]) == [(str(NIGHT_1), "aanmelding", None)]
    assert explained(home, zaken["V-1"])["gesloten"] is None  # not closed before it opened


# 5 and 6. Erasure that left data.

SUBJECT = Resident(make_bsn(820), "Wisbaar", date(1975, 5, 5), "3312CD", 4)
NEIGHBOUR = Resident(make_bsn(821), "Buurvrouw", date(1977, 7, 7), "3313EF", 6)
ONLY_REJECTED = Resident(make_bsn(822), "Weggestuurd", date(1979, 9, 9), "3314GH", 8)
TWIN = Resident(make_bsn(823), "Wisbaar", date(1975, 5, 5), "3312CD", 4, voorletters="B.")


REACHED = {"telefoonnummer": "0612345678", "email": "wisbaar@example.org"}
PHONED = "0611112222"
TWIN_PHONE = "0633334444"


def erasure_night(root: Path) -> tuple[Home, list[str]]:
    """One night with rows rejected for their amount: the subject's without a BSN (and its
    surname in capitals), their twin's with theirs, a neighbour's, and of someone whose
    every row was rejected; a file with the subject's BSN rejected whole for its header;
    and the subject's accepted signal."""
    home = Home.create(root)
    home.registers(NIGHT_1, [SUBJECT, NEIGHBOUR, ONLY_REJECTED, TWIN])
    home.signals("VGZ", NIGHT_1, [SUBJECT.signal("V-1", "600.00", NIGHT_1, bsn=SUBJECT.bsn)])
    nameless = SUBJECT.signal("C-1", "twintig", NIGHT_1, achternaam="WISBAAR") | REACHED
    twin = TWIN.signal("C-2", "twintig", NIGHT_1, bsn=TWIN.bsn, telefoonnummer="0655443322")
    home.signals("CAK", NIGHT_1, [nameless, twin])
    there = NEIGHBOUR.signal("O-1", "veel", NIGHT_1, telefoonnummer="0687654321")
    alone = ONLY_REJECTED.signal("O-2", "veel", NIGHT_1, telefoonnummer="0699887766")
    home.signals("OASEN", NIGHT_1, [there, alone])
    headless = SUBJECT.signal("E-1", "80.00", NIGHT_1, bsn=SUBJECT.bsn, telefoonnummer=PHONED)
    del headless["klantnummer"]  # the file is rejected whole for a column it lacks
    home.signals("EVIDES", NIGHT_1, [headless])
    # Someone else's rows with the subject's BSN's digits elsewhere: a klantnummer, accepted
    # and rejected; and a row alike the twin's, without a BSN, but with their initial.
    dotted = f"{SUBJECT.bsn[:4]}.{SUBJECT.bsn[4:6]}.{SUBJECT.bsn[6:]}"
    other = [
        NEIGHBOUR.signal("Z-1", "70.00", NIGHT_1, bsn=NEIGHBOUR.bsn, klantnummer=dotted)
        | {"voorletters": "A."},
        NEIGHBOUR.signal("Z-2", "veel", NIGHT_1, klantnummer=dotted) | {"voorletters": "A."},
        TWIN.signal("Z-3", "veel", NIGHT_1, telefoonnummer=TWIN_PHONE) | {"voorletters": "B."},
    ]
    home.signals("ZILVERENKRUIS", NIGHT_1, other)
    assert home.run(NIGHT_1).exit_code == 1
    return home, ["--home", str(home.path), "--config", str(home.config)]


def afgewezen(home: Home, args: list[str], bsn: str, target: Path) -> list[str]:
    """The creditors whose rejected rows `vsig inzage` shows the person."""
    shown = runner.invoke(app, ["inzage", "--bsn", bsn, "--out", str(target), *args])
    assert shown.exit_code == 0, shown.output
    found = json.loads(target.with_suffix(".json").read_text())["afgewezen"]
    target.unlink()
    target.with_suffix(".json").unlink()
    return [a["schuldeiser"] for a in found]


def test_forget_finds_a_persons_rejected_rows_by_name_birth_date_and_address(
    tmp_path: Path,
) -> None:
    """A rejected row without a BSN stayed in the archive with name, birth date, address
    and phone, and `inzage` said there was no data; a report read before `forget` wrote
    the erased BSN after it. A twin's row, alike but with their own BSN, is theirs."""
    # the library, as the report command calls it
    from vsig.config import load_config  # noqa: PLC0415
    from vsig.io.state import upkeep  # noqa: PLC0415
    from vsig.reporting import cbs  # noqa: PLC0415

    from .test_privacy import found_in_home  # noqa: PLC0415

    home, args = erasure_night(tmp_path)
    assert afgewezen(home, args, SUBJECT.bsn, tmp_path / "inzage.pdf") == [
        "CAK",
        "Evides Waterbedrijf",
    ]
    config = load_config(home.config)
    delivery, generation = cbs.read_delivery(
        home.data, config, date(2026, 11, 1), date(2026, 11, 30)
    )
    assert SUBJECT.bsn in json.dumps(delivery)
    subject = [SUBJECT.bsn, "WISBAAR", PHONED, *REACHED.values()]
    assert found_in_home(home.path, subject)
    forgotten = runner.invoke(app, ["forget", "--bsn", SUBJECT.bsn, *args])
    assert forgotten.exit_code == 0, forgotten.output
    late = home.path / "reports" / "monitor-2026-11.json"
    with pytest.raises(upkeep.ErasedSinceError):
        upkeep.publish(home.path / "state", generation, lambda: _write(late, json.dumps(delivery)))
    assert not late.exists()
    assert found_in_home(home.path, subject) == []
    archived = home.path / "archive" / f"{NIGHT_1:%Y%m%d}-01" / "signalen" / "CAK"
    kept = b"".join(path.read_bytes() for path in archived.iterdir())
    assert TWIN.bsn.encode() in kept  # alike, and someone else
    assert b"0655443322" in kept
    theirs = b"".join(p.read_bytes() for p in (archived.parent / "ZILVERENKRUIS").iterdir())
    assert theirs.count(b"\r\n") == 4  # the header and the three rows of someone else
    assert found_in_home(home.path, [NEIGHBOUR.geslachtsnaam, "0687654321"])


def test_forget_finds_rejected_rows_at_an_address_and_of_whom_only_rejected_rows_name(
    tmp_path: Path,
) -> None:
    """`forget --address` left the rejected rows at the address; someone whose every row
    was rejected is in no state table and in no run's BRP rows: the BRP extract in the
    inbox says who they are."""
    from .test_privacy import found_in_home  # noqa: PLC0415

    home, args = erasure_night(tmp_path)
    forgotten = runner.invoke(app, ["forget", "--address", "3313EF 6", *args])
    assert forgotten.exit_code == 0, forgotten.output
    assert found_in_home(home.path, [NEIGHBOUR.bsn, NEIGHBOUR.geslachtsnaam, "0687654321"]) == []
    assert afgewezen(home, args, ONLY_REJECTED.bsn, tmp_path / "inzage.pdf") == ["Oasen"]
    forgotten = runner.invoke(app, ["forget", "--bsn", ONLY_REJECTED.bsn, *args])
    assert forgotten.exit_code == 0, forgotten.output
    left = [ONLY_REJECTED.bsn, ONLY_REJECTED.geslachtsnaam, "0699887766"]
    assert found_in_home(home.path, left) == []
    assert found_in_home(home.path, [SUBJECT.bsn, *REACHED.values()])


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
