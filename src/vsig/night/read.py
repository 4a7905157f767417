"""What a night starts from, read once: tonight's inbox and the state as the last night left
it. Every frame the night needs is read here, before anything is computed; no rule reads
the state itself.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from vsig.config import Config
from vsig.contracts import SIGNAL_KEY
from vsig.io import inbox
from vsig.io.home import Home
from vsig.io.state.store import Store
from vsig.night.tonight import Inputs, Replay
from vsig.privacy import uitsluitingen
from vsig.rules import keuzes
from vsig.rules.cases import CASE_SIGNAL_COLUMNS, debtor_bsns
from vsig.rules.exports import DECISION_COLUMNS

OPEN_SIGNAL_COLUMNS: Final = tuple(
    dict.fromkeys((*CASE_SIGNAL_COLUMNS, *DECISION_COLUMNS, "teruggemeld"))
)
"""What the night needs of an open case's signals: for the case, and for the creditor's
feedback when the case is decided or its status told otherwise tonight."""


@dataclass(frozen=True)
class Read:
    """The night's inputs and the state's frames, as read."""

    run_id: str
    inputs: Inputs
    open_cases: pl.DataFrame  # every open case, as the state holds it
    open_signals: pl.DataFrame  # their signals (OPEN_SIGNAL_COLUMNS)
    closed_signals: pl.DataFrame  # the signals of the closed cases still kept
    waiting: pl.DataFrame  # every signal waiting for a person, whole (`keuzes.waiting`)
    household_signals: pl.DataFrame  # the open cases' signals matched to a household, whole
    untold: pl.DataFrame  # closed cases' signals not yet told by the rule (migration 11)
    outlived: pl.DataFrame  # the signals tonight's purge takes from cases kept for others
    recorded: pl.DataFrame  # every event kept: zaak_id, datum, gebeurtenis, waarde
    performed: pl.DataFrame  # every action taken (ACTION_COLUMNS)
    uitsluitingen: pl.DataFrame  # the exclusion list: soort, sleutel
    outbox: pl.DataFrame  # every message kept (`berichten.OUTBOX_COLUMNS`)
    unwanted: pl.DataFrame  # the addresses that get no messages: kanaal, adres


def read(db: Store, home: Home, config: Config, day: date, replay: Replay | None) -> Read:
    """Read tonight's inbox (a replay brings its archived registers and run id) and every
    state frame the night needs."""
    run_id = replay.run_id if replay else db.next_run_id(day)
    # What tonight's purge deletes is no longer shown, nor decided: a person's signals
    # outlived in a case kept for others, a signal that waited six months. (A replay's
    # scratch state has no runs to date them by: its slice holds what its night read.)
    cutoff = config.retention.cutoff(day)
    outlived = db.signals_outlived(cutoff).select(SIGNAL_KEY)
    open_signals = db.case_signals(OPEN_SIGNAL_COLUMNS).join(
        outlived, on=list(SIGNAL_KEY), how="anti"
    )
    waiting = keuzes.waiting(db.unplaced_signals(cutoff))
    registers = (replay.brp, replay.sdd) if replay else None
    # A candidate chosen on the sheet "Twijfel" is matched tonight: their register row
    # must be read, wherever they live now.
    about = pl.concat([open_signals, waiting], how="diagonal_relaxed")
    persons = debtor_bsns(about)["persoon_bsn"]
    inputs = inbox.read(home, config, day, db, run_id, persons, registers)
    if replay:
        # The archive keeps the exclusions only as keyed hashes: found again among the
        # persons and addresses its night could match.
        signals = pl.concat([inputs.signals, waiting], how="diagonal_relaxed")
        found = uitsluitingen.candidates(signals, inputs.brp.accepted)
        excluded = uitsluitingen.found(replay.uitsluitingen, *found, replay.secret)
    else:
        excluded = db.exclusions().select("soort", "sleutel")
    return Read(
        run_id=run_id,
        inputs=inputs,
        open_cases=db.open_cases(),
        open_signals=open_signals,
        closed_signals=db.case_signals(CASE_SIGNAL_COLUMNS, closed=True),
        waiting=waiting,
        household_signals=db.household_signals(),
        untold=db.untold_signals(OPEN_SIGNAL_COLUMNS),
        outlived=outlived,
        recorded=db.event_history(),
        performed=db.performed_actions(),
        uitsluitingen=excluded,
        outbox=db.outbox(),
        unwanted=db.unwanted().select("kanaal", "adres"),
    )
