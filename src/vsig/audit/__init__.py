"""The audit trail: what a run consumed, in the least personal data that reproduces it.

`archive/<run_id>/` keeps the creditor and event files the run consumed, the config and
letter templates it used, only the BRP and SDD rows that decided something (the extracts'
full hashes and counts stay in the manifest), and the slice of earlier state the run read.
Every archived file's SHA-256 is in the manifest, and the manifest is sealed with an HMAC
under the secret, so an edited archive or manifest is caught before a replay runs: whoever
edits one cannot make the seal agree without the key.
"""

import hmac
import json
import shutil
import sys
import traceback
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import polars as pl
from packaging.requirements import Requirement

from vsig import templates
from vsig.config import Config
from vsig.io.files import sha256, write_atomic, write_parquet_atomic, write_text_atomic
from vsig.io.home import MANIFEST, Home
from vsig.io.ingest import Ingested
from vsig.io.sources import Source
from vsig.io.state.store import Store
from vsig.night.tonight import Summary, Tonight
from vsig.privacy import uitsluitingen
from vsig.rules import cases, formats, keuzes, match, normalize

REGISTERS: Final = "registers"
STATE_FOLDER: Final = "state"
CONFIG: Final = "config"
TEMPLATES: Final = "templates"
STATE_TABLES: Final = ("bestanden", "zaken", "signalen", "acties", "gebeurtenissen", "berichten")
SINCE: Final = {"berichten": "the outbox (state migration 14)"}
"""State tables an archive made before they existed does not hold: its night had none."""
EXCLUSIONS: Final = f"{STATE_FOLDER}/uitsluitingen.parquet"
"""The entries of the exclusion list that could decide one of the run's signals, each as
its keyed hash (`uitsluitingen.hashed`): never a BSN or address in plain text."""


SEAL: Final = "seal"
"""The manifest's HMAC-SHA-256 under the secret, over every other field."""


def seal(manifest: dict[str, Any], secret: bytes) -> str:
    body = {k: v for k, v in manifest.items() if k != SEAL}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # The secret also keys the purge log; the prefix keeps the two uses apart.
    return hmac.new(secret, b"manifest\0" + canonical.encode(), "sha256").hexdigest()


def sealed(manifest: dict[str, Any], secret: bytes) -> bool:
    """Whether the manifest is as vsig wrote it, with this secret."""
    return hmac.compare_digest(str(manifest.get(SEAL, "")), seal(manifest, secret))


def write_manifest(path: Path, manifest: dict[str, Any], secret: bytes | None) -> None:
    """Sealed under the secret; a replay's own scratch run, which has none, is not."""
    if secret is not None:
        manifest = {**manifest, SEAL: seal(manifest, secret)}
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    write_text_atomic(path, text)


def hashes(folder: Path, known: Mapping[Path, str] | None = None) -> dict[str, str]:
    """Every file under `folder` by its path relative to it, sorted; a file in `known` by
    the hash taken as it was written, not read again."""
    return {
        str(p.relative_to(folder)): known[p] if known and p in known else sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_archive(
    folder: Path,
    home: Home,
    tonight: Tonight,
    state: dict[str, pl.DataFrame],
    config: Config,
    letter_templates: Path,
    secret: bytes | None,
) -> None:
    """What a replay needs, in as little personal data as reproduces the run: the
    consumed files as they were read, the extracts' used rows, the `state` the run read
    (see `state_read`) with the exclusions that could decide a signal (keyed under the
    `secret`: a replay's own scratch run, which has none, keeps none), the config and the
    letter templates."""
    inputs = tonight.inputs
    for consumed in inputs.consumed:
        target = folder / consumed.source.path.relative_to(home.inbox)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, consumed.content)
    used = match.rows_used(
        inputs.signals,
        tonight.brp,
        tonight.signals,
        cases.debtor_bsns(state["signalen"].filter(pl.col("zaak_id").is_not_null()))["persoon_bsn"],
        config.naam_gelijkenis,
    )
    brp_used = used.select(inputs.brp.accepted.columns)
    write_register(folder, inputs.brp, brp_used)
    write_register(
        folder,
        inputs.sdd,
        inputs.sdd.accepted.filter(pl.col("bsn").is_in(brp_used["bsn"].implode())),
    )
    write_state(folder, state)
    if secret is not None:
        signals = pl.concat([inputs.signals, state["signalen"]], how="diagonal_relaxed")
        found = uitsluitingen.candidates(signals, brp_used)
        hashed = uitsluitingen.hashed(tonight.uitsluitingen, *found, secret)
        write_parquet_atomic(hashed, folder / EXCLUSIONS)
    copy_files(folder / CONFIG, list(config.files))
    copy_files(folder / TEMPLATES, templates.archived_files(letter_templates))


def state_read(db: Store, tonight: Tonight) -> dict[str, pl.DataFrame]:
    """The rows of earlier nights that decided something tonight: every open case (each
    is a row of tonight's sheets of outcomes, `uitkomsten`), and the closed cases holding
    tonight's debts, with their signals, actions and events; every signal that waited for
    a person (each a row of the sheet "Twijfel", or decided by a choice tonight: of those,
    only the chosen candidate, `keuzes.chosen_only`); and the earlier files that tonight's
    files repeat."""
    holding = db.cases_holding(tonight.signals.select("signaalpartner", "klantnummer"))
    relevant = pl.concat([tonight.read_before, db.closed_cases(holding)], how="diagonal_relaxed")
    shas = pl.DataFrame({"sha256": [i.sha256 for i in tonight.inputs.consumed]})
    read = db.state_slice(relevant.select("zaak_id"), _signal_keys_read(tonight), shas)
    # The night did not read what tonight's purge takes (`night.read`): nor does its replay.
    signals = read["signalen"].join(tonight.outlived, on=list(keuzes.KEY), how="anti")
    signals = keuzes.chosen_only(signals, tonight.besloten)
    return {"zaken": relevant} | read | {"signalen": signals}


def _signal_keys_read(tonight: Tonight) -> pl.DataFrame:
    """Partner and signal id of every signal row read tonight, accepted or sent before, and
    of every signal that waited for a person."""
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
    waited = [tonight.waiting.select(keuzes.KEY), tonight.besloten.select(keuzes.KEY)]
    empty = pl.DataFrame(schema={"signaal_id": pl.String, "signaalpartner": pl.String})
    frames = [f.select("signaalpartner", "signaal_id") for f in [*frames, *waited]]
    return pl.concat([empty.select(keuzes.KEY), *frames]).unique()


def run_manifest(
    summary: Summary,
    started_at: datetime,
    config: Config,
    letter_templates: Path,
    out: Path,
    archive: Path,
    written: Mapping[Path, str],
) -> dict[str, Any]:
    """Everything an auditor needs to check the run, and no personal data; the outputs in
    `written` by the hash taken as they were written."""
    manifest = {
        **asdict(summary),
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "config_file": config.files[0].name,
        "config": {p.name: sha256(p) for p in config.files},
        "templates": {p.name: sha256(p) for p in templates.archived_files(letter_templates)},
        "outputs": [{"path": p, "sha256": h} for p, h in hashes(out, written).items()],
        "archive": dict(sorted(hashes(archive).items())),
    }
    manifest.pop("out")
    return manifest


def write_register(folder: Path, result: Ingested, used: pl.DataFrame) -> None:
    """Keep the rows of an extract that the run used, its rejects, and what the file was."""
    kind = result.source.kind
    target = folder / REGISTERS
    target.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(used, target / f"{kind}.parquet")
    write_parquet_atomic(result.rejects, target / f"{kind}-rejects.parquet")
    about = {"file": result.source.path.name, "sha256": result.sha256, "read": result.read}
    write_text_atomic(target / f"{kind}.json", json.dumps(about, sort_keys=True) + "\n")


def register_read(folder: Path, kind: str) -> str | None:
    """The name of the extract a run read, from its archive (none once purged)."""
    about = folder / REGISTERS / f"{kind}.json"
    if not about.is_file():
        return None
    name: str = json.loads(about.read_text())["file"]
    return name


def load_register(folder: Path, kind: str) -> Ingested:
    """An archived extract as the run saw it: its used rows, rejects and file name.

    `read` counts the kept rows and the rejected ones; the manifest has the full count.
    """
    source = folder / REGISTERS
    about = json.loads((source / f"{kind}.json").read_text())
    accepted = pl.read_parquet(source / f"{kind}.parquet")
    rejects = _renamed(pl.read_parquet(source / f"{kind}-rejects.parquet"), "rejects")
    rejected = rejects["regelnummer"].n_unique() if rejects.height else 0
    return Ingested(
        Source(Path(about["file"]), kind),  # type: ignore[arg-type]
        about["sha256"],
        accepted.height + rejected,
        accepted,
        rejects,
    )


def archived_addresses(home: Home, keys: list[str]) -> dict[str, str]:
    """Each of these address keys on one line with its street and town
    (`formats.adresregel`), as the newest run that kept a register row there had it: the
    state keeps a case's address as its key only. A key no kept row has is left out."""
    found: dict[str, str] = {}
    wanted = set(keys)
    for path in sorted(home.archive.glob(f"*/{REGISTERS}/brp.parquet"), reverse=True):
        if not wanted - found.keys():
            break
        rows = pl.read_parquet(path).select(
            sleutel=normalize.adres_sleutel(), regel=formats.adresregel()
        )
        for key, line in rows.filter(pl.col("sleutel").is_in(wanted - found.keys())).rows():
            found.setdefault(key, line)
    return found


def write_state(folder: Path, tables: dict[str, pl.DataFrame]) -> None:
    target = folder / STATE_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        write_parquet_atomic(rows, target / f"{table}.parquet")


def load_state(folder: Path) -> dict[str, pl.DataFrame]:
    state = folder / STATE_FOLDER
    return {
        t: _renamed(pl.read_parquet(state / f"{t}.parquet"), t)
        for t in STATE_TABLES
        if t not in SINCE or (state / f"{t}.parquet").is_file()
    }


def load_exclusions(folder: Path) -> pl.DataFrame:
    """The keyed entries of the exclusion list a run's archive keeps (`EXCLUSIONS`); none
    in an archive made before the list left the config."""
    path = folder / EXCLUSIONS
    if not path.is_file():
        return pl.DataFrame(schema={"soort": pl.String, "sleutel": pl.String})
    return pl.read_parquet(path)


_RENAMED: Final = {
    "rejects": {"regel": "regelnummer"},
    "signalen": {"regel": "regelnummer"},
    "gebeurtenissen": {"regel": "regelnummer"},
    "acties": {"soort": "actietype"},
    "bestanden": {"soort": "bestandsoort"},
}
"""Columns that archives written before state migration 4 still name the old way."""


def _renamed(rows: pl.DataFrame, table: str) -> pl.DataFrame:
    old = {k: v for k, v in _RENAMED.get(table, {}).items() if k in rows.columns}
    return rows.rename(old)


def copy_files(target: Path, files: list[Path]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, target / path.name)


def environment() -> dict[str, Any]:
    """Python and the versions of vsig and everything it runs on, as installed."""
    return {
        "python": sys.version.split()[0],
        "vsig": metadata.version("vsig"),
        "dependencies": dict(sorted(_dependencies("vsig").items())),
    }


@cache  # what is installed does not change while vsig runs
def _dependencies(package: str) -> dict[str, str]:
    found: dict[str, str] = {}
    todo = [package]
    while todo:
        for line in metadata.requires(todo.pop()) or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            name = requirement.name.lower()
            if name not in found:
                try:
                    found[name] = metadata.version(name)
                except metadata.PackageNotFoundError:
                    continue
                todo.append(name)
    return found


@dataclass(frozen=True)
class Comparison:
    path: str
    verdict: str  # identical, different, missing, extra


def compare(expected: dict[str, str], produced: Path) -> list[Comparison]:
    """Output by output, whether a replay made the bytes the manifest recorded."""
    made = {p: h for p, h in hashes(produced).items() if p != MANIFEST}
    result = []
    for path in sorted(expected.keys() | made.keys()):
        if path not in made:
            verdict = "missing"
        elif path not in expected:
            verdict = "extra"
        else:
            verdict = "identical" if made[path] == expected[path] else "different"
        result.append(Comparison(path, verdict))
    return result


def tampered(archive: Path, recorded: dict[str, str]) -> list[str]:
    """Archived files whose bytes are not what the manifest recorded, or that appeared."""
    present = hashes(archive) if archive.is_dir() else {}
    problems = [
        f"{path}: missing" if path not in present else f"{path}: changed (SHA-256 differs)"
        for path, digest in recorded.items()
        if present.get(path) != digest
    ]
    problems += [f"{path}: not part of the run" for path in present if path not in recorded]
    return sorted(problems)


def runs(home: Home) -> list[dict[str, Any]]:
    """Every run of the home that left a manifest, oldest first, in counts only."""
    listed = []
    for path in home.manifests():
        manifest = json.loads(path.read_text(encoding="utf-8"))
        listed.append(
            {
                "run_id": manifest["run_id"],
                "verwerkingsdatum": manifest["verwerkingsdatum"],
                "inputs": len(manifest["inputs"]),
                "signalen": sum(manifest["signalen_per_status"].values()),
                "zaken": sum(manifest["zaken_per_regel"].values()),
                "rejects": manifest["rejects"],
                "exit_code": manifest["exit_code"],
            }
        )
    return listed


def log(home: Home, event: str, details: dict[str, Any]) -> None:
    """One JSON line per event for cron and monitoring: counts and ids, never a value."""
    path = home.run_log
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"event": event, "at": datetime.now(UTC).isoformat(timespec="seconds"), **details}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


def log_crash(home: Home | None, error: BaseException) -> str:
    """Append the traceback of an unexpected error to `log/crash.log` under the home (where
    it is known, else it goes to the terminal): where it happened, never which values."""
    frames = traceback.extract_tb(error.__traceback__)
    text = "".join(traceback.format_list(frames)) + f"{type(error).__name__}\n"
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    if home is None:
        return "\n" + text
    try:
        path = home.crash_log
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp}\n{text}")
    except OSError:
        return "\n" + text
    return str(path)
