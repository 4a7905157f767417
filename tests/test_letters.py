"""Letters: data stays data in Typst, PDFs are the same bytes however they are made."""

import hashlib
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pikepdf
import polars as pl
import pytest
import typst
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from vsig import templates
from vsig.config import Config
from vsig.io import letters, pdf
from vsig.rules import formats, werkdagen
from vsig.text import for_letters

from .conftest import REPO

CREATED = datetime(2026, 11, 26, tzinfo=UTC)


def as_typst_value(text: str) -> object:
    """What Typst itself makes of the literal that `typst_literal` writes for `text`."""
    literal = letters.typst_literal(text)
    assert literal.startswith('#"')
    assert literal.endswith('";')
    source = f"#metadata({literal[1:-1]}) <probe>\n"
    found = typst.query(source.encode("utf-8"), "<probe>", field="value", one=True, format="json")
    return json.loads(found)


@settings(max_examples=60)
@given(st.text())
def test_any_text_stays_the_same_printable_string_in_typst(text: str) -> None:
    assert as_typst_value(text) == for_letters(text)


@settings(max_examples=40)
@given(st.text(min_size=1))
def test_any_text_a_partner_sends_makes_a_pdf_a(text: str) -> None:
    source = f"#set page(width: 12cm, height: auto)\n{letters.typst_literal(text)}\n"
    assert pdf.render(source, CREATED).startswith(b"%PDF")


@pytest.mark.parametrize(
    "text",
    ['#read("/etc/passwd")', "*vet*", "$x$", "<b>", "]", '"; #panic("x"); "', "\\u{41}", "a\nb"],
)
def test_markup_and_escapes_stay_text(text: str) -> None:
    assert as_typst_value(text) == for_letters(text)


def test_a_value_with_control_characters_or_emoji_still_makes_a_pdf_a() -> None:
    """An ESC in a surname stopped every night's letters; an emoji broke the inzage."""
    value = "Jan\x1b[31ms\x07en \u202eZ-1\U0001f642 \x9b"
    document = f"#set page(width: 12cm, height: 4cm)\nBeste {letters.typst_literal(value)}\n"
    made = pdf.render(document, CREATED)
    assert made.startswith(b"%PDF")
    assert as_typst_value(value) == "Jan[31msen Z-1? "


def test_template_names_are_the_letter_types() -> None:
    assert templates.letter_types() == ("brief_lokaal_aanbod", "informatiebrief", "kennisgeving")


PAGING = pdf.Paging(
    number=(
        "#set page(width: 10cm, height: 8cm, footer: align(right)"
        "[Blad #sys.inputs.pagina van #sys.inputs.van])"
    ),
    back="#set page(width: 10cm, height: 8cm)\nAchterblad voor iedereen. #lorem(30)\n",
)


def layouts(folder: Path, count: int, marks: int = 3) -> list[pdf.Layout]:
    """`count` documents of three parts each, the last part running over two pages, each
    part beginning with a bookmark (`marks` of them), laid out with `PAGING`."""

    def part(n: int, pages: int) -> str:
        mark = "#place(hide(heading(bookmarked: true)[Deel]))\n" if n <= marks else ""
        body = "#pagebreak()".join(f"Deel {n} blad {p}. #lorem({20 + n})" for p in range(pages))
        return f"#page[{mark}{body}]\n"

    return [
        pdf.Layout(
            partial(
                str,
                '#set document(title: "Proef")\n#set page(width: 10cm, height: 8cm)\n'
                + part(1, 1)
                + part(2, 1)
                + part(3, 2),
            ),
            folder / f"geheel-{n}.pdf",
            tuple(folder / f"{n}-{p}.pdf" for p in (1, 2, 3)),
            PAGING,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("batch", [pdf.BATCH, 5])
def test_workers_make_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    for folder in ("one", "many"):
        (tmp_path / folder).mkdir()
    alone = pdf.lay_out(layouts(tmp_path / "one", 6), CREATED)
    monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    monkeypatch.setattr(pdf, "BATCH", batch)
    told: list[int] = []
    crew = pdf.lay_out(layouts(tmp_path / "many", 6), CREATED, told.append)
    assert sorted(told) == list(range(1, 19))  # every part, none twice
    assert len(alone) == len(crew) == 24
    for path, written in alone.items():
        one = path.read_bytes()
        assert one == (tmp_path / "many" / path.name).read_bytes()
        assert written == crew[tmp_path / "many" / path.name]
        assert b"pdfaid:part" in one


def test_each_part_is_split_off_where_it_begins_numbered_and_ends_with_the_shared_page(
    tmp_path: Path,
) -> None:
    """Each part is split off where its bookmark says it begins; each page says which of
    its part's pages it is, the shared last page included; the bookmarks are gone; the
    shared page's content is in the whole once for each length of part; and every PDF is
    hashed as written."""
    (layout,) = layouts(tmp_path, 1)
    written = pdf.lay_out([layout], CREATED)
    # What was laid out once for them is let go once they are saved: a long process (the
    # nights of a test, say) keeps none of it.
    assert pdf._back.cache_info().currsize == pdf._numbers.cache_info().currsize == 0
    assert [written[p].pages for p in layout.parts] == [2, 2, 3]
    assert written[layout.whole].pages == 7
    whole = [" ".join(p.extract_text().split()) for p in PdfReader(layout.whole).pages]
    assert [page.split(". ")[0] for page in whole] == [
        "Deel 1 blad 0", "Achterblad voor iedereen",
        "Deel 2 blad 0", "Achterblad voor iedereen",
        "Deel 3 blad 0", "Deel 3 blad 1", "Achterblad voor iedereen",
    ]  # fmt: skip
    numbers = [re.search(r"Blad (\d) van (\d)", page).groups() for page in whole]  # type: ignore[union-attr]
    assert numbers == [
        ("1", "2"), ("2", "2"), ("1", "2"), ("2", "2"), ("1", "3"), ("2", "3"), ("3", "3"),
    ]  # fmt: skip
    for path, start in zip(layout.parts, (0, 2, 4), strict=True):
        alone = [" ".join(p.extract_text().split()) for p in PdfReader(path).pages]
        assert alone == whole[start : start + len(alone)]
    with pikepdf.open(layout.whole) as document:
        assert "/Outlines" not in document.Root
        backs = [document.pages[n].Contents for n in (1, 3, 6)]
        shared = {str(c[1].objgen if isinstance(c, pikepdf.Array) else c.objgen) for c in backs}
        assert len(shared) == 2  # one back page numbered "2 van 2" for both, one "3 van 3"
    for path, (_, sha) in written.items():
        assert sha == hashlib.sha256(path.read_bytes()).hexdigest()  # as written


@pytest.mark.parametrize("in_workers", [False, True])
@pytest.mark.parametrize("marks", [2, 4, 3])
def test_a_source_that_does_not_bookmark_each_part_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_workers: bool, marks: int
) -> None:
    """Too few bookmarks, one too many (on the second page of the last part), or as many
    as parts but two on one page (the second part's on the page of the first)."""
    if in_workers:
        monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    (layout,) = layouts(tmp_path, 1, marks=min(marks, 3))
    source = layout.source()
    if marks == 4:
        source = source.replace("#pagebreak()", "#pagebreak()#heading(bookmarked: true)[X]")
    if marks == 3:
        mark = "#place(hide(heading(bookmarked: true)[Deel]))"
        first, rest = source.split("]\n#page[", 1)
        source = first + mark + "]\n#page[" + rest.replace(mark, "", 1)
    layout = pdf.Layout(partial(str, source), layout.whole, layout.parts, layout.paging)
    with pytest.raises(pdf.LayoutError, match=rf"geheel-0\.pdf: the source marks {marks} begin"):
        pdf.lay_out([layout, layout], CREATED)
    assert not any(part.exists() for part in layout.parts)


def test_a_part_holds_none_of_the_other_parts(tmp_path: Path) -> None:
    (layout,) = layouts(tmp_path, 1)
    pdf.lay_out([layout], CREATED)
    part = next(iter(layout.parts))
    first = pikepdf.open(part)
    assert len(first.pages) == 2  # its own and the shared last page
    shown = "".join(page.extract_text() for page in PdfReader(part).pages)
    assert "Deel 1" in shown
    assert "Deel 2" not in shown
    assert "Deel 3" not in shown
    contents = [o for o in first.objects if isinstance(o, pikepdf.Stream) and "/Type" not in o]
    whole = pikepdf.open(layout.whole)
    assert len(contents) < len([o for o in whole.objects if isinstance(o, pikepdf.Stream)])


def pdf_a_2b(path: Path) -> None:
    """What PDF/A-2b asks that a split or a join could lose: the version, the binary
    header, the XMP that declares it (and agrees with the document info), an output intent
    with its ICC profile, a trailer /ID, and every font embedded."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-1.7\n%")
    assert all(byte > 127 for byte in data[10:14])
    with pikepdf.open(path) as document:
        with document.open_metadata() as xmp:
            assert xmp["pdfaid:part"] == "2"
            assert xmp["pdfaid:conformance"] == "B"
            assert xmp["dc:title"] == str(document.docinfo["/Title"])
            assert xmp.get(pdf.PAGE_COUNT) in (None, str(len(document.pages)))
        (intent,) = document.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert intent.DestOutputProfile.N == 3
        assert len(document.trailer.ID) == 2
        for page in document.pages:
            forms = page.Resources.get("/XObject", {}).values()
            for resources in (page.Resources, *(form.Resources for form in forms)):
                for font in resources.get("/Font", {}).values():
                    for descendant in font.get("/DescendantFonts", [font]):
                        embedded = {"/FontFile", "/FontFile2", "/FontFile3"}
                        assert embedded & set(descendant.FontDescriptor.keys())


def test_the_whole_its_parts_and_a_join_are_pdf_a_2b(tmp_path: Path) -> None:
    first, second = layouts(tmp_path, 2)
    pdf.lay_out([first, second], CREATED)
    joined = tmp_path / "samen.pdf"
    sha = pdf.concatenate([first.whole, second.whole], joined)
    assert sha == hashlib.sha256(joined.read_bytes()).hexdigest()
    assert len(PdfReader(joined).pages) == 14
    for path in (first.whole, *first.parts, joined):
        pdf_a_2b(path)


def test_a_worker_takes_a_bounded_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "BATCH", 100)
    sizes = (30, 250, 60, 50, 40, 20)
    jobs = [
        pdf.Layout(partial(str, "x"), Path(f"{size}.pdf"), (Path("x.pdf"),) * size, PAGING)
        for size in sizes
    ]
    batches = pdf._batches(jobs)
    assert [[len(layout.parts) for layout in batch] for batch in batches] == [
        [250],
        [60],
        [50, 40],
        [30, 20],
    ]


def test_a_failing_worker_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    broken = pdf.Layout(partial(str, '#panic("kapot")'), tmp_path / "x.pdf", (), PAGING)
    with pytest.raises(RuntimeError, match="a PDF worker failed"):
        pdf.lay_out([broken, broken], CREATED)


@pytest.mark.parametrize("in_workers", [False, True])
def test_a_source_that_cannot_be_made_fails_with_its_own_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_workers: bool
) -> None:
    """A template that fails (the sandbox refusing an archived one, say) is made while the
    workers run: its error reaches the run as it was raised."""
    if in_workers:
        monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)

    def refused() -> str:
        raise PermissionError("the sandbox says no")

    good, _ = layouts(tmp_path, 2)
    bad = pdf.Layout(refused, tmp_path / "slecht.pdf", good.parts, PAGING)
    with pytest.raises(PermissionError, match="the sandbox says no"):
        pdf.lay_out([good, bad], CREATED)


def test_a_last_page_that_runs_onto_a_second_is_refused(tmp_path: Path) -> None:
    """vsig adds one page: the rest of a longer one would be lost without a word."""
    (layout,) = layouts(tmp_path, 1)
    long = pdf.Paging(PAGING.number, PAGING.back + "#lorem(600)\n")
    with pytest.raises(pdf.LayoutError, match="the last page every letter shares runs to 8 pages"):
        pdf.lay_out([pdf.Layout(layout.source, layout.whole, layout.parts, long)], CREATED)


def test_the_first_failure_stops_the_letters_still_to_come(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template that fails in the first batch fails the night then, not after every
    other batch of the night was laid out."""
    monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    monkeypatch.setattr(pdf, "BATCH", 3)  # a batch per document

    def refused() -> str:
        raise PermissionError("the sandbox says no")

    good = layouts(tmp_path, 12)
    bad = pdf.Layout(refused, tmp_path / "slecht.pdf", good[0].parts, PAGING)
    with pytest.raises(PermissionError):
        pdf.lay_out([bad, *good], CREATED)
    assert sum(layout.whole.exists() for layout in good) < len(good)


def test_the_letters_benchmark_runs(tmp_path: Path) -> None:
    """A smoke test at a tiny scale; the figures themselves come from a run by hand."""
    out = tmp_path / "letters.json"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "letters.py"), "--letters", "4", "--json", str(out)],
        check=True,
        cwd=REPO,
        capture_output=True,
    )
    figures = json.loads(out.read_text())
    assert figures["letters"] == 4
    # The first four are letters with the local offer and a page of their own; the two with
    # two debts (the first also urgent) run onto a second. Each ends with the last page.
    assert figures["pages"] == 10
    assert figures["letters_per_second"] > 0
    assert figures["ms_per_letter_in_one_process"]["typst: lay out and export"] > 0


def test_the_run_benchmark_runs(tmp_path: Path) -> None:
    """A smoke test at a tiny scale; the figures come from a run by hand (docs/performance.md)."""
    out = tmp_path / "run.json"
    subprocess.run(
        [
            sys.executable, str(REPO / "bench" / "run.py"), "--scales", "3000",
            "--gemeenten", "5", "--json", str(out), "--work", str(tmp_path),
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )  # fmt: skip
    (scale,) = json.loads(out.read_text())["scales"]
    assert scale["residents"] >= 3000
    assert scale["signals"] > 0
    assert scale["run_without_letters_s"] > 0
    assert scale["floor_s"] > 0


DAY = date(2026, 11, 26)  # a Thursday


def letter_row(vervolg: list[dict[str, Any]] | None = None, crisis: bool = False) -> dict[str, Any]:
    debt = {"signaalpartner": "VGZ", "soort": "Zorg", "bedrag": 12_345, "signaaldatum": DAY}
    return {
        "zaak_id": "Z20261126-01-0001",
        "crisis": crisis,
        "actie": "informatiebrief",
        "template": "informatiebrief",
        "nummer": 1,
        "gemeentecode": "0505",
        "naam": "A. Jansen",
        "adres": ["Voorstraat 1", "3311 AB  DORDRECHT"],
        "schulden": [debt],
        "totaal": 12_345,
        "vervolg": vervolg,
    }


def in_letter(value: str) -> str:
    return letters.typst_literal(value)


@settings(max_examples=40)
@given(
    gesprek_weken=st.integers(1, 8),
    extra_dagen=st.sampled_from([0, 3]),
    crisis=st.integers(1, 60),
    maanden=st.integers(1, 120),
    reageren=st.integers(1, 60),
    team=st.sampled_from(["Team Vroegsignalering", "Team Geldzorgen"]),
    bereikbaar=st.sampled_from(["ma-vr 9-17 uur", "maandag tot en met donderdag"]),
)
def test_every_figure_in_a_letter_comes_from_the_config(
    config: Config,
    gesprek_weken: int,
    extra_dagen: int,
    crisis: int,
    maanden: int,
    reageren: int,
    team: str,
    bereikbaar: str,
) -> None:
    gesprek = 7 * gesprek_weken + extra_dagen
    changed = config.model_copy(
        update={
            "termijnen": config.termijnen.model_copy(
                update={"gesprek_dagen": gesprek, "gesprek_crisis_werkdagen": crisis}
            ),
            "retention": config.retention.model_copy(update={"months": maanden}),
            "afzender": config.afzender.model_copy(
                update={"reageren_binnen_dagen": reageren, "team": team, "bereikbaar": bereikbaar}
            ),
        }
    )
    paging = letters.paging(changed)
    assert paging is not None
    source = letters.source([letters.brief(letter_row(), changed, DAY)], changed) + paging.back
    if extra_dagen:
        term = f"{gesprek} dagen"
    else:
        term = "1 week" if gesprek_weken == 1 else f"{gesprek_weken} weken"
    reply = formats.datum(werkdagen.termijn_einde(DAY + timedelta(days=reageren)))
    for figure in (term, str(crisis), str(maanden), reply, team, bereikbaar):
        assert in_letter(figure) in source
    written_out = re.sub(r'#"(?:[^"\\]|\\.)*";', "", source)  # the template's own text
    assert not re.search(r"\d+\s*(dagen|weken|werkdagen|maanden)", written_out)


def test_the_letter_announces_the_call_its_route_booked(config: Config) -> None:
    call = {"actietype": "bellen", "wie": "sdd", "uiterlijk": date(2026, 12, 10)}
    visit = {"actietype": "doorsturen", "wie": None, "uiterlijk": date(2026, 12, 1)}
    called = letters.brief(letter_row([call]), config, DAY).data
    visited = letters.brief(letter_row([visit]), config, DAY).data
    alone = letters.brief(letter_row(), config, DAY).data
    december_10 = formats.datum(date(2026, 12, 10))
    assert called["vervolg"] == [f"Wij bellen u uiterlijk {december_10} om te vragen hoe het gaat."]
    assert "gemeente Dordrecht" in visited["vervolg"][0]
    assert f"uiterlijk {formats.datum(date(2026, 12, 1))}" in visited["vervolg"][0]
    assert alone["vervolg"] == []
    assert called["schulden"][0]["gemeld"] == formats.datum(DAY)
    assert called["reageren_voor"] == december_10  # 14 days on, a Thursday


def test_letters_are_set_in_the_easy_read_typeface(config: Config, tmp_path: Path) -> None:
    brief = letters.brief(letter_row(), config, DAY)
    letters.write(tmp_path, pl.DataFrame([letter_row()]), config, DAY)
    made = (tmp_path / f"{brief.letter_id}.pdf").read_bytes()
    assert b"SourceSansPro" in made
    assert b"Libertinus" not in made


def many_debts(zaak: str, count: int) -> dict[str, Any]:
    debt = {"signaalpartner": "VGZ", "soort": "Zorg", "bedrag": 100, "signaaldatum": DAY}
    return letter_row() | {"zaak_id": zaak, "schulden": [debt] * count, "totaal": 100 * count}


def test_each_letter_counts_its_own_pages_in_the_print_file_and_alone(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One, three and one page of their own in one print file, laid out in two parts, each
    followed by the last page: every page counts its own letter's pages, the index says
    where each starts, and the PDFs are hashed as written."""
    monkeypatch.setattr(letters, "PER_LAYOUT", 2)
    rows = [many_debts("Z-1", 1), many_debts("Z-2", 60), many_debts("Z-3", 1)]
    briefs = [letters.brief(row, config, DAY) for row in rows]
    written = letters.write(tmp_path, pl.DataFrame(rows), config, DAY)
    index = written.index.select("zaak_id", "printbestand", "pagina", "paginas").rows()
    printed = "print/0505-informatiebrief.pdf"
    assert index == [("Z-1", printed, 1, 2), ("Z-2", printed, 3, 4), ("Z-3", printed, 7, 2)]
    footers = []
    for page in PdfReader(tmp_path / printed).pages:
        text = page.extract_text()
        kenmerk = re.search(r"Kenmerk (Z-\d)", text)
        number = re.search(r"pagina (\d) van (\d)", text)
        assert number is not None
        footers.append((kenmerk.group(1) if kenmerk else "laatste", *number.groups()))
    assert footers == [
        ("Z-1", "1", "2"), ("laatste", "2", "2"),
        ("Z-2", "1", "4"), ("Z-2", "2", "4"), ("Z-2", "3", "4"), ("laatste", "4", "4"),
        ("Z-3", "1", "2"), ("laatste", "2", "2"),
    ]  # fmt: skip
    for brief, (_, _, first, pages) in zip(briefs, index, strict=True):
        alone = PdfReader(tmp_path / f"{brief.letter_id}.pdf").pages
        together = PdfReader(tmp_path / printed).pages[first - 1 : first - 1 + pages]
        assert [p.extract_text() for p in alone] == [p.extract_text() for p in together]
    on_disk = {p for p in tmp_path.rglob("*") if p.is_file()}
    assert set(written.sha256) == on_disk  # the parts laid out are gone once joined
    for path, sha in written.sha256.items():
        assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    for path in written.sha256:
        pdf_a_2b(path)


def test_letters_of_one_print_file_that_do_not_come_together_are_refused(
    config: Config, tmp_path: Path
) -> None:
    """A print file is the rows of one municipality and template in a row: rows of another
    between them would split it in two files of one name. Refused before anything is laid
    out."""
    elsewhere = many_debts("Z-2", 1) | {"gemeentecode": "0590"}
    rows = pl.DataFrame([many_debts("Z-1", 1), elsewhere, many_debts("Z-3", 1)])
    with pytest.raises(ValueError, match="must come together"):
        letters.write(tmp_path, rows, config, DAY)
    assert not list(tmp_path.iterdir())


def letter_text(config: Config, row: dict[str, Any], folder: Path) -> str:
    brief = letters.brief(row, config, DAY)
    letters.write(folder, pl.DataFrame([row]), config, DAY)
    pdf = PdfReader(folder / f"{brief.letter_id}.pdf")
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def test_a_crisis_letter_says_it_is_urgent_and_asks_for_no_reply_in_two_weeks(
    config: Config, tmp_path: Path
) -> None:
    """The crisis route books a call within 3 working days: the letter says so, says why
    it is urgent, and does not give the resident two weeks to reply."""
    call = {"actietype": "bellen", "wie": "sdd", "uiterlijk": date(2026, 12, 1)}
    urgent = letter_text(config, letter_row([call], crisis=True), tmp_path / "crisis")
    ordinary = letter_text(config, letter_row([call]), tmp_path / "gewoon")
    reply_by = formats.datum(werkdagen.termijn_einde(DAY + timedelta(days=14))).replace("\xa0", " ")
    december_1 = formats.datum(date(2026, 12, 1)).replace("\xa0", " ")
    assert "Dringend: hulp bij betalingsachterstanden" in urgent
    assert "Dit is dringend." in urgent
    assert f"Wij bellen u uiterlijk {december_1}" in urgent
    assert reply_by not in urgent
    assert "Wij horen graag" not in urgent
    assert "bel ons zo snel als u kunt" in urgent
    assert "spreekt u ons binnen 3 werkdagen nadat u zich bij ons meldt" in urgent
    assert "binnen 4 weken" not in urgent
    assert "dringend" not in ordinary.split("Wat gebeurt er nu?")[0].lower()
    assert "Wij horen graag vóór" in ordinary  # a page may break before its date
    assert reply_by in ordinary
