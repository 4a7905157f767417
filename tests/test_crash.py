"""A run killed (SIGKILL) anywhere and started again leaves what one uninterrupted run does.

Each crash point is a test-only hook (`VSIG_TEST_CRASH_AT`); the run is a real process,
killed by the signal a power cut or an OOM killer would send.
"""

import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from .scenario import Home
from .street import KNOWN, NIGHT_1, NIGHT_2, RESIDENTS, night_1_signals, night_2_signals

VSIG = str(Path(sys.executable).parent / "vsig")
CRASH_POINTS = (
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


def run(home: Home, day: date, crash_at: str | None = None) -> int:
    env = dict(os.environ)
    env.pop("VSIG_TEST_CRASH_AT", None)
    if crash_at:
        env["VSIG_TEST_CRASH_AT"] = crash_at
    done = subprocess.run(
        [VSIG, "run", "--home", str(home.path), "--config", str(home.config), "--date", str(day)],
        env=env,
        capture_output=True,
        check=False,
    )
    return done.returncode


def deliver(home: Home, day: date, signals: dict[str, list[dict[str, str]]]) -> None:
    home.registers(day, RESIDENTS, KNOWN)
    for partner, rows in signals.items():
        home.signals(partner, day, rows)


def snapshot(home: Home) -> dict[str, object]:
    """Every file but the manifests' clock and the logs, and every row of the state."""
    files = {
        str(p.relative_to(home.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.path.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", "vsig.jsonl", "vsig.duckdb", "vsig.lock")
    }
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        tables = [t for (t,) in db.execute("SHOW TABLES").fetchall()]
        state = {t: sorted(map(str, db.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    return {"files": files, "state": state}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    home = Home.create(tmp_path_factory.mktemp("whole"))
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1) == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2) == 0
    return snapshot(home)


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_killed_second_night_started_again_is_one_whole_night(
    tmp_path: Path, uninterrupted: dict[str, object], point: str
) -> None:
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1) == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2, crash_at=point) == -9  # killed
    assert run(home, NIGHT_2) == 0
    assert snapshot(home) == uninterrupted


@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_a_killed_first_night_started_again_is_one_whole_night(
    tmp_path: Path, uninterrupted: dict[str, object], point: str
) -> None:
    home = Home.create(tmp_path)
    deliver(home, NIGHT_1, first_night())
    assert run(home, NIGHT_1, crash_at=point) == -9
    assert run(home, NIGHT_1) == 0
    deliver(home, NIGHT_2, night_2_signals())
    assert run(home, NIGHT_2) == 0
    assert snapshot(home) == uninterrupted
