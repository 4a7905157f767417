"""An error vsig did not expect: exit 5, one line without personal data, the traceback in
`log/`, and nothing committed."""

import signal
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from vsig import cli
from vsig.exitcodes import ExitCode
from vsig.rules import cases

from .scenario import Home, Resident, make_bsn

DAY = date(2026, 11, 26)
PERSON = Resident(make_bsn(951), "Crash", date(1970, 1, 1), "3311AB", 1)


def test_an_unexpected_error_exits_5_and_logs_where_not_what(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Home.create(tmp_path)
    home.registers(DAY, [PERSON])
    home.signals("VGZ", DAY, [PERSON.signal("Z-1", "300.00", DAY, bsn=PERSON.bsn)])

    def broken(*_args: object) -> None:
        raise ValueError(f"cannot place {PERSON.bsn} {PERSON.geslachtsnaam}")

    monkeypatch.setattr(cases, "bundle", broken)
    argv = ["vsig", "run", "--home", str(home.path), "--config", str(home.config)]
    monkeypatch.setattr(sys, "argv", [*argv, "--date", str(DAY)])
    with pytest.raises(SystemExit) as exited:
        cli.entry()
    assert exited.value.code == ExitCode.INTERNAL
    printed = capsys.readouterr()
    assert printed.err.startswith("internal error (ValueError)")
    assert PERSON.bsn not in printed.err + printed.out
    logged = (home.path / "log" / "crash.log").read_text(encoding="utf-8")
    assert "in compute" in logged  # where it happened
    assert "ValueError" in logged
    assert PERSON.bsn not in logged
    assert PERSON.geslachtsnaam not in logged
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    assert any((home.path / "inbox" / "signalen" / "VGZ").iterdir())  # the delivery waits


def test_a_crash_before_the_home_is_known_prints_the_traceback_without_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_path: Path) -> None:
        raise RuntimeError("secret value 123456782")

    monkeypatch.setattr(cli, "_load", broken)
    monkeypatch.setattr(sys, "argv", ["vsig", "config", "check"])
    with pytest.raises(SystemExit) as exited:
        cli.entry()
    assert exited.value.code == ExitCode.INTERNAL
    printed = capsys.readouterr().err
    assert "RuntimeError" in printed
    assert "123456782" not in printed


def test_ctrl_c_is_not_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Click made an interrupted command exit 1, which says "done, rows rejected"."""
    home = Home.create(tmp_path)
    home.registers(DAY, [PERSON])

    def pressed(*_args: object) -> None:
        signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(cases, "bundle", pressed)
    argv = ["vsig", "run", "--home", str(home.path), "--config", str(home.config)]
    monkeypatch.setattr(sys, "argv", [*argv, "--date", str(DAY)])
    try:
        with pytest.raises(SystemExit) as exited:
            cli.entry()
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert exited.value.code == ExitCode.INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
