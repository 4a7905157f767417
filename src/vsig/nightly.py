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
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import duckdb
import polars as pl

from vsig import (
    audit,
    cases,
    exports,
    ingest,
    letters,
    match,
    privacy,
    route,
    templates,
    termijnen,
)
from vsig.config import Config
from vsig.files import crash_point, private_files, write_atomic
from vsig.home import MANIFEST, Home
from vsig.ingest import Ingested, Source
from vsig.store import (
    WRITER_WAIT,
    Changes,
    Store,
    compact_if_pending,
    erased,
    erasing,
    locked,
)
from vsig.tonight import Inputs, Summary, Tonight, no_events

STAGES: Final = (
    "inlezen",
    "matchen",
    "zaken",
    "routeren",
    "termijnen",
    "uitvoer",
    "brieven",
    "vastleggen",
)
Progress = Callable[[str], None]

SIGNALS_CSV: Final = ("signaal_id", "signaalpartner", "soort", "status", "zaak_id", "gemeentecode")
CASES_CSV: Final = (
    "zaak_id",
    "gemeentecode",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "bekend_bij_sdd",
    "totaal_achterstand",
    "aantal_signalen",
    "soorten",
    "crisis",
    "regel",
    "acties",
)
FACT_COLUMNS: Final = (
    "bekend_bij_sdd",
    "totaal_achterstand",
    "aantal_signalen",
    "soorten",
    "crisis",
    "warme_overdracht",
    "gemeentecode",
    "meervoudig",
    "telefoon_bekend",
)


class RunAbortedError(Exception):
    """The run stopped before committing anything, or could not finish the purge after its
    commit; the message says which, and what to do."""


@dataclass(frozen=True)
class Replay:
    """What a replay brings in place of the home's own: the archived run's id, extracts and
    letter templates. The archived signal files sit in the scratch inbox, the archived state
    slice in the scratch state."""

    run_id: str
    brp: Ingested
    sdd: Ingested
    templates: Path


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
        _clear_leftovers(home)
        with Store.open(home.state) as db:
            finished = [] if dry_run else recover(db, home)
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
                    purges = privacy.purge(db, home, config, processing_date, secret)
        with _after_commit(summary.run_id, dry_run):
            summary.purged = finish_erasure(home, purges)
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


def recover(db: Store, home: Home) -> list[str]:
    """Finish what a killed run left: outputs and archive of a committed run still in their
    temporary folders are put in place, its consumed files taken out of the inbox first;
    what an uncommitted run left is removed. Returns the runs completed."""
    committed = db.run_ids()
    finished: set[str] = set()
    for folder in (home.out, home.archive):
        for partial in sorted(folder.glob(".*.partial")):
            run_id = partial.name[1 : -len(".partial")]
            if run_id in committed and not (folder / run_id).exists():
                if folder == home.archive:
                    _take_archived_from_inbox(home, run_id)
                partial.rename(folder / run_id)
                finished.add(run_id)
            else:
                shutil.rmtree(partial)
    return sorted(finished)


def _take_archived_from_inbox(home: Home, run_id: str) -> None:
    """The inbox files a committed run consumed, by name and bytes as its manifest lists
    them. Only while its archive is not yet in place: after that, a file with the same name
    and bytes is a new delivery (to be refused as already processed, with a reason)."""
    for relative, digest in home.manifest(run_id)["archive"].items():
        left = home.inbox / relative
        consumed = relative.split("/")[0] in ingest.CONSUMED
        if consumed and left.is_file() and audit.sha256(left) == digest:
            left.unlink()


def _from_manifest(home: Home, run_id: str) -> Summary:
    names = {f.name for f in fields(Summary)}
    kept = {k: v for k, v in home.manifest(run_id).items() if k in names}
    return Summary(**(kept | {"out": str(home.outputs(run_id))}))


def _clear_leftovers(home: Home) -> None:
    """What killed commands left: a compaction to finish, readers' snapshots and replays'
    scratch folders, which hold personal data."""
    compact_if_pending(home.state)
    shutil.rmtree(home.scratch, ignore_errors=True)


def purge(config: Config, home: Home, day: date, secret: bytes) -> dict[str, int]:
    """`vsig purge`: retention now, holding the lock until the state file is compacted."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        _clear_leftovers(home)
        erasing(home.state)
        with Store.open(home.state) as db:
            purges = privacy.purge(db, home, config, day, secret)
        return finish_erasure(home, purges)


def forget(
    config: Config, home: Home, subject: privacy.Subject, day: date, secret: bytes
) -> dict[str, int]:
    """`vsig forget`: erase one person or household, holding the lock until the state file
    is compacted."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        _clear_leftovers(home)
        erasing(home.state)
        with Store.open(home.state) as db:
            purged = privacy.forget(db, home, config, subject, day, secret)
        return finish_erasure(home, [purged])


def finish_erasure(home: Home, purges: list[privacy.Purged]) -> dict[str, int]:
    """Scrub what a purge removed from the state file (the purge logged it); counts per
    reason/kind. Called holding the lock, after the state is closed."""
    crash_point("erasure-state")
    erased(home.state, any(p.ids for p in purges))
    return {f"{p.reden}/{kind}": n for p in purges for kind, n in p.counts().items()}


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
        self.progress = progress or (lambda _stage: None)
        self.replay = replay
        self.templates = replay.templates if replay else templates.BRIEVEN
        self.timings: dict[str, float] = {}
        self.started_at = datetime.now(UTC)
        self.unread = [] if replay else ingest.unread(home.inbox, config)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.progress(name)
        start = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - start, 3)

    def run(self, dry_run: bool) -> Summary:
        tonight = self._compute()
        summary = self._summary(tonight, dry_run)
        if not dry_run:
            summary.out = str(self._commit(tonight, summary))
        return summary

    def _compute(self) -> Tonight:
        with self.stage("inlezen"):
            run_id = self.replay.run_id if self.replay else self.db.next_run_id(self.date)
            stored = self.db.case_signals(cases.CASE_SIGNAL_COLUMNS)
            inputs = self._read_inputs(run_id, stored["persoon_bsn"])
            brp = match.prepare_brp(inputs.brp.accepted, self.date)
            read_before = self.db.open_cases()
            open_cases, closed, events = self._events_and_closing(read_before, inputs.events)
        with self.stage("matchen"):
            followed = cases.follow(
                open_cases,
                stored.filter(pl.col("zaak_id").is_in(open_cases["zaak_id"].implode())),
                brp,
                self.date,
            )
            closed_tonight = stored.join(
                followed.signals, on=["signaalpartner", "signaal_id"], how="anti"
            )
            closed_before = self.db.case_signals(cases.CASE_SIGNAL_COLUMNS, closed=True)
            known = cases.known_debts(followed.signals, pl.concat([closed_before, closed_tonight]))
            matched = match.match(inputs.signals, brp, self.config, self.date, known)
        with self.stage("zaken"):
            bundled = cases.bundle(matched, followed, run_id, self.date)
            touched = self._case_facts(bundled, brp, inputs.sdd)
        with self.stage("routeren"):
            routed = route.route(touched, self.config.routing)
            before = self.db.performed_actions()
            actions = route.action_details(
                route.new_actions(routed, self.config.routing, before),
                self.config.routing,
                self.date,
            )
            forwarded = (
                pl.concat([before.select("zaak_id", "soort"), actions.select("zaak_id", "soort")])
                .filter(pl.col("soort") == "doorsturen")
                .select("zaak_id")
                .unique()
            )
        with self.stage("termijnen"):
            open_now = pl.concat(
                [
                    followed.open_cases.select("zaak_id", "gemeentecode", "crisis"),
                    routed.select("zaak_id", "gemeentecode", "crisis"),
                ]
            ).unique("zaak_id", keep="last")
            known_events = pl.concat(
                [
                    self.db.event_history(),
                    events.select("zaak_id", "datum", "gebeurtenis"),
                ]
            )
            deadlines = termijnen.deadlines(
                open_now, known_events, forwarded, self.config.termijnen, self.date
            )
            decisions = self._decisions(events)
        return Tonight(
            run_id,
            inputs,
            brp,
            read_before,
            pl.concat([closed, followed.closed], how="diagonal_relaxed"),
            _active_unrouted(followed.open_cases, routed, self.date),
            events,
            bundled.signals,
            bundled.case_signals,
            bundled.regrouped,
            routed,
            actions,
            forwarded,
            deadlines,
            decisions,
            exports.debtors(bundled.case_signals, brp),
        )

    def _decisions(self, events: pl.DataFrame) -> pl.DataFrame:
        """The signals of cases with a beschikking or resultaat tonight, with that outcome."""
        outcomes = (
            events.filter(pl.col("gebeurtenis").is_in(["beschikking", "resultaat"]))
            .sort("datum", "regel")
            .group_by("zaak_id", "gebeurtenis")
            .agg(pl.col("waarde").last())
            .pivot(on="gebeurtenis", index="zaak_id", values="waarde")
        )
        for outcome in ("beschikking", "resultaat"):
            if outcome not in outcomes.columns:
                outcomes = outcomes.with_columns(pl.lit(None, pl.String).alias(outcome))
        decided = self.db.decided_signals(outcomes.select("zaak_id"))
        return decided.join(outcomes, on="zaak_id").drop("zaak_id")

    def _commit(self, tonight: Tonight, summary: Summary) -> Path:
        """Write outputs and archive beside their final places, commit the state, then
        put both in place and move the consumed files out of the inbox."""
        run_id = tonight.run_id
        out = Home.partial(self.home.out, run_id)
        archive = Home.partial(self.home.archive, run_id)
        try:
            with self.stage("uitvoer"), _removed_on_error(out, archive):
                for folder in (out, archive):
                    shutil.rmtree(folder, ignore_errors=True)
                self._write_outputs(out, tonight)
                crash_point("outputs")
                self._write_archive(archive, tonight)
                summary.notices += _changed_since_read(tonight.inputs.consumed)
                self._write_manifest(out, archive, tonight, summary)
            crash_point("before-commit")
            with self.stage("vastleggen"), _removed_on_error(out, archive):
                self.db.write(_changes(tonight, self.date))
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
        _take_from_inbox(tonight.inputs.consumed)
        crash_point("inbox-taken")
        archive.rename(self.home.archived(run_id))
        return final

    def _read_inputs(self, run_id: str, persons: pl.Series) -> Inputs:
        """Tonight's files, and of the registers the rows about tonight's signals and about
        `persons` (those of the open cases, whom their cases follow)."""
        inbox = self.home.inbox
        sources = ingest.discover(inbox, self.config)
        extracts = (
            None
            if self.replay
            else [
                _newest_extract(sources, kind, self.date, self.config.brp_max_age_days)
                for kind in ("brp", "sdd")
            ]
        )
        processed = self.db.processed_files()
        consumed: list[Ingested] = []
        for source in sources:
            if source.kind in ingest.CONSUMED:
                result = ingest.ingest_file(source, self.date, processed, keep=True)
                if not result.file_reason:  # a file rejected whole may come again, rightly
                    processed = {**processed, result.sha256: run_id}
                consumed.append(result)
        self._reject_signals_seen_before(consumed, run_id)
        if self.replay:
            return Inputs(self.replay.brp, self.replay.sdd, consumed)
        assert extracts is not None
        signals = Inputs.signals_of(consumed)
        threshold = self.config.naam_gelijkenis
        brp = _usable_extract(
            ingest.ingest_file(
                extracts[0],
                self.date,
                needed=ingest.Needed(
                    match.BRP_KEYS,
                    lambda text: match.brp_needed(text, signals, persons, threshold),
                ),
            )
        )
        sdd = _usable_extract(
            ingest.ingest_file(
                extracts[1],
                self.date,
                needed=ingest.Needed(
                    match.SDD_KEYS, lambda text: match.sdd_needed(text, brp.accepted)
                ),
            )
        )
        return Inputs(brp, sdd, consumed)

    def _reject_signals_seen_before(self, consumed: list[Ingested], run_id: str) -> None:
        """A signal id a partner sent before (an earlier night, or an earlier file tonight)
        is reported as a reject, not processed twice: a resent row makes no second letter."""
        files = [i for i in consumed if i.source.kind == "signalen" and i.accepted.height]
        keys = pl.concat(
            [i.accepted.select("signaalpartner", "signaal_id") for i in files]
            or [pl.DataFrame(schema={"signaalpartner": pl.String, "signaal_id": pl.String})]
        )
        seen = self.db.signals_seen(keys)
        for result in files:
            checked = result.accepted.join(seen, on=["signaalpartner", "signaal_id"], how="left")
            again = pl.col("eerder").is_not_null()
            result.rejects = pl.concat(
                [
                    result.rejects,
                    checked.filter(again).select(
                        "bestand",
                        "regel",
                        kolom=pl.lit("signaal_id"),
                        waarde="signaal_id",
                        reden=pl.format("was already received in run {}", "eerder"),
                    ),
                ]
            ).sort("regel", "kolom", nulls_last=True)
            result.accepted = checked.filter(~again).drop("eerder")
            tonight = result.accepted.select("signaalpartner", "signaal_id", eerder=pl.lit(run_id))
            seen = pl.concat([seen, tonight])

    def _events_and_closing(
        self, open_cases: pl.DataFrame, events: list[Ingested]
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Record case events, then close cases on a result or after long inactivity.

        Returns the cases still open, the closed cases' new rows and the accepted events.
        """
        for result in events:
            if not result.file_reason:
                result.accepted, unknown = cases.split_events(result.accepted, open_cases)
                result.rejects = pl.concat([result.rejects, unknown])
        accepted = pl.concat([e.accepted for e in events if not e.file_reason] or [no_events()])
        active = cases.after_events(open_cases, accepted, self.date)
        stale = cases.to_close(active, self.date, self.config.case_close_after_days)
        closed = pl.concat([active.filter(pl.col("gesloten").is_not_null()), stale])
        still_open = active.join(closed, on="zaak_id", how="anti")
        return still_open, closed, accepted

    def _case_facts(
        self, bundled: cases.Bundled, brp: pl.DataFrame, sdd: ingest.Ingested
    ) -> pl.DataFrame:
        """Facts of every case whose signals or address changed tonight, over all its signals."""
        debtors = bundled.case_signals.select("zaak_id", "persoon_bsn").join(
            bundled.touched.select("zaak_id", "adres_sleutel"), on="zaak_id"
        )
        known = match.bekend_bij_sdd(debtors, brp, sdd.accepted, self.config, self.date)
        return (
            cases.facts(bundled.case_signals)
            .join(bundled.touched, on="zaak_id")
            .join(known, on="zaak_id")
            .sort("zaak_id")
        )

    def _summary(self, tonight: Tonight, dry_run: bool) -> Summary:
        routed, actions, inputs = tonight.routed, tonight.actions, tonight.inputs
        opened = routed.filter(pl.col("geopend") == self.date).height
        per_gemeente = _counts(routed, "gemeentecode")
        return Summary(
            run_id=tonight.run_id,
            verwerkingsdatum=self.date.isoformat(),
            exit_code=tonight.exit_code,
            dry_run=dry_run,
            out=None,
            inputs=[_input_summary(i, self.home.inbox) for i in inputs.all],
            signalen_per_status=_counts(tonight.signals, "status"),
            zaken={
                "geopend": opened,
                "gewijzigd": routed.height - opened,
                "gesloten": tonight.closed.height,
            },
            zaken_per_regel=_counts(routed, "regel"),
            # Every municipality gets an export, if need be an empty one.
            zaken_per_gemeente={g.code: per_gemeente.get(g.code, 0) for g in self.config.gemeenten},
            acties=_counts(actions, "actie"),
            brieven_per_template=_counts(
                actions.filter(pl.col("soort") == "brief").join(tonight.debtors, on="zaak_id"),
                "template",
            ),
            rejects=sum(i.rejected for i in inputs.all),
            notices=[
                *(f"{i.source.path.name}: {n}" for i in inputs.all for n in i.notices),
                *self.unread,
            ],
            timings=self.timings,
            termijnen=_counts(tonight.deadlines, "stand"),
        )

    def _write_outputs(self, folder: Path, tonight: Tonight) -> None:
        """The run's own files, then the documents people act on: letters, the
        municipalities' exports, the SDD's call list and each partner's feedback."""
        signals, routed, actions = tonight.signals, tonight.routed, tonight.actions
        exports.write_csv(
            signals.select(SIGNALS_CSV).sort("signaalpartner", "signaal_id", "zaak_id"),
            folder / "signals.csv",
        )
        exports.write_csv(_cases_csv(routed, actions), folder / "cases.csv")
        taken: set[str] = set()
        for result in tonight.inputs.all:
            if result.rejects.height:
                name = _reject_name(result.source, taken)
                exports.write_csv(result.rejects, folder / "rejects" / name)
        households = exports.households(routed, tonight.brp, tonight.case_signals)
        with self.stage("brieven"):
            briefs = letters.letters_for(
                actions,
                routed,
                households,
                tonight.debtors,
                self.config,
                self.date,
            )
            index = letters.write(
                folder / "letters", briefs, self.config, self.date, self.templates
            )
        exports.write_csv(index, folder / "letters" / "index.csv")
        per_gemeente = exports.gemeente_exports(
            routed, actions, tonight.forwarded, households, self.config
        )
        for code, rows in per_gemeente.items():
            exports.write_csv(rows, folder / "exports" / "gemeente" / f"{code}.csv")
        calls = exports.bellijst(routed, actions, households)
        exports.write_csv(calls, folder / "exports" / "sdd" / "bellijst.csv")
        unmatched = exports.niet_gekoppeld(signals)
        exports.write_csv(unmatched, folder / "exports" / "sdd" / "niet_gekoppeld.csv")
        exports.write_csv(tonight.deadlines, folder / "exports" / "termijnen.csv")
        feedback = exports.terugmeldingen(signals, tonight.decisions, self.date)
        for partner, rows in feedback.items():
            exports.write_csv(rows, folder / "exports" / "terugmelding" / f"{partner}.csv")

    def _write_archive(self, folder: Path, tonight: Tonight) -> None:
        """What a replay needs, in as little personal data as reproduces the run: the
        consumed files as they were read, the extracts' used rows and the state the run read.
        """
        inputs = tonight.inputs
        for consumed in inputs.consumed:
            target = folder / consumed.source.path.relative_to(self.home.inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, consumed.content)
        state = self._state_read(tonight)
        used = match.rows_used(
            inputs.signals,
            tonight.brp,
            tonight.signals,
            state["signalen"].filter(pl.col("zaak_id").is_not_null())["persoon_bsn"],
            self.config.naam_gelijkenis,
        )
        brp_used = used.select(inputs.brp.accepted.columns)
        audit.write_register(folder, inputs.brp, brp_used)
        audit.write_register(
            folder,
            inputs.sdd,
            inputs.sdd.accepted.filter(pl.col("bsn").is_in(brp_used["bsn"].implode())),
        )
        audit.write_state(folder, state)
        audit.copy_files(folder / audit.CONFIG, list(self.config.files))
        audit.copy_files(folder / audit.TEMPLATES, templates.letter_files(self.templates))

    def _state_read(self, tonight: Tonight) -> dict[str, pl.DataFrame]:
        """The rows of earlier nights that decided something tonight: the open cases at
        tonight's addresses, with events, holding tonight's debts, or changed tonight
        (moved, merged, closed), and the closed cases holding tonight's debts, with their
        signals and actions; and the earlier files that tonight's files repeat."""
        signals = tonight.signals
        debts = signals.select("signaalpartner", "klantnummer")
        holding = self.db.cases_holding(debts)
        before = tonight.read_before
        with_events = self.db.cases_with_events()
        changed = pl.concat([tonight.routed["zaak_id"], tonight.closed["zaak_id"]])
        closed_holding = self.db.closed_cases(holding)
        relevant = before.filter(
            pl.col("adres_sleutel").is_in(signals["adres_sleutel"].drop_nulls().implode())
            | pl.col("zaak_id").is_in(changed.implode())
            | pl.col("zaak_id").is_in(_event_cases(tonight.inputs.events).implode())
            | pl.col("zaak_id").is_in(holding["zaak_id"].implode())
            | pl.col("zaak_id").is_in(with_events.implode())  # their deadlines
        )
        relevant = pl.concat([relevant, closed_holding], how="diagonal_relaxed")
        ids = relevant.select("zaak_id")
        shas = pl.DataFrame({"sha256": [i.sha256 for i in tonight.inputs.consumed]})
        return {"zaken": relevant} | self.db.state_slice(ids, _signal_keys_read(tonight), shas)

    def _write_manifest(self, out: Path, archive: Path, tonight: Tonight, summary: Summary) -> None:
        """Everything an auditor needs to check the run, and no personal data."""
        archived = audit.hashes(archive)
        manifest = {
            **asdict(summary),
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "environment": audit.environment(),
            "config_file": self.config.files[0].name,
            "config": {p.name: audit.sha256(p) for p in self.config.files},
            "templates": {p.name: audit.sha256(p) for p in templates.letter_files(self.templates)},
            "outputs": [{"path": p, "sha256": h} for p, h in audit.hashes(out).items()],
            "archive": dict(sorted(archived.items())),
        }
        manifest.pop("out")
        audit.write_manifest(out / MANIFEST, manifest, self.secret)


@contextmanager
def _removed_on_error(*partials: Path) -> Iterator[None]:
    """Outputs of a run whose commit failed must not look like a run's outputs."""
    try:
        yield
    except BaseException:
        for partial in partials:
            shutil.rmtree(partial, ignore_errors=True)
        raise


def _signal_keys_read(tonight: Tonight) -> pl.DataFrame:
    """Partner and signal id of every signal row read tonight, accepted or sent before."""
    frames = [
        pl.concat(
            [
                i.accepted.select("signaal_id"),
                i.rejects.filter(pl.col("kolom") == "signaal_id").select(signaal_id="waarde"),
            ]
        ).with_columns(signaalpartner=pl.lit(i.source.partner.code))
        for i in tonight.inputs.consumed
        if i.source.kind == "signalen" and i.source.partner and not i.file_reason
    ]
    empty = pl.DataFrame(schema={"signaal_id": pl.String, "signaalpartner": pl.String})
    return pl.concat([empty, *frames]).select("signaalpartner", "signaal_id").unique()


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"{error.strerror or error}: {error.filename}" if error.filename else str(error)
    return str(error).splitlines()[0]


def _event_cases(events: list[Ingested]) -> pl.Series:
    frames = [e.accepted.select("zaak_id") for e in events if not e.file_reason]
    return pl.concat([*frames, no_events().select("zaak_id")])["zaak_id"]


def _changes(tonight: Tonight, processing_date: date) -> Changes:
    run_id = tonight.run_id
    stamp = pl.lit(run_id).alias("run_id")
    return Changes(
        run_id=run_id,
        verwerkingsdatum=processing_date,
        exit_code=tonight.exit_code,
        bestanden=_consumed_files(tonight.inputs.consumed, run_id),
        signalen=tonight.signals.with_columns(stamp).drop("overleden"),
        zaken=pl.concat(
            [tonight.closed, tonight.active, _case_rows(tonight.routed)], how="diagonal_relaxed"
        ),
        herindeling=tonight.regrouped,
        routeringen=tonight.routed.select("zaak_id", *FACT_COLUMNS, "regel").with_columns(stamp),
        acties=tonight.actions.with_columns(stamp),
        gebeurtenissen=tonight.events.with_columns(stamp),
    )


def _newest_extract(sources: list[Source], kind: str, today: date, max_age: int) -> Source:
    newest = ingest.newest_extract(sources, kind, today)
    if newest is None:
        raise RunAbortedError(
            f"no {kind.upper()} extract in inbox/{kind}/ dated on or before {today}; "
            "deliver one (e.g. brp-YYYYMMDD.csv) and run again"
        )
    day = ingest.extract_date(newest.path)
    if (today - day).days > max_age:
        raise RunAbortedError(
            f"the newest {kind.upper()} extract {newest.path.name} is from {day}, more than "
            f"brp_max_age_days ({max_age}) before {today}; deliver a fresh extract"
        )
    return newest


def _usable_extract(result: Ingested) -> Ingested:
    """An extract to run on: readable, and not all its rows broken. An SDD extract with no
    rows at all is fine (nobody known); a BRP extract without residents is not."""
    empty = not result.accepted.height and (result.read or result.source.kind == "brp")
    if result.file_reason or empty:
        reason = result.file_reason or "no row could be accepted"
        raise RunAbortedError(
            f"the {result.source.kind.upper()} extract {result.source.path.name} "
            f"cannot be used: {reason}"
        )
    return result


def _counts(frame: pl.DataFrame, column: str) -> dict[str, int]:
    counted = frame.group_by(column).len().sort(column)
    return {str(k): int(v) for k, v in counted.iter_rows()}


def _input_summary(result: Ingested, inbox: Path) -> dict[str, Any]:
    path = result.source.path
    return result.summary(str(path.relative_to(inbox)) if path.is_relative_to(inbox) else path.name)


def _cases_csv(routed: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
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
            bekend_bij_sdd=exports.ja_nee(pl.col("bekend_bij_sdd")),
            totaal_achterstand=exports.euros(pl.col("totaal_achterstand")),
            soorten=pl.col("soorten").list.join("+"),
            crisis=exports.ja_nee(pl.col("crisis")),
            acties=pl.col("acties").fill_null(""),
        )
        .select(CASES_CSV)
        .sort("zaak_id")
    )


def _reject_name(source: Source, taken: set[str]) -> str:
    """`<file>.csv`; prefixed with its folder when two folders deliver the same name."""
    name = source.path.name if source.path.suffix == ".csv" else f"{source.path.name}.csv"
    if name in taken:
        name = f"{source.path.parent.name}-{name}"
    taken.add(name)
    return name


def _case_rows(routed: pl.DataFrame) -> pl.DataFrame:
    """Routed cases as state rows: open."""
    return routed.with_columns(gesloten=pl.lit(None, pl.Date), sluitreden=pl.lit(None, pl.String))


def _active_unrouted(open_cases: pl.DataFrame, routed: pl.DataFrame, today: date) -> pl.DataFrame:
    """Open cases active tonight (an event) that routing did not rewrite: their new
    `laatste_activiteit` must still reach the state."""
    return open_cases.filter(
        (pl.col("laatste_activiteit") == today)
        & ~pl.col("zaak_id").is_in(routed["zaak_id"].implode())
    ).drop("verhuisd")


def _consumed_files(consumed: list[Ingested], run_id: str) -> pl.DataFrame:
    """Files processed tonight, so that the same file is never processed again.

    A file rejected whole is left out: sent again unchanged, it gets its own reason again.
    """
    return pl.DataFrame(
        [
            {
                "sha256": i.sha256,
                "bestand": i.source.path.name,
                "soort": i.source.kind,
                "run_id": run_id,
            }
            for i in consumed
            if not i.file_reason
        ],
        schema={"sha256": pl.String, "bestand": pl.String, "soort": pl.String, "run_id": pl.String},
    )


def _changed_since_read(consumed: list[Ingested]) -> list[str]:
    """Files a partner changed after the run read them (still writing, or appending): the
    rows read are processed and archived, the file stays in the inbox for the next night."""
    return [
        f"{i.source.path.name}: changed while it was read; the rows read tonight are "
        "processed, the file stays in the inbox and the next run reads it again (rows already "
        "processed are then rejected as sent before)"
        for i in consumed
        if not _unchanged(i)
    ]


def _unchanged(consumed: Ingested) -> bool:
    try:
        return audit.sha256(consumed.source.path) == consumed.sha256
    except OSError:
        return False


def _take_from_inbox(consumed: list[Ingested]) -> None:
    """Remove the consumed files from the inbox, now that the archive holds what was read;
    a file that changed since stays (the run's notices say so)."""
    for number, result in enumerate(consumed):
        if number == 1:
            crash_point("inbox-half-moved")
        if _unchanged(result):
            result.source.path.unlink()
