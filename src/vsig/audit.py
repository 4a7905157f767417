"""The audit trail: what a run consumed, in the least personal data that reproduces it.

`archive/<run_id>/` keeps the creditor and event files the run consumed, the config and
letter templates it used, only the BRP and SDD rows that decided something (the extracts'
full hashes and counts stay in the manifest), and the slice of earlier state the run read.
Every archived file's SHA-256 is in the manifest, and the manifest is sealed with an HMAC
under the secret, so an edited archive or manifest is caught before a replay runs: whoever
edits one cannot make the seal agree without the key.
"""

import hashlib
import hmac
import json
import shutil
import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import polars as pl
from packaging.requirements import Requirement

from vsig.files import write_parquet_atomic, write_text_atomic
from vsig.home import MANIFEST, Home
from vsig.ingest import Ingested, Source

REGISTERS: Final = "registers"
STATE: Final = "state"
CONFIG: Final = "config"
TEMPLATES: Final = "templates"
STATE_TABLES: Final = ("bestanden", "zaken", "signalen", "acties", "gebeurtenissen")


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


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder` by its path relative to it, sorted."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def write_register(folder: Path, result: Ingested, used: pl.DataFrame) -> None:
    """Keep the rows of an extract that the run used, its rejects, and what the file was."""
    kind = result.source.kind
    target = folder / REGISTERS
    target.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(used, target / f"{kind}.parquet")
    write_parquet_atomic(result.rejects, target / f"{kind}-rejects.parquet")
    about = {"file": result.source.path.name, "sha256": result.sha256, "read": result.read}
    write_text_atomic(target / f"{kind}.json", json.dumps(about, sort_keys=True) + "\n")


def load_register(folder: Path, kind: str) -> Ingested:
    """An archived extract as the run saw it: its used rows, rejects and file name.

    `read` counts the kept rows and the rejected ones; the manifest has the full count.
    """
    source = folder / REGISTERS
    about = json.loads((source / f"{kind}.json").read_text())
    accepted = pl.read_parquet(source / f"{kind}.parquet")
    rejects = pl.read_parquet(source / f"{kind}-rejects.parquet")
    rejected = rejects["regel"].n_unique() if rejects.height else 0
    return Ingested(
        Source(Path(about["file"]), kind),  # type: ignore[arg-type]
        about["sha256"],
        accepted.height + rejected,
        accepted,
        rejects,
    )


def write_state(folder: Path, tables: dict[str, pl.DataFrame]) -> None:
    target = folder / STATE
    target.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        write_parquet_atomic(rows, target / f"{table}.parquet")


def load_state(folder: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(folder / STATE / f"{t}.parquet") for t in STATE_TABLES}


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
