"""Letters to households: Jinja2 templates under `templates/`, rendered to PDF with Typst.

The routing names a letter by its template; a name without a template file is refused
when the config loads. A template writes Typst markup, and every value it puts in arrives
as a Typst string literal (`typst_literal`, Jinja2's `finalize`): a name such as
`#read("/etc/passwd")` or `*vet*` prints as written, it is never run or formatted.

The PDFs are PDF/A-2b with the processing date as creation time and only the fonts built
into Typst, so the same letters give the same bytes on any machine.
"""

import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import jinja2
import polars as pl
from jinja2.sandbox import SandboxedEnvironment

from vsig import text
from vsig.io import pdf
from vsig.routing import MESSAGE_NEEDS
from vsig.rules import werkdagen
from vsig.rules.formats import adresregels, bedrag, datum
from vsig.schemas import LETTER_INDEX
from vsig.templates import BRIEVEN, DOCUMENTEN, SUFFIX

if TYPE_CHECKING:  # the config names its templates from here: no import at run time
    from vsig.config import Config


NEXT_STEPS: Final = ("bellen", "doorsturen", "mail", "sms")
MESSAGE_WORDS: Final = {"mail": "een e-mail", "sms": "een sms"}
SOORT_IN_BRIEF: Final = {
    "Huur": "huur",
    "Energie": "energie",
    "Water": "water",
    "Zorg": "zorgverzekering",
    "CAK Zorgverzekeringen": "zorgverzekering",
}


def typst_literal(value: object) -> str:
    """A value as a Typst string literal embedded in markup: shown as text, never parsed,
    and only what PDF/A can show (`text.for_letters`).

    The closing `;` ends the embedded expression, so text after it (a full stop, say)
    stays text.
    """
    shown = text.for_letters("" if value is None else str(value))
    escaped = shown.replace("\\", "\\\\").replace('"', '\\"')
    return f'#"{escaped}";'


@cache
def _environment(templates: Path) -> jinja2.Environment:
    # Sandboxed: a replay renders the templates of an archive, which someone may have edited.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        finalize=typst_literal,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Brief:
    letter_id: str
    zaak_id: str
    template: str
    gemeentecode: str
    data: dict[str, Any]


def letters_for(
    due: pl.DataFrame,
    performed_tonight: pl.DataFrame,
    open_now: pl.DataFrame,
    households: pl.DataFrame,
    owed: pl.DataFrame,
    processing_date: date,
) -> pl.DataFrame:
    """A row for each letter `due` (`exports.letters_due`), naming its person and their own
    debts only, with the case's other actions tonight and a call it still owes from before
    (a letter after a move: `owed`, `termijnen.obligations`), undated once its day has
    passed; in print order: municipality, template, case, debtor. Each is made a `Brief`
    (`brief`) only when its part is laid out, so that a night never holds all its letters."""
    # What the letter says comes next: a call, a forward, a message; another letter is
    # no step of this one.
    steps = performed_tonight.filter(pl.col("actietype").is_in(NEXT_STEPS)).select(
        "zaak_id", "volgorde", "actietype", "wie", "uiterlijk", "gepland"
    )
    promised = (
        owed.filter(pl.col("termijn") == "bellen")
        .join(steps.filter(pl.col("actietype") == "bellen"), on="zaak_id", how="anti")
        .select(
            "zaak_id",
            volgorde=pl.lit(-1, steps.schema["volgorde"]),
            actietype=pl.lit("bellen"),
            wie="wie",
            uiterlijk=pl.when(pl.col("uiterlijk") >= processing_date).then("uiterlijk"),
            gepland=pl.lit(None, pl.Date),
        )
    )
    next_steps = (
        pl.concat([promised, steps])
        .sort("volgorde")
        .group_by("zaak_id")
        .agg(vervolg=pl.struct("actietype", "wie", "uiterlijk", "gepland"))
    )
    return (
        due.join(open_now.select("zaak_id", "gemeentecode", "crisis"), on="zaak_id")
        .join(households.select("zaak_id", adres=adresregels()), on="zaak_id")
        .join(next_steps, on="zaak_id", how="left")
        .sort("gemeentecode", "template", "zaak_id", "nummer")
    )


def brief(row: dict[str, Any], config: "Config", processing_date: date) -> Brief:
    """One letter from its row: the action (`actie`, `template`), the case and its
    municipality, the addressee (`nummer`, `naam`, `adres`), their debts (`schulden`,
    `totaal`), the case's other actions tonight (`vervolg`), after a move the day of the
    letter this one replaces (`vervangt`), and for a reminder the day of the first letter
    (`eerdere_brief`)."""
    gemeente = config.gemeente(row["gemeentecode"])
    assert gemeente is not None  # cases exist only in configured municipalities
    letter_id = f"{row['zaak_id']}-{row['actie']}-{row['nummer']}"
    data = {
        "template": row["template"],
        "datum": datum(processing_date),
        "kenmerk": row["zaak_id"],
        "crisis": row["crisis"],
        "aan": [row["naam"]],
        "aanhef": row["naam"],
        "adres": row["adres"],
        "schulden": [_schuld(s, config) for s in row["schulden"]],
        "totaal": bedrag(row["totaal"]),
        "vervolg": _vervolg_all(row["vervolg"] or [], gemeente.naam),
        "vervangt": datum(row["vervangt"]) if row.get("vervangt") else None,
        "eerdere_brief": datum(row["eerdere_brief"]) if row.get("eerdere_brief") else None,
        "reageren_voor": datum(
            werkdagen.termijn_einde(
                processing_date + timedelta(days=config.afzender.reageren_binnen_dagen)
            )
        ),
        "gemeente": {
            "naam": gemeente.naam,
            "lokaal_aanbod": gemeente.lokaal_aanbod,
            "telefoon": gemeente.contact.telefoon,
            "website": gemeente.contact.website,
        },
    }
    return Brief(letter_id, row["zaak_id"], row["template"], row["gemeentecode"], data)


def _schuld(debt: dict[str, Any], config: "Config") -> dict[str, str]:
    """A debt as the letter shows it, with the creditor who reported it (AVG art. 14: the
    resident is told where the data came from)."""
    partner = config.partner(debt["signaalpartner"])
    return {
        "schuldeiser": partner.naam if partner else debt["signaalpartner"],
        "soort": SOORT_IN_BRIEF.get(debt["soort"], debt["soort"]),
        "gemeld": datum(debt["signaaldatum"]),
        "bedrag": bedrag(debt["bedrag"]),
    }


def _vervolg_all(steps: list[dict[str, Any]], gemeente: str) -> list[str]:
    """The steps after the letter, in order; its e-mail and SMS in one sentence, the
    condition on which they go said with them (`berichten.decided`: a household that was
    in touch by then gets none)."""
    messages = [s for s in steps if s["actietype"] in MESSAGE_NEEDS]
    said = [_vervolg(step, gemeente) for step in steps if step not in messages]
    if messages:
        what = " en ".join(MESSAGE_WORDS[s["actietype"]] for s in messages)
        day = datum(min(s["gepland"] for s in messages))
        said.append(f"Hebben wij op {day} nog niets van u gehoord? Dan sturen wij u {what}.")
    return said


def _vervolg(step: dict[str, Any], gemeente: str) -> str:
    """What happens next after the letter, in the resident's words: the call or the
    municipality's contact that the same route booked tonight, with its date."""
    uiterlijk = f" uiterlijk {datum(step['uiterlijk'])}" if step["uiterlijk"] else ""
    if step["actietype"] == "bellen" and step["wie"] == "gemeente":
        return f"Een medewerker van de gemeente {gemeente} belt u{uiterlijk}."
    if step["actietype"] == "bellen":
        return f"Wij bellen u{uiterlijk} om te vragen hoe het gaat."
    return (
        f"Wij geven uw gegevens door aan de gemeente {gemeente}. Een medewerker van de "
        f"gemeente neemt{uiterlijk} contact met u op, of komt bij u langs."
    )


def source(briefs: Iterable[Brief], config: "Config", templates: Path = BRIEVEN) -> str:
    """The Typst document of these letters, one after another, from `templates`."""
    return (
        _environment(templates)
        .get_template(f"_document{SUFFIX}")
        .render(
            brieven=[b.data for b in briefs],
            afzender=config.afzender.model_dump(),
            bewaren_maanden=config.retention.months,
            gesprek_binnen=_termijn(config.termijnen.gesprek_dagen),
            gesprek_crisis_werkdagen=config.termijnen.gesprek_crisis_werkdagen,
        )
    )


BACK: Final = "_achterzijde"
"""The last page of every letter (why it came, the resident's data and rights): it names
no one, so it is laid out once and added to each letter."""
PAGE_NUMBER: Final = "_paginanummer"
"""The number of a letter's page, laid out once and laid over each page."""


def paging(config: "Config", templates: Path = BRIEVEN) -> pdf.Paging:
    """The page numbers and the last page vsig adds to every letter. Templates without
    them (a run's archive from an older vsig) are refused, as their letters would not
    mark where each begins."""
    for name in (BACK, PAGE_NUMBER):
        if not (templates / f"{name}{SUFFIX}").is_file():
            raise pdf.LayoutError(f"{templates.name}: no {name}{SUFFIX}, which every letter needs")
    environment = _environment(templates)
    return pdf.Paging(
        number=environment.get_template(f"{PAGE_NUMBER}{SUFFIX}").render(),
        back=environment.get_template(f"{BACK}{SUFFIX}").render(
            afzender=config.afzender.model_dump(), bewaren_maanden=config.retention.months
        ),
    )


def _termijn(days: int) -> str:
    """`4 weken`, `1 week` or `10 dagen`: a term as the letter says it."""
    if days % 7:
        return f"{days} dagen" if days > 1 else "1 dag"
    return f"{days // 7} weken" if days > 7 else "1 week"


def document(name: str, processing_date: date, **data: Any) -> bytes:
    """A document for one person (e.g. `inzage`) in the letters' house style, as PDF/A-2b."""
    text = _environment(DOCUMENTEN).get_template(f"{name}{SUFFIX}").render(**data)
    return pdf.render(text, _created(processing_date))


def _created(processing_date: date) -> datetime:
    return datetime(processing_date.year, processing_date.month, processing_date.day, tzinfo=UTC)


PER_LAYOUT: Final = 200
"""Letters laid out together, as one part of a print file: enough that Typst's start-up
per document is spread thin, few enough that both cores share a municipality's batch.
Fixed, so that the bytes of every PDF are the same however many cores a replay has."""
LAYOUTS: Final = ".opmaak"
"""The folder, under `letters/`, of the laid-out parts of the print files until they are
joined."""


@dataclass(frozen=True)
class LetterFiles:
    index: pl.DataFrame
    """Where each letter is, and on which page of its print file it starts."""
    sha256: dict[Path, str]
    """Every PDF written, with the hash of its bytes as written."""


def write(
    folder: Path,
    due: pl.DataFrame,
    config: "Config",
    processing_date: date,
    templates: Path = BRIEVEN,
    tick: Callable[[int, int], None] = lambda _done, _total: None,
) -> LetterFiles:
    """Write `letters/<letter_id>.pdf` and `letters/print/<gemeentecode>-<template>.pdf`
    for the letters `due` (rows as `letters_for` makes them, each print file's together),
    each letter laid out once: the print file's parts are laid out, and each letter is
    split off from its part; a print file of one part is that part as laid out, a longer
    one its parts joined. `tick` hears how many letters are written."""
    rows = due.with_columns(
        letter_id=pl.format("{}-{}-{}", "zaak_id", "actie", "nummer"),
        printbestand=pl.format("print/{}-{}.pdf", "gemeentecode", "template"),
    )
    printed = _print_files(rows)
    work = folder / LAYOUTS
    work.mkdir(parents=True, exist_ok=True)
    (folder / "print").mkdir(exist_ok=True)
    layouts = {
        name: _layouts(folder, name, members, config, processing_date, templates)
        for name, members in printed.items()
    }
    every = [layout for parts in layouts.values() for layout in parts]
    written = pdf.lay_out(every, _created(processing_date), lambda done: tick(done, rows.height))
    sha256 = {p: w.sha256 for p, w in written.items() if p.parent != work}
    for name, parts in layouts.items():
        if len(parts) > 1:
            sha256[folder / name] = pdf.concatenate([p.whole for p in parts], folder / name)
    shutil.rmtree(work)
    pages = [written[folder / f"{letter_id}.pdf"].pages for letter_id in rows["letter_id"]]
    return LetterFiles(_index(rows.with_columns(paginas=pl.Series(pages))), sha256)


def _print_files(rows: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Each print file's name and letters: the rows of one are together, taken as they are
    (a slice, no copy)."""
    runs = rows["printbestand"].rle()
    if runs.struct.field("value").is_duplicated().any():
        raise ValueError("the letters of a print file must come together")
    starts = runs.struct.field("len").cum_sum() - runs.struct.field("len")
    return {
        name: rows.slice(start, length)
        for start, (length, name) in zip(starts, runs.struct.unnest().iter_rows(), strict=True)
    }


def _layouts(
    folder: Path,
    name: str,
    members: pl.DataFrame,
    config: "Config",
    processing_date: date,
    templates: Path,
) -> list[pdf.Layout]:
    """A print file's letters in parts of `PER_LAYOUT`: laid out under `LAYOUTS` to be
    joined, or as the print file itself when they fit in one. A part's letters are made
    from their rows when its source is."""
    paged = paging(config, templates)
    parts = [members.slice(start, PER_LAYOUT) for start in range(0, members.height, PER_LAYOUT)]
    printed = folder / name
    return [
        pdf.Layout(
            partial(_source, part, config, processing_date, templates),
            printed if len(parts) == 1 else folder / LAYOUTS / f"{printed.stem}-{n:05d}.pdf",
            _Files(folder, part["letter_id"]),
            paged,
        )
        for n, part in enumerate(parts)
    ]


def _source(rows: pl.DataFrame, config: "Config", processing_date: date, templates: Path) -> str:
    letters = (brief(row, config, processing_date) for row in rows.iter_rows(named=True))
    return source(letters, config, templates)


class _Files:
    """Each letter's own PDF under `folder`, named by its id (`pdf.Parts`): made when a
    worker is sent its part, so that a night does not hold a path for every letter."""

    def __init__(self, folder: Path, letter_ids: pl.Series) -> None:
        self.folder, self.letter_ids = folder, letter_ids

    def __len__(self) -> int:
        return self.letter_ids.len()

    def __iter__(self) -> Iterator[Path]:
        return (self.folder / f"{letter_id}.pdf" for letter_id in self.letter_ids)


def _index(rows: pl.DataFrame) -> pl.DataFrame:
    """Where each letter is: its own file, its print file and the page it starts on."""
    return (
        rows.with_columns(
            bestand=pl.format("{}.pdf", "letter_id"),
            pagina=pl.col("paginas").cum_sum().over("printbestand") - pl.col("paginas") + 1,
        )
        .select(LETTER_INDEX.keys())
        .cast(LETTER_INDEX)  # type: ignore[arg-type]
        .sort("printbestand", "pagina")
    )
