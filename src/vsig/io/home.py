"""The data home: every place under it by name, so that no module builds a path of its own.

    inbox/              deliveries: signalen/<PARTNER>/, brp/, sdd/, uitkomsten/
    out/<run_id>/       a run's outputs and its manifest.json
    archive/<run_id>/   what a run consumed and read, for its replay
    state/              the DuckDB state, its lock, and readers' snapshots
    reports/            CBS deliveries and overviews
    inzage/             inzage documents made for residents (kept no longer than the data)
    log/                vsig.jsonl (a line per run) and crash.log
    .replay/            a replay's scratch (personal data: cleared by every writer)
    purge-log.csv       what retention and erasure removed, by keyed hash

A run's folders are written as `.<run_id>.partial` beside their final place, and renamed
into it after the commit; `recover` finishes that for a run killed after its commit.
"""

import json
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from vsig.io.files import sha256

MANIFEST: Final = "manifest.json"
CONSUMED: Final = ("signalen", "uitkomsten")
"""The inbox folders whose files a run consumes; the extracts stay until retention."""


def run_date(run_id: str) -> date:
    """The processing date a run id starts with (`20261126-01`)."""
    return datetime.strptime(run_id[:8], "%Y%m%d").date()


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
    def inzage(self) -> Path:
        return self.root / "inzage"

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

    def create(self, partners: list[str]) -> list[Path]:
        """The home's folders that are missing, made: the inbox with a folder per delivery
        (one per partner code). Returns what was made."""
        wanted = [
            *(self.inbox / "signalen" / code for code in partners),
            *(self.inbox / kind for kind in ("brp", "sdd", "uitkomsten")),
            self.out,
            self.archive,
            self.state,
            self.reports,
        ]
        missing = [folder for folder in wanted if not folder.is_dir()]
        for folder in missing:
            folder.mkdir(parents=True)
        return missing

    def recover(self, committed: set[str]) -> list[str]:
        """Finish what a killed run left: outputs and archive of a `committed` run still in
        their temporary folders are put in place, its consumed files taken out of the inbox
        first; what an uncommitted run left is removed. Returns the runs completed."""
        finished: set[str] = set()
        for folder in (self.out, self.archive):
            for partial in sorted(folder.glob(".*.partial")):
                run_id = partial.name[1 : -len(".partial")]
                if run_id in committed and not (folder / run_id).exists():
                    if folder == self.archive:
                        self._take_archived_from_inbox(run_id)
                    partial.rename(folder / run_id)
                    finished.add(run_id)
                else:
                    shutil.rmtree(partial)
        return sorted(finished)

    def _take_archived_from_inbox(self, run_id: str) -> None:
        """The inbox files a committed run consumed, by name and bytes as delivered, as its
        manifest lists them (a workbook is archived as what was read of it, so by the bytes
        of its archived copy it would stay, and be refused the next night as processed
        before). Only while its archive is not yet in place: after that, a file with the
        same name and bytes is a new delivery (to be refused as already processed)."""
        for read in self.manifest(run_id)["inputs"]:
            left = self.inbox / read["file"]
            digest = read.get("delivered_sha256") or read["sha256"]  # before: a CSV's only
            if read["kind"] in CONSUMED and left.is_file() and sha256(left) == digest:
                left.unlink()
