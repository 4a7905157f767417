"""Each command imports only what it runs: `vsig --version` took 2 s importing every stage.

Not a timed test (bench/ and docs/performance.md measure the seconds): which libraries a command
leaves loaded, in a fresh interpreter as `vsig` starts.
"""

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

HEAVY = ("polars", "pandera", "duckdb", "typst", "pikepdf", "xlsxwriter", "holidays", "jinja2")


def loaded_after(*arguments: str, cwd: Path = REPO) -> list[str]:
    """The heavy libraries in `sys.modules` once `vsig ARGUMENTS` has finished."""
    probe = (
        "import json, sys\n"
        "from vsig.cli import entry\n"
        f"sys.argv = ['vsig', *{list(arguments)!r}]\n"
        "try:\n    entry()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_version_and_help_load_no_stage_library() -> None:
    assert loaded_after("--version") == []
    assert loaded_after("--help") == []
    assert loaded_after("run", "--help") == []


def test_doctor_looks_at_the_inbox_without_the_readers(tmp_path: Path) -> None:
    """It names the extracts by their file names: pandera, Typst, the spreadsheet writer
    and the letters' templates stay unloaded (the config's rules still need polars)."""
    config = str(REPO / "config" / "vsig.yaml")
    loaded = loaded_after("doctor", "--home", str(tmp_path), "--config", config, cwd=tmp_path)
    assert not {"pandera", "typst", "pikepdf", "xlsxwriter", "jinja2"} & set(loaded)
