"""A run killed (SIGKILL) anywhere and started again leaves what one uninterrupted run does.

Each crash point is a test-only hook (`VSIG_TEST_CRASH_AT`); the run is a real process,
killed by the signal a power cut or an OOM killer would send.
"""

import hashlib
import os
import resource
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from vsig.io.state.lock import ERASURES

from .scenario import Home
from .street import KNOWN, NIGHT_1, NIGHT_2, RESIDENTS, night_1_signals, night_2_signals

VSIG = str(Path(sys.executable).parent / "vsig")
CRASH_POINTS = (
    "exports",
    "outputs",
    "before-commit",
    "after-commit",
    "after-outputs-in-place",
    "inbox-half-moved",
    "inbox-taken",
)


def first_night() -> dict[str, list[dict[str, str]]]:
    """A few of the street's first-night signals: enough for cases, letters and exports."""
    return {k: v for k, v in night_1_signals().items() if k in ("EVIDES", "VGZ", "VATTENFALL")}


def run(
    home: Home, day: date, crash_at: str | None = None, largest_file: int | None = None
) -> subprocess.CompletedProcess[str]:
    """The run as a process: killed at a crash point, or with no file allowed to grow past
    `largest_file` bytes (RLIMIT_FSIZE: every write past it fails, in Python, DuckDB, Typst
    and polars alike, as on a full disk)."""
    env = dict(os.environ)
    env.pop("VSIG_TEST_CRASH_AT", None)
    if crash_at:
        env["VSIG_TEST_CRASH_AT"] = crash_at

    def limited() -> None:
        if largest_file is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails (EFBIG), no signal
            resource.setrlimit(resource.RLIMIT_FSIZE, (largest_file, largest_file))

    return subprocess.run(
        [VSIG, "run", "--home", str(home.path), "--config", str(home.config), "--date", str(day)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limited,
    )


def deliver(home: Home, day: date, signals: dict[str, list[dict[str, str]]]) -> None:
    home.registers(day, RESIDENTS, KNOWN)
    for partner, rows in signals.items():
        home.signals(partner, day, rows)


KEPT_APART = ("manifest.json", "vsig.jsonl", "vsig.duckdb", "vsig.lock", ERASURES, "purge-log.csv")
"""Compared otherwise, or bookkeeping: the erasure generation counts erasures begun, and a
killed purge begun again is one more (a report read between them is then refused, rightly);
the purge log by its lines without the moment they were written."""


def snapshot(home: Home) -> dict[str, object]:
    """Every file but the manifests' clock and the logs, and every row of the state."""
    files = {
        str(p.relative_to(home.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.path.rglob("*"))
        if p.is_file() and p.name not in KEPT_APART
    }
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        tables = [t for (t,) in db.execute("SHOW TABLES").fetchall()]
        state = {t: sorted(map(str, db.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    log = home.path / "purge-log.csv"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    purged = sorted(line.split(";", 1)[1] for line in lines[1:])  # without `tijdstip`
    return {"files": files, "state": state, "purged": purged}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = Home.create(tmp_path_factory.mktemp("whole"))
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1).returncode == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2).returncode == 0
    return snapshot(home)


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_killed_second_night_started_again_is_one_whole_night(
    tmp_path: Path, uninterrupted: dict[str, object], point: str
) -> None:
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1).returncode == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2, crash_at=point).returncode == -9  # killed
    assert run(home, NIGHT_2).returncode == 0
    assert snapshot(home) == uninterrupted


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_a_killed_first_night_started_again_is_one_whole_night(
    tmp_path: Path, uninterrupted: dict[str, object], point: str
) -> None:
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1, crash_at=point).returncode == -9
    assert run(home, NIGHT_1).returncode == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2).returncode == 0
    assert snapshot(home) == uninterrupted


@pytest.mark.parametrize("largest_file", [0, 1_000, 4_000, 8_000])
def test_a_night_on_a_full_disk_exits_3_and_runs_whole_once_there_is_room(
    tmp_path: Path, uninterrupted: dict[str, object], largest_file: int
) -> None:
    """Wherever the disk fills up (each limit is first reached by another file: the lock,
    an export, the archived registers, the archived state), the run exits 3 with one line
    and no traceback, leaves nothing half-written, and the night runs whole once there is
    room."""
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1).returncode == 0
    deliver(home, NIGHT_2, night_2_signals())
    full = run(home, NIGHT_2, largest_file=largest_file)
    assert full.returncode == 3, full.stderr
    assert full.stderr.startswith("aborted:"), full.stderr
    assert "Traceback" not in full.stderr
    assert run(home, NIGHT_2).returncode == 0
    assert snapshot(home) == uninterrupted


def test_a_disk_full_only_after_the_commit_says_the_night_is_done(
    tmp_path: Path, uninterrupted: dict[str, object]
) -> None:
    """The purge after the commit cannot write: exit 3, but the message says the run is
    committed and is not to be run again; `vsig purge` finishes it (tonight's purge takes the
    first night's extracts, superseded), and then nothing is missing."""
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1).returncode == 0
    deliver(home, NIGHT_2, night_2_signals())
    full = run(home, NIGHT_2, crash_at="purge-disk-full")
    assert full.returncode == 3, full.stderr
    assert "run 20261103-01 is committed" in full.stderr
    assert "Do not run the night again" in full.stderr
    assert (home.path / "inbox" / "brp" / f"brp-{NIGHT_1:%Y%m%d}.csv").exists()  # not yet
    purge = [VSIG, "purge", "--home", str(home.path), "--config", str(home.config)]
    finished = subprocess.run([*purge, "--date", str(NIGHT_2)], capture_output=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert snapshot(home) == uninterrupted
