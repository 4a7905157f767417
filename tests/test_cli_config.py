"""`vsig config check`: exit 0 and a summary, or exit 2 with one line per problem."""

from pathlib import Path

from typer.testing import CliRunner

from vsig.cli import app

from .conftest import REPO, write_config

runner = CliRunner()


def test_default_config_is_ok() -> None:
    result = runner.invoke(app, ["config", "check", "--config", str(REPO / "config" / "vsig.yaml")])
    assert result.exit_code == 0, result.output
    assert "Hendrik-Ido-Ambacht" in result.output
    assert "TRIVIRE" in result.output
    assert "config OK" in result.output


def test_broken_config_exits_2_without_traceback(tmp_path: Path) -> None:
    text = (REPO / "config" / "vsig.yaml").read_text().replace("soort: Water", "soort: Gas", 1)
    path = write_config(tmp_path, text)
    result = runner.invoke(app, ["config", "check", "--config", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert "config error:" in result.output
    assert "signaalpartners[2].soort" in result.output
    assert "Traceback" not in result.output


def test_config_from_environment(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["config", "check"], env={"VSIG_CONFIG": str(tmp_path / "none.yaml")}
    )
    assert result.exit_code == 2
    assert "cannot read the config file" in result.output
