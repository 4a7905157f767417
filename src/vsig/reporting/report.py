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
    # The headline gives their total: a small count among them is hidden from it too.
    gesprekken = _parts([_bar("op tijd", on_time), _bar("te laat", held - on_time)], together=True)
    return {
        "periode": f"{formats.datum(start)} – {formats.datum(end)}",
        "stand_per": formats.datum(min(day, end)),
        "deels": day < end,
        "totalen": [
            _bar("signalen", int(signals["n"].sum())),
            _bar("zaken geopend", int(cases["n"].sum())),
            _bar("eerste gesprekken", held),
        ],
        "op_tijd": f"{round(100 * on_time / held)}%" if held and _whole(gesprekken) else None,
        "signalen": _in_headline([_bar(s, n, _maand(m)) for m, s, n in signals.rows()]),
        "zaken": _in_headline(
            [_bar(routes.get(r, r), n, names.get(g, g)) for g, r, n in cases.rows()]
        ),
        "resultaten": [_bar(r, n) for r, n in outcomes.rows()],
        "gesprekken": gesprekken,
    }


def _bar(label: str, n: int, groep: str | None = None) -> dict[str, Any]:
    """A row of a table and a bar of its chart; with a `groep`, a part of that group's
    bar (the month's, the municipality's)."""
    shown = f"< {SMALL}" if 0 < n < SMALL else str(n)
    return {"label": f"{groep}: {label}" if groep else label, "n": n, "getoond": shown,
            "groep": groep or label, "deel": label if groep else None}  # fmt: skip


HIDDEN: Final = "•"
"""A count hidden beside a small one of its group: with the group's bar (its total) and
the other counts, the small one would follow by subtraction."""


def _parts(rows: list[dict[str, Any]], together: bool = False) -> list[dict[str, Any]]:
    """The parts of each group (all `together`, when the page shows their total), where a
    group with exactly one count not shown (a small one) hides its next smallest part as
    well (`HIDDEN`): with the group's total, one count not shown would follow from the
    others by subtraction."""
    hidden: set[int] = set()
    for groep in dict.fromkeys(None if together else r["groep"] for r in rows):
        mine = [i for i, r in enumerate(rows) if (together or r["groep"] == groep) and r["n"]]
        unshown = [i for i in mine if not _whole([rows[i]])]
        if len(unshown) == 1 and len(mine) > 1:
            others = [i for i in mine if i not in unshown]
            hidden.add(min(others, key=lambda i: (rows[i]["n"], i)))
    return [r | {"getoond": HIDDEN} if i in hidden else r for i, r in enumerate(rows)]


def _in_headline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parts hidden within their groups, and across them: the headline gives the chart's
    total. A group whose one count is small (a municipality's only route) would follow
    from the headline less the other groups' bars, so the smallest other group loses its
    bar (`staaf`) and its smallest part."""
    rows = _parts(rows)
    counted = [i for i, r in enumerate(rows) if r["n"]]
    if sum(not _whole([rows[i]]) for i in counted) != 1:
        return rows
    (lone,) = [rows[i]["groep"] for i in counted if not _whole([rows[i]])]
    totals: dict[str, int] = {}
    for i in counted:
        if rows[i]["groep"] != lone:
            totals[rows[i]["groep"]] = totals.get(rows[i]["groep"], 0) + rows[i]["n"]
    if not totals:
        return rows
    other = min(totals, key=lambda g: (totals[g], g))
    part = min((i for i in counted if rows[i]["groep"] == other), key=lambda i: (rows[i]["n"], i))
    return [
        r | {"staaf": False} | ({"getoond": HIDDEN} if i == part else {})
        if r["groep"] == other
        else r
        for i, r in enumerate(rows)
    ]


def _whole(rows: list[dict[str, Any]]) -> bool:
    """Whether every count of these rows is shown as it is."""
    return all(r["getoond"] == str(r["n"]) for r in rows)


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
    """A bar per group with its total, in one colour, drawn by Vega-Lite to SVG (its text
    escaped by Vega); the parts are in the table beside it. A total below `SMALL` gets no
    bar, which would show it. A stacked bar would either show a small part or leave it out,
    and so be shorter than the group it stands for."""
    import altair as alt  # noqa: PLC0415 - a second to import: only the overview needs it
    import vl_convert  # noqa: PLC0415

    # A group of one part is drawn only when the table shows its count (not "< 5", nor
    # hidden beside a small one); the total of several parts, from five on.
    totals = (
        pl.DataFrame(
            [(r["groep"], r["n"], _whole([r]), r.get("staaf", True)) for r in rows],
            schema={
                "groep": pl.String,
                "aantal": pl.Int64,
                "getoond": pl.Boolean,
                "staaf": pl.Boolean,
            },
            orient="row",
        )
        .group_by("groep", maintain_order=True)
        .agg(
            pl.col("aantal").sum(),
            delen=pl.len(),
            getoond=pl.col("getoond").all(),
            staaf=pl.col("staaf").all(),
        )
        .select(
            "groep",
            aantal=pl.when(
                (pl.col("aantal") >= SMALL) & ((pl.col("delen") > 1) | "getoond") & "staaf"
            )
            .then("aantal")
            .otherwise(0),
        )
    )
    bars = (
        alt.Chart(totals)
        .mark_bar(color="#2a6f97")
        .encode(
            x=alt.X("aantal:Q", title="Aantal", axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("groep:N", sort=None, title=None, axis=alt.Axis(labelLimit=180)),
        )
        # Vega measures labels in its own font; a browser with a wider one (DejaVu Sans, say)
        # would push them past the left edge: room to spare keeps them whole.
        .properties(width=280, padding={"left": 24, "top": 5, "right": 5, "bottom": 5})
    )
    readable = bars.configure_axis(labelFontSize=13, titleFontSize=13)
    return Markup(vl_convert.vegalite_to_svg(readable.to_json()))
