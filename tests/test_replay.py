"""Replay's checks before it runs anything: the run is there, sealed, untouched, whole."""

import json
from pathlib import Path
from typing import Any

import pytest

from vsig import audit
from vsig.audit import replay
from vsig.io.home import Home
from vsig.privacy.purge_log import ERASED

SECRET = b"k" * 40


def archived_run(root: Path, **fields: Any) -> Home:
    """A run "R1" whose archive holds one file, with a manifest sealed under SECRET."""
    home = Home(root)
    archive = home.archived("R1")
    (archive / "signalen").mkdir(parents=True)
    (archive / "signalen" / "a.csv").write_text("S1\n")
    home.outputs("R1").mkdir(parents=True)
    manifest = {"environment": audit.environment(), "archive": audit.hashes(archive), **fields}
    audit.write_manifest(home.manifest_path("R1"), manifest, SECRET)
    return home


def test_a_run_without_a_manifest_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(replay.ReplayError, match="no run 'R9'"):
        replay.replay(Home(tmp_path), "R9", SECRET)


def test_a_purged_archive_cannot_be_replayed(tmp_path: Path) -> None:
    home = archived_run(tmp_path)
    (home.archived("R1") / "signalen" / "a.csv").unlink()
    (home.archived("R1") / "signalen").rmdir()
    home.archived("R1").rmdir()
    with pytest.raises(replay.ReplayError, match="its archive was purged"):
        replay.replay(home, "R1", SECRET)


def test_an_edited_archive_file_is_reported_before_anything_runs(tmp_path: Path) -> None:
    home = archived_run(tmp_path, **{ERASED: True})
    (home.archived("R1") / "signalen" / "a.csv").write_text("S2\n")
    report = replay.replay(home, "R1", SECRET)
    assert report.tampered == ["archive/R1/signalen/a.csv: changed (SHA-256 differs)"]
    assert not report.identical


def test_an_erased_run_says_so_once_it_is_known_untouched(tmp_path: Path) -> None:
    home = archived_run(tmp_path, **{ERASED: True})
    with pytest.raises(replay.ReplayError, match="data erased on request"):
        replay.replay(home, "R1", SECRET)


def test_another_vsig_or_library_version_is_a_warning(tmp_path: Path) -> None:
    then = audit.environment()
    then = {**then, "vsig": "0.0.1", "dependencies": {**then["dependencies"], "gone": "1.0"}}
    home = archived_run(tmp_path, environment=then)
    manifest = json.loads(home.manifest_path("R1").read_text())
    manifest["seal"] = "0" * 64  # the warnings come even when nothing else may
    home.manifest_path("R1").write_text(json.dumps(manifest))
    report = replay.replay(home, "R1", SECRET)
    assert f"vsig was 0.0.1 for the run, is {audit.environment()['vsig']} now" in report.warnings
    assert "gone was 1.0 for the run, is absent now" in report.warnings
    assert report.tampered  # the broken seal
