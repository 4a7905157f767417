"""One night's results before anything is written, and how a command ends.

`nightly.py` computes a `Tonight` from `Inputs` and commits it; the `Summary` is what it
tells the operator, the log and the manifest; `ExitCode` is every command's last word.
"""

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import polars as pl

from vsig import ingest
from vsig.ingest import Ingested


class ExitCode(IntEnum):
    """What cron sees; the README's table says what the administrator does for each."""

    OK = 0
    REJECTS = 1  # done, but rows or files were rejected
    USAGE = 2  # usage or configuration error, or no secret
    ABORTED = 3  # nothing committed (or, after the commit, the purge could not write)
    LOCKED = 4  # another run holds the lock
    INTERNAL = 5  # vsig met something it did not expect
    INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


@dataclass
class Summary:
    """What a run did, in counts only: safe to print, log and keep."""

    run_id: str
    verwerkingsdatum: str
    exit_code: int
    dry_run: bool
    out: str | None
    inputs: list[dict[str, Any]]
    signalen_per_status: dict[str, int]
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


@dataclass
class Inputs:
    brp: Ingested
    sdd: Ingested
    consumed: list[Ingested]

    @property
    def all(self) -> list[Ingested]:
        return [self.brp, self.sdd, *self.consumed]

    @property
    def signals(self) -> pl.DataFrame:
        return self.signals_of(self.consumed)

    @staticmethod
    def signals_of(consumed: list[Ingested]) -> pl.DataFrame:
        frames = [i.accepted for i in consumed if i.source.kind == "signalen"]
        frames = [f for f in frames if f.height]
        return pl.concat(frames) if frames else empty_signals()

    @property
    def events(self) -> list[Ingested]:
        return [i for i in self.consumed if i.source.kind == "uitkomsten"]


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
    signals: pl.DataFrame
    case_signals: pl.DataFrame
    regrouped: pl.DataFrame  # earlier signals that follow their person into another case
    routed: pl.DataFrame
    actions: pl.DataFrame
    forwarded: pl.DataFrame
    deadlines: pl.DataFrame
    decisions: pl.DataFrame  # earlier signals of cases decided tonight, for the feedback
    debtors: pl.DataFrame  # per case, each person its debts are about: a letter each

    @property
    def exit_code(self) -> "ExitCode":
        return ExitCode.REJECTS if any(i.needs_attention for i in self.inputs.all) else ExitCode.OK
