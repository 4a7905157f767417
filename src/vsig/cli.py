"""The `vsig` command line: parses arguments, calls the stages, prints. No business logic."""

from __future__ import annotations

import errno
import json
import logging
import os
import signal
import ssl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from vsig import DEFAULT_CONFIG
from vsig.exitcodes import ExitCode
from vsig.text import escaped, printable

# Each command imports the stages it runs, in its body: `vsig --version` and `--help` start
# without them, and so without polars, pandera and DuckDB (0.2 s where importing them all
# took 0.8 s, or 2 s where Python could not keep its bytecode).
if TYPE_CHECKING:
    from vsig.config import Config
    from vsig.io import ingest
    from vsig.io.home import Home
    from vsig.night import nightly
    from vsig.night.tonight import Summary
    from vsig.privacy.erasure import Subject
    from vsig.privacy.purge_log import Purged

app = typer.Typer(
    help="Nightly early warning on debt (vroegsignalering schulden) for the SDD.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")
report_app = typer.Typer(help="Reports over a period.", no_args_is_help=True)
app.add_typer(report_app, name="report")
uitsluiten_app = typer.Typer(
    help="The exclusion list: residents who objected, addresses unsafe to visit.",
    no_args_is_help=True,
)
app.add_typer(uitsluiten_app, name="uitsluiten")
berichten_app = typer.Typer(
    help="E-mails and SMS: send the outbox, and the residents who want none.",
    no_args_is_help=True,
)
app.add_typer(berichten_app, name="berichten")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
for _console in (out, err):
    # Under cron or a pipe, a line is a line: a path split at column 80 cannot be copied.
    _console.soft_wrap = not _console.is_terminal

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The YAML config.", envvar="VSIG_CONFIG")
]
DateOption = Annotated[
    str | None,
    typer.Option("--date", help="Processing date YYYY-MM-DD (default: today).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="The data home (default: VSIG_HOME, else `home:` in the config, else ./var).",
        show_default=False,
    ),
]

PeriodOption = Annotated[
    str, typer.Option("--period", help="A month YYYY-MM or a quarter YYYY-Qn.", show_default=False)
]

_homes: list[Home] = []  # the data home a command works on, once known: where a crash is logged


def entry() -> None:
    """The `vsig` command. An error vsig did not expect exits 5, never 1 (which means "done,
    rows rejected"), so cron can tell a crash from a night: one line on the terminal, and
    the traceback in `log/`, without local values or the error's message, either of which
    may quote personal data."""
    signal.signal(signal.SIGINT, _interrupted)
    try:
        app()
    except Interrupted:
        err.print("interrupted: nothing was committed unless the run printed its summary")
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except Exception as error:
        why = _cannot_write(error)
        if why:
            err.print(
                f"[red]aborted:[/red] {why}; nothing is half-written, and nothing was "
                "committed unless the run printed its summary. Free disk space or make the "
                "home writable (`vsig doctor` checks both), then run the command again",
                markup=True,
                highlight=False,
            )
            raise SystemExit(ExitCode.ABORTED) from None
        from vsig import audit

        where = audit.log_crash(_homes[-1] if _homes else None, error)
        err.print(
            f"[red]internal error[/red] ({type(error).__name__}); nothing was committed "
            f"unless the run said so. Traceback: {where}",
            markup=True,
            highlight=False,
        )
        raise SystemExit(ExitCode.INTERNAL) from None


CANNOT_WRITE: Final = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES}


def _cannot_write(error: BaseException) -> str | None:
    """Why a write failed for lack of room or rights; None for any other error. The state
    file's library reports a full disk as its own error type."""
    if isinstance(error, OSError) and error.errno in CANNOT_WRITE:
        return os.strerror(error.errno or 0)
    duckdb = sys.modules.get("duckdb")  # its errors come only from a command that used it
    if duckdb is not None and isinstance(error, duckdb.IOException):
        return "the state file could not be written"
    return None


class Interrupted(BaseException):
    """Ctrl-C. Click turns a KeyboardInterrupt into exit 1, which means "done, rows rejected";
    an interrupted command is not done."""


def _interrupted(_signum: int, _frame: object) -> None:
    raise Interrupted


def _home(home: Path | None, config: Config, existing: bool = True) -> Home:
    """The data home, remembered for a crash report. Only `vsig init` and `vsig samples`
    make one: a mistyped `--home` must not become an empty home that reports nothing."""
    from vsig.io.home import Home

    found = Home(_home_path(home, config))
    if existing and not found.root.is_dir():
        _fail(
            f"no data home at {found.root}: check --home or VSIG_HOME, or make one with "
            f"`vsig init --home {found.root}`"
        )
    _homes.append(found)
    return found


def _home_path(home: Path | None, config: Config) -> Path:
    """Where the data home is; refused where its state could never be opened: DuckDB
    reads a backslash in any path as a folder separator."""
    from vsig.config import resolve_home

    root = resolve_home(home, config)
    if "\\" in str(root.resolve()):
        _fail(
            f"the data home {root} has a backslash in its path, under which the state "
            "database cannot be opened; choose a path without one"
        )
    return root


def _version(show: bool) -> None:
    if show:
        from vsig import __version__

        out.print(f"vsig {__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Nightly early warning on debt (vroegsignalering schulden) for the SDD."""


def _shown(value: object) -> str:
    """Data for the terminal: no control characters (an escape sequence could rewrite the
    screen) and no Rich markup (a `[/yellow]` in a file name broke the summary)."""
    return escape(printable(str(value)))


def _name(path: object) -> str:
    """A file's name or path for the terminal, on one line: its control characters shown
    escaped (`\\n`), so that a name can neither fake a line nor hide what it holds."""
    return escape(escaped(str(path)))


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {_shown(message)}")
    raise typer.Exit(ExitCode.USAGE)


def _load(path: Path) -> Config:
    from vsig.config import ConfigError, load_config

    try:
        return load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            err.print(f"[red]config error:[/red] {_shown(problem)}", soft_wrap=True)
        raise typer.Exit(ExitCode.USAGE) from None


def _processing_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--date {value!r} is not a date in the form YYYY-MM-DD")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Input files to check.", show_default=False)],
    partner: Annotated[
        str | None, typer.Option(help="Read the files as this partner's signals.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option(help="Read the files as brp, sdd or uitkomsten.")
    ] = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check input files against their contract without processing them.

    Exit 0 when every row is accepted, 1 when anything is rejected.
    """
    from vsig.io import ingest

    config = _load(config_path)
    try:
        results = ingest.validate(files, config, _processing_date(when), partner, kind)
    except ValueError as problem:
        _fail(str(problem))
    if as_json:
        _print_json([_file_summary(r) for r in results])
    else:
        _print_validation(results)
    raise typer.Exit(ExitCode.REJECTS if any(r.needs_attention for r in results) else ExitCode.OK)


def _file_summary(result: ingest.Ingested) -> dict[str, Any]:
    return result.summary(str(result.source.path)) | {
        "notices": result.notices,
        "problems": result.rejects.select("regelnummer", "kolom", "reden").to_dicts(),
    }


def _print_validation(results: list[ingest.Ingested]) -> None:
    summary = Table(title="Files", title_justify="left")
    summary.add_column("file", overflow="fold")
    summary.add_column("kind")
    for column in ("read", "accepted", "rejected"):
        summary.add_column(column, justify="right")
    for r in results:
        kind = r.source.partner.code if r.source.partner else r.source.kind
        summary.add_row(
            _name(r.source.path),
            kind,
            str(r.read),
            str(r.accepted.height),
            f"[red]{r.rejected}[/red]" if r.rejected else "0",
        )
    out.print(summary)
    for r in results:
        for notice in r.notices:
            out.print(f"[yellow]notice[/yellow] {_name(r.source.path)}: {_shown(notice)}")
        if r.file_reason:
            out.print(f"[red]rejected whole[/red] {_name(r.source.path)}: {_shown(r.file_reason)}")
        elif r.rejects.height:
            problems = Table(title=f"Problems in {_name(r.source.path)}", title_justify="left")
            for column in ("line", "column", "reason"):
                problems.add_column(column)
            for row in r.rejects.iter_rows(named=True):
                problems.add_row(
                    str(row["regelnummer"] or ""), _shown(row["kolom"] or ""), _shown(row["reden"])
                )
            out.print(problems)


@app.command()
def run(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute and report, but write nothing.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run the nightly batch on the inbox of the data home.

    Exit 0 when done, 1 when done but something was rejected, 2 on a usage or config error,
    3 when aborted before writing anything (e.g. no fresh BRP extract), 4 when another run
    holds the lock.
    """
    from vsig.io.state.lock import LockedError
    from vsig.io.state.store import StoreError
    from vsig.night import nightly
    from vsig.night.tonight import RunAbortedError

    config = _load(config_path)
    if moved := config.uitsluitingen.moved():
        _fail(moved)
    processing_date = _processing_date(when)
    data_home = _home(home, config)
    secret = _secret(config, data_home)
    started = time.monotonic()
    try:
        summary = _with_progress(
            lambda progress: nightly.run_night(
                config, data_home, processing_date, secret, dry_run, progress
            ),
            quiet=as_json,
        )
    except (RunAbortedError, StoreError) as problem:
        err.print(f"[red]aborted:[/red] {_shown(problem)}", soft_wrap=True)
        raise typer.Exit(ExitCode.ABORTED) from None
    except LockedError as problem:
        err.print(f"[red]locked:[/red] {problem}", soft_wrap=True)
        raise typer.Exit(ExitCode.LOCKED) from None
    if as_json:
        _print_json(asdict(summary))
    else:
        _print_run(summary, config, time.monotonic() - started)
    raise typer.Exit(summary.exit_code)


def _print_json(data: object) -> None:
    """Indented on a terminal; one line in a log, where cron collects it."""
    out.print_json(json.dumps(data), indent=2 if out.is_terminal else None)


def _secret(config: Config, home: Home) -> bytes:
    from vsig.privacy.secret import SecretError, load_secret

    try:
        return load_secret(config, home.root)
    except SecretError as problem:
        _fail(str(problem))


def _with_progress(work: Callable[[nightly.Progress], Summary], quiet: bool) -> Summary:
    """A line per stage on a terminal, with how many of its items are done and how fast;
    nothing under cron or with --json."""
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from vsig.night import nightly

    if quiet or not err.is_terminal:
        return work(lambda _stage, _done, _total: None)
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.fields[count]:>11} {task.fields[rate]:>6}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        stages: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in stages:
                for earlier in () if stage in nightly.BESIDE else stages.values():
                    finished = bar.tasks[earlier].total or 1  # ended by the next stage
                    bar.update(earlier, total=finished, completed=finished)
                stages[stage] = bar.add_task(stage, total=None, count="", rate="")
            if total:
                task = bar.tasks[stages[stage]]
                rate = f"{done / task.elapsed:.0f}/s" if done and task.elapsed else ""
                bar.update(task.id, total=total, completed=done, count=f"{done}/{total}", rate=rate)

        return work(report)


def _print_run(summary: Summary, config: Config, seconds: float) -> None:
    from vsig.rules import termijnen

    out.print(_headline(summary, seconds))
    names = _municipalities(config)
    cases = {_CASES.get(k, k): n for k, n in summary.zaken.items()}
    out.print(
        _count_table("Signals by status", "status", summary.signalen_per_status),
        _count_table("Cases by route", "rule", summary.zaken_per_regel),
        _count_table(
            "Cases by municipality (in its export)",
            "municipality",
            {names.get(code, code): n for code, n in summary.zaken_per_gemeente.items()},
        ),
        _count_table("Actions", "action", summary.acties),
        _count_table("Letters by template", "template", summary.brieven_per_template),
        _count_table("Cases", "", cases, total=False),
    )
    if summary.berichten:
        out.print(_count_table("E-mails and SMS", "status", summary.berichten, total=False))
    overdue = summary.termijnen.get(termijnen.TE_LAAT, 0)
    if overdue:
        out.print(
            f"[bold red]{overdue} obligation(s) to a resident overdue[/bold red]: "
            "exports/termijnen.csv"
        )
    due = summary.termijnen.get(termijnen.BIJNA, 0)
    if due:
        out.print(f"[yellow]{due} obligation(s) to a resident due within days[/yellow]")
    if summary.besloten:
        out.print(f"{summary.besloten} signal(s) in doubt decided by the SDD's choice")
    if summary.wachtend:
        out.print(
            f"[yellow]{summary.wachtend} signal(s) no single person fits, waiting for a "
            "person at the SDD[/yellow]: sheet Twijfel of exports/sdd/bellijst.xlsx"
        )
    for notice in summary.notices:
        out.print(f"[yellow]notice[/yellow] {_shown(notice)}")
    rejected = [i for i in summary.inputs if i["rejected"] or i["file_rejected"]]
    for item in rejected:
        reason = item["file_rejected"] or f"{item['rejected']} row(s) rejected"
        out.print(f"[red]rejected[/red] {_name(item['file'])}: {_shown(reason)}")
    if rejected and summary.out:
        out.print(f"reasons per row: {summary.out}/rejects/")


_CASES = {"geopend": "opened", "gewijzigd": "changed", "gesloten": "closed"}


def _municipalities(config: Config) -> dict[str, str]:
    """`Dordrecht (0505)` per code: the name people know, the code the files use."""
    return {code: f"{naam} ({code})" for code, naam in config.gemeentenamen().items()}


def _headline(summary: Summary, seconds: float) -> str:
    """The one line an operator needs first: which run, how it ended, where its files are."""
    outcome = {
        ExitCode.OK: "[green]done[/green]",
        ExitCode.REJECTS: "[yellow]done, with rejects[/yellow]",
    }[ExitCode(summary.exit_code)]
    where = "dry run, nothing written" if summary.dry_run else f"outputs in {summary.out}"
    return (
        f"[bold]run {summary.run_id}[/bold] ({summary.verwerkingsdatum}): {outcome}, "
        f"exit {summary.exit_code}, {seconds:.0f} s; {where}"
    )


def _count_table(title: str, key: str, counts: dict[str, int], total: bool = True) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column("count", justify="right")
    for name, count in counts.items():
        table.add_row(name, str(count))
    if total:
        table.add_row("[bold]total[/bold]", f"[bold]{sum(counts.values())}[/bold]")
    return table


@app.command("replay")
def replay_command(
    run_id: Annotated[str, typer.Argument(help="The run to replay, e.g. 20261126-01.")],
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Run an archived night again and compare every output with the recorded bytes.

    Exit 0 only when every output is byte-identical; 1 when something differs or the
    archive was changed; 2 when there is no such run.
    """
    from vsig.audit import replay

    config = _load(config_path)
    data_home = _home(home, config)
    secret = _secret(config, data_home)
    try:
        report = replay.replay(data_home, run_id, secret)
    except replay.ReplayError as problem:
        _fail(str(problem))
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")
    for changed in report.tampered:
        out.print(f"[red]tampered[/red] {_shown(changed)}")
    if report.tampered:
        out.print("[red]not replayed: the archive or its manifest is not what the run left[/red]")
        raise typer.Exit(ExitCode.REJECTS)
    for comparison in report.outputs:
        colour = "green" if comparison.verdict == "identical" else "red"
        out.print(f"[{colour}]{comparison.verdict}[/{colour}] {_shown(comparison.path)}")
    verdict = "identical" if report.identical else "NOT identical"
    out.print(f"run {run_id}: {len(report.outputs)} outputs, {verdict}")
    raise typer.Exit(ExitCode.OK if report.identical else ExitCode.REJECTS)


@app.command("explain")
def explain_command(
    wanted: Annotated[str, typer.Argument(help="A signaal_id or zaak_id.")],
    run: Annotated[str | None, typer.Option("--run", help="Only this run (and before).")] = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Explain a signal or case: as received, how it matched, each rule tried, the actions and
    events.

    Shows personal data: for authorised staff, not for logs.
    """
    from vsig.audit import explain
    from vsig.io.state.store import StoreError

    config = _load(config_path)
    try:
        story = explain.explain(_home(home, config), config, wanted, run)
    except explain.NotFoundError as problem:
        _fail(str(problem))
    except StoreError as error:
        err.print(f"[red]error:[/red] {_shown(error)}", soft_wrap=True)
        raise typer.Exit(ExitCode.ABORTED) from None
    if as_json:
        _print_json(story)
    else:
        for line in explain.in_words(story):
            out.print(printable(line), soft_wrap=True, markup=False)


@app.command("runs")
def runs_command(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """List the runs of the data home, from their manifests."""
    from vsig import audit

    listed = audit.runs(_home(home, _load(config_path)))
    if as_json:
        _print_json(listed)
        return
    table = Table(title="Runs", title_justify="left")
    for column in ("run", "date", "inputs", "signals", "cases", "rejects", "exit"):
        table.add_column(column, justify="left" if column in ("run", "date") else "right")
    for run in listed:
        table.add_row(*(str(v) for v in run.values()))
    out.print(table)


@app.command("purge")
def purge_command(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Delete personal data past retention now (every run does this as its last step)."""
    from vsig.io.state.lock import LockedError
    from vsig.privacy import retention

    config = _load(config_path)
    data_home, day = _home(home, config), _processing_date(when)
    secret = _secret(config, data_home)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        _print_purged(retention.purge(config, data_home, day, secret))


@app.command("forget")
def forget_command(
    bsn: Annotated[str | None, typer.Option("--bsn", help="Erase this person.")] = None,
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help='Erase this household: "POSTCODE HUISNUMMER [LETTER] [TOEVOEGING]".',
        ),
    ] = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Erase one person or household now, everywhere, on request (AVG art. 17)."""
    from vsig.io.state.lock import LockedError
    from vsig.privacy import erasure

    config = _load(config_path)
    subject = _subject(bsn, address)
    data_home, day = _home(home, config), _processing_date(when)
    secret = _secret(config, data_home)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        purges = erasure.forget(config, data_home, subject, day, secret)
    _print_purged(purges)
    out.print("runs whose data changed are marked: their replay reports the erasure")
    if any(erasure.UNLISTED in p.ids for p in purges):
        out.print(
            "taken off the exclusion list with the rest: a new signal about them is picked "
            "up again (`vsig uitsluiten toevoegen` puts them back, if they still object)"
        )
    if any(erasure.NO_MESSAGES in p.ids for p in purges):
        out.print(
            "their addresses and numbers left the list of those who want no messages: a "
            "new case may send them one (`vsig berichten stop` puts them back, if they ask)"
        )


ExcludedBsn = Annotated[str | None, typer.Option("--bsn", help="A resident, by BSN.")]
ExcludedAddress = Annotated[
    str | None,
    typer.Option("--address", help='An address: "POSTCODE HUISNUMMER [LETTER] [TOEVOEGING]".'),
]


@uitsluiten_app.command("toevoegen")
def uitsluiten_toevoegen(
    reason: Annotated[str, typer.Option("--reason", help="Why (an objection, an unsafe address).")],
    bsn: ExcludedBsn = None,
    address: ExcludedAddress = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Put a resident or an address on the exclusion list: from the next night their
    signals are "Niet opgepakt: andere reden", and no letter goes out."""
    from vsig.io.state.lock import LockedError
    from vsig.privacy import uitsluitingen

    config = _load(config_path)
    subject = _subject(bsn, address)
    why = " ".join(printable(reason).split())  # one line, nothing that steers a terminal
    if not why:
        _fail("--reason is empty: say why, for whoever reads the list later")
    data_home, day = _home(home, config), _processing_date(when)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        since = uitsluitingen.toevoegen(config, data_home, subject, why, day)
    if since is None:
        out.print(f"added the {subject.kind} to the exclusion list from {day:%d-%m-%Y}")
    else:
        out.print(f"the {subject.kind} is on the exclusion list already, since {since:%d-%m-%Y}")


@uitsluiten_app.command("verwijderen")
def uitsluiten_verwijderen(
    bsn: ExcludedBsn = None,
    address: ExcludedAddress = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Take a resident or an address off the exclusion list: from the next night their
    signals are picked up again."""
    from vsig.io.state.lock import LockedError
    from vsig.privacy import uitsluitingen

    config = _load(config_path)
    subject = _subject(bsn, address)
    data_home = _home(home, config)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        removed = uitsluitingen.verwijderen(config, data_home, subject)
    if not removed:
        _fail(f"the {subject.kind} is not on the exclusion list")
    out.print(f"took the {subject.kind} off the exclusion list")


@uitsluiten_app.command("lijst")
def uitsluiten_lijst(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Show the exclusion list, with why and since when: for its keeper, on the terminal
    only (it is never logged)."""
    from vsig.privacy import uitsluitingen
    from vsig.rules.formats import adres_uit_sleutel

    listed = uitsluitingen.lijst(_home(home, _load(config_path)))
    rows = [
        {
            "soort": soort,
            "wie": adres_uit_sleutel(sleutel) if soort == "adres" else sleutel,
            "reden": reden,
            "sinds": since.isoformat() if since else None,
        }
        for soort, sleutel, reden, since in listed.iter_rows()
    ]
    if as_json:
        _print_json(rows)
        return
    table = Table(title=f"Exclusion list ({len(rows)})", title_justify="left")
    for column in ("kind", "who", "reason", "since"):
        table.add_column(column)
    for row in rows:
        since = date.fromisoformat(row["sinds"]).strftime("%d-%m-%Y") if row["sinds"] else ""
        table.add_row(_shown(row["soort"]), _shown(row["wie"]), _shown(row["reden"]), since)
    out.print(table)


MessageEmail = Annotated[str | None, typer.Option("--email", help="An e-mail address.")]
MessagePhone = Annotated[str | None, typer.Option("--telefoon", help="A mobile number.")]


def _message_address(email: str | None, telefoon: str | None) -> tuple[str, str]:
    if (email is None) == (telefoon is None):
        _fail("give --email or --telefoon, one of them")
    return ("mail", email) if email is not None else ("sms", telefoon or "")


@berichten_app.command("verzenden")
def berichten_verzenden(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """Send the e-mails and SMS the nights committed, inside the hours of
    `kanalen.venster` (cron runs it in the morning; `vsig run` sends too, if inside them).
    Exit 1 when a message failed or a service could not be used."""
    from datetime import UTC, datetime

    from vsig.io import kanalen
    from vsig.io.state.lock import LockedError

    config = _load(config_path)
    if config.kanalen is None:
        _fail("the config has no `kanalen`: nothing sends messages")
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        sent = kanalen.verzenden(config, _home(home, config), datetime.now(UTC).astimezone())
    if as_json:
        _print_json(asdict(sent))
    else:
        out.print(_count_table("E-mails and SMS", "status", sent.berichten, total=False))
        for notice in sent.notices:
            out.print(f"[yellow]notice[/yellow] {_shown(notice)}")
    failed = {"mislukt", "geweigerd", "onzeker"} & set(sent.berichten)
    raise typer.Exit(ExitCode.REJECTS if failed or sent.notices else ExitCode.OK)


@berichten_app.command("stop")
def berichten_stop(
    reason: Annotated[str, typer.Option("--reason", help="Why (answered STOP, asked by phone).")],
    email: MessageEmail = None,
    telefoon: MessagePhone = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Send no more e-mail (or SMS) to this address (or number): a resident answered STOP
    or asked. Messages booked for it lapse."""
    from vsig.io import kanalen
    from vsig.io.state.lock import LockedError

    config = _load(config_path)
    kanaal, adres = _message_address(email, telefoon)
    why = " ".join(printable(reason).split())
    if not why:
        _fail("--reason is empty: say why, for whoever reads the list later")
    data_home, day = _home(home, config), _processing_date(when)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        try:
            since = kanalen.stop(config, data_home, kanaal, adres, why, day)
        except ValueError as error:
            _fail(str(error))
    what = "address" if kanaal == "mail" else "number"
    if since is None:
        out.print(f"no more messages to this {what} from {day:%d-%m-%Y}")
    else:
        out.print(f"this {what} gets no messages already, since {since:%d-%m-%Y}")


@berichten_app.command("toestaan")
def berichten_toestaan(
    email: MessageEmail = None,
    telefoon: MessagePhone = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Allow messages to this address (or number) again: the resident asked for them."""
    from vsig.io import kanalen
    from vsig.io.state.lock import LockedError

    config = _load(config_path)
    kanaal, adres = _message_address(email, telefoon)
    with _refused(LockedError, "locked", ExitCode.LOCKED):
        try:
            allowed = kanalen.toestaan(config, _home(home, config), kanaal, adres)
        except ValueError as error:
            _fail(str(error))
    what = "address" if kanaal == "mail" else "number"
    if not allowed:
        _fail(f"this {what} is not on the list of those who want no messages")
    out.print(f"messages may go to this {what} again")


@app.command("inzage")
def inzage_command(
    bsn: Annotated[str, typer.Option("--bsn", help="The person asking.")],
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="PDF to write, the JSON beside it; default: the home's inzage/."
        ),
    ] = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Everything held about one person, as a readable PDF and as JSON (AVG art. 15)."""
    from vsig.io.state.upkeep import ErasedSinceError
    from vsig.privacy import inzage

    config = _load(config_path)
    person = _subject(bsn, None)
    data_home, day = _home(home, config), _processing_date(when)
    with _refused(ErasedSinceError, "aborted", ExitCode.ABORTED):
        written = inzage.inzage(config, data_home, person.bsn or "", day, out_file)
    out.print(f"wrote {written} and {written.with_suffix('.json')}")


@contextmanager
def _refused(error: type[Exception], label: str, code: ExitCode) -> Iterator[None]:
    """The state refusing a command (`lock.LockedError`: another run holds the lock, exit
    4; `upkeep.ErasedSinceError`: an erasure began while a report was made, exit 3): say so
    and exit with `code`."""
    try:
        yield
    except error as problem:
        err.print(f"[red]{label}:[/red] {_shown(problem)}", soft_wrap=True)
        raise typer.Exit(code) from None


def _subject(bsn: str | None, address: str | None) -> Subject:
    from vsig.privacy.erasure import Subject

    if (bsn is None) == (address is None):
        _fail("give exactly one of --bsn and --address")
    try:
        return Subject.person(bsn) if bsn is not None else Subject.household(address or "")
    except ValueError as problem:
        _fail(f"--{'bsn' if bsn is not None else 'address'} is {problem}")


def _print_purged(purges: list[Purged]) -> None:
    from vsig.privacy.purge_log import CLOSED, DELETED_OWED

    if not any(p.ids for p in purges):
        out.print("nothing to delete")
    for purged in purges:
        for kind, count in purged.counts().items():
            what = f"{purged.reden}/{kind}"
            if kind == CLOSED:
                out.print(f"closed {count} {what} (no activity)")
            elif kind == DELETED_OWED:
                out.print(f"deleted {count} {what} (open, still owed a duty)")
            else:
                out.print(f"deleted {count} {what}")


def _period(text: str) -> tuple[date, date]:
    from vsig.reporting import report

    try:
        return report.period(text)
    except report.ReportError as problem:
        _fail(str(problem))


@report_app.command("monitor")
def report_monitor(
    period: PeriodOption,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write (default: home/reports/monitor-PERIOD.json)."),
    ] = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Write the delivery to CBS in the VNG Uitwisselmodel v1.2 and print what it holds."""
    from vsig.io.state.upkeep import ErasedSinceError
    from vsig.reporting import cbs

    config = _load(config_path)
    data_home = _home(home, config)
    start, end = _period(period)
    target = out_file or data_home.reports / f"monitor-{period}.json"
    with _refused(ErasedSinceError, "aborted", ExitCode.ABORTED):
        try:
            delivery = cbs.monitor(data_home, config, start, end, target)
        except cbs.DeliveryError as problem:
            _fail(str(problem))
    table = Table(title=f"CBS monitor {start} – {end}", title_justify="left")
    for column in ("gemeente", "signals", "cases", "with result", "contact attempts"):
        table.add_column(column, justify="left" if column == "gemeente" else "right")
    names = _municipalities(config)
    for levering in delivery["leveringen"]:
        cases = levering["vroegsignaalzaken"]
        table.add_row(
            names[levering["gemeentecode"]],
            str(len(levering["vroegsignalen"])),
            str(len(cases)),
            str(sum("resultaat" in c for c in cases)),
            str(sum(len(c["contactpogingen"]) for c in cases)),
        )
    out.print(table)
    out.print(f"wrote {target} (holds personal data: deliver it to CBS, then delete it)")


@report_app.command("overview")
def report_overview(
    period: PeriodOption,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write (default: home/reports/overview-PERIOD.html)."),
    ] = None,
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Write one self-contained HTML page of totals and charts for management and councils."""
    from vsig.reporting import report

    config = _load(config_path)
    data_home = _home(home, config)
    start, end = _period(period)
    target = out_file or data_home.reports / f"overview-{period}.html"
    report.overview(data_home, config, start, end, _processing_date(when), target)
    out.print(f"wrote {target}")


@app.command("serve")
def serve_command(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    host: Annotated[str | None, typer.Option(help="Address to bind (default: serve.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: serve.port).")] = None,
) -> None:
    """Serve the DDAS-VS API (POST /gegevens), from which CBS pulls the monitor delivery.

    Runs until stopped; logs each request without personal data. Needs the `serve` and
    `cbs` sections of the config.
    """
    import uvicorn

    from vsig.reporting import serve, signing

    config = _load(config_path)
    data_home = _home(home, config)
    settings = config.serve
    if settings is None or config.cbs is None:
        _fail("the config needs a `serve` and a `cbs` section to serve the DDAS-VS API")
    try:
        signer = signing.Signer.load(settings.signing_key, settings.signing_chain, settings.kid)
    except signing.SigningError as problem:
        _fail(str(problem))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tls: dict[str, Any] = {}
    if settings.tls_cert:
        tls = {"ssl_certfile": settings.tls_cert, "ssl_keyfile": settings.tls_key}
    if settings.tls_client_ca:
        tls |= {"ssl_ca_certs": str(settings.tls_client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    uvicorn.run(
        serve.application(data_home, config, signer),
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,  # vsig.serve logs each request, without personal data
        http=serve.guarded(settings.max_connections, settings.request_seconds),
        **tls,
    )


@app.command("doctor")
def doctor_command(
    home: HomeOption = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check that tonight's run can go: config, secret, home, extracts, disk, lock, state.

    Exit 0 when all is well, 1 when something needs attention.
    """
    from vsig.ops import doctor

    config = _load(config_path)
    checks = doctor.doctor(config, _home(home, config, existing=False), _processing_date(when))
    if as_json:
        _print_json([asdict(c) for c in checks])
    else:
        table = Table(title="vsig doctor", title_justify="left")
        for column in ("check", "verdict", "detail"):
            table.add_column(column)
        colours = {"ok": "green", "warning": "yellow", "problem": "red"}
        for c in checks:
            table.add_row(c.name, f"[{colours[c.verdict]}]{c.verdict}[/]", escape(c.detail))
        out.print(table)
    raise typer.Exit(ExitCode.OK if all(c.verdict == "ok" for c in checks) else ExitCode.REJECTS)


@config_app.command("check")
def config_check(config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the config and print what it sets up. Exit 2 when it is broken."""
    config = _load(config_path)
    gemeenten = Table(title="Gemeenten", title_justify="left")
    for column in ("code", "naam", "startdatum"):
        gemeenten.add_column(column)
    for g in config.gemeenten:
        gemeenten.add_row(g.code, g.naam, g.startdatum.isoformat())
    partners = Table(title="Signaalpartners", title_justify="left")
    for column in ("code", "soort", "layout"):
        partners.add_column(column)
    for p in config.signaalpartners:
        layout = "canonical" if p.layout.is_canonical else "legacy mapping"
        partners.add_row(p.code, p.soort, f"{layout}, {p.layout.encoding}, '{p.layout.separator}'")
    out.print(gemeenten, partners, _routing_matrix(config))
    from vsig.io import berichten

    problems = [moved] if (moved := config.uitsluitingen.moved()) else []
    problems += berichten.problems(config)
    for problem in problems:
        err.print(f"[red]config error:[/red] {_shown(problem)}", soft_wrap=True)
    if problems:
        raise typer.Exit(ExitCode.USAGE)
    out.print(f"[green]config OK[/green]: {config_path}")


def _routing_matrix(config: Config) -> Table:
    from vsig.rules import route

    rows, crisis = route.decision_matrix(config.routing, config.gemeenten[0].code)
    table = Table(
        title="Routing (rule: actions) for one signal",
        title_justify="left",
        show_lines=True,
    )
    for column in ("total arrears", "known to the SDD", "not known to the SDD"):
        table.add_column(column)
    for label, cells in rows:
        table.add_row(label, cells[True], cells[False])
    table.add_row("crisis, phone number known", crisis[True], crisis[True])
    table.add_row("crisis, no phone number", crisis[False], crisis[False])
    return table


@app.command("init")
def init_command(home: HomeOption = None, config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Make a data home (owner-only) with an inbox folder per delivery, and the secret."""
    from vsig.io.files import private_files
    from vsig.io.home import Home
    from vsig.privacy.secret import create_secret, secret_path

    config = _load(config_path)
    root = _home_path(home, config)
    with private_files(config.umask):
        made = Home(root).create([p.code for p in config.signaalpartners])
    for path in made:
        out.print(f"made {path}")
    if not made:
        out.print(f"{root} is a data home already; nothing to make")
    secret = secret_path(config)
    if create_secret(secret):
        out.print(f"wrote {secret}: the purge log's secret key; keep it outside the data home")
    out.print(
        f"deliveries go to {root / 'inbox'}: signalen/<PARTNER>/, brp/brp-YYYYMMDD.csv, "
        "sdd/sdd-YYYYMMDD.csv and uitkomsten/; then `vsig doctor` and `vsig run`"
    )


@app.command("samples")
def samples_command(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the inbox into.")] = Path(
        "samples"
    ),
    households: Annotated[int, typer.Option(min=10, help="Households in the BRP.")] = 400,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same files.")] = 2026,
    config_path: ConfigOption = DEFAULT_CONFIG,
    when: DateOption = None,
) -> None:
    """Write a realistic, deterministic Drechtsteden inbox for trying vsig out."""
    from vsig.io.files import private_files
    from vsig.ops import samples
    from vsig.privacy.secret import create_secret, secret_path

    config = _load(config_path)
    with private_files(config.umask):  # fictional people, but a data home all the same
        written = samples.write_inbox(
            out_dir,
            config,
            households=households,
            seed=seed,
            processing_date=_processing_date(when),
        )
    for path in written:
        out.print(f"wrote {path}")
    secret = secret_path(config)
    if create_secret(secret):
        out.print(f"wrote {secret}: the purge log's secret key; keep it outside the data home")
