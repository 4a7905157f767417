"""`forget`, `purge` and `replay` killed (SIGKILL) anywhere and started again end as one
uninterrupted command: the same files and state, nothing erased left readable, no file cut
short, no scratch left behind."""

import csv
import hashlib
import io
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from vsig.io.state import lock

from .conftest import bytes_held
from .scenario import Home, Resident, make_bsn

VSIG = str(Path(sys.executable).parent / "vsig")
START, MOVED = date(2027, 1, 4), date(2027, 3, 1)
OWNER = Resident(make_bsn(981), "Eigenaar", date(1970, 1, 1), "3311AB", 1)
PARTNER = Resident(make_bsn(982), "Partner", date(1972, 2, 2), "3311AB", 1, voorletters="P.")
STAYS = Resident(make_bsn(983), "Blijver", date(1980, 3, 3), "3312CD", 7)
COMMANDS = {
    "forget": ["forget", "--bsn", OWNER.bsn, "--date", "2027-03-02"],
    "purge": ["purge", "--date", "2027-07-05"],
}
POINTS = (
    "erasure-run@1",
    "erasure-run@2",
    "erasure-files",
    "erasure-logged",
    "erasure-state",
    "compact-copied",
)


def moved(person: Resident) -> Resident:
    return Resident(**{**person.__dict__, "postcode": "3314EF", "huisnummer": 40})


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """OWNER's case opens in January and moves with the household in March, so two runs
    hold it; STAYS has a case of their own that is active until the end."""
    home = Home.create(tmp_path_factory.mktemp("months"))
    home.registers(START, [OWNER, PARTNER, STAYS])
    home.signals("VGZ", START, [OWNER.signal("Z-1", "300.00", START, bsn=OWNER.bsn)])
    assert home.run(START).exit_code == 0
    home.registers(MOVED, [moved(OWNER), moved(PARTNER), STAYS])
    home.signals("VGZ", MOVED, [STAYS.signal("Z-2", "200.00", MOVED)])
    assert home.run(MOVED).exit_code == 0
    return home


def vsig(home: Home, args: list[str], crash_at: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "VSIG_TEST_CRASH_AT"}
    if crash_at:
        env["VSIG_TEST_CRASH_AT"] = crash_at
    common = ["--home", str(home.path), "--config", str(home.config)]
    done = subprocess.run([VSIG, *args, *common], env=env, capture_output=True, check=False)
    return done.returncode


def copy(home: Home, root: Path) -> Home:
    shutil.copytree(home.path, root / "home")
    return Home(root / "home", home.config)


FILE_KINDS = {"run", "run_geschoond", "extract", "rapport"}
"""What the purge log says of files: a restarted erasure no longer finds what the killed
one already removed, so it may name less. Of people, cases and signals it names all."""


def snapshot(home: Home) -> dict[str, Any]:
    """Every file's bytes but the state file's, every row of the state, and what the purge
    log names of people, cases and signals (a line may come twice, never go missing)."""
    skipped = ("vsig.duckdb", "vsig.lock", "vsig.jsonl", "purge-log.csv", lock.ERASURES)
    files = {
        str(p.relative_to(home.path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.path.rglob("*"))
        if p.is_file() and p.name not in skipped
    }
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        tables = [t for (t,) in db.execute("SHOW TABLES").fetchall()]
        state = {t: sorted(map(str, db.execute(f"SELECT * FROM {t}").fetchall())) for t in tables}
    log_file = home.path / "purge-log.csv"
    log = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    named = logged(log)
    return {
        "files": files,
        "state": state,
        "log": {n for n in named if n[2] not in FILE_KINDS},
        "log of files": {n for n in named if n[2] in FILE_KINDS},
    }


def logged(log: str) -> set[tuple[str, ...]]:
    """Each identifier the log names, with its date, reason and kind."""
    rows = list(csv.reader(io.StringIO(log), delimiter=";"))[1:]
    return {
        (day, reden, soort, kenmerk)
        for _at, day, reden, soort, _count, kenmerken in rows
        for kenmerk in kenmerken.split()
    }


@pytest.fixture(scope="module")
def uninterrupted(
    months: Home, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    done = {}
    for command, args in COMMANDS.items():
        home = copy(months, tmp_path_factory.mktemp(command))
        assert vsig(home, args) == 0
        done[command] = snapshot(home)
    return done


@pytest.mark.parametrize(
    ("command", "point"),
    [("forget", p) for p in POINTS] + [("purge", p) for p in POINTS if p != "erasure-run@2"],
)
def test_a_killed_erasure_started_again_is_one_whole_erasure(
    months: Home,
    uninterrupted: dict[str, dict[str, Any]],
    tmp_path: Path,
    command: str,
    point: str,
) -> None:
    home = copy(months, tmp_path)
    assert vsig(home, COMMANDS[command], crash_at=point) == -9
    assert vsig(home, COMMANDS[command]) == 0
    after, whole = snapshot(home), uninterrupted[command]
    assert after["log of files"] <= whole["log of files"]
    for part in ("files", "state", "log"):
        assert after[part] == whole[part], part
    erased = [OWNER.bsn, PARTNER.bsn] if command == "purge" else [OWNER.bsn]
    for path in home.path.rglob("*"):
        if path.is_file() and "inbox" not in path.parts:  # the extracts are the BRP's
            assert not [b for b in erased if b.encode() in bytes_held(path)], path
    assert not (home.path / "state" / "compact.pending").exists()


@pytest.mark.parametrize("point", ["replay-scratch", "outputs", "before-commit"])
def test_a_killed_replay_leaves_nothing_and_replays_again(
    months: Home, tmp_path: Path, point: str
) -> None:
    home = copy(months, tmp_path)
    before = snapshot(home)
    assert vsig(home, ["replay", "20270104-01"], crash_at=point) == -9
    assert (home.path / ".replay").is_dir()  # personal data, for the next command to remove
    assert vsig(home, ["replay", "20270104-01"]) == 0
    assert not (home.path / ".replay").exists()
    assert snapshot(home) == before
