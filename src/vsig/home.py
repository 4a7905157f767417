"""The data home: every place under it by name, so that no module builds a path of its own.

    inbox/              deliveries: signalen/<PARTNER>/, brp/, sdd/, uitkomsten/
    out/<run_id>/       a run's outputs and its manifest.json
    archive/<run_id>/   what a run consumed and read, for its replay
    state/              the DuckDB state, its lock, and readers' snapshots
    reports/            CBS deliveries and overviews
    log/                vsig.jsonl (a line per run) and crash.log
    .replay/            a replay's scratch (personal data: cleared by every writer)
    purge-log.csv       what retention and erasure removed, by keyed hash

A run's folders are written as `.<run_id>.partial` beside their final place, and renamed
into it after the commit.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

MANIFEST: Final = "manifest.json"


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def scratch(self) -> Path:
        """Where a replay rebuilds a night: inside the home, owner-only, as private as the
        archive it copies; never the shared /tmp, where a killed replay left personal data."""
        return self.root / ".replay"

    @property
    def purge_log(self) -> Path:
        return self.root / "purge-log.csv"

    @property
    def run_log(self) -> Path:
        return self.root / "log" / "vsig.jsonl"

    @property
    def crash_log(self) -> Path:
        return self.root / "log" / "crash.log"

    def outputs(self, run_id: str) -> Path:
        return self.out / run_id

    def archived(self, run_id: str) -> Path:
        return self.archive / run_id

    def manifest_path(self, run_id: str) -> Path:
        return self.outputs(run_id) / MANIFEST

    def manifest(self, run_id: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.manifest_path(run_id).read_text("utf-8"))
        return loaded

    def manifests(self) -> list[Path]:
        """Every run's manifest, oldest run first."""
        return sorted(self.out.glob(f"*/{MANIFEST}"))

    @staticmethod
    def partial(folder: Path, run_id: str) -> Path:
        """Where a run's folder under `folder` (`out` or `archive`) is written."""
        return folder / f".{run_id}.partial"

    def extracts(self, kind: str) -> list[Path]:
        """The BRP or SDD extracts waiting in the inbox, by name."""
        return sorted((self.inbox / kind).glob("*.csv"))
