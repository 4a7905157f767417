"""The night in memory: from what was read to everything a night decides, nothing written.

Each line names what it makes and wires it by keyword from what came before, in the order
of the pipeline; every step is a rule under `vsig.rules`, and `Tonight` is built from the
names. Each stage's timer covers exactly the steps under its name.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Final

import polars as pl

from vsig.config import Config
from vsig.contracts import ACTION_COLUMNS
from vsig.night.read import Read
from vsig.night.tonight import Tonight
from vsig.rules import (
    bellijst,
    berichten,
    cases,
    exports,
    keuzes,
    lifecycle,
    match,
    route,
    status,
    termijnen,
)
from vsig.rules.events import out_of_order, outcomes, split_events

STAGES: Final = (
    "inlezen",
    "gebeurtenissen",
    "verhuizingen",
    "matchen",
    "zaken",
    "routeren",
    "termijnen",
    "terugmelden",
    "bellijst",
    "berichten",
    "overzichten",
)
"""The stages of `compute`, after "inlezen" (`read`); writing adds its own."""
KNOWN_CASE: Final = ("zaak_id", "gesloten", "sluitreden")
"""What a status needs of a closed case (`status.Known`)."""
Tick = Callable[[int, int], None]
"""How far the stage under way is: `done` of `total`."""
Stage = Callable[[str], AbstractContextManager[Tick]]


def compute(read: Read, config: Config, day: date, stage: Stage) -> Tonight:  # noqa: PLR0915
    """Everything the night decides, from what was `read`: one function, so that the
    night's wiring reads top to bottom in one place."""
    with stage("gebeurtenissen"):
        brp = match.prepare_brp(read.inputs.brp.accepted, day)
        inputs = read.inputs.with_events_checked(
            lambda rows, earlier: split_events(
                rows,
                read.open_cases,
                pl.concat([read.recorded, earlier.select(read.recorded.columns)]),
            )
        ).with_order_checked(lambda tonight: out_of_order(tonight, read.recorded, read.performed))
        events = inputs.accepted_events
        history = pl.concat([read.recorded, events.select(read.recorded.columns)])
        owed_before = termijnen.obligations(
            read.open_cases,
            history,
            read.performed,
            route.forwards(
                read.performed, read.performed.clear(), read.open_cases, config.offer_terms()
            ),
            config.termijnen,
            config.case_close_after_days,
            berichten.attempts(read.outbox),
        )
        still_open, closed_by_events = lifecycle.close(
            read.open_cases,
            events,
            termijnen.settled(owed_before),
            day,
            config.case_close_after_days,
        )
    with stage("verhuizingen"):
        stored = read.open_signals.select(cases.CASE_SIGNAL_COLUMNS)
        theirs = stored.filter(pl.col("zaak_id").is_in(still_open["zaak_id"].implode()))
        followed = lifecycle.follow(
            still_open, theirs, lifecycle.in_region(brp, config.gemeentecodes()), day
        )
        moves = lifecycle.moves(still_open, followed.open_cases)
        uiteen = keuzes.parted(read.household_signals, followed.parted)
    with stage("matchen"):
        # The signals of the cases closed tonight (not those parted: they wait, and hold
        # no debt a new signal would repeat).
        closed_tonight = stored.join(followed.signals, on=keuzes.KEY, how="anti").join(
            followed.parted, on=keuzes.KEY, how="anti"
        )
        known = cases.known_debts(
            followed.signals, pl.concat([read.closed_signals, closed_tonight])
        )
        besloten, refused = keuzes.decided(read.waiting, inputs.keuzes)
        inputs = inputs.with_choices_refused(refused)
        chosen = read.waiting.select(inputs.signals.columns).join(
            besloten.select(*keuzes.KEY, "gekozen", "besluit", "keuze"), on=keuzes.KEY
        )
        matched = match.match(
            pl.concat([inputs.signals, chosen], how="diagonal_relaxed"),
            brp,
            config,
            day,
            known,
            read.uitsluitingen,
        )
        matched = match.schuldhulpverlening(matched, inputs.sdd.accepted, day)
        matched = matched.join(
            exports.kandidaten_omschreven(matched, brp), on=keuzes.KEY, how="left"
        )
        # Whom a parted household's signal could be about: where each of them lives now.
        uiteen = uiteen.drop("kandidaten_omschrijving").join(
            exports.kandidaten_omschreven(uiteen, brp), on=keuzes.KEY, how="left"
        )
    with stage("zaken"):
        bundled = cases.bundle(matched, followed, read.run_id, day)
        bekend = match.bekend_bij_sdd(
            cases.debtors_at_home(bundled), brp, inputs.sdd.accepted, config, day
        )
        touched = cases.touched_facts(bundled, bekend)
    with stage("routeren"):
        routed = route.route(touched, config.routing)
        # What tonight's purge deletes (a case six months without activity, owed a duty or
        # not; a parted debt whose case was) is shown by no output of tonight: none would
        # outlive the purge whole.
        kept = pl.col("laatste_activiteit") >= config.retention.cutoff(day)
        every_open = lifecycle.open_after(followed.open_cases, routed)
        open_now = every_open.filter(kept)
        silenced_now = match.silenced(bundled.open_signals, open_now, read.uitsluitingen)
        moved = route.after_move(moves, read.performed, history, config.routing)
        booked = pl.concat(
            [moved, route.new_actions(routed, config.routing, read.performed)], how="diagonal"
        )
        actions = route.action_details(
            pl.concat(
                [
                    booked,
                    route.reminders(
                        lifecycle.rules_now(followed.open_cases, routed, open_now),
                        read.performed,
                        booked,
                        history,
                        config.routing,
                        day,
                    ),
                ],
                how="diagonal",
            ),
            config.routing,
            day,
            every_open,
            config.offer_terms(),
            read.performed,
            pl.concat(
                [match.silenced(bundled.case_signals, routed, read.uitsluitingen), silenced_now]
            ).unique(),
        )
        every_forward = route.forwards(read.performed, actions, open_now, config.offer_terms())
        forwarded = route.forwarded(every_forward)
    with stage("termijnen"):
        case_actions = pl.concat([read.performed, actions.select(ACTION_COLUMNS)]).join(
            open_now, on="zaak_id", how="semi"
        )
        owed = termijnen.obligations(
            open_now,
            history,
            case_actions,
            every_forward,
            config.termijnen,
            config.case_close_after_days,
            berichten.attempts(read.outbox),
        )
        deadlines = termijnen.deadlines(owed, config.termijnen, day)
    with stage("terugmelden"):
        closed = pl.concat([closed_by_events, followed.closed], how="diagonal_relaxed")
        told, retold, decisions = _feedback(read, bundled, uiteen, closed, actions, history, events)
    with stage("bellijst"):
        calls = bellijst.open_calls(case_actions, history, forwarded, day).join(
            open_now, on="zaak_id"
        )
    with stage("berichten"):
        messages = berichten.booked(actions, case_actions, bundled.case_signals, read.run_id)
        message_decisions = berichten.decided(
            pl.concat([read.outbox, messages.drop("brief_datum")], how="diagonal_relaxed"),
            bundled.open_signals,
            open_now,
            history,
            silenced_now,
            read.unwanted,
            day,
        )
    with stage("overzichten"):
        letters = exports.letters_due(actions, bundled.open_signals, brp)
        households = exports.households(open_now, brp, bundled.open_signals)
        schulden = exports.schulden(bundled.open_signals, brp, config)
        verstuurd = exports.verstuurd(case_actions, config.routing.action_labels())
        waiting = pl.concat(
            [
                read.waiting.join(besloten, on=keuzes.KEY, how="anti"),
                keuzes.waiting(bundled.signals),
                uiteen.filter(kept),
            ],
            how="diagonal_relaxed",
        ).select(keuzes.WAITING_COLUMNS)
    return Tonight(
        run_id=read.run_id,
        inputs=inputs,
        brp=brp,
        read_before=read.open_cases,
        closed=closed,
        active=lifecycle.active_unrouted(followed.open_cases, routed, day),
        events=events,
        signals=told,
        case_signals=bundled.case_signals,
        regrouped=bundled.regrouped,
        parted=uiteen,
        moves=moves,
        routed=routed,
        actions=actions,
        forwarded=forwarded,
        owed=owed,
        deadlines=deadlines,
        retold=retold,
        decisions=decisions,
        letters=letters,
        open_signals=bundled.open_signals,
        case_actions=case_actions,
        calls=calls,
        visits=bellijst.open_visits(
            case_actions,
            history,
            forwarded,
            open_now,
            config.routing.visits(),
            silenced_now,
        ),
        open_now=open_now,
        households=households,
        schulden=schulden,
        verstuurd=verstuurd,
        waiting=waiting,
        besloten=besloten,
        outlived=read.outlived,
        uitsluitingen=read.uitsluitingen,
        berichten=messages,
        berichtbesluiten=message_decisions,
        niet_aangekomen=berichten.undelivered(read.outbox, open_now),
    )


def _feedback(
    read: Read,
    bundled: cases.Bundled,
    parted: pl.DataFrame,
    closed: pl.DataFrame,
    actions: pl.DataFrame,
    history: pl.DataFrame,
    events: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Tonight's signals with their status as told (`teruggemeld`), the earlier signals
    told otherwise tonight, and what the creditors hear of earlier signals: those decided
    or told otherwise tonight (`exports.terugmeldingen`)."""
    known = status.Known(
        pl.concat([closed.select(KNOWN_CASE), read.untold.select(KNOWN_CASE).unique()]),
        status.letters(pl.concat([read.performed, actions.select(ACTION_COLUMNS)])),
        history,
    )
    columns = ("zaak_id", *exports.DECISION_COLUMNS, "teruggemeld")
    earlier = pl.concat([read.open_signals.select(columns), read.untold.select(columns)])
    retold = status.retold(earlier, bundled.open_signals, parted, known)
    # Told by the rule from now on, changed or not (a state from before migration 11).
    first = retold.join(read.untold, on=keuzes.KEY, how="semi")
    # A signal a person decided tonight was told something while it waited: `Opgepakt`
    # stays, as for any signal that changes case.
    told_before = read.waiting.select(*keuzes.KEY, "teruggemeld")
    return (
        status.told(bundled.signals.join(told_before, on=keuzes.KEY, how="left"), known),
        pl.concat([retold.filter("anders"), first])
        .unique(keuzes.KEY, keep="first", maintain_order=True)
        .select(*keuzes.KEY, "teruggemeld"),
        exports.decisions(retold, outcomes(events)),
    )
