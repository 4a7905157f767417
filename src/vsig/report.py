"""`vsig report monitor`: the delivery to CBS in the VNG Uitwisselmodel (v0.9).

One levering per configured municipality with its vroegsignalen and vroegsignaalzaken of
the period: signals received in it, cases opened in it with their contact attempts and
result. Amounts are whole euros, as the standard asks.
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import altair as alt
import jinja2
import polars as pl
import vl_convert
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from vsig import formats, normalize, templates, termijnen
from vsig.config import Cbs, Config
from vsig.home import Home
from vsig.store import Store


class ReportError(ValueError):
    """The report cannot be made as asked (a bad period, no `cbs` in the config)."""


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


def monitor(home: Home, config: Config, start: date, end: date) -> dict[str, Any]:
    """`vsig report monitor`: the CBS delivery of a period, from a snapshot of the state."""
    if config.cbs is None:
        raise ReportError("the config has no `cbs` section: who delivers to CBS?")
    with Store.snapshot(home.state) as db:
        return delivery(db.delivery_rows(start, end), config, config.cbs, start, end)


def delivery(
    rows: dict[str, pl.DataFrame], config: Config, cbs: Cbs, start: date, end: date
) -> dict[str, Any]:
    """The Uitwisselmodel of a period from its `rows` (see `Store.delivery_rows`): a
    levering per municipality, its signals and its cases."""
    signals, cases = rows["signalen"], rows["zaken"]
    members, events = rows["leden"], rows["gebeurtenissen"]
    organisation: dict[str, Any] = {
        "naam": cbs.organisatie,
        "contactpersoonen": cbs.contactpersonen,
    }
    if cbs.kvk_nummer:
        organisation["kvk-nummer"] = cbs.kvk_nummer
    leveringen = [
        {
            "teller": number,
            "gemeentecode": gemeente.code,
            "aanleverende_organisatie": organisation,
            "vroegsignalen": [
                _vroegsignaal(row)
                for row in signals.filter(pl.col("gemeentecode") == gemeente.code).iter_rows(
                    named=True
                )
            ],
            "vroegsignaalzaken": [
                _zaak(row, members, events, start, end)
                for row in cases.filter(
                    (pl.col("gemeentecode") == gemeente.code)
                    & pl.col("zaak_id").is_in(members["zaak_id"].implode())  # signals purged
                ).iter_rows(named=True)
            ],
        }
        for number, gemeente in enumerate(config.gemeenten, start=1)
    ]
    return {
        "codeGegevensleverancier": cbs.code_gegevensleverancier,
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "leveringen": leveringen,
    }


def _id(partner: str, signaal_id: str) -> str:
    return f"{partner}-{signaal_id}"


def _vroegsignaal(row: dict[str, Any]) -> dict[str, Any]:
    client = {
        "Burgerservicenummer": row["persoon_bsn"] or row["bsn"],
        "Voorletters": row["voorletters"],
        "Voorvoegsel": row["voorvoegsel"],
        "Achternaam": row["achternaam"],
        "Geboortedatum": row["geboortedatum"].isoformat() if row["geboortedatum"] else None,
        "Straatnaam": row["straatnaam"],
        "Postcode": row["postcode"],
        "Huisnummer": str(row["huisnummer"]),
        "Huisnummertoevoeging": (row["huisletter"] or "") + (row["huisnummertoevoeging"] or "")
        or None,
        "Plaatsnaam": row["plaatsnaam"],
    }
    return {
        "ID": _id(row["signaalpartner"], row["signaal_id"]),
        "crisissignaal": row["crisissignaal"],
        "warmeOverdracht": row["warme_overdracht"],
        "bedrag": formats.hele_euros(row["bedrag"]),
        "ontstaansdatum": row["ontstaansdatum"].isoformat(),
        "signaaldatum": row["signaaldatum"].isoformat(),
        "status": row["status"],
        "signaalpartner": {"type": row["soort"]},
        "client": {k: v for k, v in client.items() if v is not None},
    }


def _zaak(
    case: dict[str, Any], members: pl.DataFrame, events: pl.DataFrame, start: date, end: date
) -> dict[str, Any]:
    own = events.filter(pl.col("zaak_id") == case["zaak_id"])
    results = own.filter(pl.col("gebeurtenis") == "resultaat")["waarde"].to_list()
    zaak: dict[str, Any] = {
        "matchingsdatum": case["geopend"].isoformat(),
        "startdatum_matchtingperiode": start.isoformat(),
        "einddatum_matchingperiode": end.isoformat(),
        "datum_opgepakt": case["geopend"].isoformat(),
        "vroegsignalen": [
            {"ID": _id(partner, signaal_id)}
            for partner, signaal_id in members.filter(pl.col("zaak_id") == case["zaak_id"])
            .select("signaalpartner", "signaal_id")
            .rows()
        ],
        "contactpogingen": [
            _contactpoging(row["datum"], row["waarde"])
            for row in own.filter(pl.col("gebeurtenis") == "contactpoging").iter_rows(named=True)
        ],
    }
    if results:
        zaak["resultaat"] = results[-1]
    return zaak


def _contactpoging(day: date, waarde: str) -> dict[str, Any]:
    soort, bereikt, dagdeel = normalize.contactpoging(waarde)
    attempt: dict[str, Any] = {"soort": soort, "bereikt": bereikt, "datum": day.isoformat()}
    if dagdeel:
        attempt["dagdeel"] = dagdeel
    return attempt


SMALL: Final = 5
"""Counts below this are shown as "< 5": a council paper must not point at a household."""


def overview(home: Home, config: Config, start: date, end: date, day: date) -> dict[str, Any]:
    """Counts for management and councils: no person in it, only totals over the period,
    as they stand on `day`."""
    with Store.snapshot(home.state) as db:
        return overview_of(db.period_counts(start, end), config, start, end, day)


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
    names = {g.code: g.naam for g in config.gemeenten}
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
