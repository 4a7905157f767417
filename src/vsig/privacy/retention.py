"""Retention: what the law and the letters allow to be kept, and no longer.

Cases close after `case_close_after_days` without activity when they are owed nothing but
their result (`termijnen.settled`); cases, open or closed, signals, run folders and
reports go `retention.months` after their last activity; delivered letters and exports may
go sooner (`outputs_keep_days`); a BRP or SDD extract goes once a committed night read a
newer one. What went is scrubbed from the runs kept since.
"""

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from vsig import audit
from vsig.config import Config
from vsig.contracts import SIGNAL_KEY
from vsig.io import sources
from vsig.io.files import crash_point, private_files
from vsig.io.home import MANIFEST, Home
from vsig.io.sources import extract_date
from vsig.io.state.lock import WRITER_WAIT, locked
from vsig.io.state.store import Store
from vsig.io.state.upkeep import clear_leftovers, erasing
from vsig.privacy import erasure
from vsig.privacy.erasure import (
    Erased,
    case_addresses,
    case_persons,
    erase_in_run,
    erased_people,
    named_bsns,
    runs_holding,
    runs_mentioning,
    runs_waited,
    signal_ids,
)
from vsig.privacy.purge_log import CLOSED, DELETED_OWED, ERASED_BY_RETENTION, Purged, append_log
from vsig.rules import berichten, keuzes, lifecycle, route, termijnen


def purge(config: Config, home: Home, day: date, secret: bytes) -> list[Purged]:
    """`vsig purge`: retention now, holding the lock until the state file is compacted."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        erasing(home.state)
        with Store.open(home.state) as db:
            purges = retain(db, home, config, day, secret)
        return erasure.finish(home, purges)


def retain(db: Store, home: Home, config: Config, day: date, secret: bytes) -> list[Purged]:
    """Close cases without activity for `case_close_after_days`, then delete what retention
    no longer allows: cases whose last activity is more than `retention.months` ago, the
    signals about a person in a case that others keep alive when nothing came in about them
    and nobody had contact that long, signals that never joined a case received that long
    ago, run folders that old, and delivered letters and exports past `outputs_keep_days`.
    What went is also scrubbed from the runs kept since, whose replay then says so. Needs no
    run to have happened.

    Each part is written to the purge log before the state lets go of it, and the files go
    before the state: a retain killed midway finds the same work again (a log line may come
    twice, never go missing). Returns what went, per reason."""
    closed = Purged("retention")
    open_cases = db.open_cases()
    settled = termijnen.settled(owed(db, open_cases, config))
    stale = lifecycle.inactive(open_cases, settled, day, config.case_close_after_days)
    closed.add(CLOSED, stale["zaak_id"])
    append_log(home, closed, day, secret)
    db.close_cases(stale)
    purges = [closed, _expire(db, home, config, day, secret, settled)]
    if config.retention.outputs_keep_days is not None:
        outputs = Purged("outputs")
        delivered = db.runs_before(day - timedelta(days=config.retention.outputs_keep_days))
        outputs.add("run", [r for r in delivered if _remove_delivered(home.outputs(r))])
        append_log(home, outputs, day, secret)
        purges.append(outputs)
    return purges


def owed(db: Store, open_cases: pl.DataFrame, config: Config) -> pl.DataFrame:
    """What each open case is owed (`termijnen.obligations`), as the last night left it."""
    performed = db.performed_actions()
    return termijnen.obligations(
        open_cases,
        db.event_history(),
        performed,
        route.forwards(performed, performed.clear(), open_cases, config.offer_terms()),
        config.termijnen,
        config.case_close_after_days,
        berichten.attempts(db.outbox()),
    )


def _expire(
    db: Store, home: Home, config: Config, day: date, secret: bytes, settled: pl.Series
) -> Purged:
    """Retention's deletions: the files first, then the log, then the state. The data of a
    case still owed a duty goes too, six months after its last activity as the letters
    promise; the log counts those cases apart (`DELETED_OWED`)."""
    cutoff = config.retention.cutoff(day)
    retention = Purged("retention")
    old_runs = db.runs_before(cutoff)
    stale = db.cases_last_active_before(cutoff)
    still_open = set(db.open_cases()["zaak_id"]) - set(settled)
    retention.add(DELETED_OWED, [z for z in stale if z in still_open])
    expiring, events = db.expiring(stale, old_runs, cutoff)
    # A signal that waited on the sheet "Twijfel" was read by every night since it came in
    # (below); the others are the cases' and those that reached no one.
    waiting = keuzes.waiting(expiring)
    signals = expiring.join(waiting, on=list(SIGNAL_KEY), how="anti")
    outlived = db.signals_outlived(cutoff)
    for run_id in old_runs:
        if _remove_run_folders(home, run_id):
            retention.add("run", [run_id])
    later = set(signals["run_id"]) | set(events["run_id"])
    of_cases = sorted((later | runs_mentioning(home, stale)) - set(old_runs))
    # Whom the state keeps nothing about once every expiring signal is gone, the waiting
    # ones too; of them, those the cases' signals name, or named on the nights they kept.
    named_then = case_persons(home, of_cases, stale)
    every = erased_people(
        db, Erased(expiring, events, stale, named_then), case_addresses(home, of_cases, stale)
    )
    # Found before the cases' erasure: a parted household's debt left its case, and the
    # nights it was in that case hold it as the case's.
    waited_in = sorted(runs_holding(home, waiting) - set(old_runs))
    cases_gone = replace(
        every, signals=signals, people=every.people & (named_bsns(signals) | named_then)
    )
    for run_id in of_cases:
        erase_in_run(home, config, run_id, cases_gone, ERASED_BY_RETENTION, secret)
    # The persons outlived in a case kept for others: only they go, not their household.
    kept_alive = outlived["zaak_id"].unique().to_list()
    of_persons = sorted(
        (set(outlived["run_id"]) | runs_mentioning(home, kept_alive)) - set(old_runs)
    )
    persons_gone = _persons_outlived(db, expiring, outlived, events.clear())
    for run_id in of_persons:
        erase_in_run(home, config, run_id, persons_gone, ERASED_BY_RETENTION, secret)
    # The nights a signal waited hold it in their state slices and sheets, its candidates
    # as described (their register rows only the night it came in kept, or, for a
    # household that parted, its case's nights). Its candidates go with it unless the
    # state still holds something about them; the creditor's phone number for it was never
    # shown beside a household's.
    waited = Erased(
        waiting.with_columns(telefoonnummer=pl.lit(None, pl.String), email=pl.lit(None, pl.String)),
        events.clear(),
        [],
        every.people & named_bsns(waiting),
    )
    for run_id in waited_in:
        erase_in_run(home, config, run_id, waited, ERASED_BY_RETENTION, secret)
    # A signal a person decided waited as long as it would have: the nights before the
    # choice hold it as it waited, its candidates with it; those the choice did not name
    # go now, as they would have had nobody chosen.
    decided = db.choices_waited(cutoff)
    chose_in, named_before = runs_waited(home, decided)
    chose_in -= set(old_runs)
    before = Erased(
        decided.drop("gekozen_in").with_columns(
            telefoonnummer=pl.lit(None, pl.String), email=pl.lit(None, pl.String)
        ),
        events.clear(),
        [],
        named_before - db.people_held(),
    )
    for run_id in sorted(chose_in):
        erase_in_run(home, config, run_id, before, ERASED_BY_RETENTION, secret)
    scrubbed = sorted(set(of_cases) | set(of_persons) | set(waited_in) | chose_in)
    retention.add("run_geschoond", scrubbed)
    nights = db.run_ids()
    last_night = max(nights) if nights else None  # `YYYYMMDD-NN` sorts as the nights ran
    retention.add("extract", _remove_superseded_extracts(home, config, last_night, cutoff))
    retention.add("rapport", _remove_older(home.reports, cutoff))
    retention.add("inzage", _remove_older(home.inzage, cutoff))
    retention.add("zaak", stale)
    retention.add("signaal", signal_ids(pl.concat([expiring, outlived])))
    crash_point("erasure-files")
    append_log(home, retention, day, secret)
    crash_point("erasure-logged")
    db.delete_cases(stale)
    db.delete_signals(outlived.select("run_id", "signaalpartner", "signaal_id").rows())
    db.blank_addresses(outlived)
    db.delete_unbundled_signals(old_runs, cutoff)
    return retention


def _persons_outlived(
    db: Store, signals: pl.DataFrame, outlived: pl.DataFrame, no_events: pl.DataFrame
) -> Erased:
    """What retention erases of the persons outlived in a case kept for others: their
    signals, and them where the state keeps nothing else about them; never the household
    they lived in, whose case stays."""
    going = erased_people(
        db, Erased(pl.concat([signals, outlived]), no_events, [], frozenset()), frozenset()
    )
    named = named_bsns(outlived)
    return replace(
        going,
        signals=outlived,
        people=going.people & named,
        adressen=frozenset(),
        households=False,
    )


def _remove_run_folders(home: Home, run_id: str) -> bool:
    """The run's archive and outputs, all but the manifest."""
    removed = False
    archive = home.archived(run_id)
    if archive.exists():
        shutil.rmtree(archive)
        removed = True
    out = home.outputs(run_id)
    for path in sorted(out.iterdir()) if out.is_dir() else []:
        if path.name != MANIFEST:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed = True
    return removed


def _remove_delivered(out: Path) -> bool:
    removed = False
    for name in ("letters", "exports"):
        if (out / name).exists():
            shutil.rmtree(out / name)
            removed = True
    return removed


def _remove_older(folder: Path, cutoff: date) -> list[str]:
    """Files written before the cutoff: reports (a CBS delivery names people) and inzage
    documents."""
    removed = []
    for path in sorted(folder.glob("*")):
        written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
        if path.is_file() and written < cutoff:
            path.unlink()
            removed.append(path.name)
    return removed


def _remove_superseded_extracts(
    home: Home, config: Config, last_night: str | None, cutoff: date
) -> list[str]:
    """The BRP and SDD extracts a newer one replaced: each older than the one the last
    committed night read (as its archive records), and any superseded one past retention.
    An extract holds the whole region: kept until retention, a nightly delivery would keep
    some 180 copies of it. The one that night read stays (the next night may need it),
    and so does any newer one, read or not; the archive keeps the rows each night used."""
    delivered = sources.discover(home.inbox, config)
    removed = []
    for kind in ("brp", "sdd"):
        files = sorted(
            (s.path for s in delivered if s.kind == kind), key=lambda p: (extract_date(p), p.name)
        )
        used = audit.register_read(home.archived(last_night), kind) if last_night else None
        read = (extract_date(Path(used)), used) if used else None
        for path in files[:-1]:
            replaced = read is not None and (extract_date(path), path.name) < read
            if replaced or extract_date(path) < cutoff:
                path.unlink()
                removed.append(f"{kind}/{path.name}")
    return removed
