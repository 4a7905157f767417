"""The house: the map in docs/ matches the tree, and each folder keeps its import rules."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "src" / "vsig"
MODULES = sorted(p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*.py"))
RULES = [m for m in MODULES if m.startswith("vsig/rules/")]

NOT_IN_A_RULE = (
    "vsig.io",
    "vsig.night",
    "vsig.cli",
    "vsig.audit",
    "vsig.privacy",
    "vsig.reporting",
    "vsig.ops",
    "vsig.templates",
    "duckdb",
    "pathlib",
    "os",
    "shutil",
    "subprocess",
    "tempfile",
    "io",
)
"""What a rule never touches: the state, a path, a file, the command line, another stage."""


def banned(path: Path) -> set[str]:
    """What a rule at `path` imports that no rule may: each module by its full dotted name
    (`from a import b` gives `a` and `a.b`, since b may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names for b in NOT_IN_A_RULE if n == b or n.startswith(f"{b}.")}


def test_the_map_in_docs_lists_every_module_and_no_other() -> None:
    listed = set(re.findall(r"`(vsig/[\w/]+\.py)`", (REPO / "docs" / "map.md").read_text()))
    assert listed == set(MODULES)


@pytest.mark.parametrize("module", RULES)
def test_a_rule_imports_no_store_path_file_or_command_line(module: str) -> None:
    assert not banned(PACKAGE.parent / module)


def test_the_check_finds_a_rule_that_opens_the_state_or_a_file(tmp_path: Path) -> None:
    rule = tmp_path / "rule.py"
    rule.write_text(
        "import os\nimport polars as pl\nfrom pathlib import Path\n"
        "from vsig.io.state.store import Store\nfrom vsig.rules import cases\n"
    )
    assert banned(rule) == {
        "os",
        "pathlib",
        "pathlib.Path",
        "vsig.io.state.store",
        "vsig.io.state.store.Store",
    }


def test_only_the_store_opens_the_state() -> None:
    opening = [m for m in MODULES if "duckdb.connect(" in (PACKAGE.parent / m).read_text()]
    assert opening == ["vsig/io/state/store.py"]


def test_the_config_loads_without_polars() -> None:
    """`vsig doctor` and every command's start read the config: it must not pull in the
    frame library."""
    probe = (
        "import sys, vsig.config\n"
        "print(sorted(m for m in ('polars', 'duckdb') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
