"""Faults around the run: erasures that hold the lock to the end, and that finish what a
killed erasure left."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.config import load_config
from vsig.io import ingest, sources
from vsig.io.state import lock, store, upkeep
from vsig.io.state.lock import LockedError, locked
from vsig.io.state.store import Store
from vsig.privacy import erasure, retention
from vsig.privacy.erasure import Subject
from vsig.privacy.purge_log import counted

from .conftest import REPO
from .scenario import Home, Resident, csv_text, make_bsn

DAY = date(2026, 11, 26)
PERSON = Resident(make_bsn(961), "Vergeten", date(1970, 1, 1), "3311AB", 1)
runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home.create(tmp_path)
    home.registers(DAY, [PERSON])
    home.signals("VGZ", DAY, [PERSON.signal("Z-1", "300.00", DAY, bsn=PERSON.bsn)])
    assert home.run(DAY).exit_code == 0
    return home


@pytest.mark.parametrize("command", ["purge", "forget"])
def test_an_erasure_compacts_the_state_while_it_holds_the_lock(
    home: Home, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A run started beside it must never see the state file replaced under it."""
    original = store.compact
    held = []

    def compact(state_dir: Path) -> None:
        with pytest.raises(LockedError), locked(state_dir):
            pass
        held.append(True)
        original(state_dir)

    monkeypatch.setattr(store, "compact", compact)
    args = ["--home", str(home.path), "--config", str(home.config)]
    subject = ["--bsn", PERSON.bsn] if command == "forget" else []
    result = runner.invoke(app, [command, *subject, *args, "--date", "2027-12-01"])
    assert result.exit_code == 0, result.output
    assert held == [True]


def test_a_killed_erasure_is_compacted_by_the_next_command(home: Home) -> None:
    """Killed after the delete, before the compaction: the erased values are still in the
    file's free blocks. The next command that takes the lock compacts first."""
    state = home.path / "state"
    config = load_config(home.config)
    secret = b"x" * 40
    with locked(state):
        upkeep.erasing(state)
        with Store.open(state) as db:
            erasure.erase(db, home.data, config, Subject(bsn=PERSON.bsn), DAY, secret)
    # ...and here the power went.
    assert counted(retention.purge(config, home.data, DAY, secret)) == {}
    assert PERSON.bsn.encode() not in (state / store.STATE_FILE).read_bytes()
    assert not (state / store.COMPACT_PENDING).exists()


@pytest.mark.parametrize("command", ["purge", "forget"])
def test_an_erasure_leaves_the_state_and_its_log_the_owners_only(home: Home, command: str) -> None:
    args = ["--home", str(home.path), "--config", str(home.config), "--date", "2027-12-01"]
    subject = ["--bsn", PERSON.bsn] if command == "forget" else []
    home.data.purge_log.unlink(missing_ok=True)
    assert runner.invoke(app, [command, *subject, *args]).exit_code == 0
    for path in (home.path / "state" / store.STATE_FILE, home.data.purge_log):
        assert path.stat().st_mode & 0o077 == 0, path


def test_a_forget_cut_off_while_rewriting_an_extract_leaves_it_whole(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while `forget` rewrites the BRP extract waiting in the inbox: the
    extract keeps its old bytes (never a truncated file), and the next `forget` completes."""
    extract = next((home.path / "inbox" / "brp").glob("*.csv"))
    before = extract.read_bytes()
    config = load_config(home.config)
    opened = Path.open

    def full_disk(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = opened(path, mode, *args, **kwargs)
        if "w" in mode and path.name.startswith((extract.name, f".{extract.name}")):

            class Full:
                def __enter__(self) -> "Full":
                    return self

                def __exit__(self, *_exc: object) -> None:
                    handle.close()

                def write(self, _data: bytes) -> int:
                    raise OSError(28, "No space left on device")

            return Full()
        return handle

    monkeypatch.setattr(Path, "open", full_disk)
    with pytest.raises(OSError, match="No space"):
        erasure.forget(config, home.data, Subject(bsn=PERSON.bsn), DAY, b"x" * 40)
    monkeypatch.undo()
    assert extract.read_bytes() == before
    erasure.forget(config, home.data, Subject(bsn=PERSON.bsn), DAY, b"x" * 40)
    assert PERSON.bsn.encode() not in extract.read_bytes()


def test_erasures_and_readers_beside_a_run_never_lose_its_commit(home: Home) -> None:
    """Each night `forget` (of the last night's person, so that it erases and compacts),
    `purge`, `explain`, `report monitor` and `doctor` start with the run. Readers read a
    snapshot taken under the lock, so the run never finds its state file held (it used to
    exit 3); writers wait for the lock (or give up with 4), so no commit is ever lost (a
    compaction beside a run once lost it about 1 time in 40)."""
    vsig = str(Path(sys.executable).parent / "vsig")
    env = {**os.environ, "VSIG_SECRET": "s" * 40}
    common = ["--home", str(home.path), "--config", str(home.config)]
    people = [PERSON]
    for night in range(6):
        day = DAY + timedelta(days=night + 1)
        people.append(Resident(make_bsn(970 + night), "Buur", date(1980, 1, 1), "3311AB", 3))
        home.registers(day, people)
        home.signals("VGZ", day, [people[-1].signal(f"N-{night}", "310.00", day)])
        beside = [
            ["forget", "--bsn", people[-2].bsn, "--date", str(day), *common],
            ["purge", "--date", str(day), *common],
            ["explain", "Z-1", *common],
            ["report", "monitor", "--period", "2026-11", *common, "--out", str(home.path / "m")],
            ["doctor", *common],
        ]
        started = [subprocess.Popen([vsig, *b], env=env, stdout=subprocess.DEVNULL) for b in beside]
        run = subprocess.run(
            [vsig, "run", *common, "--date", str(day)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        codes = [started.pop(0).wait(timeout=120) for _ in beside]
        assert run.returncode == 0, run.stderr
        assert codes[0] in (0, 4)  # forget and purge: done, or the lock stayed taken
        assert codes[1] in (0, 4)
        assert codes[2] in (0, 2)  # explain: found, or Z-1 already forgotten
        assert codes[3] in (0, 3)  # report: written, or not as an erasure began meanwhile
        assert codes[4] in (0, 1)  # doctor may warn that a run is busy
    with Store.snapshot(home.path / "state") as db:
        runs = sorted(db.run_ids())
        files = db.processed_files()
    assert runs == ["20261126-01"] + [f"202611{27 + n}-01" for n in range(4)] + [
        "20261201-01",
        "20261202-01",
    ]
    assert len(files) == 7  # each delivery processed once
    for run_id in runs:
        assert (home.path / "out" / run_id / "manifest.json").is_file()
        assert (home.path / "archive" / run_id).is_dir()
    assert not list((home.path / "state").glob(f"{lock.SNAPSHOT_PREFIX}*"))
    assert not list(home.path.glob("*/.*.partial"))


def test_a_replay_works_inside_the_home_and_its_leftovers_are_cleared(
    home: Home, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A killed replay left hundreds of files of personal data in /tmp for good."""
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    monkeypatch.setenv("TMPDIR", str(shared))
    monkeypatch.setattr("tempfile.tempdir", None)
    args = ["--home", str(home.path), "--config", str(home.config)]
    replayed = runner.invoke(app, ["replay", "20261126-01", *args])
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output
    assert list(shared.iterdir()) == []
    left = home.path / ".replay" / "20261126-01-killed" / "inbox"
    left.mkdir(parents=True)
    (left / "signalen.csv").write_text(PERSON.bsn)
    doctor = runner.invoke(app, ["doctor", *args])
    assert ".replay" in doctor.stdout
    assert runner.invoke(app, ["purge", *args, "--date", str(DAY)]).exit_code == 0
    assert not (home.path / ".replay").exists()


def test_a_file_a_partner_appends_to_while_it_is_read_stays_in_the_inbox(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows read are processed and archived as read; the rows added since are not lost:
    the file stays in the inbox and the next night reads them."""
    day = DAY + timedelta(days=1)
    home.registers(day, [PERSON])
    delivery = home.signals("VGZ", day, [PERSON.signal("Z-2", "310.00", day, bsn=PERSON.bsn)])
    read = delivery.read_bytes()
    later = csv_text([PERSON.signal("Z-3", "320.00", day, bsn=PERSON.bsn)]).splitlines()[1]
    original = ingest.ingest_file

    def appending(source: sources.Source, *args: Any, **kwargs: Any) -> ingest.Ingested:
        result = original(source, *args, **kwargs)
        if source.path == delivery:
            with delivery.open("a", encoding="utf-8") as handle:
                handle.write(later + "\r\n")
        return result

    monkeypatch.setattr(ingest, "ingest_file", appending)
    first = home.run(day)
    monkeypatch.undo()
    assert first.exit_code == 0, first.output
    assert "changed while it was read" in first.output
    archived = home.path / "archive" / "20261127-01" / "signalen" / "VGZ" / delivery.name
    assert archived.read_bytes() == read
    assert delivery.read_bytes() == read + later.encode() + b"\r\n"
    replayed = runner.invoke(
        app, ["replay", "20261127-01", "--home", str(home.path), "--config", str(home.config)]
    )
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output

    second = home.run(day + timedelta(days=1))
    assert second.exit_code == 1, second.output  # Z-2 came twice
    assert home.out("20261128-01", "signals.csv")["signaal_id"].to_list() == ["Z-3"]
    rejects = home.out(
        "20261128-01", sources.rejects_of(f"signalen/{delivery.parent.name}/{delivery.name}")
    )
    assert rejects["regelnummer"].to_list() == ["2"]
    assert not delivery.exists()


def test_the_pdf_workers_of_a_killed_run_stop_with_it(tmp_path: Path) -> None:
    """They wrote on into the folder the next run clears, which then failed."""
    letters = tmp_path / "letters"
    letters.mkdir()
    size = "#set page(width: 10cm, height: 6cm)\n"
    mark = "#place(hide(heading(bookmarked: true)[Brief]))"
    part = "#page[" + mark + "Een brief over een achterstand. " * 60 + "]"
    script = (
        "import sys; from datetime import UTC, datetime; from pathlib import Path; "
        "from functools import partial; from vsig.io import pdf; folder = Path(sys.argv[1]); "
        f"pdf.lay_out([pdf.Layout(partial(str, {size!r} + {part!r} * 2), folder / f'{{n}}.pdf', "
        "(folder / f'{n}-1.pdf', folder / f'{n}-2.pdf'), pdf.Paging('', 'Laatste'))"
        " for n in range(100)], "
        "datetime(2026, 11, 26, tzinfo=UTC))"
    )
    run = subprocess.Popen([sys.executable, "-c", script, str(letters)])
    deadline = time.monotonic() + 60
    while not any(letters.iterdir()):
        assert time.monotonic() < deadline, "no letter was written"
        assert run.poll() is None, "the run ended before writing a letter"
        time.sleep(0.01)
    run.kill()
    run.wait()
    time.sleep(0.2)  # what a worker had in hand when its parent died
    written = sorted(letters.iterdir())
    time.sleep(1.5)
    assert sorted(letters.iterdir()) == written
    assert len(written) < 300  # 100 layouts, each whole and in two parts


def test_ctrl_c_among_the_letters_stops_the_workers_at_once_and_commits_nothing(
    tmp_path: Path,
) -> None:
    """It took 11 s and said nothing: the workers finished their batches first. Now the
    interrupted run ends within seconds with exit 130 and says nothing was committed, no
    worker writes on, and the state, the outputs and the inbox are as before."""
    vsig = str(Path(sys.executable).parent / "vsig")
    config = str(REPO / "config" / "vsig.yaml")
    data = tmp_path / "var"
    common = ["--config", config, "--date", "2026-11-26"]
    made = subprocess.run(
        [vsig, "samples", "--out", str(data), "--households", "3000", *common],
        cwd=tmp_path, capture_output=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    inbox = sorted((data / "inbox").rglob("*.csv"))
    run = subprocess.Popen(
        [vsig, "run", "--home", str(data), *common],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not any((data / "out").rglob("*.pdf")):
        assert time.monotonic() < deadline, "no letter was written"
        assert run.poll() is None, "the run ended before writing a letter"
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)  # to vsig alone: its workers must be stopped by vsig
    interrupted = time.monotonic()
    _, said = run.communicate(timeout=60)
    assert time.monotonic() - interrupted < 5
    assert run.returncode == 130, said
    assert "interrupted: nothing was committed" in said
    time.sleep(1)  # what a worker still running would write
    assert list((data / "out").rglob("*")) == []
    assert sorted((data / "inbox").rglob("*.csv")) == inbox
    with Store.open(data / "state") as db:
        assert db.run_ids() == set()
