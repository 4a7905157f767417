"""Letters: data stays data in Typst, PDFs are the same bytes however they are made."""

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typst
from hypothesis import given, settings
from hypothesis import strategies as st

from vsig import formats, letters, pdf, templates, werkdagen
from vsig.config import Config
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


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_any_text_stays_the_same_printable_string_in_typst(text: str) -> None:
    assert as_typst_value(text) == for_letters(text)


@settings(max_examples=40, deadline=None)
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
    assert templates.letter_types() == ("brief_lokaal_aanbod", "informatiebrief")


def sources(count: int) -> list[tuple[str, str]]:
    return [(f"= Brief {n}\n#lorem({40 + n})\n", f"{n}.pdf") for n in range(count)]


@pytest.mark.parametrize("batch", [pdf.BATCH, 40])
def test_workers_make_the_same_bytes_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    jobs = sources(6)
    for folder in ("one", "many"):
        (tmp_path / folder).mkdir()
    pdf.write_all([(s, tmp_path / "one" / n) for s, n in jobs], CREATED)
    monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    monkeypatch.setattr(pdf, "BATCH", batch)
    pdf.write_all([(s, tmp_path / "many" / n) for s, n in jobs], CREATED)
    for _, name in jobs:
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "many" / name).read_bytes()
        assert b"pdfaid:part" in one


def test_a_worker_takes_a_bounded_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "BATCH", 100)
    jobs = [("x" * size, Path(f"{size}.pdf")) for size in (30, 250, 60, 50, 40, 20)]
    batches = pdf._batches(jobs)
    assert [[len(source) for source, _ in batch] for batch in batches] == [
        [250],
        [60],
        [50, 40],
        [30, 20],
    ]


def test_a_failing_worker_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "PARALLEL_FROM", 0)
    with pytest.raises(RuntimeError, match="a PDF worker failed"):
        pdf.write_all([('#panic("kapot")', tmp_path / "x.pdf")] * 2, CREATED)


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
    assert figures["pages"] == 8  # two pages a letter
    assert figures["print_pages_per_second"] > 0


def test_the_run_benchmark_runs(tmp_path: Path) -> None:
    """A smoke test at a tiny scale; the figures come from a run by hand (README)."""
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


def letter_row(vervolg: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    debt = {"signaalpartner": "VGZ", "soort": "Zorg", "bedrag": 12_345, "signaaldatum": DAY}
    return {
        "zaak_id": "Z20261126-01-0001",
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


@settings(max_examples=40, deadline=None)
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
    source = letters.source([letters.brief(letter_row(), changed, DAY)], changed)
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


def test_letters_are_set_in_the_easy_read_typeface(config: Config) -> None:
    made = letters.render([letters.brief(letter_row(), config, DAY)], config, DAY)
    assert b"SourceSansPro" in made
    assert b"Libertinus" not in made
