"""`vsig doctor`, the deploy files, and a run that cannot write: operations for cron."""

import json
import os
import shlex
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from vsig.cli import app

from .conftest import REPO
from .scenario import Home
from .street import KNOWN, NIGHT_1, RESIDENTS, UNKNOWN_LOW

runner = CliRunner()


def doctor(home: Home, day: date) -> tuple[int, dict[str, str]]:
    result = runner.invoke(
        app,
        [
            "doctor",
            "--home",
            str(home.path),
            "--config",
            str(home.config),
            "--date",
            str(day),
            "--json",
        ],
    )
    return result.exit_code, {c["name"]: c["verdict"] for c in json.loads(result.stdout)}


def test_doctor_passes_a_ready_home_and_names_what_is_missing(tmp_path: Path) -> None:
    cbs = Home.default_config()["cbs"] | {"kvk_nummer": "12345678"}
    home = Home.create(tmp_path, cbs=cbs)
    home.path.chmod(0o700)
    code, verdicts = doctor(home, NIGHT_1)
    assert code == 1
    assert (verdicts["brp"], verdicts["sdd"], verdicts["secret"]) == ("problem", "problem", "ok")
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    code, verdicts = doctor(home, NIGHT_1)
    assert (code, set(verdicts.values())) == (0, {"ok"})
    code, verdicts = doctor(home, date(2026, 12, 1))  # a month later the extracts are stale
    assert (code, verdicts["brp"]) == (1, "problem")


def test_doctor_says_before_the_first_delivery_that_the_kvk_number_is_missing(
    tmp_path: Path,
) -> None:
    home = Home.create(tmp_path)  # the default config leaves it for the SDD to fill in
    home.path.chmod(0o700)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    code, verdicts = doctor(home, NIGHT_1)
    assert (code, verdicts["cbs"]) == (1, "warning")  # needs attention before a delivery
    assert {v for name, v in verdicts.items() if name != "cbs"} == {"ok"}
    result = runner.invoke(
        app, ["doctor", "--home", str(home.path), "--config", str(home.config),
              "--date", str(NIGHT_1)],
    )  # fmt: skip
    assert "cbs.kvk_nummer is not set" in " ".join(result.stdout.split())


def test_doctor_and_run_choose_the_extract_by_one_rule(tmp_path: Path) -> None:
    """A stale extract and one dated tomorrow: the run may not read tomorrow's, so it stops
    (3); doctor used to take the newest of all and say ok."""
    home = Home.create(tmp_path)
    home.registers(date(2026, 10, 1), RESIDENTS, KNOWN)
    home.registers(NIGHT_1 + timedelta(days=1), RESIDENTS, KNOWN)
    code, verdicts = doctor(home, NIGHT_1)
    assert (code, verdicts["brp"], verdicts["sdd"]) == (1, "problem", "problem")
    assert home.run(NIGHT_1).exit_code == 3


@pytest.mark.parametrize("cause", ["read-only file system", "Permission denied"])
def test_doctor_says_when_the_home_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cause: str
) -> None:
    """A home on a read-only mount (root too is refused there), or one the user may not
    write in: the mode bits say neither, so doctor asks the file system and tries."""
    home = Home.create(tmp_path, cbs=Home.default_config()["cbs"] | {"kvk_nummer": "12345678"})
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    home.path.chmod(0o700)
    assert doctor(home, NIGHT_1) == (0, dict.fromkeys(doctor(home, NIGHT_1)[1], "ok"))
    if cause == "read-only file system":
        real = os.statvfs

        def read_only(path: object) -> os.statvfs_result:
            found = real(path)  # type: ignore[arg-type]
            fields = list(found)
            fields[8] |= os.ST_RDONLY  # f_flag
            return os.statvfs_result(fields)

        monkeypatch.setattr(os, "statvfs", read_only)
    else:

        def refused(*_args: object, **_kwargs: object) -> object:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "TemporaryFile", refused)
    args = ["--home", str(home.path), "--config", str(home.config), "--date", str(NIGHT_1)]
    result = runner.invoke(app, ["doctor", *args, "--json"])
    assert result.exit_code == 1
    (found,) = [c for c in json.loads(result.stdout) if c["name"] == "home"]
    assert found["verdict"] == "problem"
    assert found["detail"].startswith(f"cannot write in {home.path} ({cause})")


def test_a_run_that_cannot_write_aborts_with_3_and_changes_nothing(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT_1, RESIDENTS, KNOWN)
    home.signals("WOONKRACHT10", NIGHT_1, [UNKNOWN_LOW.signal("W-2", "100.00", NIGHT_1)])
    (home.path / "out").write_text("not a folder")  # as unwritable as a full disk, even for root
    result = home.run(NIGHT_1)
    assert result.exit_code == 3
    assert "nothing was committed" in result.stderr
    assert "Traceback" not in result.output
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchall() == [(0,)]
    assert (home.path / "inbox" / "signalen" / "WOONKRACHT10").is_dir()
    (home.path / "out").unlink()
    assert home.run(NIGHT_1).exit_code == 0  # fixed, the same night runs whole


def test_the_deploy_files_run_vsig_as_documented() -> None:
    cron = (REPO / "deploy" / "vsig.cron").read_text()
    line = next(row for row in cron.splitlines() if row and not row.startswith("#"))
    assert line.split()[:5] == ["0", "2", "*", "*", "*"]
    command = shlex.split(line.split("&&", 1)[1])
    start = command.index(".venv/bin/vsig")
    assert command[start : start + 3] == [".venv/bin/vsig", "run", "--json"]
    assert {"VSIG_HOME=/srv/vsig", "VSIG_SECRET_FILE=/etc/vsig/secret"} <= set(command)
    service = (REPO / "deploy" / "vsig.service").read_text()
    assert "ExecStart=/opt/vsig/.venv/bin/vsig run --json" in service
    assert "UMask=0077" in service
    assert "OnCalendar=*-*-* 02:00:00" in (REPO / "deploy" / "vsig.timer").read_text()
    readme = (REPO / "docs" / "operations.md").read_text()
    assert "deploy/vsig.timer" in readme
    assert "deploy/vsig.cron" in readme
