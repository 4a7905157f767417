"""The README keeps its promises: every command documented, the Quick start is what CI runs."""

import re

import typer
from typer.main import get_command
from typer.testing import CliRunner

from vsig import __version__
from vsig.cli import app

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def command_paths(group: typer.Typer) -> list[str]:
    root = get_command(group)
    paths = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        subcommands = getattr(command, "commands", None)
        paths += [f"{name} {sub}" for sub in subcommands] if subcommands else [name]
    return sorted(paths)


def test_every_command_is_documented() -> None:
    for path in command_paths(app):
        assert f"vsig {path}" in README, f"README does not document `vsig {path}`"


def test_quick_start_has_two_commands_and_ci_runs_the_second() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```(?:sh|bash)\n(.*?)\n```", quick_start, flags=re.S)
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_version_is_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"vsig {__version__}"


def test_every_link_in_the_readme_and_docs_leads_to_a_file() -> None:
    pages = [REPO / "README.md", *(REPO / "docs").glob("*.md")]
    broken = [
        f"{page.relative_to(REPO)}: {target}"
        for page in pages
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8"))
        if not target.startswith(("http://", "https://")) and not (page.parent / target).exists()
    ]
    assert not broken
