"""`vsig validate`: problems per file, named by file, line and column; exit 0 or 1."""

import json
from pathlib import Path

from typer.testing import CliRunner

from vsig.cli import app

from .conftest import REPO, WriteFile
from .test_ingest import GOOD, canonical, signal

runner = CliRunner()
CONFIG = ["--config", str(REPO / "config" / "vsig.yaml"), "--date", "2026-11-26"]


def test_clean_file_exits_0(write_file: WriteFile) -> None:
    path = write_file("signalen/VGZ/a.csv", canonical(GOOD))
    result = runner.invoke(app, ["validate", *CONFIG, str(path)])
    assert result.exit_code == 0, result.output
    assert "VGZ" in result.output


def test_wrong_header_bad_rows_and_undecodable_file(write_file: WriteFile) -> None:
    wrong_header = write_file("signalen/VGZ/header.csv", canonical(GOOD).replace(";", ","))
    bad_rows = write_file(
        "signalen/VGZ/rows.csv", canonical(GOOD, signal(signaal_id="S2", bsn="123456789"))
    )
    undecodable = write_file(
        "signalen/VGZ/bytes.csv", canonical(signal(achternaam="Ærø")).encode("cp1252")
    )
    result = runner.invoke(
        app, ["validate", *CONFIG, "--json", str(wrong_header), str(bad_rows), str(undecodable)]
    )
    assert result.exit_code == 1
    files = {Path(f["file"]).name: f for f in json.loads(result.output)}
    assert files["header.csv"]["file_rejected"].startswith("wrong layout: column(s)")
    assert files["rows.csv"]["problems"] == [
        {"regelnummer": 3, "kolom": "bsn", "reden": "is not a valid BSN (9 digits, 11-check)"}
    ]
    assert (
        files["rows.csv"]["read"],
        files["rows.csv"]["accepted"],
        files["rows.csv"]["rejected"],
    ) == (2, 1, 1)
    assert files["bytes.csv"]["file_rejected"].startswith("line 2 is not valid utf-8")


def test_human_output_names_file_line_and_column(write_file: WriteFile) -> None:
    path = write_file(
        "signalen/VGZ/rows.csv", canonical(GOOD, signal(signaal_id="S2", postcode="33AB"))
    )
    result = runner.invoke(app, ["validate", *CONFIG, str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "Problems in" in result.output
    assert "rows.csv" in result.output
    line = next(line for line in result.output.splitlines() if "postcode" in line)
    assert "3" in line
    assert "is not a Dutch postcode" in line
    assert "Traceback" not in result.output


def test_output_holds_no_values_from_the_file(write_file: WriteFile) -> None:
    """Terminal output may end up in a log: no BSN, name or address in it."""
    path = write_file("signalen/VGZ/rows.csv", canonical(signal(bsn="123456789", postcode="33AB")))
    for extra in ([], ["--json"]):
        output = runner.invoke(app, ["validate", *CONFIG, *extra, str(path)]).output
        for value in ("123456789", "33AB", "Dijk", "Voorstraat", "111222333"):
            assert value not in output


def test_partner_option_reads_any_path(tmp_path: Path) -> None:
    path = tmp_path / "delivery.csv"
    path.write_text(canonical(GOOD))
    assert runner.invoke(app, ["validate", *CONFIG, "--partner", "CAK", str(path)]).exit_code == 0


def test_unknown_file_kind_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "delivery.csv"
    path.write_text(canonical(GOOD))
    result = runner.invoke(app, ["validate", *CONFIG, str(path)])
    assert result.exit_code == 2
    assert "--partner CODE or --kind" in result.output
    assert runner.invoke(app, ["validate", *CONFIG, "--partner", "NUON", str(path)]).exit_code == 2
    assert runner.invoke(app, ["validate", *CONFIG, "--kind", "brp2", str(path)]).exit_code == 2
    assert runner.invoke(app, ["validate", *CONFIG, str(tmp_path / "missing.csv")]).exit_code == 2


def test_bad_date_is_a_usage_error(write_file: WriteFile) -> None:
    path = write_file("signalen/VGZ/a.csv", canonical(GOOD))
    result = runner.invoke(app, ["validate", "--date", "26-11-2026", str(path)])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
