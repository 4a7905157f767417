"""The nightly run, top to bottom: ingest → match → cases → route → outputs → commit.

Everything is computed in memory from the inbox, the registers and the state; then the
outputs are written to a temporary folder, the state takes the run in one transaction,
the outputs are renamed into place, the consumed files leave the inbox (the archive holds
their bytes as read) and the archive is renamed into place.
A run that stops before the commit leaves the state and the inbox as they were.
"""

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import duckdb
import polars as pl

from vsig import audit, routing, templates
from vsig.config import Config
from vsig.contracts import ACTION_COLUMNS
from vsig.io import berichten, inbox, kanalen, outputs
from vsig.io.files import crash_point, private_files
from vsig.io.home import MANIFEST, Home
from vsig.io.ingest import Ingested
from vsig.io.state.lock import WRITER_WAIT, locked
from vsig.io.state.store import Changes, Store
from vsig.io.state.upkeep import clear_leftovers, erasing
from vsig.night.compute import STAGES as COMPUTED
from vsig.night.compute import Tick, compute
from vsig.night.read import read
from vsig.night.tonight import Replay, RunAbortedError, Summary, Tonight, summarise
from vsig.privacy import erasure, retention
from vsig.privacy.purge_log import counted
from vsig.rules import keuzes, lifecycle

STAGES: Final = (*COMPUTED, "uitvoer", "brieven", "exports", "vastleggen")
BESIDE: Final = ("exports",)
"""Stages that run beside the one begun before them (the exports beside the letters)."""
Progress = Callable[[str, int, int], None]
"""Told each stage as it starts (`stage, 0, 0`), then how far a long one is (`done, total`);
from more than one thread while a stage runs `BESIDE` another."""


def run_night(
    config: Config,
    home: Home,
    processing_date: date,
    secret: bytes | None,
    dry_run: bool = False,
    progress: Progress | None = None,
    replay: Replay | None = None,
) -> Summary:
    """Run one night and, as its last step, the retention purge (not in a dry run or a
    replay, which pass no secret). Raises RunAbortedError (nothing written) or LockedError.
    """
    with private_files(config.umask), locked(home.state, WRITER_WAIT) as killed:
        clear_leftovers(home)
        with Store.open(home.state) as db:
            finished = [] if dry_run else home.recover(db.run_ids())
            again = [r for r in finished if r.startswith(f"{processing_date:%Y%m%d}-")]
            if again:  # the night ran, and was cut off after its commit: now complete
                summary = _from_manifest(home, again[-1])
            else:
                night = _Night(config, home, processing_date, db, progress, replay, secret)
                summary = night.run(dry_run)
            if killed:
                summary.notices.insert(0, f"took over the lock of a killed run (pid {killed})")
            summary.notices[:0] = [f"completed run {r}, cut off after its commit" for r in finished]
            with _after_commit(summary.run_id, dry_run):
                purges = []
                crash_point("purge")
                if secret is not None and not dry_run:
                    erasing(home.state)
                    purges = retention.retain(db, home, config, processing_date, secret)
            with _after_commit(summary.run_id, dry_run):
                if not dry_run and replay is None:
                    sent = kanalen.deliver(
                        db, config, home, processing_date, datetime.now(UTC).astimezone()
                    )
                    summary.berichten |= sent.berichten
                    summary.notices += sent.notices
        with _after_commit(summary.run_id, dry_run):
            summary.purged = counted(erasure.finish(home, purges))
            if not dry_run and replay is None:
                audit.log(home, "run", asdict(summary))
        return summary


@contextmanager
def _after_commit(run_id: str, dry_run: bool) -> Iterator[None]:
    """The purge and the log after a committed run: a full disk there must not read as a
    night that never happened (run again, and it would run a second night)."""
    try:
        yield
    except (OSError, duckdb.IOException) as error:  # anything else is no full disk: exit 5
        if dry_run:
            raise
        raise RunAbortedError(
            f"run {run_id} is committed and its outputs are in place, but the purge or log "
            f"after it could not write ({_reason(error)}). Do not run the night again: free "
            "disk space or fix the permissions, then `vsig purge` finishes it (the next run "
            "would too)"
        ) from None


def _from_manifest(home: Home, run_id: str) -> Summary:
    names = {f.name for f in fields(Summary)}
    kept = {k: v for k, v in home.manifest(run_id).items() if k in names}
    return Summary(**(kept | {"out": str(home.outputs(run_id))}))


class _Night:
    def __init__(
        self,
        config: Config,
        home: Home,
        processing_date: date,
        db: Store,
        progress: Progress | None,
        replay: Replay | None,
        secret: bytes | None,
    ) -> None:
        self.config, self.home, self.date, self.db = config, home, processing_date, db
        self.secret = secret
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.replay = replay
        self.templates = replay.templates if replay else templates.BRIEVEN
        self.timings: dict[str, float] = {}
        self.started_at = datetime.now(UTC)

    @contextmanager
    def stage(self, name: str) -> Iterator[Tick]:
        self.progress(name, 0, 0)
        start = time.perf_counter()
        yield lambda done, total: self.progress(name, done, total)
        self.timings[name] = round(time.perf_counter() - start, 3)

    def run(self, dry_run: bool) -> Summary:
        with self.stage("inlezen"):
            what = read(self.db, self.home, self.config, self.date, self.replay)
        tonight = compute(what, self.config, self.date, self.stage)
        summary = summarise(tonight, self.config, self.date, dry_run, self.home.inbox, self.timings)
        if not dry_run:
            summary.out = str(self.commit(tonight, summary))
        return summary

    def commit(self, tonight: Tonight, summary: Summary) -> Path:
        """Write outputs and archive beside their final places, commit the state, then
        put both in place and take the consumed files out of the inbox."""
        run_id = tonight.run_id
        out = Home.partial(self.home.out, run_id)
        archive = Home.partial(self.home.archive, run_id)
        try:
            with self.stage("uitvoer"), _removed_on_error(out, archive):
                for folder in (out, archive):
                    shutil.rmtree(folder, ignore_errors=True)
                messages = berichten.rendered(tonight.berichten, self.config, self.templates)
                written = outputs.write(
                    out, tonight, messages, self.config, self.date, self.templates, self.stage
                )
                crash_point("outputs")
                state = audit.state_read(self.db, tonight)
                audit.write_archive(
                    archive, self.home, tonight, state, self.config, self.templates, self.secret
                )
                summary.notices += inbox.changed_since_read(tonight.inputs.consumed)
                manifest = audit.run_manifest(
                    summary, self.started_at, self.config, self.templates, out, archive, written
                )
                audit.write_manifest(out / MANIFEST, manifest, self.secret)
            crash_point("before-commit")
            with self.stage("vastleggen"), _removed_on_error(out, archive):
                self.db.write(_changes(tonight, messages, self.date))
        except (OSError, duckdb.Error) as error:
            raise RunAbortedError(
                f"cannot write the run ({_reason(error)}); nothing was committed and the state "
                "and inbox are as before the run. Free disk space or fix the permissions of "
                f"{self.home.root}, then run again (`vsig doctor` checks both)"
            ) from None
        crash_point("after-commit")
        final = self.home.outputs(run_id)
        out.rename(final)
        crash_point("after-outputs-in-place")
        inbox.take_consumed(tonight.inputs.consumed)
        crash_point("inbox-taken")
        archive.rename(self.home.archived(run_id))
        return final


@contextmanager
def _removed_on_error(*partials: Path) -> Iterator[None]:
    """Outputs of a run whose commit failed must not look like a run's outputs."""
    try:
        yield
    except BaseException:
        for partial in partials:
            shutil.rmtree(partial, ignore_errors=True)
        raise


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"{error.strerror or error}: {error.filename}" if error.filename else str(error)
    return str(error).splitlines()[0]


def _changes(tonight: Tonight, messages: pl.DataFrame, processing_date: date) -> Changes:
    run_id = tonight.run_id
    stamp = pl.lit(run_id).alias("run_id")
    return Changes(
        run_id=run_id,
        verwerkingsdatum=processing_date,
        exit_code=tonight.exit_code,
        bestanden=_consumed_files(tonight.inputs.consumed, run_id),
        signalen=tonight.signals.join(tonight.besloten, on=keuzes.KEY, how="anti")
        .with_columns(stamp)
        .drop("overleden"),
        besluiten=tonight.signals.join(tonight.besloten, on=keuzes.KEY, how="semi"),
        uiteen=tonight.parted,
        keuzes=tonight.besloten.select(
            *keuzes.KEY, "keuze", "organisatie", "bestand", "regelnummer"
        ).with_columns(stamp),
        zaken=pl.concat(
            [tonight.closed, tonight.active, lifecycle.open_rows(tonight.routed)],
            how="diagonal_relaxed",
        ),
        herindeling=tonight.regrouped,
        teruggemeld=pl.concat(
            [tonight.signals.join(tonight.besloten, on=keuzes.KEY, how="semi"), tonight.retold],
            how="diagonal_relaxed",
        ).select(*keuzes.KEY, "teruggemeld"),
        routeringen=tonight.routed.select("zaak_id", *routing.FACTS, "regel").with_columns(stamp),
        acties=tonight.actions.select("volgorde", *ACTION_COLUMNS).with_columns(stamp),
        gebeurtenissen=tonight.events.with_columns(stamp),
        berichten=messages,
        berichtbesluiten=tonight.berichtbesluiten,
    )


def _consumed_files(consumed: tuple[Ingested, ...], run_id: str) -> pl.DataFrame:
    """Files processed tonight, so that the same file is never processed again.

    A file rejected whole is left out: sent again unchanged, it gets its own reason again;
    so is a sheet of outcomes without an entry.
    """
    return pl.DataFrame(
        [
            {
                "sha256": i.sha256,
                "bestand": i.source.path.name,
                "bestandsoort": i.source.kind,
                "run_id": run_id,
            }
            for i in consumed
            if not i.file_reason and not i.processes_nothing
        ],
        schema={
            "sha256": pl.String,
            "bestand": pl.String,
            "bestandsoort": pl.String,
            "run_id": pl.String,
        },
    )
