"""`vsig init` makes a home; no other command makes one out of a typo."""

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.config import Config

from .conftest import REPO

runner = CliRunner()
CONFIG = ["--config", str(REPO / "config" / "vsig.yaml")]


def test_init_makes_an_owner_only_home_with_a_folder_per_delivery(
    tmp_path: Path, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VSIG_SECRET_FILE", str(tmp_path / "vsig.secret"))
    home = tmp_path / "home"
    result = runner.invoke(app, ["init", "--home", str(home), *CONFIG])
    assert result.exit_code == 0, result.output
    for partner in config.signaalpartners:
        assert (home / "inbox" / "signalen" / partner.code).is_dir()
    for kind in ("brp", "sdd", "uitkomsten"):
        assert (home / "inbox" / kind).is_dir()
    assert stat.S_IMODE((home / "inbox").stat().st_mode) == 0o700
    assert (tmp_path / "vsig.secret").is_file()
    again = runner.invoke(app, ["init", "--home", str(home), *CONFIG])
    assert "nothing to make" in again.stdout


@pytest.mark.parametrize(
    "command", [["run"], ["runs"], ["purge"], ["report", "overview", "--period", "2026-11"]]
)
def test_a_command_on_a_home_that_is_not_there_exits_2_and_makes_none(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "hoem"
    result = runner.invoke(app, [*command, "--home", str(missing), *CONFIG])
    assert result.exit_code == 2, result.output
    assert f"no data home at {missing}" in result.stderr
    assert not missing.exists()
