"""One night's results before anything is written, and how a command ends.

`compute.py` makes a `Tonight` from what `read.py` read, and `nightly.py` commits it; the
`Summary` is what it tells the operator, the log and the manifest.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from vsig.config import Config
from vsig.exitcodes import ExitCode
from vsig.io import ingest, uitkomsten
from vsig.io.ingest import Ingested
from vsig.io.sources import Unread
from vsig.text import escaped


class RunAbortedError(Exception):
    """The run stopped before committing anything, or could not finish the purge after its
    commit; the message says which, and what to do."""


@dataclass
class Summary:
    """What a run did, in counts only: safe to print, log and keep."""

    run_id: str
    verwerkingsdatum: str
    exit_code: int
    dry_run: bool
    out: str | None
    inputs: list[dict[str, Any]]
    signalen_per_status: dict[str, int]  # as told tonight (`teruggemeld`, `rules.status`)
    zaken: dict[str, int]
    zaken_per_regel: dict[str, int]
    zaken_per_gemeente: dict[str, int]
    acties: dict[str, int]
    brieven_per_template: dict[str, int]
    rejects: int
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    termijnen: dict[str, int] = field(default_factory=dict)
    purged: dict[str, int] = field(default_factory=dict)
    berichten: dict[str, int] = field(default_factory=dict)
    """The e-mails and SMS booked tonight (`geboekt`), and what the send after the commit
    did, by the status each got (`rules.berichten`)."""
    wachtend: int = 0
    """The signals no single person fits, waiting for a person on the SDD's sheet
    "Twijfel" after tonight (tonight's and earlier nights')."""
    besloten: int = 0
    """Signals in doubt a person decided on that sheet, taken tonight."""


@dataclass(frozen=True)
class Replay:
    """What a replay brings in place of the home's own: the archived run's id, extracts,
    letter templates and keyed exclusions (found again under the `secret`). The archived
    signal files sit in the scratch inbox, the archived state slice in the scratch state."""

    run_id: str
    brp: Ingested
    sdd: Ingested
    templates: Path
    uitsluitingen: pl.DataFrame
    secret: bytes


@dataclass(frozen=True)
class Inputs:
    """What the inbox held tonight, as read: the two extracts' rows and the consumed files."""

    brp: Ingested
    sdd: Ingested
    consumed: tuple[Ingested, ...]
    unread: tuple[Unread, ...] = ()
    """What under the inbox the run does not read (a replay reads only what was read)."""

    @property
    def all(self) -> list[Ingested]:
        return [self.brp, self.sdd, *self.consumed]

    @property
    def signals(self) -> pl.DataFrame:
        return self.signals_of(self.consumed)

    @staticmethod
    def signals_of(consumed: tuple[Ingested, ...]) -> pl.DataFrame:
        frames = [i.accepted for i in consumed if i.source.kind == "signalen"]
        frames = [f for f in frames if f.height]
        return pl.concat(frames) if frames else empty_signals()

    @property
    def events(self) -> list[Ingested]:
        return [i for i in self.consumed if i.source.kind == "uitkomsten"]

    @property
    def accepted_events(self) -> pl.DataFrame:
        """The events to record; who recorded them only decided which cases they may be for."""
        accepted = [e.accepted for e in self.events if not e.file_reason] or [no_events()]
        return pl.concat(accepted).drop("organisatie")

    def with_events_checked(
        self, check: Callable[[pl.DataFrame, pl.DataFrame], tuple[pl.DataFrame, pl.DataFrame]]
    ) -> "Inputs":
        """The same inputs, each outcome file's rows split by `check` into accepted rows
        and rejects (added to the file's own); `check` is also given the events accepted
        from the files before it tonight, so that an event is taken once, whichever and
        however many files bring it."""
        earlier = [no_events()]

        def checked(result: Ingested) -> Ingested:
            if result.source.kind != "uitkomsten" or result.file_reason:
                return result
            accepted, rejects = check(result.accepted, pl.concat(earlier))
            earlier.append(accepted)
            return replace(result, accepted=accepted, rejects=pl.concat([result.rejects, rejects]))

        return replace(self, consumed=tuple(checked(i) for i in self.consumed))

    @property
    def keuzes(self) -> pl.DataFrame:
        """The choices taken from tonight's workbooks (sheet "Twijfel"), in the order they
        were read: `signaalpartner, signaal_id, keuze, regelnummer`, with the file's place
        among the consumed (`bron`), its name (`bestand`) and whose it is (`organisatie`)."""
        frames = [
            result.keuzes.with_columns(
                bron=pl.lit(place),
                bestand=pl.lit(result.source.path.name),
                organisatie=pl.lit(result.organisatie, pl.String),
            )
            for place, result in enumerate(self.consumed)
            if result.keuzes.height and not result.file_reason
        ]
        empty = (
            uitkomsten.no_choices()
            .with_columns(bron=pl.lit(0), bestand=pl.lit(""), organisatie=pl.lit(""))
            .clear()
        )
        return pl.concat([empty, *frames])

    def with_choices_refused(self, refused: pl.DataFrame) -> "Inputs":
        """The same inputs, with the choices `refused` (`regelnummer, kolom, waarde, reden,
        bron`) moved from their file's choices to its rejects."""
        return self._refused(refused, "keuzes")

    def _refused(self, refused: pl.DataFrame, taken: str) -> "Inputs":
        """The same inputs, with the rows `refused` (each tagged with its file's place,
        `bron`) moved from their file's `taken` rows (`accepted`, `keuzes`) to its rejects."""
        consumed = list(self.consumed)
        for place, result in enumerate(self.consumed):
            theirs = refused.filter(pl.col("bron") == place)
            if not theirs.height:
                continue
            rows = getattr(result, taken).join(
                theirs.select("regelnummer"), on="regelnummer", how="anti"
            )
            rejected = theirs.with_columns(bestand=pl.lit(result.source.path.name))
            consumed[place] = replace(
                result,
                **{taken: rows},
                rejects=pl.concat(
                    [
                        result.rejects,
                        rejected.select(result.rejects.columns).cast(result.rejects.schema),
                    ]
                ),
            )
        return replace(self, consumed=tuple(consumed))

    def with_order_checked(self, refused: Callable[[pl.DataFrame], pl.DataFrame]) -> "Inputs":
        """The same inputs, with the rows `refused` finds among the events accepted from
        every outcome file (each row tagged with its file's place, `bron`) moved from their
        file's accepted rows to its rejects."""
        files = [
            (place, result)
            for place, result in enumerate(self.consumed)
            if result.source.kind == "uitkomsten" and not result.file_reason
        ]
        if not files:
            return self
        tonight = pl.concat(
            [result.accepted.with_columns(bron=pl.lit(place)) for place, result in files]
        )
        return self._refused(refused(tonight), "accepted")


def empty_signals() -> pl.DataFrame:
    """No signals tonight: an empty frame shaped like accepted signals."""
    return ingest.no_rows("signalen").with_columns(
        signaalpartner=pl.lit(None, pl.String), soort=pl.lit(None, pl.String)
    )


def no_events() -> pl.DataFrame:
    return ingest.no_rows("uitkomsten")


@dataclass
class Tonight:
    """Everything a night computed, before anything is written."""

    run_id: str
    inputs: Inputs
    brp: pl.DataFrame
    read_before: pl.DataFrame  # the open cases as the state held them
    closed: pl.DataFrame
    active: pl.DataFrame  # open cases whose only change tonight is activity (events)
    events: pl.DataFrame
    signals: pl.DataFrame  # tonight's matched signals, with their status as told (`teruggemeld`)
    case_signals: pl.DataFrame
    regrouped: pl.DataFrame  # earlier signals that follow their person into another case
    parted: pl.DataFrame  # earlier signals, whole, that wait since their household parted
    moves: pl.DataFrame  # cases moved to another municipality tonight (`lifecycle.moves`)
    routed: pl.DataFrame
    actions: pl.DataFrame
    forwarded: pl.DataFrame
    owed: pl.DataFrame  # each open case's one current obligation (`termijnen.obligations`)
    deadlines: pl.DataFrame  # those due soon or overdue: termijnen.csv
    retold: pl.DataFrame  # earlier signals told otherwise tonight: key, teruggemeld
    decisions: pl.DataFrame  # earlier signals decided or told otherwise tonight, for feedback
    letters: pl.DataFrame  # tonight's letters: a letter action × a debtor (`letters_due`)
    open_signals: pl.DataFrame  # all signals of every case open after tonight
    case_actions: pl.DataFrame  # every action of those cases, tonight's included
    calls: pl.DataFrame  # the SDD's calls due today or overdue (`bellijst.open_calls`)
    visits: pl.DataFrame  # the home visits the municipalities owe (`bellijst.open_visits`)
    open_now: pl.DataFrame  # every case open after tonight (`lifecycle.open_after`)
    households: pl.DataFrame  # who lives in each open case's home (`exports.households`)
    schulden: pl.DataFrame  # each open case's debts as people read them
    verstuurd: pl.DataFrame  # the letters each open case was sent
    waiting: pl.DataFrame  # every signal waiting for a person after tonight (`keuzes.waiting`)
    besloten: pl.DataFrame  # tonight's choices that decided a waiting signal (`Inputs.keuzes`)
    outlived: pl.DataFrame  # signals of cases kept for others that tonight's purge takes
    uitsluitingen: pl.DataFrame  # the exclusion list as read: soort, sleutel
    berichten: pl.DataFrame  # the messages booked tonight, but their text (`berichten.booked`)
    berichtbesluiten: pl.DataFrame  # the messages due tonight: to send, or lapsed
    niet_aangekomen: pl.DataFrame  # the open cases' messages that did not arrive

    @property
    def exit_code(self) -> "ExitCode":
        """Rows or files were rejected, or a delivery was left unread for its name."""
        inputs = self.inputs
        attention = any(i.needs_attention for i in inputs.all) or any(u.left for u in inputs.unread)
        return ExitCode.REJECTS if attention else ExitCode.OK


def summarise(
    tonight: Tonight,
    config: Config,
    day: date,
    dry_run: bool,
    inbox: Path,
    timings: dict[str, float],
) -> Summary:
    """The night in counts, with the inputs' notices and what the run did not read."""
    routed, actions, inputs = tonight.routed, tonight.actions, tonight.inputs
    opened = routed.filter(pl.col("geopend") == day).height
    per_gemeente = _counts(routed, "gemeentecode")
    return Summary(
        run_id=tonight.run_id,
        verwerkingsdatum=day.isoformat(),
        exit_code=tonight.exit_code,
        dry_run=dry_run,
        out=None,
        inputs=[_input_summary(i, inbox) for i in inputs.all],
        signalen_per_status=_counts(tonight.signals, "teruggemeld"),
        zaken={
            "geopend": opened,
            "gewijzigd": routed.height - opened,
            "gesloten": tonight.closed.height,
        },
        zaken_per_regel=_counts(routed, "regel"),
        # Every municipality gets an export, if need be an empty one.
        zaken_per_gemeente={g.code: per_gemeente.get(g.code, 0) for g in config.gemeenten},
        acties=_counts(actions, "actie"),
        brieven_per_template=_counts(tonight.letters, "template"),
        rejects=sum(i.rejected for i in inputs.all),
        notices=[
            *(f"{escaped(i.source.path.name)}: {n}" for i in inputs.all for n in i.notices),
            *map(str, inputs.unread),
        ],
        timings=timings,
        termijnen=_counts(tonight.deadlines, "stand"),
        berichten={"geboekt": tonight.berichten.height} if tonight.berichten.height else {},
        wachtend=tonight.waiting.height,
        besloten=tonight.besloten.height,
    )


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame.group_by(column).len().sort(column)
    return {str(k): int(v) for k, v in counted.iter_rows()}


def _input_summary(result: Ingested, inbox: Path) -> dict[str, Any]:
    path = result.source.path
    return result.summary(str(path.relative_to(inbox)) if path.is_relative_to(inbox) else path.name)
