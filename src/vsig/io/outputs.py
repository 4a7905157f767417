"""A night's output folder: the run's own files, then the documents people act on.

signals.csv, cases.csv            every signal and every routed case of the night
rejects/<inbox path>.csv          each input file's rejected rows, with the reason
letters/                          the letters, their print files and index.csv
berichten/index.csv               the e-mails and SMS booked tonight, with their text
exports/gemeente/<code>.csv       each municipality's cases, a row per debt when forwarded
exports/huisbezoeken/<code>.csv   the home visits each municipality owes, in route order
exports/sdd/bellijst.csv          the SDD's worklist: every call due or overdue
exports/sdd/berichten.csv         the messages that did not arrive: try another way
exports/sdd/niet_gekoppeld.csv    signals no household could be found for
exports/sdd/schuldhulpverlening.csv  signals of residents already in schuldhulpverlening
exports/termijnen.csv             what the open cases owe that is due soon or late
exports/terugmelding/<partner>.csv  each creditor's feedback
"""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Final

import polars as pl

from vsig.config import Config
from vsig.contracts import CASES_CSV, SIGNALS_CSV
from vsig.io import berichten, letters, spreadsheets, uitkomsten
from vsig.io.files import crash_point
from vsig.io.ingest import Ingested
from vsig.io.sources import WORKBOOK, rejects_of
from vsig.night.tonight import Tonight
from vsig.rules import exports, formats
from vsig.rules.events import SDD


def write(
    folder: Path,
    tonight: Tonight,
    messages: pl.DataFrame,
    config: Config,
    day: date,
    letter_templates: Path,
    stage: Callable[[str], AbstractContextManager[Callable[[int, int], None]]],
) -> dict[Path, str]:
    """Every output of the night under `folder`: the letters inside `stage("brieven")`,
    told each letter written, and meanwhile, in a thread, the exports inside
    `stage("exports")`, told each file written; `messages` the e-mails and SMS booked
    tonight, with their text (`io.berichten.rendered`). Returns the SHA-256 of every PDF,
    taken as it was written."""
    signals, routed, actions = tonight.signals, tonight.routed, tonight.actions
    spreadsheets.write_csv(
        signals.select(SIGNALS_CSV).sort("signaalpartner", "signaal_id", "zaak_id"),
        folder / "signals.csv",
    )
    spreadsheets.write_csv(cases_csv(routed, actions), folder / "cases.csv")
    for result in tonight.inputs.all:
        if result.rejects.height:
            spreadsheets.write_csv(
                _in_their_words(result), folder / rejects_of(result.source.relative)
            )
    # Tonight's routed cases, for letters and municipalities, the cases with a call on the
    # worklist, and those reminded tonight: whose households, debts and letters the
    # people's files show.
    shown = pl.concat(
        [frame.select("zaak_id") for frame in (routed, tonight.calls, tonight.letters)]
    )
    households = tonight.households.join(shown, on="zaak_id", how="semi")
    schulden = tonight.schulden.join(shown, on="zaak_id", how="semi")

    def exported(stopped: Callable[[], bool]) -> None:
        with stage("exports") as tick:
            files = exports_for_people(tonight, households, schulden, config, day)
            files.reverse()  # taken from the end, each let go once written
            total = len(files)
            while files and not stopped():
                path, rows, outcomes = files.pop()
                spreadsheets.write_for_people(rows, folder / path, day, outcomes)
                crash_point("exports")
                tick(total - len(files), total)

    # The letter workers keep both cores busy but for the moments they wait on this
    # process (their sources, joining the print files); the exports, mostly XlsxWriter's
    # Python, fill those moments. Joined before the letters' index is written.
    with _Beside(exported) as beside, stage("brieven") as tick:
        beside.start()
        due = letters.letters_for(
            tonight.letters, actions, tonight.open_now, households, tonight.owed, day
        )
        written = letters.write(folder / "letters", due, config, day, letter_templates, tick)
    spreadsheets.write_csv(written.index, folder / "letters" / "index.csv")
    spreadsheets.write_csv(berichten.index(messages), folder / "berichten" / "index.csv")
    return written.sha256


Export = tuple[Path, pl.DataFrame, uitkomsten.Outcomes | None]
"""Where a file for people goes (under the night's folder), its rows, and the sheets of
outcomes its workbook carries."""


def exports_for_people(
    tonight: Tonight,
    households: pl.DataFrame,
    schulden: pl.DataFrame,
    config: Config,
    day: date,
) -> list[Export]:
    """The CSV files, each with its workbook, that municipalities, the SDD and the creditors
    act on; `households` and `schulden` those of the cases they show."""
    signals, routed, actions = tonight.signals, tonight.routed, tonight.actions
    files: list[Export] = []
    for organisatie, rejects in _sheet_rejects(tonight.inputs.events, config).items():
        where = "sdd" if organisatie == SDD else "gemeente"
        files.append(
            (Path("exports", where, f"{organisatie}-uitkomsten-afgewezen.csv"), rejects, None)
        )
    verstuurd = tonight.verstuurd
    te_doen = exports.te_doen(tonight.owed, config)
    per_gemeente = exports.gemeente_exports(
        routed,
        actions,
        tonight.forwarded,
        te_doen,
        households,
        schulden,
        verstuurd,
        tonight.moves,
        config,
    )
    sheets = outcome_sheets(tonight, config)
    for code, rows in per_gemeente.items():
        files.append((Path("exports", "gemeente", f"{code}.csv"), rows, (sheets[code], code, None)))
    visits = exports.huisbezoeken(tonight.visits, tonight.households, config, day)
    for code, rows in visits.items():
        files.append((Path("exports", "huisbezoeken", f"{code}.csv"), rows, None))
    calls = exports.bellijst(tonight.calls, te_doen, households, schulden, verstuurd, config, day)
    twijfel = exports.twijfel(tonight.waiting, config)
    sdd = Path("exports", "sdd")
    files += [
        (sdd / "bellijst.csv", calls, (sheets[SDD], SDD, twijfel)),
        (
            sdd / "berichten.csv",
            exports.niet_aangekomen(tonight.niet_aangekomen, tonight.households),
            None,
        ),
        (sdd / "niet_gekoppeld.csv", exports.niet_gekoppeld(signals), None),
        (sdd / "schuldhulpverlening.csv", exports.schuldhulpverlening(signals), None),
        (Path("exports", "termijnen.csv"), exports.termijnen(tonight.deadlines, config), None),
    ]
    refused = spreadsheets.afwijzingen(tonight.inputs.consumed)
    feedback = exports.terugmeldingen(signals, tonight.decisions, refused, config, day)
    for partner, rows in feedback.items():
        files.append((Path("exports", "terugmelding", f"{partner}.csv"), rows, None))
    return files


class _Beside(threading.Thread):
    """Work in a thread beside the block it guards: started inside it, and waited for when
    it ends. A block that fails tells the work to stop at its next step (it would write on
    into a folder that is being removed) and waits for that; work that fails raises its
    error when the block ends well, and is noted on the block's own error when both do."""

    WAKE: Final = 0.2
    """Seconds between looks at a Ctrl-C while waiting: polars installs its SIGINT handler
    with SA_RESTART, so a wait without a timeout is not interrupted by one."""

    def __init__(self, work: Callable[[Callable[[], bool]], None]) -> None:
        super().__init__(daemon=True)  # a process that ends otherwise does not wait for it
        self.work, self.stopping, self.finished = work, threading.Event(), threading.Event()
        self.failed: BaseException | None = None

    def run(self) -> None:
        try:
            self.work(self.stopping.is_set)
        except BaseException as error:  # handed to the thread that waits for it
            self.failed = error
        finally:
            self.finished.set()

    def __enter__(self) -> "_Beside":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, *_: object
    ) -> None:
        if kind is not None:
            self.stopping.set()
        if self.ident is None:
            return
        # Waited for by an event: a Ctrl-C in `join` marks the thread as ended while it
        # runs on (CPython's bpo-45274 handling), and a second `join` would not wait.
        try:
            while not self.finished.wait(self.WAKE):
                pass
        except BaseException:  # Ctrl-C while it was waited for: it stops as well
            self.stopping.set()
            while not self.finished.wait(self.WAKE):
                pass
            raise
        finally:
            self.join()
        if self.failed is None:
            return
        if error is None:
            raise self.failed
        # Its kind only: the message of an error in the exports might quote a value.
        error.add_note(f"the exports failed as well ({type(self.failed).__name__})")


def _in_their_words(result: Ingested) -> pl.DataFrame:
    """A file's rejects; those of a sheet of outcomes in Dutch, like the sheet."""
    workbook = result.source.path.suffix == WORKBOOK
    return uitkomsten.in_dutch(result.rejects) if workbook else result.rejects


def _sheet_rejects(events: list[Ingested], config: Config) -> dict[str, pl.DataFrame]:
    """Per organisation, the rows of its sheets of outcomes that were not taken, and why:
    its case workers read them. The SDD reads those of a workbook that does not say whose
    it is, or names no organisation of the config (a name is never a path)."""
    known = {SDD, *(g.code for g in config.gemeenten)}
    rejected: dict[str, list[pl.DataFrame]] = {}
    for result in events:
        if result.source.path.suffix == WORKBOOK and result.rejects.height:
            owner = result.organisatie if result.organisatie in known else SDD
            rejected.setdefault(owner, []).append(_in_their_words(result))
    return {
        organisatie: pl.concat(frames)
        .select(
            pl.col("bestand").alias("Bestand"),
            pl.col("regelnummer").alias("Rij"),
            pl.col("kolom").alias("Kolom"),
            pl.col("waarde").alias("Waarde"),
            pl.col("reden").alias("Reden"),
        )
        .sort("Bestand", "Rij", "Kolom", nulls_last=True)
        for organisatie, frames in sorted(rejected.items())
    }


def outcome_sheets(tonight: Tonight, config: Config) -> dict[str, pl.DataFrame]:
    """Every open case for the sheets in which outcomes come back (`uitkomsten`)."""
    return uitkomsten.sheets(
        tonight.open_now,
        tonight.households,
        tonight.schulden,
        tonight.verstuurd,
        exports.te_doen(tonight.owed, config),
        tonight.forwarded,
        config.gemeentecodes(),
    )


def cases_csv(routed: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """A row per routed case: its address, facts, rule and the actions taken tonight."""
    performed = actions.group_by("zaak_id").agg(
        acties=pl.col("actie").sort_by("volgorde").str.join("+")
    )

    def part(index: int) -> pl.Expr:
        value = pl.col("adres_sleutel").str.split("|").list.get(index)
        return pl.when(value != "").then(value)

    return (
        routed.join(performed, on="zaak_id", how="left")
        .with_columns(
            postcode=part(0),
            huisnummer=part(1),
            huisletter=part(2),
            huisnummertoevoeging=part(3),
            bekend_bij_sdd=formats.ja_nee(pl.col("bekend_bij_sdd")),
            totaal_achterstand=formats.euros(pl.col("totaal_achterstand")),
            soorten=pl.col("soorten").list.join("+"),
            crisis=formats.ja_nee(pl.col("crisis")),
            acties=pl.col("acties").fill_null(""),
        )
        .select(CASES_CSV)
        .sort("zaak_id")
    )
