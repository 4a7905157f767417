"""The README keeps its promises: every command documented, the Quick start is what CI runs."""

import ast
import re

import typer
from typer.main import get_command
from typer.testing import CliRunner

import vsig
from vsig import __version__
from vsig.cli import app
from vsig.io import kanalen
from vsig.privacy import uitsluitingen

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


COMMAND_VERBS = {
    "run": "run_night",
    "replay": "replay",
    "explain": "explain",
    "runs": "runs",
    "purge": "purge",
    "forget": "forget",
    "inzage": "inzage",
    "report monitor": "monitor",
    "report overview": "overview",
    "validate": "validate",
    "doctor": "doctor",
}
EXCLUSION_VERBS = {f"uitsluiten {verb}": verb for verb in ("toevoegen", "verwijderen", "lijst")}
"""The exclusion list's commands, each a verb of its module (`vsig.privacy.uitsluitingen`)."""
MESSAGE_VERBS = {f"berichten {verb}": verb for verb in ("verzenden", "stop", "toestaan")}
"""The messages' commands, each a verb of its module (`vsig.io.kanalen`)."""


def test_each_command_calls_the_library_verb_of_its_name() -> None:
    """sqlite-utils' rule: the command parses, calls one verb of the library, prints."""
    tree = ast.parse((REPO / "src" / "vsig" / "cli.py").read_text(encoding="utf-8"))
    commands = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute):
                    group = decorator.func.value.id  # type: ignore[attr-defined]
                    name = decorator.args[0].value if decorator.args else node.name  # type: ignore[attr-defined]
                    prefix = {
                        "app": "",
                        "report_app": "report ",
                        "config_app": "config ",
                        "uitsluiten_app": "uitsluiten ",
                        "berichten_app": "berichten ",
                    }[group]
                    commands[prefix + name] = node
    assert set(COMMAND_VERBS) | set(EXCLUSION_VERBS) | set(MESSAGE_VERBS) <= set(commands)
    for command, verb in {**COMMAND_VERBS, **EXCLUSION_VERBS, **MESSAGE_VERBS}.items():
        called = {
            call.func.attr
            for call in ast.walk(commands[command])
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
        }
        assert verb in called, f"`vsig {command}` does not call the verb {verb}"
        library = (
            uitsluitingen
            if command in EXCLUSION_VERBS
            else kanalen
            if command in MESSAGE_VERBS
            else vsig
        )
        assert callable(getattr(library, verb))
        assert getattr(library, verb).__name__ == verb
