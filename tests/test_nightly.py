"""The conductor: one night through every stage, in the order of DESIGN.md, committed whole."""

import signal
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from vsig.config import load_config
from vsig.io import letters, spreadsheets
from vsig.io.state.store import Store
from vsig.night import nightly
from vsig.night.tonight import RunAbortedError

from .scenario import Home, Resident, make_bsn

DAY = date(2026, 11, 26)
DEBTOR = Resident(make_bsn(501), "Schuld", date(1975, 5, 5), "3311AB", 3)
SECRET = b"s" * 40


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home.create(tmp_path)
    home.registers(DAY, [DEBTOR])
    home.signals("VGZ", DAY, [DEBTOR.signal("N-1", "300.00", DAY, bsn=DEBTOR.bsn)])
    return home


def test_the_stages_run_in_the_pipelines_order_and_the_letters_count_up(home: Home) -> None:
    seen: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        seen.append((stage, done, total))

    nightly.run_night(load_config(home.config), home.data, DAY, SECRET, progress=progress)
    assert [stage for stage, done, _ in seen if not done] == list(nightly.STAGES)
    counted = [(done, total) for stage, done, total in seen if done and stage == "brieven"]
    assert counted == [(1, 1)]  # one letter: its print file is laid out with it, not counted
    files = [(done, total) for stage, done, total in seen if done and stage == "exports"]
    assert files == [(n, len(files)) for n in range(1, len(files) + 1)]
    assert len(files) > 10  # a municipality's export, the call list, each creditor's feedback
    assert {stage for stage, done, _ in seen if done} == {"brieven", "exports"}


def test_the_letters_do_not_wait_for_the_exports(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The letters are laid out while the exports are written: letters that wait for an
    export to exist find it (in a night that wrote the exports after them, they would not)."""
    laid_out = letters.write

    def waiting(folder: Path, *args: Any, **kwargs: Any) -> letters.LetterFiles:
        export = folder.parent / "exports" / "termijnen.csv"
        assert _eventually(export.exists), "the exports wait for the letters"
        return laid_out(folder, *args, **kwargs)

    monkeypatch.setattr(letters, "write", waiting)
    summary = nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert (home.data.outputs(summary.run_id) / "letters" / "index.csv").is_file()


def test_letters_that_fail_stop_the_exports_before_the_run_is_removed(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose letters fail waits for the export in hand to be written, and stops the
    exports there: none is begun after it, none is written into the folder being removed,
    and no thread is left behind."""
    writing, failed = threading.Event(), threading.Event()
    begun_after: list[Path] = []
    write_for_people = spreadsheets.write_for_people

    def slow(frame: pl.DataFrame, path: Path, *args: Any) -> None:
        if writing.is_set():
            begun_after.append(path)
        else:  # the first export: in hand while the letters fail, and it takes its time
            writing.set()
            failed.wait(60)
            time.sleep(0.2)
        write_for_people(frame, path, *args)

    def broken(*_: object, **__: object) -> letters.LetterFiles:
        assert writing.wait(60)
        failed.set()
        raise RuntimeError("the letters broke")

    monkeypatch.setattr(spreadsheets, "write_for_people", slow)
    monkeypatch.setattr(letters, "write", broken)
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="the letters broke"):
        nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert threading.active_count() == threads
    assert begun_after == []
    assert not list(home.data.out.iterdir())
    with Store.open(home.data.state) as db:
        assert db.run_ids() == set()


def test_ctrl_c_while_the_run_waits_for_the_exports_stops_them_too(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The letters are done and the run waits for the last exports when Ctrl-C comes: the
    run ends, and the exports stop after the file in hand, before the run's folder is
    removed. (polars' SIGINT handler restarts a wait without a timeout: it was not ended.)"""
    laid_out, waiting = threading.Event(), threading.Event()
    begun_after: list[Path] = []
    write_for_people = spreadsheets.write_for_people
    letters_write = letters.write

    def interrupted(frame: pl.DataFrame, path: Path, *args: Any) -> None:
        if waiting.is_set():
            begun_after.append(path)
        else:  # the first export: in hand when the letters are done and Ctrl-C comes
            assert laid_out.wait(60)
            time.sleep(0.3)  # the run is waiting for this thread now
            waiting.set()
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            time.sleep(0.5)  # still writing it when the run hears the Ctrl-C
        write_for_people(frame, path, *args)

    def done(*args: Any, **kwargs: Any) -> letters.LetterFiles:
        written = letters_write(*args, **kwargs)
        laid_out.set()
        return written

    monkeypatch.setattr(spreadsheets, "write_for_people", interrupted)
    monkeypatch.setattr(letters, "write", done)
    threads = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert threading.active_count() == threads
    assert begun_after == []
    assert not list(home.data.out.iterdir())


def test_letters_and_exports_that_both_fail_say_so_without_a_value(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_failed = threading.Event()

    def failing(*_: object) -> None:
        export_failed.set()
        raise ValueError("Jansen")  # a value the error's message might quote

    def broken(*_: object, **__: object) -> letters.LetterFiles:
        assert export_failed.wait(60)
        raise RuntimeError("the letters broke")

    monkeypatch.setattr(spreadsheets, "write_for_people", failing)
    monkeypatch.setattr(letters, "write", broken)
    with pytest.raises(RuntimeError, match="the letters broke") as raised:
        nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert raised.value.__notes__ == ["the exports failed as well (ValueError)"]


def test_exports_that_fail_abort_the_night_and_commit_nothing(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VSIG_TEST_CRASH_AT", "exports-disk-full")
    with pytest.raises(RunAbortedError, match="No space left on device"):
        nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert not list(home.data.out.iterdir())
    assert list((home.data.inbox / "signalen" / "VGZ").iterdir())  # still waiting
    with Store.open(home.data.state) as db:
        assert db.run_ids() == set()


def _eventually(done: Callable[[], bool]) -> bool:
    """Whether `done` comes true within a minute (a loaded machine takes its time)."""
    deadline = time.monotonic() + 60
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_dry_run_computes_the_night_and_writes_nothing(home: Home) -> None:
    summary = nightly.run_night(load_config(home.config), home.data, DAY, SECRET, dry_run=True)
    assert summary.zaken["geopend"] == 1
    assert summary.out is None
    assert not home.data.outputs(summary.run_id).exists()
    assert list((home.data.inbox / "signalen" / "VGZ").iterdir())  # still waiting
    with Store.open(home.data.state) as db:
        assert db.run_ids() == set()


def test_a_night_commits_its_run_and_takes_what_it_consumed(home: Home) -> None:
    summary = nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert summary.out == str(home.data.outputs("20261126-01"))
    assert home.data.manifest_path("20261126-01").is_file()
    assert home.data.archived("20261126-01").is_dir()
    assert not list((home.data.inbox / "signalen" / "VGZ").iterdir())
    with Store.open(home.data.state) as db:
        assert db.run_ids() == {"20261126-01"}
        assert db.open_cases().height == 1
