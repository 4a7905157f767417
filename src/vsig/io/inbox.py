"""Reading the inbox: tonight's files, the extracts to run on, the signals sent before.

`read` gives the night its `Inputs`, frozen: later stages derive new frames from them and
never change what was read. After the commit, `take_consumed` removes the consumed files
from the inbox (the archive holds their bytes as read); a file that changed while it was
read stays, and `changed_since_read` says so.
"""

from dataclasses import replace
from datetime import date

import polars as pl

from vsig.config import Config
from vsig.contracts import SIGNAL_KEY
from vsig.io import ingest
from vsig.io.files import crash_point, sha256
from vsig.io.home import CONSUMED, Home
from vsig.io.ingest import Ingested
from vsig.io.sources import Source, discover, extract_date, newest_extract, unread
from vsig.io.state.store import Store
from vsig.night.tonight import Inputs, RunAbortedError
from vsig.rules import match
from vsig.text import escaped

_KINDS = ("brp", "sdd")


def read(
    home: Home,
    config: Config,
    day: date,
    db: Store,
    run_id: str,
    persons: pl.Series,
    registers: tuple[Ingested, Ingested] | None = None,
) -> Inputs:
    """Tonight's files, and of the registers the rows about tonight's signals and about
    `persons` (those of the open cases, whom their cases follow). A replay brings its
    archived `registers` (BRP, SDD) instead of the inbox's extracts."""
    delivered = discover(home.inbox, config)
    extracts = None if registers else [_newest_extract(delivered, k, day, config) for k in _KINDS]
    consumed = _consumed(delivered, day, db.processed_files(), run_id)
    consumed = without_seen_before(consumed, db.signals_seen(_signal_keys(consumed)), run_id)
    if registers:
        return Inputs(*registers, consumed)
    assert extracts is not None
    left = tuple(unread(home.inbox, config))
    signals = Inputs.signals_of(consumed)
    threshold = config.naam_gelijkenis
    brp = _register(
        extracts[0],
        day,
        ingest.Needed(
            match.BRP_KEYS, lambda text: match.brp_needed(text, signals, persons, threshold)
        ),
    )
    sdd = _register(
        extracts[1],
        day,
        ingest.Needed(match.SDD_KEYS, lambda text: match.sdd_needed(text, brp.accepted)),
    )
    return Inputs(brp, sdd, consumed, left)


def _consumed(
    sources: list[Source], day: date, processed: dict[str, str], run_id: str
) -> tuple[Ingested, ...]:
    """Every signal and outcome file, read whole; a file consumed before (or earlier
    tonight) is rejected whole. A file rejected whole may come again, rightly."""
    consumed: list[Ingested] = []
    for source in sources:
        if source.kind in CONSUMED:
            result = ingest.ingest_file(source, day, processed, keep=True)
            if not result.file_reason:
                processed = {**processed, result.sha256: run_id}
            consumed.append(result)
    return tuple(consumed)


def _signal_keys(consumed: tuple[Ingested, ...]) -> pl.DataFrame:
    empty = pl.DataFrame(schema=dict.fromkeys(SIGNAL_KEY, pl.String))
    files = [i for i in consumed if i.source.kind == "signalen" and i.accepted.height]
    return pl.concat([empty, *(i.accepted.select(SIGNAL_KEY) for i in files)])


def without_seen_before(
    consumed: tuple[Ingested, ...], seen: pl.DataFrame, run_id: str
) -> tuple[Ingested, ...]:
    """A signal id a partner sent before (`seen`: an earlier night; or an earlier file
    tonight) becomes a reject, not processed twice: a resent row makes no second letter."""
    checked: list[Ingested] = []
    for result in consumed:
        if result.source.kind != "signalen" or not result.accepted.height:
            checked.append(result)
            continue
        rows = result.accepted.join(seen, on=list(SIGNAL_KEY), how="left")
        again = pl.col("eerder").is_not_null()
        rejects = rows.filter(again).select(
            "bestand",
            "regelnummer",
            kolom=pl.lit("signaal_id"),
            waarde="signaal_id",
            reden=pl.format("was already received in run {}", "eerder"),
        )
        accepted = rows.filter(~again).drop("eerder")
        checked.append(
            replace(
                result,
                accepted=accepted,
                rejects=pl.concat([result.rejects, rejects]).sort(
                    "regelnummer", "kolom", nulls_last=True
                ),
            )
        )
        tonight = accepted.select(*SIGNAL_KEY, eerder=pl.lit(run_id))
        seen = pl.concat([seen, tonight])
    return tuple(checked)


def _newest_extract(sources: list[Source], kind: str, day: date, config: Config) -> Source:
    newest = newest_extract(sources, kind, day)
    if newest is None:
        raise RunAbortedError(
            f"no {kind.upper()} extract in inbox/{kind}/ dated on or before {day}; "
            "deliver one (e.g. brp-YYYYMMDD.csv) and run again"
        )
    dated = extract_date(newest.path)
    if (day - dated).days > config.brp_max_age_days:
        raise RunAbortedError(
            f"the newest {kind.upper()} extract {newest.path.name} is from {dated}, more "
            f"than brp_max_age_days ({config.brp_max_age_days}) before {day}; deliver a "
            "fresh extract"
        )
    return newest


def _register(source: Source, day: date, needed: ingest.Needed) -> Ingested:
    """An extract's rows to run on: readable, and not all of them broken. An SDD extract
    with no rows at all is fine (nobody known); a BRP extract without residents is not."""
    result = ingest.ingest_file(source, day, needed=needed)
    empty = not result.accepted.height and (result.read or source.kind == "brp")
    if result.file_reason or empty:
        reason = result.file_reason or "no row could be accepted"
        raise RunAbortedError(
            f"the {source.kind.upper()} extract {source.path.name} cannot be used: {reason}"
        )
    return result


def changed_since_read(consumed: tuple[Ingested, ...]) -> list[str]:
    """Files a partner changed after the run read them (still writing, or appending): the
    rows read are processed and archived, the file stays in the inbox for the next night."""
    return [
        f"{escaped(i.source.path.name)}: changed while it was read; the rows read tonight are "
        "processed, the file stays in the inbox and the next run reads it again (rows already "
        "processed are then rejected as sent before)"
        for i in consumed
        if not _unchanged(i)
    ]


def take_consumed(consumed: tuple[Ingested, ...]) -> None:
    """Remove the consumed files from the inbox, now that the archive holds what was read;
    a file that changed since stays (the run's notices say so)."""
    for number, result in enumerate(consumed):
        if number == 1:
            crash_point("inbox-half-moved")
        if _unchanged(result):
            result.source.path.unlink()


def _unchanged(consumed: Ingested) -> bool:
    try:
        return sha256(consumed.source.path) == (consumed.delivered_sha256 or consumed.sha256)
    except OSError:
        return False
