"""`vsig report`: the period a report covers, and the overview for management and councils
(the CBS delivery is `cbs.py`)."""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import jinja2
import polars as pl
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from vsig import templates
from vsig.config import Config
from vsig.io.files import write_private
from vsig.io.home import Home
from vsig.io.state.store import Store
from vsig.rules import formats, termijnen


class ReportError(ValueError):
    """The report cannot be made as asked (a bad period)."""


def period(text: str) -> tuple[date, date]:
    """`2026-12` or `2027-Q1` as its first and last day."""
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if month and 1 <= int(month[2]) <= 12:
        year, first, count = int(month[1]), int(month[2]), 1
    elif quarter:
        year, first, count = int(quarter[1]), 3 * int(quarter[2]) - 2, 3
    else:
        raise ReportError(f"period {text!r} is not YYYY-MM or YYYY-Qn (e.g. 2026-11, 2026-Q4)")
    start = date(year, first, 1)
    after = date(year + (first + count - 1) // 12, (first + count - 1) % 12 + 1, 1)
    return start, after - timedelta(days=1)


SMALL: Final = 5
"""Counts below this are shown as "< 5": a council paper must not point at a household."""


def overview(home: Home, config: Config, start: date, end: date, day: date, target: Path) -> Path:
    """`vsig report overview`: the page for management and councils, written to `target`.
    No person in it, only totals over the period, as they stand on `day`."""
    with Store.snapshot(home.state) as db:
        counts = db.period_counts(start, end)
    write_private(config.umask, target, overview_html(overview_of(counts, config, start, end, day)))
    return target


def overview_of(
    counts: dict[str, pl.DataFrame], config: Config, start: date, end: date, day: date
) -> dict[str, Any]:
    """The overview's headline and bars from a period's `counts` (see
    `Store.period_counts`), as they stand on `day`; a period not yet over is partial."""
    signals, cases, outcomes = counts["signalen"], counts["zaken"], counts["resultaten"]
    conversations = counts["gesprekken"]
    on_time = sum(
        gesprek <= termijnen.gesprek_uiterlijk(config.termijnen, crisis, aanmelding)
        for crisis, aanmelding, gesprek in conversations.rows()
    )
    names = config.gemeentenamen()
    routes = config.routing.rule_labels()
    held = conversations.height
    return {
        "periode": f"{formats.datum(start)} – {formats.datum(end)}",
        "stand_per": formats.datum(min(day, end)),
        "deels": day < end,
        "totalen": [
            _bar("signalen", int(signals["n"].sum())),
            _bar("zaken geopend", int(cases["n"].sum())),
            _bar("eerste gesprekken", held),
        ],
        "op_tijd": f"{round(100 * on_time / held)}%" if held else None,
        "signalen": [_bar(s, n, _maand(m)) for m, s, n in signals.rows()],
        "zaken": [_bar(routes.get(r, r), n, names.get(g, g)) for g, r, n in cases.rows()],
        "resultaten": [_bar(r, n) for r, n in outcomes.rows()],
        "gesprekken": [
            _bar("op tijd", on_time),
            _bar("te laat", conversations.height - on_time),
        ],
    }


def _bar(label: str, n: int, groep: str | None = None) -> dict[str, Any]:
    """A row of a table and a bar of its chart; with a `groep`, a part of that group's
    bar (the month's, the municipality's)."""
    shown = f"< {SMALL}" if 0 < n < SMALL else str(n)
    return {"label": f"{groep}: {label}" if groep else label, "n": n, "getoond": shown,
            "groep": groep or label, "deel": label if groep else None}  # fmt: skip


def _maand(month: str) -> str:
    """`november 2026` for `2026-11`."""
    year, number = month.split("-")
    return f"{formats.MAANDEN[int(number) - 1]} {year}"


def overview_html(data: dict[str, Any]) -> str:
    """One self-contained page: charts as inline SVG, no script, nothing fetched."""
    environment = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates.RAPPORTEN),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("overview.html.j2").render(data=data, bar_chart=chart)


def chart(rows: list[dict[str, Any]]) -> Markup:
    """A bar per group, in parts by colour where rows have them, drawn by Vega-Lite to SVG
    (its text escaped by Vega): a count below `SMALL` gets no bar, which would show it."""
    import altair as alt  # noqa: PLC0415 - a second to import: only the overview needs it
    import vl_convert  # noqa: PLC0415

    values = pl.DataFrame(
        [(r["groep"], r["deel"], r["n"] if r["n"] >= SMALL else 0) for r in rows],
        schema={"groep": pl.String, "deel": pl.String, "aantal": pl.Int64},
        orient="row",
    )
    bars = (
        alt.Chart(values)
        .mark_bar(color="#2a6f97")
        .encode(
            x=alt.X("aantal:Q", title="Aantal", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("groep:N", sort=None, title=None, axis=alt.Axis(labelLimit=180)),
        )
        .properties(width=280)
    )
    if values["deel"].is_not_null().any():
        legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=340, title=None)
        bars = bars.encode(color=alt.Color("deel:N", sort=None, legend=legend))
    readable = bars.configure_axis(labelFontSize=13, titleFontSize=13).configure_legend(
        labelFontSize=13
    )
    return Markup(vl_convert.vegalite_to_svg(readable.to_json()))
