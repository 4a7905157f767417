"""`vsig replay` and `vsig runs`: every night of the street reproduces byte for byte."""

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from vsig import audit
from vsig.cli import app

from .conftest import PROCESSING_DATE, REPO, TEST_SECRET
from .scenario import Home
from .street import NEIGHBOURS, RESIDENTS, Story

runner = CliRunner()


def vsig(*args: str) -> Result:
    return runner.invoke(app, list(args))


def edit_manifest(path: Path, change: dict[str, Any], key: str = TEST_SECRET) -> None:
    """Change the manifest and seal it again with `key`: with the home's own secret, as only
    vsig could, to reach the checks behind the seal; with another, as a forger would."""
    manifest = json.loads(path.read_text()) | change
    audit.write_manifest(path, manifest, key.encode())


@pytest.mark.parametrize("run_id", ["20261102-01", "20261102-02", "20261103-01", "20270205-01"])
def test_every_night_replays_byte_for_byte(story: Story, run_id: str) -> None:
    result = vsig("replay", run_id, "--home", str(story.home.path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1].endswith("outputs, identical")
    assert not [line for line in lines[:-1] if not line.startswith("identical ")]


def test_the_archive_keeps_only_the_brp_rows_the_run_used(story: Story) -> None:
    kept = pl.read_parquet(
        story.home.path / "archive" / "20261102-01" / "registers" / "brp.parquet"
    )
    manifest = json.loads((story.home.path / "out" / "20261102-01" / "manifest.json").read_text())
    (brp,) = [i for i in manifest["inputs"] if i["kind"] == "brp"]
    assert brp["accepted"] == len(RESIDENTS)
    assert set(kept["bsn"]) == {r.bsn for r in RESIDENTS if r not in NEIGHBOURS}
    # The SDD slice only holds arrangements of people in the kept BRP rows.
    sdd = pl.read_parquet(story.home.path / "archive" / "20261102-01" / "registers" / "sdd.parquet")
    assert set(sdd["bsn"]) <= set(kept["bsn"])


@pytest.fixture
def copied(story: Story, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(story.home.path, home)
    return home


def test_an_edited_archive_row_is_caught_before_anything_runs(copied: Path) -> None:
    archived = copied / "archive" / "20261102-01" / "signalen" / "VGZ" / "vgz-20261102.csv"
    archived.write_text(archived.read_text().replace("200.00", "20.00"))
    result = vsig("replay", "20261102-01", "--home", str(copied))
    assert result.exit_code == 1
    assert "tampered archive/20261102-01/signalen/VGZ/vgz-20261102.csv: changed" in result.stdout
    assert "identical" not in result.stdout


def test_a_file_slipped_into_the_archive_is_caught(copied: Path) -> None:
    (copied / "archive" / "20261103-01" / "extra.csv").write_text("x")
    result = vsig("replay", "20261103-01", "--home", str(copied))
    assert result.exit_code == 1
    assert "extra.csv: not part of the run" in result.stdout


def test_a_different_output_is_named(copied: Path) -> None:
    manifest_path = copied / "out" / "20261103-01" / "manifest.json"
    outputs = json.loads(manifest_path.read_text())["outputs"]
    for output in outputs:
        if output["path"] == "cases.csv":
            output["sha256"] = "0" * 64
    edit_manifest(manifest_path, {"outputs": outputs})
    result = vsig("replay", "20261103-01", "--home", str(copied))
    assert result.exit_code == 1
    assert "different cases.csv" in result.stdout
    assert "identical signals.csv" in result.stdout


def test_other_versions_are_warned_about(copied: Path) -> None:
    manifest_path = copied / "out" / "20261102-02" / "manifest.json"
    environment = json.loads(manifest_path.read_text())["environment"]
    environment["dependencies"]["polars"] = "0.0.1"
    edit_manifest(manifest_path, {"environment": environment})
    result = vsig("replay", "20261102-02", "--home", str(copied))
    assert result.exit_code == 0
    assert "polars was 0.0.1 for the run" in result.stderr


def test_an_unknown_run_is_a_usage_error(story: Story) -> None:
    result = vsig("replay", "19990101-01", "--home", str(story.home.path))
    assert result.exit_code == 2
    assert "no run '19990101-01'" in result.stderr


def test_runs_lists_every_night(story: Story) -> None:
    result = vsig("runs", "--home", str(story.home.path), "--json")
    assert result.exit_code == 0
    runs = json.loads(result.stdout)
    assert [(r["run_id"], r["exit_code"]) for r in runs] == [
        ("20261102-01", 0),
        ("20261102-02", 0),
        ("20261103-01", 1),
        ("20270205-01", 0),
    ]
    assert runs[1]["signalen"] == 0
    table = vsig("runs", "--home", str(story.home.path))
    assert "20270205-01" in table.stdout


def test_manifests_hold_no_personal_data(story: Story) -> None:
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in (story.home.path / "out").glob("*/manifest.json")
    )
    for person in RESIDENTS:
        assert person.bsn not in text
        assert person.geslachtsnaam not in text
        assert person.postcode not in text


def test_the_manifest_records_what_an_auditor_needs(story: Story) -> None:
    manifest = json.loads((story.home.path / "out" / "20261102-01" / "manifest.json").read_text())
    assert manifest["environment"]["vsig"]
    assert {"polars", "duckdb", "typst", "pandera"} <= manifest["environment"][
        "dependencies"
    ].keys()
    assert set(manifest["config"]) == {"vsig.yaml", "routing.yaml"}
    assert "informatiebrief.typ.j2" in manifest["templates"]
    assert not [t for t in manifest["templates"] if "inzage" in t]  # only the letters
    assert "registers/brp.parquet" in manifest["archive"]
    assert "signalen/VGZ/vgz-20261102.csv" in manifest["archive"]
    assert manifest["timings"].keys() >= {"inlezen", "matchen", "routeren"}


def test_a_sample_night_replays_from_a_third_of_the_brp(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    shutil.copytree(REPO / "samples" / "inbox", home.path / "inbox")
    assert home.run(PROCESSING_DATE).exit_code == 1  # the samples' broken rows
    kept = pl.read_parquet(home.path / "archive" / "20261126-01" / "registers" / "brp.parquet")
    extract = (REPO / "samples" / "inbox" / "brp" / "brp-20261126.csv").read_text()
    assert kept.height < len(extract.splitlines()) / 2
    result = vsig("replay", "20261126-01", "--home", str(home.path))
    assert result.exit_code == 0, result.output


def plant_template(home: Path, run: str) -> Path:
    """An archived letter template edited to run a command, and the archive's record of its
    hash edited to match; returns the file the command would create."""
    template = home / "archive" / run / "templates" / "informatiebrief.typ.j2"
    pwned = home / "PWNED"
    payload = f"{{{{ cycler.__init__.__globals__.os.system('touch {pwned}') }}}}\n"
    template.write_text(payload + template.read_text())
    manifest_path = home / "out" / run / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    digest = hashlib.sha256(template.read_bytes()).hexdigest()
    manifest["archive"]["templates/informatiebrief.typ.j2"] = digest
    manifest_path.write_text(json.dumps(manifest))
    return pwned


@pytest.mark.parametrize("key", [None, "not the home's secret, but long enough to pass"])
def test_an_edited_template_and_manifest_are_refused_without_the_secret(
    copied: Path, key: str | None
) -> None:
    """The hash edited to match, the seal left as it was or made with another key."""
    run = "20261102-01"
    pwned = plant_template(copied, run)
    manifest_path = copied / "out" / run / "manifest.json"
    if key:
        edit_manifest(manifest_path, {}, key)
    result = vsig("replay", run, "--home", str(copied))
    assert not pwned.exists()
    assert result.exit_code == 1
    assert f"tampered out/{run}/manifest.json: its seal does not hold" in result.stdout
    assert "identical" not in result.stdout


def test_an_archived_template_that_runs_code_is_refused_even_when_sealed(copied: Path) -> None:
    """Whoever holds the secret can seal anything; the sandbox still refuses to run code."""
    run = "20261102-01"
    pwned = plant_template(copied, run)
    edit_manifest(copied / "out" / run / "manifest.json", {})
    result = vsig("replay", run, "--home", str(copied))
    assert not pwned.exists()
    assert result.exit_code == 2
    assert "refused by the sandbox" in result.output


def test_a_mark_of_erasure_is_no_way_around_the_tamper_check(copied: Path) -> None:
    run = "20261102-01"
    archived = copied / "archive" / run / "signalen" / "VGZ" / "vgz-20261102.csv"
    archived.write_text(archived.read_text().replace("200.00", "20.00"))
    edit_manifest(copied / "out" / run / "manifest.json", {"erased_on_request": True})
    result = vsig("replay", run, "--home", str(copied))
    assert "tampered archive/20261102-01/signalen/VGZ/vgz-20261102.csv" in result.stdout


@pytest.mark.parametrize("older", ["laid out twice", "no last page"])
def test_a_run_whose_letter_templates_are_from_an_older_vsig_says_so(
    copied: Path, older: str
) -> None:
    """A run archived by the vsig that laid every letter out twice (its `_document` marks
    no letter's beginning), or by the one before the last page every letter shares. The
    replay says why it cannot lay them out, not exit 5."""
    run = "20261102-01"
    templates = copied / "archive" / run / "templates"
    manifest = json.loads((copied / "out" / run / "manifest.json").read_text())
    archive = dict(manifest["archive"])
    if older == "laid out twice":
        template = templates / "_document.typ.j2"
        shutil.copyfile(REPO / "tests" / "data" / "document-laid-out-twice.typ.j2", template)
        archive["templates/_document.typ.j2"] = hashlib.sha256(template.read_bytes()).hexdigest()
    else:
        (templates / "_achterzijde.typ.j2").unlink()
        del archive["templates/_achterzijde.typ.j2"]
    edit_manifest(copied / "out" / run / "manifest.json", {"archive": archive})
    result = vsig("replay", run, "--home", str(copied))
    assert result.exit_code == 2, result.output
    assert "do not mark where each letter begins" in result.output
    assert "replay it with the vsig the run had" in result.output


def test_a_run_whose_config_this_vsig_no_longer_loads_says_so(copied: Path) -> None:
    """A run archived before each arrears window had to say where its numbers come from:
    the replay names what its config lacks and how to replay it, not exit 5."""
    run = "20261102-01"
    manifest = json.loads((copied / "out" / run / "manifest.json").read_text())
    config = copied / "archive" / run / "config" / manifest["config_file"]
    config.write_text(config.read_text().replace("grondslag:", "bron:"))
    archive = manifest["archive"] | {
        f"config/{manifest['config_file']}": hashlib.sha256(config.read_bytes()).hexdigest()
    }
    edit_manifest(copied / "out" / run / "manifest.json", {"archive": archive})
    result = vsig("replay", run, "--home", str(copied))
    assert result.exit_code == 2, result.output
    assert "its archived config does not load with this vsig" in result.output
    assert "grondslag" in result.output
    assert "replay it with the vsig the run had" in result.output
