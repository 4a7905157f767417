"""Outcomes back from case workers: the sheet "Uitkomsten" goes out in an organisation's
spreadsheet, comes back filled in, and its entries are the events of the next night."""

import hashlib
import io
import json
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from vsig import messages, schemas
from vsig.cli import app
from vsig.io import spreadsheets, uitkomsten
from vsig.rules import events, vng
from vsig.rules.events import REJECT_OTHER_MUNICIPALITY, REJECT_RECORDED
from vsig.schemas import WAARDE_FITS

from .golden import assert_golden
from .scenario import Home, Resident, make_bsn

NIGHT_1 = date(2026, 11, 2)
NIGHT_2 = NIGHT_1 + timedelta(days=26)
runner = CliRunner()


def debtor(number: int, gemeentecode: str = "0505") -> Resident:
    return Resident(
        make_bsn(700 + number),
        f"Schuld{number}",
        date(1970, 1, number),
        "3311AB",
        number,
        gemeentecode=gemeentecode,
    )


DORDRECHT = [debtor(n) for n in (1, 2, 3, 4)]
ZWIJNDRECHT = debtor(5, "0642")


def first_night(home: Home) -> str:
    """Five cases of 600 euros, unknown to the SDD: each forwarded to its municipality."""
    home.registers(NIGHT_1, [*DORDRECHT, ZWIJNDRECHT])
    rows = [
        p.signal(f"V-{n}", "600.00", NIGHT_1, bsn=p.bsn)
        for n, p in enumerate([*DORDRECHT, ZWIJNDRECHT], start=1)
    ]
    home.signals("VGZ", NIGHT_1, rows)
    result = home.run(NIGHT_1)
    assert result.exit_code == 0, result.output
    return f"{NIGHT_1:%Y%m%d}-01"


def case_of(home: Home, run_id: str, signaal_id: str) -> str:
    signals = home.out(run_id, "signals.csv")
    (zaak,) = signals.filter(pl.col("signaal_id") == signaal_id)["zaak_id"]
    return str(zaak)


def fill(
    workbook: Path, entries: dict[str, dict[str, Any]], extra: list[dict[str, Any]], target: Path
) -> bytes:
    """Fill the sheet as a case worker would: values in the entry columns of a case's first
    row, and rows typed below the cases (`extra`, with their own Zaak)."""
    book = openpyxl.load_workbook(workbook)
    sheet = book[uitkomsten.SHEET]
    header = [c.value for c in sheet[1]]
    filled = set()
    for row in sheet.iter_rows(min_row=2):
        zaak = str(row[0].value)
        for name, value in entries.get(zaak, {}).items() if zaak not in filled else ():
            row[header.index(name)].value = value
        filled.add(zaak)
    for cells in extra:
        sheet.append([cells.get(name) for name in header])
    book.save(target)
    return target.read_bytes()


def explained(home: Home, zaak: str) -> list[tuple[str, str, str | None]]:
    """The events `vsig explain` shows of a case."""
    shown = runner.invoke(app, ["explain", zaak, "--home", str(home.path), "--json"])
    (case,) = json.loads(shown.output)["zaken"]
    return [(e["datum"], e["gebeurtenis"], e["waarde"]) for e in case["gebeurtenissen"]]


def cbs_zaken(home: Home, target: Path) -> dict[str, Any]:
    """November's CBS delivery, its cases by their first signal."""
    args = ["--home", str(home.path), "--config", str(home.config), "--out", str(target)]
    assert runner.invoke(app, ["report", "monitor", "--period", "2026-11", *args]).exit_code == 0
    return {
        z["vroegsignalen"][0]["ID"]: z
        for lev in json.loads(target.read_text())["leveringen"]
        for z in lev["vroegsignaalzaken"]
    }


def sheet_cases(workbook: Path) -> list[str]:
    # A read-only workbook keeps its file open until closed.
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        sheet = book[uitkomsten.SHEET]
        return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    finally:
        book.close()


def test_a_filled_sheet_is_the_next_nights_events(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    run_1 = first_night(home)
    aangemeld, gesproken, geholpen, fout, elders = (
        case_of(home, run_1, f"V-{n}") for n in range(1, 6)
    )
    sent = home.path / "out" / run_1 / "exports" / "gemeente" / "0505.xlsx"
    earlier = datetime(2026, 11, 20)
    filled = fill(
        sent,
        {
            aangemeld: {"Datum": datetime(2026, 11, 3), "Gebeurtenis": "aanmelding"},
            gesproken: {
                "Datum": earlier,
                "Gebeurtenis": "contactpoging",
                "Contactsoort": "Telefoon",
                "Bereikt": "ja",
                "Dagdeel": "Middag",
            },
            geholpen: {
                "Datum": earlier,
                "Gebeurtenis": "resultaat",
                "Resultaat": "Vervolghulp en/of verwijzing financieel",
            },
            # typed by hand, past the drop-down list
            fout: {
                "Datum": earlier,
                "Gebeurtenis": "contactpoging",
                "Contactsoort": "Telefonisch",
                "Bereikt": "ja",
            },
        },
        [
            {"Zaak": gesproken, "Datum": NIGHT_2 + timedelta(days=3), "Gebeurtenis": "aanmelding"},
            {"Zaak": elders, "Datum": earlier, "Gebeurtenis": "aanmelding"},
            # the contact before the result, on a row of its own: a result follows an action
            {
                "Zaak": geholpen,
                "Datum": earlier - timedelta(days=1),
                "Gebeurtenis": "contactpoging",
                "Contactsoort": "Huisbezoek",
                "Bereikt": "ja",
            },
        ],
        tmp_path / "filled.xlsx",
    )
    inbox = home.path / "inbox" / "uitkomsten"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "dordrecht-week-48.xlsx").write_bytes(filled)
    home.registers(NIGHT_2, [*DORDRECHT, ZWIJNDRECHT])
    result = home.run(NIGHT_2)
    assert result.exit_code == 1, result.output  # rows were rejected
    run_2 = f"{NIGHT_2:%Y%m%d}-01"

    listed = sheet_cases(sent)
    first_row = {zaak: listed.index(zaak) + 2 for zaak in listed}
    rejects = home.out(run_2, "exports/gemeente/0505-uitkomsten-afgewezen.csv")
    assert rejects.select("Rij", "Kolom", "Reden").rows() == [
        (str(first_row[fout]), uitkomsten.CONTRACT_NAMES["waarde"], messages.in_dutch(WAARDE_FITS)),
        (str(len(listed) + 2), "Datum", "ligt na de verwerkingsdatum"),
        (str(len(listed) + 3), "Zaak", messages.in_dutch(REJECT_OTHER_MUNICIPALITY)),
    ]
    assert rejects["Bestand"].unique().to_list() == ["dordrecht-week-48.xlsx"]

    assert explained(home, aangemeld) == [("2026-11-03", "aanmelding", None)]
    assert explained(home, gesproken) == [("2026-11-20", "contactpoging", "Telefoon|ja|Middag")]
    assert explained(home, fout) == []
    assert explained(home, elders) == []

    # The aanmelding of 3 November: the first conversation is due by 1 December.
    deadlines = home.out(run_2, "exports/termijnen.csv")
    due = deadlines.filter(pl.col("zaak_id") == aangemeld).select("termijn", "uiterlijk")
    assert due.rows() == [("eerste_gesprek", "01-12-2026")]
    feedback = home.out(run_2, "exports/terugmelding/VGZ.csv")
    decided = feedback.filter(pl.col("resultaat").is_not_null())
    assert decided.select("signaal_id", "resultaat").rows() == [
        ("V-3", "Vervolghulp en/of verwijzing financieel")
    ]

    # The archive keeps what was read of the workbook, no names, and replays the night.
    kept = home.path / "archive" / run_2 / "uitkomsten" / "dordrecht-week-48.xlsx"
    assert uitkomsten.mentions(sent, [], ["A. Schuld1"])
    assert not uitkomsten.mentions(kept, [], ["A. Schuld1"])
    replay = runner.invoke(app, ["replay", run_2, "--home", str(home.path)])
    assert replay.exit_code == 0, replay.output

    zaken = cbs_zaken(home, tmp_path / "monitor.json")
    assert {
        "soort": "Telefoon",
        "bereikt": True,
        "datum": "2026-11-20",
        "dagdeel": "Middag",
    } in zaken["VGZ-V-2"]["contactpogingen"]

    # The same workbook again applies nothing twice: rejected whole, as the same file; and
    # saved again with one entry more, only that entry is new.
    night_3 = NIGHT_2 + timedelta(days=1)
    (inbox / "dordrecht-week-48.xlsx").write_bytes(filled)
    (inbox / "dordrecht-again.xlsx").write_bytes(
        fill(
            inbox / "dordrecht-week-48.xlsx",
            {},
            [{"Zaak": gesproken, "Datum": earlier, "Gebeurtenis": "aanmelding"}],
            tmp_path / "saved-again.xlsx",
        )
    )
    home.registers(night_3, [*DORDRECHT, ZWIJNDRECHT])
    assert home.run(night_3).exit_code == 1
    run_3 = f"{night_3:%Y%m%d}-01"
    assert explained(home, gesproken) == [
        ("2026-11-20", "contactpoging", "Telefoon|ja|Middag"),
        ("2026-11-20", "aanmelding", None),
    ]
    assert explained(home, aangemeld) == [("2026-11-03", "aanmelding", None)]
    rejects = home.out(run_3, "exports/gemeente/0505-uitkomsten-afgewezen.csv")
    whole = rejects.filter(pl.col("Bestand") == "dordrecht-week-48.xlsx")["Reden"].to_list()
    assert len(whole) == 1
    assert whole[0].startswith("hetzelfde bestand is al verwerkt (verwerking ")
    again = rejects.filter(pl.col("Bestand") == "dordrecht-again.xlsx")
    assert set(again["Reden"]) >= {messages.in_dutch(REJECT_RECORDED)}


# --- the sheet that goes out ------------------------------------------------------------

OPEN = pl.DataFrame(
    {
        "zaak_id": ["Z1", "Z2", "Z3"],
        "gemeentecode": ["0505", "0505", "0642"],
        "totaal_achterstand": [60000, 12050, 30000],
    }
)
HOUSEHOLDS = pl.DataFrame(
    {
        "zaak_id": ["Z1", "Z2", "Z3"],
        "bewoners": [["A. Eerste", "B. Tweede"], ["C. Derde"], ["D. Vierde"]],
        "straatnaam": ["Voorstraat"] * 3,
        "huisnummer": [1, 2, 3],
        "huisletter": [None, "A", None],
        "huisnummertoevoeging": [None, None, None],
        "postcode": ["3311AB"] * 3,
        "woonplaats": ["Dordrecht", "Dordrecht", "Zwijndrecht"],
    }
)
SCHULDEN = pl.DataFrame(
    {
        "zaak_id": ["Z1", "Z1", "Z2", "Z3"],
        "Schuldeiser": ["VGZ", "Evides", "Evides", "VGZ"],
        "Soort": ["Zorg", "Water", "Water", "Zorg"],
        "Klantnummer": ["1", "2", "3", "4"],
        "Bedrag": ["500,00", "100,00", "120,50", "300,00"],
    }
)
VERSTUURD = pl.DataFrame({"zaak_id": ["Z2"], "Al verstuurd": ["Informatiebrief (02-11-2026)"]})
TE_DOEN = pl.DataFrame(
    {
        "zaak_id": ["Z1", "Z2", "Z3"],
        "Nu te doen": ["Eerste gesprek voeren", "Nog een contactpoging", "Eerste aanbod doen"],
        "Door": ["Dordrecht", "SDD", "Zwijndrecht"],
        "Te doen uiterlijk": [date(2026, 12, 1), date(2027, 1, 31), date(2026, 11, 30)],
    }
)


def sheets() -> dict[str, pl.DataFrame]:
    forwarded = pl.DataFrame({"zaak_id": ["Z1", "Z3"]})
    return uitkomsten.sheets(
        OPEN, HOUSEHOLDS, SCHULDEN, VERSTUURD, TE_DOEN, forwarded, ["0505", "0642"]
    )


def test_each_organisation_gets_its_open_cases_and_names_only_where_it_acts() -> None:
    made = sheets()
    assert made["SDD"]["Zaak"].to_list() == ["Z1", "Z2", "Z3"]
    assert made["SDD"]["Bewoners"].to_list() == ["A. Eerste / B. Tweede", "C. Derde", "D. Vierde"]
    dordrecht = made["0505"]
    assert dordrecht["Zaak"].to_list() == ["Z1", "Z2"]
    # Z2 is the SDD's: its residents and debts are not the municipality's to see, its
    # address and total are.
    assert dordrecht["Bewoners"].to_list() == ["A. Eerste / B. Tweede", None]
    assert dordrecht.row(1, named=True) | {} == {
        "Zaak": "Z2",
        "Adres": "Voorstraat 2A, 3311 AB Dordrecht",
        "Bewoners": None,
        "Schulden": None,
        "Totaal achterstand": 120.5,
        "Verstuurd": "Informatiebrief (02-11-2026)",
        "Nu te doen": "Nog een contactpoging",
        "Door": "SDD",
        "Te doen uiterlijk": date(2027, 1, 31),
        **dict.fromkeys(uitkomsten.ENTRY_COLUMNS),
    }
    assert dordrecht["Schulden"][0] == "Evides (Water) 100,00 / VGZ (Zorg) 500,00"
    assert made["SDD"]["Schulden"][1] == "Evides (Water) 120,50"
    assert dordrecht.row(0, named=True)["Nu te doen"] == "Eerste gesprek voeren"
    assert made["0642"]["Zaak"].to_list() == ["Z3"]


def layout(data: bytes) -> str:
    """What a case worker meets in the workbook: sheets, columns, which cells take typing,
    and what each entry column accepts."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, lists = book[uitkomsten.SHEET], book[uitkomsten.LISTS]
    header = [c.value for c in sheet[1]]
    second = sheet[2]
    described: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in book.worksheets],
        "protected": {
            uitkomsten.SHEET: bool(sheet.protection.sheet),
            uitkomsten.LISTS: bool(lists.protection.sheet),
        },
        "filter": sheet.auto_filter.ref,
        "frozen": sheet.freeze_panes,
        "columns": {
            name: {"locked": cell.protection.locked, "format": cell.number_format}
            for name, cell in zip(header, second, strict=True)
        },
        "organisatie": lists[uitkomsten.ORGANISATION_CELL].value,
        "validations": {},
    }
    for rule in sheet.data_validations.dataValidation:
        column = header[openpyxl.utils.column_index_from_string(str(rule.sqref)[0]) - 1]
        accepted: Any = rule.formula1
        if rule.type == "list":
            cells = lists[rule.formula1.split("!")[1].replace("$", "")]
            accepted = [row[0].value for row in cells]
        described["validations"][column] = {
            "cells": str(rule.sqref),
            "type": rule.type,
            "operator": rule.operator,
            "accepts": accepted,
            "refuses_others": rule.showErrorMessage,
        }
    return json.dumps(described, indent=1, ensure_ascii=False) + "\n"


def test_the_sheet_that_goes_out_is_pinned(tmp_path: Path) -> None:
    """Golden: the columns, the locked and open cells, and the drop-down lists, which must
    hold exactly the VNG v1.2 value lists."""
    rows = sheets()["0505"]
    data = spreadsheets.xlsx(
        pl.DataFrame({"Zaak": ["Z1"]}), date(2026, 11, 26), tmp_path, (rows, "0505", None)
    )
    assert_golden("uitkomsten-0505.json", layout(data))
    described = json.loads(layout(data))["validations"]
    assert described["Contactsoort"]["accepts"] == list(vng.CONTACTSOORTEN)
    assert described["Dagdeel"]["accepts"] == list(vng.DAGDELEN)
    assert described["Resultaat"]["accepts"] == list(vng.EINDRESULTATEN)
    assert described["Beschikking"]["accepts"] == ["Toegelaten", "Afgewezen"]
    assert described["Bereikt"]["accepts"] == ["Ja", "Nee"]
    assert described["Gebeurtenis"]["accepts"] == [
        "Contactpoging", "Aanmelding", "Eerste gesprek", "Beschikking", "Resultaat"
    ]  # fmt: skip


def test_a_case_takes_several_entries_on_one_sheet_in_the_words_of_its_lists(
    tmp_path: Path,
) -> None:
    """A call that reached the resident, her aanmelding and the first conversation, all on
    one day, on the three rows of her case: each is read back as its event, in the codes of
    the CSV form."""
    sent = tmp_path / "sent.xlsx"
    sent.write_bytes(
        spreadsheets.xlsx(
            pl.DataFrame({"x": [1]}),
            date(2026, 11, 26),
            tmp_path,
            (sheets()["0505"], "0505", None),
        )
    )
    book = openpyxl.load_workbook(sent)
    sheet = book[uitkomsten.SHEET]
    header = [c.value for c in sheet[1]]
    rows = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "Z1"]
    assert len(rows) == uitkomsten.ENTRIES_PER_CASE
    assert [r[header.index("Adres")].value is not None for r in rows] == [True, False, False]
    typed = [
        {"Gebeurtenis": "Contactpoging", "Contactsoort": "Telefoon", "Bereikt": "Ja"},
        {"Gebeurtenis": "Aanmelding"},
        {"Gebeurtenis": "Eerste gesprek"},
    ]
    for row, entry in zip(rows, typed, strict=True):
        row[header.index("Datum")].value = datetime(2026, 11, 25)
        for name, value in entry.items():
            row[header.index(name)].value = value
    book.save(tmp_path / "filled.xlsx")
    entries = uitkomsten.read((tmp_path / "filled.xlsx").read_bytes(), "u.xlsx", "line")
    assert entries.rejects.is_empty()
    assert entries.rows.select("zaak_id", "gebeurtenis", "waarde").rows() == [
        ("Z1", "contactpoging", "Telefoon|Ja|"),
        ("Z1", "aanmelding", None),
        ("Z1", "eerste_gesprek", None),
    ]


# --- the sheet that comes back ----------------------------------------------------------


def test_every_reason_a_sheet_row_can_get_is_said_in_dutch() -> None:
    fields = schemas.uitkomst_fields(date(2026, 11, 26))
    reasons = {schemas.REQUIRED, REJECT_OTHER_MUNICIPALITY, REJECT_RECORDED}
    reasons |= {events.REJECT_UNKNOWN_CASE, events.REJECT_BEFORE_OPENING}
    reasons |= {events.REJECT_NO_REQUEST, events.REJECT_NOT_ACTED_ON}
    for field in fields.values():
        reasons |= {field.invalid, *(c.reason for c in field.checks)}
    untranslated = {r for r in reasons if messages.in_dutch(r) == r}
    assert not untranslated


def workbook(tmp_path: Path, *rows: dict[str, Any], organisatie: str = "0505") -> bytes:
    data = spreadsheets.xlsx(
        pl.DataFrame({"x": [1]}),
        date(2026, 11, 26),
        tmp_path,
        (sheets()[organisatie], organisatie, None),
    )
    source = tmp_path / "sent.xlsx"
    source.write_bytes(data)
    return fill(source, {}, list(rows), tmp_path / "filled.xlsx")


def test_a_sheet_reads_as_the_csv_form(tmp_path: Path) -> None:
    data = workbook(
        tmp_path,
        {
            "Zaak": "Z1",
            "Datum": "20-11-2026",
            "Gebeurtenis": "Contactpoging",  # typed by hand: the case does not matter
            "Contactsoort": "Mail",
            "Bereikt": "nee",
        },
        {
            "Zaak": "Z2",
            "Datum": datetime(2026, 11, 21),
            "Gebeurtenis": "beschikking",
            "Beschikking": "toegelaten",
            "Resultaat": "Vervolghulp en/of verwijzing",
        },
    )
    entries = uitkomsten.read(data, "u.xlsx", "line")
    assert entries.organisatie == "0505"
    below = 2 * uitkomsten.ENTRIES_PER_CASE + 2  # the first row typed below the cases
    assert entries.empty == below - 2  # the two cases' own rows, left empty
    assert entries.rows.select("line", "zaak_id", "datum", "gebeurtenis", "waarde").rows() == [
        (below, "Z1", "2026-11-20", "contactpoging", "Mail|nee|")
    ]
    assert entries.rejects.select("regelnummer", "kolom", "reden").rows() == [
        (below + 1, "Resultaat", "hoort niet bij de gebeurtenis beschikking")
    ]
    # The archive keeps what was read, and reads back the same.
    again = uitkomsten.read(entries.archived(), "u.xlsx", "line")
    assert again.rows.equals(entries.rows)
    assert again.rejects.equals(entries.rejects)
    # Erasure takes the first entry out of the archived copy; the second stays, refused.
    left = uitkomsten.read(uitkomsten.without_rows(entries.archived(), [below]), "u.xlsx", "line")
    assert left.rows.is_empty()
    assert left.rejects.equals(entries.rejects)


def test_a_workbook_broken_inside_is_refused_whole_not_a_crash(tmp_path: Path) -> None:
    """A sheet's XML cut short (a save that broke off): the parser's error is the file's."""
    sent = io.BytesIO(workbook(tmp_path))
    broken = io.BytesIO()
    with zipfile.ZipFile(sent) as whole, zipfile.ZipFile(broken, "w") as cut:
        for item in whole.infolist():
            content = whole.read(item)
            cut.writestr(
                item, content[: len(content) // 2] if "worksheets" in item.filename else content
            )
    with pytest.raises(uitkomsten.WorkbookError, match=r"cannot be read as an \.xlsx workbook"):
        uitkomsten.read(broken.getvalue(), "u.xlsx", "line")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"zaak_id;datum\n", "cannot be read as an .xlsx workbook"),
        (None, "has no sheet 'Uitkomsten'"),
    ],
)
def test_a_workbook_that_is_not_the_sheet_is_refused_whole(
    tmp_path: Path, data: bytes | None, reason: str
) -> None:
    if data is None:
        data = spreadsheets.xlsx(pl.DataFrame({"x": [1]}), date(2026, 11, 26), tmp_path)
    with pytest.raises(uitkomsten.WorkbookError, match=re.escape(reason)):
        uitkomsten.read(data, "u.xlsx", "line")


def test_the_archived_copy_of_a_sheet_keeps_its_bytes(tmp_path: Path) -> None:
    """A workbook processed before is known by the bytes of its archived copy (`ingest`
    refuses it whole when it comes again): bytes that changed with a new vsig would take
    every workbook processed before as new. Pinned; change them only on purpose."""
    entry = {"Zaak": "Z1", "Datum": "20-11-2026", "Gebeurtenis": "Contactpoging"}
    data = workbook(tmp_path, entry | {"Contactsoort": "Mail", "Bereikt": "nee"})
    archived = uitkomsten.read(data, "u.xlsx", "line").archived()
    assert hashlib.sha256(archived).hexdigest() == (
        "46aba49f4298caa167041768dea48a1146f8e64c5cdc1f2e5917aa4363636496"
    )


def test_a_name_that_is_xml_is_shown_as_sent_on_the_sheets_people_fill_in(
    tmp_path: Path,
) -> None:
    """The sheets of outcomes and of doubt show what residents and creditors are called:
    a name such as "<r>Jansen & Zn</r>", which XlsxWriter would write as XML of its own,
    reads back as it is."""
    name = "<r>Jansen & Zn</r>"
    cases = sheets()["0505"].with_columns(Bewoners=pl.lit(name))
    doubt = pl.DataFrame(
        {
            "Signaal": ["VGZ/S1"],
            **{c: [name] for c in uitkomsten.TWIJFEL_COLUMNS[1:-1]},
            "aantal_kandidaten": [1],
        }
    ).with_columns(Bedrag=pl.lit(1.0), Gesignaleerd=pl.lit(None, pl.Date))
    data = spreadsheets.xlsx(
        pl.DataFrame({"x": [1]}), date(2026, 11, 26), tmp_path, (cases, "SDD", doubt)
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    bewoners = uitkomsten.COLUMNS.index("Bewoners") + 1
    shown = {book[uitkomsten.SHEET].cell(2, bewoners).value}
    shown |= {c.value for c in book[uitkomsten.TWIJFEL][2] if isinstance(c.value, str)}
    assert shown == {name, "VGZ/S1"}
