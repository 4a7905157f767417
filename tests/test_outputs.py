"""The documents of a night, pinned: letters, exports, call list and feedback.

A small street over two municipalities; each household shows one kind of output, and some
residents carry names that would be markup or formulas if anything read them as such.
"""

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import openpyxl
import polars as pl
import pytest
from pypdf import PdfReader

from vsig import contracts
from vsig.io import letters, outputs
from vsig.io.uitkomsten import PAGE_WIDTH
from vsig.rules import formats

from .golden import assert_golden
from .scenario import Home, Resident, make_bsn

NIGHT = date(2026, 11, 2)  # a Monday
MARKUP = '#read("/etc/passwd") *vet* $x$ <b> ]'

MARKUP_NAME = Resident(make_bsn(1), MARKUP, date(1970, 1, 1), "3311AB", 1)
PAPENDRECHT: dict[str, Any] = {
    "postcode": "3351AB",
    "gemeentecode": "0590",
    "woonplaats": "Papendrecht",
}
UNKNOWN_LOW = Resident(make_bsn(2), "Visser", date(1971, 2, 2), huisnummer=2, **PAPENDRECHT)
FORWARDED = Resident(make_bsn(3), "de Groot", date(1972, 3, 3), huisnummer=3, **PAPENDRECHT)
HOUSEMATE = Resident(make_bsn(6), "Öztürk", date(1975, 6, 6), huisnummer=3, **PAPENDRECHT)
CHILD = Resident(make_bsn(7), "de Groot", date(2015, 7, 7), huisnummer=3, **PAPENDRECHT)
CRISIS = Resident(make_bsn(4), "Bakker", date(1973, 4, 4), "3311AB", 4, voorletters="-2+3")
KNOWN_HIGH = Resident(make_bsn(5), "van Dijk", date(1974, 5, 5), "3311AB", 5, toevoeging="2")
COUPLE = [
    Resident(make_bsn(8), "Smit", date(1960, 8, 8), "3311AB", 8, voorletters="B."),
    Resident(make_bsn(9), "Yılmaz", date(1962, 9, 9), "3311AB", 8, voorletters="C."),
]
RESIDENTS = [MARKUP_NAME, UNKNOWN_LOW, FORWARDED, HOUSEMATE, CHILD, CRISIS, KNOWN_HIGH, *COUPLE]


def night(root: Path) -> Home:
    home = Home.create(root)
    home.registers(NIGHT, RESIDENTS, known=[MARKUP_NAME.bsn, KNOWN_HIGH.bsn])
    home.signals(
        "WOONKRACHT10",
        NIGHT,
        [
            MARKUP_NAME.signal("W-1", "120,00", NIGHT),
            UNKNOWN_LOW.signal("W-2", "80.00", NIGHT),
            FORWARDED.signal(
                "W-3", "600.00", NIGHT, telefoonnummer="=cmd|' /C calc'!A0", email="@SUM(1+1)"
            ),
            CRISIS.signal("W-4", "95.00", NIGHT, crisissignaal="ja", telefoonnummer="0612345678"),
            KNOWN_HIGH.signal("W-5", "900.00", NIGHT),
            COUPLE[0].signal("W-8", "100.00", NIGHT),
            # Nobody to tell: a BSN the BRP lacks, a name nobody at the address has.
            COUPLE[0].signal("W-90", "70.00", NIGHT, bsn=make_bsn(90), achternaam="Weg"),
            UNKNOWN_LOW.signal(
                "W-91", "1.234,50", NIGHT, achternaam="Anders", geboortedatum="", crisissignaal="ja"
            ),
        ],
    )
    home.signals("EVIDES", NIGHT, [COUPLE[1].signal("E-9", "45.50", NIGHT, bsn="")])
    home.signals(
        "VATTENFALL",
        NIGHT,
        [FORWARDED.signal("V-3", "150.00", NIGHT, telefoonnummer="+31 6 1234 5678")],
    )
    result = home.run(NIGHT)
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return night(tmp_path_factory.mktemp("outputs")).path / "out" / "20261102-01"


def pdf_text(path: Path) -> str:
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages) + "\n"


@pytest.mark.parametrize(
    ("template", "case"),
    [
        ("brief_lokaal_aanbod", "Z20261102-01-0001"),
        ("informatiebrief", "Z20261102-01-0005"),
        ("kennisgeving", "Z20261102-01-0006"),
    ],
)
def test_letter_text_is_pinned(out: Path, template: str, case: str) -> None:
    letter = out / "letters" / f"{case}-{template}-1.pdf"
    assert_golden(f"letters/{template}.txt", pdf_text(letter))


@pytest.mark.parametrize(
    ("template", "case"),
    [
        ("brief_lokaal_aanbod", "Z20261102-01-0003"),
        ("informatiebrief", "Z20261102-01-0005"),
        ("kennisgeving", "Z20261102-01-0006"),  # a forward without a letter: the notice
    ],
)
def test_a_letter_tells_where_its_data_came_from_and_who_gets_it(
    out: Path, template: str, case: str
) -> None:
    """AVG art. 13 and 14: the sources, the categories of data, every recipient, how long,
    and that the privacy address is the data protection officer's, on the last page every
    letter shares; the longest letter (a local offer, a forward, its terms) has at most two
    pages of its own before it."""
    letter = out / "letters" / f"{case}-{template}-1.pdf"
    pages = [page.extract_text() for page in PdfReader(letter).pages]
    text = " ".join(pages[-1].split())
    for said in (
        "wat uw schuldeiser meldde (uw naam, adres, geboortedatum, telefoon en e-mail, en de "
        "achterstand)",
        "burgerservicenummer en huisgenoten uit de Basisregistratie Personen",
        "of u al hulp van ons krijgt",
        "Uw schuldeiser hoort alleen of wij de melding oppakten en hoe het afliep",
        "Uw gemeente krijgt uw naam, adres en de achterstand",
        "het Centraal Bureau voor de Statistiek uw burgerservicenummer en de melding",
        "Wij verwijderen alles 6 maanden na de laatste melding of het laatste contact",
        "onze functionaris gegevensbescherming, privacy@sddrechtsteden.nl",
    ):
        assert said in text, said
    assert len(pages) <= 3


def test_the_notice_of_a_forward_names_the_municipality_and_offers_nothing_itself(
    out: Path,
) -> None:
    """The forwarded resident hears from the SDD that the municipality has their data and
    will contact them by its term; the offer is the municipality's."""
    text = " ".join(pdf_text(out / "letters" / "Z20261102-01-0006-kennisgeving-1.pdf").split())
    assert "Hulp van de gemeente Papendrecht" in text
    assert "Wij geven uw gegevens door aan de gemeente Papendrecht" in text
    assert "uiterlijk 16 november 2026 contact met u op" in text
    assert "Woonkracht10 (huur)" in text  # the source, art. 14
    assert "spreekt u ons binnen" not in text  # no offer of the SDD's own


def test_two_adults_with_debts_get_a_letter_each_naming_only_their_own(out: Path) -> None:
    """One case for the household, a letter per debtor; each names its creditor."""
    first, second = (
        pdf_text(out / "letters" / f"Z20261102-01-0004-informatiebrief-{n}.pdf") for n in (1, 2)
    )
    assert_golden("letters/informatiebrief-huishouden-1.txt", first)
    assert_golden("letters/informatiebrief-huishouden-2.txt", second)
    assert "B. Smit" in first
    assert "Yılmaz" not in first
    assert "C. Yılmaz" in second
    assert "Smit" not in second
    gemeld = f"gemeld op {formats.datum(NIGHT)}"
    assert f"Woonkracht10 (huur), {gemeld} € 100,00" in first
    assert "Evides" not in first
    assert f"Evides Waterbedrijf (water), {gemeld} € 45,50" in second
    assert "Woonkracht10" not in second


@pytest.mark.parametrize(
    "name",
    [
        "cases.csv",
        "signals.csv",
        "letters/index.csv",
        "exports/gemeente/0505.csv",
        "exports/gemeente/0590.csv",
        "exports/gemeente/0482.csv",
        "exports/sdd/bellijst.csv",
        "exports/sdd/niet_gekoppeld.csv",
        "exports/termijnen.csv",
        "exports/terugmelding/WOONKRACHT10.csv",
        "exports/terugmelding/VATTENFALL.csv",
    ],
)
def test_csv_outputs_are_pinned(out: Path, name: str) -> None:
    assert_golden(f"out/{name}", (out / name).read_bytes().decode("utf-8"))


def test_markup_in_a_name_prints_as_written(out: Path) -> None:
    text = pdf_text(out / "letters" / "Z20261102-01-0001-brief_lokaal_aanbod-1.pdf")
    assert f"A. {MARKUP}" in text
    assert "root:" not in text


def test_formulas_from_the_inputs_are_neutralised(out: Path) -> None:
    export = (out / "exports" / "gemeente" / "0590.csv").read_text(encoding="utf-8")
    cells = [cell for line in export.splitlines() for cell in line.split(";")]
    assert not [c for c in cells if c.lstrip('"').startswith(("=", "+", "-", "@"))]
    assert "06 12345678 / =cmd" in export  # the phone as dialled; the formula not first
    assert "'@SUM(1+1)" in export
    calls = (out / "exports" / "sdd" / "bellijst.csv").read_text(encoding="utf-8")
    assert "'-2+3 Bakker" in calls


def test_letters_are_pdf_a_2b_and_the_same_bytes_every_run(out: Path, tmp_path: Path) -> None:
    again = night(tmp_path).path / "out" / "20261102-01"
    pdfs = sorted(p.relative_to(out) for p in (out / "letters").rglob("*.pdf"))
    # 6 letters (one for the crisis), the notice of the forward and 4 print files
    assert len(pdfs) == 11
    for pdf in pdfs:
        data = (out / pdf).read_bytes()
        assert data == (again / pdf).read_bytes(), pdf
        assert re.search(rb"pdfaid:part>2<|pdfaid:part=\"2\"", data), pdf
        assert re.search(rb"pdfaid:conformance>B<|pdfaid:conformance=\"B\"", data), pdf


def test_print_file_holds_its_letters_at_the_indexed_pages(out: Path) -> None:
    index = (out / "letters" / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    rows = [dict(zip(index[0].split(";"), line.split(";"), strict=True)) for line in index[1:]]
    batch = [r for r in rows if r["printbestand"] == "print/0505-brief_lokaal_aanbod.pdf"]
    assert [(r["pagina"], r["paginas"]) for r in batch] == [("1", "2"), ("3", "3")]
    printed = PdfReader(io.BytesIO((out / "letters" / batch[0]["printbestand"]).read_bytes()))
    for row in batch:
        first = int(row["pagina"]) - 1
        pages = printed.pages[first : first + int(row["paginas"])]
        single = PdfReader(io.BytesIO((out / "letters" / row["bestand"]).read_bytes())).pages
        assert [p.extract_text() for p in pages] == [p.extract_text() for p in single]


def test_a_letter_is_addressed_to_the_adults_debtor_first(out: Path) -> None:
    index = (out / "letters" / "index.csv").read_text(encoding="utf-8-sig")
    # Forwarded: the municipality makes the offer; the SDD's letter is the notice alone.
    assert "Z20261102-01-0006-kennisgeving-1;" in index
    assert "Z20261102-01-0006-informatiebrief" not in index
    export = (out / "exports" / "gemeente" / "0590.csv").read_text(encoding="utf-8")
    assert "A. de Groot / A. Öztürk" in export  # the child is not named


def test_an_unknown_template_value_fails_loudly(config) -> None:
    brief = letters.Brief("L", "Z", "informatiebrief", "0505", {"template": "informatiebrief"})
    with pytest.raises(jinja2.UndefinedError):
        letters.source([brief], config)


def test_cases_csv_spells_out_the_address_and_lists_the_actions_in_rule_order() -> None:
    routed = pl.DataFrame(
        {
            "zaak_id": ["Z2", "Z1"],
            "gemeentecode": ["0505", "0590"],
            "adres_sleutel": ["3311AB|12|A|2", "3351AB|7||"],
            "bekend_bij_sdd": [True, False],
            "totaal_achterstand": [123456, 5],
            "aantal_signalen": [2, 1],
            "soorten": [["Huur", "Zorg"], ["Energie"]],
            "crisis": [False, True],
            "regel": ["vanaf_500_bekend", "crisis"],
        }
    )
    actions = pl.DataFrame(
        {"zaak_id": ["Z2", "Z2"], "actie": ["bellen", "brief"], "volgorde": [2, 1]}
    )
    rows = outputs.cases_csv(routed, actions)
    assert rows.columns == list(contracts.CASES_CSV)
    assert rows.rows() == [
        ("Z1", "0590", "3351AB", "7", None, None, "nee", "0.05", 1, "Energie", "ja", "crisis", ""),
        (
            "Z2", "0505", "3311AB", "12", "A", "2", "ja", "1234.56", 2, "Huur+Zorg", "nee",
            "vanaf_500_bekend", "brief+bellen",
        ),
    ]  # fmt: skip


def test_every_page_names_its_letter_and_the_closing_never_stands_alone(out: Path) -> None:
    """Every page counts the letter's pages, its own pages name the letter, and the last
    page (the same for everyone) says why it came and what is done with the data. The
    greeting stands with the letter's last paragraph."""
    for path in sorted((out / "letters").glob("*.pdf")):
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]
        kenmerk = path.name[: len("Z20261102-01-0001")]
        for number, page in enumerate(pages, start=1):
            assert f"pagina {number} van {len(pages)}" in page
        *own, last = pages
        assert all(f"Kenmerk {kenmerk}" in page for page in own)
        assert "Kenmerk" not in last
        assert "Waarom krijgt u deze brief?" in last
        assert "Uw gegevens en uw rechten" in last
        (closing,) = [page for page in own if "Met vriendelijke groet" in page]
        assert "Wilt u een gesprek?" in closing or "Wilt u geen hulp?" in closing


TEXT_COLUMNS = (
    "zaak_id", "Zaak", "gemeentecode", "telefoonnummer", "Telefoon", "klantnummer", "Klantnummer",
    "Bewoners",
)  # fmt: skip
DATE_COLUMNS = (
    "uiterlijk", "Uiterlijk", "signaaldatum", "Gesignaleerd", "Ontstaan", "verwerkingsdatum",
    "Bellen vanaf",
)  # fmt: skip


def test_a_date_reads_one_way_in_a_file_people_open(out: Path) -> None:
    """`02-11-2026` in every date column of an export, as in the text beside it (`Brief
    (02-11-2026)`) and in the workbook."""
    iso = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
    for csv_path in sorted((out / "exports").rglob("*.csv")):
        assert not iso.search(csv_path.read_text(encoding="utf-8-sig")), csv_path
    calls = (out / "exports" / "sdd" / "bellijst.csv").read_text(encoding="utf-8-sig")
    assert "02-11-2026;05-11-2026" in calls  # bellen vanaf, uiterlijk


def test_every_export_has_a_spreadsheet_beside_it_with_typed_cells(out: Path) -> None:
    """What Excel did to the CSV: 0612… lost its zero, 0482 became 482, +31… showed the
    guard's apostrophe. In the .xlsx text is text, amounts are numbers, dates dates."""
    checked: set[str] = set()
    for csv_path in sorted((out / "exports").rglob("*.csv")):
        sheet = openpyxl.load_workbook(csv_path.with_suffix(".xlsx")).active
        assert sheet is not None
        header = [c.value for c in sheet[1]]
        csv_header = csv_path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
        assert header == csv_header, csv_path
        assert sheet.freeze_panes == "A2"
        assert (
            sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
        )
        assert all(sheet.column_dimensions[c.column_letter].width > len(c.value) for c in sheet[1])
        for row in sheet.iter_rows(min_row=2):
            for name, cell in zip(header, row, strict=True):
                if cell.value is None:
                    continue
                if name in TEXT_COLUMNS:
                    assert cell.data_type == "s", (csv_path.name, name)
                    checked.add(name)
                if name in contracts.AMOUNTS:
                    assert isinstance(cell.value, int | float), (csv_path.name, name)
                    assert cell.number_format == "#,##0.00"
                    checked.add(name)
                if name in DATE_COLUMNS:
                    assert cell.is_date, (csv_path.name, name)
                    assert cell.number_format == "dd-mm-yyyy"
                    checked.add(name)
    expected = {"Telefoon", "Klantnummer", "Bedrag", "Totaal achterstand"}
    assert expected | {"Uiterlijk", "Gesignaleerd", "Bellen vanaf"} <= checked


def test_a_spreadsheet_opening_the_csv_keeps_phones_and_codes_as_text(out: Path) -> None:
    """Dutch Excel reads a cell of digits alone as a number (0612… loses its zero, 0482
    becomes 482), and shows a guarded `'+31…`. The people's CSVs write phones grouped as
    dialled and municipalities by name."""
    phones = []
    for csv_path in sorted((out / "exports").rglob("*.csv")):
        header = csv_path.read_text("utf-8-sig").splitlines()[0].split(";")
        assert "gemeentecode" not in header, csv_path.name
        if "Telefoon" in header:
            rows = csv.DictReader(io.StringIO(csv_path.read_text("utf-8-sig")), delimiter=";")
            phones += [p for row in rows for p in (row["Telefoon"] or "").split(" / ") if p]
    assert phones
    for phone in phones:
        assert not phone.isdigit(), phone
        assert not phone.startswith(("+", "'+")), phone
    assert "06 12345678" in phones


XLSXWRITER_PADDING = 0.7109375


def test_every_sheet_people_print_prints_readable_on_as_few_pages_as_it_can(out: Path) -> None:
    """Landscape A4, the header on every page and page numbers below: the export, the call
    list and their sheets of outcomes and doubt. As few pages wide as keep the text
    readable (a sheet's width over its pages never more than a page holds at some 80 %);
    wider than one page, its first column (the case, the signal) is on every page and a
    row's pages follow one another."""
    printed = {}
    across = {}
    for workbook in sorted((out / "exports").rglob("*.xlsx")):
        for sheet in openpyxl.load_workbook(workbook).worksheets:
            if sheet.sheet_state != "visible":
                continue  # the value lists behind the drop-downs
            setup = sheet.page_setup
            name = f"{workbook.relative_to(out / 'exports')}/{sheet.title}"
            printed[name] = (
                setup.orientation, setup.paperSize, setup.fitToHeight,
                sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.print_title_rows,
                sheet.oddFooter.right.text,
            )  # fmt: skip
            # As set, without the padding XlsxWriter adds to each stored width.
            columns = sorted(sheet.column_dimensions.items(), key=lambda c: (len(c[0]), c[0]))
            widths = [d.width - XLSXWRITER_PADDING for _, d in columns]
            wide = int(setup.fitToWidth or 1)  # 1 if not said
            first, rest = widths[0], sum(widths[1:])
            assert rest / wide <= PAGE_WIDTH - first, name  # readable
            assert wide == 1 or rest / (wide - 1) > PAGE_WIDTH - first, name  # no more pages
            across[name] = (wide, sheet.print_title_cols, setup.pageOrder)
    assert {
        "gemeente/0505.xlsx/export",
        "gemeente/0505.xlsx/Uitkomsten",
        "huisbezoeken/0505.xlsx/export",
        "sdd/bellijst.xlsx/Twijfel",
    } <= set(printed)
    assert set(printed.values()) == {("landscape", 9, 0, True, "$1:$1", "pagina &P van &N")}, (
        printed
    )
    assert across["gemeente/0505.xlsx/export"][0] > 1  # 26 columns
    for wide, columns, order in across.values():
        assert (columns, order) == (("$A:$A", "overThenDown") if wide > 1 else (None, None))


def test_a_spreadsheet_shows_what_was_sent_and_never_runs_it(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "exports" / "gemeente" / "0590.xlsx").active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells)  # no formula among them
    values = " ".join(c.value for c in cells)
    assert "06 12345678 / =cmd|' /C calc'!A0" in values  # as sent, no guard needed
    calls = openpyxl.load_workbook(out / "exports" / "sdd" / "bellijst.xlsx").active
    assert calls is not None
    numbers = [c.value for row in calls.iter_rows(min_row=2) for c in row]
    assert "06 12345678" in numbers  # the leading zero kept
