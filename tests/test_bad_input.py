"""The hostile-input corpus of tests/data/bad/ (see make_corpus.py there): every file ends
in a clear reason or notice, the right exit code, no traceback, every row accounted for."""

import csv
import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from vsig.cli import app
from vsig.io.sources import rejects_of

from .conftest import REPO
from .scenario import Home, Resident, csv_text, make_bsn

CORPUS = REPO / "tests" / "data" / "bad"
CASES = list(
    csv.DictReader(
        (CORPUS / "expected.csv").read_text(encoding="utf-8").splitlines(), delimiter=";"
    )
)
NIGHT = date(2026, 11, 2)
REGISTERED = Resident(make_bsn(901), "Jansen", date(1980, 1, 1), "3311AB", 1)
ONE_NIGHT = [c for c in CASES if c["file"].split("/")[0] in ("signalen", "uitkomsten")]
REGISTERS = [c for c in CASES if c not in ONE_NIGHT]
Night = tuple[Home, str, dict[str, Any]]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


def said_about(out: Path, manifest: dict[str, Any], relative: str) -> str:
    """Everything the run said about one input file (by its place in the inbox): reject
    reasons, file reason, notices."""
    name = Path(relative).name
    (item,) = [i for i in manifest["inputs"] if Path(i["file"]).name == name]
    rejects = out / rejects_of(relative)
    text = rejects.read_text(encoding="utf-8-sig") if rejects.exists() else ""
    notices = " ".join(n for n in manifest["notices"] if n.startswith(f"{name}:"))
    return " ".join([text, item["file_rejected"] or "", notices])


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Night:
    home = Home.create(tmp_path_factory.mktemp("bad"))
    home.registers(NIGHT, [REGISTERED])
    for case in ONE_NIGHT:
        target = home.path / "inbox" / case["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / case["case"] / case["file"], target)
    result = home.run(NIGHT)
    assert result.exit_code == 1, result.output
    manifest = json.loads((home.path / "out" / "20261102-01" / "manifest.json").read_text())
    return home, result.output, manifest


def test_no_traceback_and_every_row_accounted_for(night: Night) -> None:
    _, output, manifest = night
    assert "Traceback" not in output
    for item in manifest["inputs"]:
        assert item["accepted"] + item["rejected"] == item["read"], item["file"]


@pytest.mark.parametrize("case", ONE_NIGHT, ids=[c["file"] for c in ONE_NIGHT])
def test_each_file_gets_its_reason(night: Night, case: dict[str, str]) -> None:
    home, _, manifest = night
    out = home.path / "out" / "20261102-01"
    name = Path(case["file"]).name
    said = said_about(out, manifest, case["file"])
    (item,) = [i for i in manifest["inputs"] if Path(i["file"]).name == name]
    if case["exit"] == "0":
        assert item["rejected"] == 0, said
        assert not item["file_rejected"]
    else:
        assert item["rejected"] or item["file_rejected"], said
    assert case["phrase"] in said


def alone(tmp_path: Path, case: dict[str, str]) -> Result:
    """A night with only this corpus file besides the registers."""
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    target = home.path / "inbox" / case["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CORPUS / case["case"] / case["file"], target)
    return home.run(NIGHT)


@pytest.mark.parametrize("case", ONE_NIGHT, ids=[c["file"] for c in ONE_NIGHT])
def test_each_file_alone_ends_the_night_with_its_exit_code(
    tmp_path: Path, case: dict[str, str]
) -> None:
    """A file rejected whole counts as a reject even when it has no row to count."""
    result = alone(tmp_path, case)
    assert result.exit_code == int(case["exit"]), result.output
    if case["exit"] == "1":
        assert f"rejected {case['file']}" in result.stdout


def test_a_file_rejected_whole_does_not_stop_the_same_bytes_elsewhere(tmp_path: Path) -> None:
    """Delivered by mistake in an unknown folder and rightly in its own the same night: the
    right one is processed, not refused as "already processed"."""
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    row = REGISTERED.signal("W-1", "100.00", NIGHT)
    home.signals("WOONKRACHT10", NIGHT, [row])
    mistaken = home.path / "inbox" / "signalen" / "AAA-ONBEKEND" / "woonkracht10-20261102.csv"
    mistaken.parent.mkdir(parents=True)
    shutil.copyfile(next((home.path / "inbox" / "signalen" / "WOONKRACHT10").iterdir()), mistaken)
    result = home.run(NIGHT)
    assert result.exit_code == 1, result.output
    signals = home.out("20261102-01", "signals.csv")
    assert signals["signaal_id"].to_list() == ["W-1"]


def test_a_message_about_a_header_never_quotes_a_value(tmp_path: Path) -> None:
    """A file without a header whose first row holds a BSN twice: the reason names the
    missing columns, and the BSN reaches no terminal, log or manifest."""
    (case,) = [c for c in ONE_NIGHT if "headerless" in c["file"]]
    result = alone(tmp_path, case)
    assert "wrong layout" in result.stdout
    home = tmp_path / "home"
    kept = [result.output, *(p.read_text() for p in home.rglob("*.json*"))]
    assert not [text for text in kept if "111222333" in text]


def test_files_the_run_will_not_read_are_named_every_night(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    for name in ("signalen/WOONKRACHT10/levering.CSV", "signalen/los.csv", "brp/readme"):
        home.write(name, "signaal_id;bedrag\r\n")
    for day in (NIGHT, date(2026, 11, 3)):
        home.registers(day, [REGISTERED])
        result = home.run(day)
        for name in ("signalen/WOONKRACHT10/levering.CSV", "signalen/los.csv", "brp/readme"):
            assert f"inbox/{name} is not read" in result.stdout, result.stdout
    doctor = home.runner.invoke(
        app, ["doctor", "--home", str(home.path), "--config", str(home.config)]
    )
    assert "signalen/los.csv" in doctor.stdout


@pytest.mark.parametrize("case", REGISTERS, ids=[c["case"] for c in REGISTERS])
def test_a_broken_register(tmp_path: Path, case: dict[str, str]) -> None:
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    shutil.copyfile(CORPUS / case["case"] / case["file"], home.path / "inbox" / case["file"])
    result = home.run(NIGHT)
    assert result.exit_code == int(case["exit"]), result.output
    assert "Traceback" not in result.output
    if case["exit"] == "3":
        assert case["phrase"] in result.stderr
        assert not (home.path / "out").exists()
    else:
        manifest = json.loads((home.path / "out" / "20261102-01" / "manifest.json").read_text())
        said = said_about(home.path / "out" / "20261102-01", manifest, case["file"])
        assert case["phrase"] in said


def test_links_fifos_and_folders_in_the_inbox_are_named_never_read(tmp_path: Path) -> None:
    """A link to another partner's file would tell the wrong creditor about its signals;
    a FIFO would hang the run; a folder named like a file crashed it."""
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    theirs = home.signals("VGZ", NIGHT, [REGISTERED.signal("Z-1", "100.00", NIGHT)])
    mine = home.path / "inbox" / "signalen" / "WOONKRACHT10"
    mine.mkdir(parents=True)
    (mine / "vgz.csv").symlink_to(theirs)
    os.mkfifo(mine / "pipe.csv")
    (mine / "map.csv").mkdir()
    (home.path / "inbox" / "signalen" / "EVIDES").symlink_to(theirs.parent)
    result = home.run(NIGHT)
    assert result.exit_code == 0, result.output
    said = result.stdout
    assert "signalen/WOONKRACHT10/vgz.csv is a symbolic link" in said
    assert "signalen/EVIDES is a symbolic link" in said
    assert "signalen/WOONKRACHT10/pipe.csv is not a regular file" in said
    assert "signalen/WOONKRACHT10/map.csv" not in said  # a folder: nothing to read in it
    feedback = home.path / "out" / "20261102-01" / "exports" / "terugmelding"
    assert sorted(p.name for p in feedback.glob("*.csv")) == ["VGZ.csv"]
    archived = home.path / "archive" / "20261102-01" / "signalen" / "VGZ" / theirs.name
    assert archived.is_file()
    assert (mine / "vgz.csv").is_symlink()  # left where it was


def test_escapes_and_markup_in_names_reach_the_terminal_as_plain_text(tmp_path: Path) -> None:
    """An escape sequence or a newline in a file name could rewrite the operator's terminal
    or fake a line of the summary: such a delivery is left unread, its name shown with
    every control character escaped. Rich markup in a column name crashed the summary
    after the commit."""
    home = Home.create(tmp_path)
    home.registers(NIGHT, [REGISTERED])
    row = REGISTERED.signal("W-1", "100.00", NIGHT) | {"[/yellow]": "x"}
    home.write("signalen/WOONKRACHT10/lev[red].csv", csv_text([row]))
    home.write("signalen/WOONKRACHT10/\x1b]0;pwned\x07lev.csv", csv_text([row]))
    home.write("signalen/WOONKRACHT10/\x1b[2Jleeg.csv", "")
    home.write("signalen/WOONKRACHT10/x.csv\nrejected nep.csv", csv_text([row]))
    result = home.run(NIGHT)
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "column(s) ['[/yellow]'] are not part of the layout" in result.stdout
    assert "lev[red].csv" in result.stdout
    assert "\\x1b]0;pwned\\x07lev.csv has a control character" in result.stdout
    assert "\\x1b[2Jleeg.csv has a control character" in result.stdout
    assert "x.csv\\nrejected nep.csv has a control" in result.stdout
    assert not any(line.startswith("rejected nep.csv") for line in result.stdout.splitlines())
    left = sorted(p.name for p in (home.path / "inbox" / "signalen" / "WOONKRACHT10").iterdir())
    assert len(left) == 3  # left with their reason; the well-named one consumed
    faked = home.path / "inbox" / "signalen" / "WOONKRACHT10" / "x.csv\nrejected nep.csv"
    checked = home.runner.invoke(app, ["validate", str(faked), "--config", str(home.config)])
    assert checked.exit_code == 1
    assert "x.csv\\nrejected nep.csv" in checked.stdout
    assert not any(line.startswith("rejected nep.csv") for line in checked.stdout.splitlines())
