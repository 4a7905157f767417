"""The daily worklists: every call of the SDD that is due today or overdue, and every home
visit a municipality owes, until there is contact.

A call the routing booked stays open from the day it is for (`gepland`) until an event on
or after the night it was booked shows that the SDD reached the household: a contactpoging
that reached someone, an aanmelding, a first conversation, a decision or a result. A
contactpoging that reached nobody leaves it open and counts as an attempt. A case that
closes takes its calls with it, and a forward booked on or after a call takes the call
over: the municipality makes the offer then (one first offer per case).
"""

from datetime import date
from typing import Final

import polars as pl

from vsig.rules import normalize

CONTACT: Final = ("aanmelding", "eerste_gesprek", "beschikking", "resultaat")
"""Events that show the household was reached, whatever their value."""


def open_calls(
    actions: pl.DataFrame, events: pl.DataFrame, forwarded: pl.DataFrame, today: date
) -> pl.DataFrame:
    """The SDD's calls of the open cases still to make today: `zaak_id, actie, geboekt,
    gepland, uiterlijk, pogingen, laatste_poging`.

    `actions` are the actions of the open cases (`ACTION_COLUMNS`), `events` all their
    events (`zaak_id, datum, gebeurtenis, waarde`), `forwarded` the cases forwarded
    (`route.forwarded`, with the last forward's booking `laatst`).
    """
    calls = (
        actions.filter(
            (pl.col("actietype") == "bellen")
            & (pl.col("wie") == "sdd")
            & (pl.col("gepland") <= today)
        )
        .join(forwarded.select("zaak_id", "laatst"), on="zaak_id", how="left")
        # A forward booked on or after the call takes it over; a crisis call booked after
        # an earlier forward is the SDD's to make.
        .filter(pl.col("laatst").is_null() | (pl.col("laatst") < pl.col("geboekt")))
        .select("zaak_id", "actie", "geboekt", "gepland", "uiterlijk")
    )
    since = calls.join(events, on="zaak_id").filter(pl.col("datum") >= pl.col("geboekt"))
    answered = since.filter(contact()).select("zaak_id", "actie").unique()
    tried = (
        since.filter(_attempt())
        .group_by("zaak_id", "actie")
        .agg(pogingen=pl.len().cast(pl.Int64), laatste_poging=pl.col("datum").max())
    )
    return (
        calls.join(answered, on=["zaak_id", "actie"], how="anti")
        .join(tried, on=["zaak_id", "actie"], how="left")
        .with_columns(pl.col("pogingen").fill_null(0))
        .sort("zaak_id", "actie")
    )


def open_visits(
    actions: pl.DataFrame,
    events: pl.DataFrame,
    forwarded: pl.DataFrame,
    cases: pl.DataFrame,
    visits: list[str],
    silenced: pl.DataFrame,
) -> pl.DataFrame:
    """The home visits the municipalities owe: `zaak_id, gemeentecode, uiterlijk,
    pogingen, laatste_poging`. A case is visited when its forward to the municipality it
    is in now (`forwarded`: since its last forward began, `laatst`) was a visit (`visits`,
    the routing's actions with `huisbezoek`), and until an event since then shows the
    household was reached, as for a call: a visit that found nobody home counts as an
    attempt and keeps it listed. No visit is owed at an address on the exclusion list, or
    to a case whose every debtor is on it (`silenced`).

    `actions` are the actions of the open cases (`ACTION_COLUMNS`), `events` their
    events, `cases` the open cases (`zaak_id, gemeentecode`)."""
    here = cases.select("zaak_id", hier="gemeentecode")
    booked = (
        actions.filter(pl.col("actie").is_in(visits))
        .join(here, on="zaak_id")
        .join(forwarded.select("zaak_id", "laatst"), on="zaak_id")
        .join(silenced, on="zaak_id", how="anti")
        .filter(
            pl.coalesce("gemeentecode", "hier") == pl.col("hier"),
            pl.col("geboekt") >= pl.col("laatst"),
        )
        .group_by("zaak_id")
        .agg(gemeentecode=pl.col("hier").first(), uiterlijk=pl.col("uiterlijk").min(),
             sinds=pl.col("laatst").first())
    )  # fmt: skip
    since = booked.join(events, on="zaak_id").filter(pl.col("datum") >= pl.col("sinds"))
    answered = since.filter(contact()).select("zaak_id").unique()
    tried = (
        since.filter(_attempt())
        .group_by("zaak_id")
        .agg(pogingen=pl.len().cast(pl.Int64), laatste_poging=pl.col("datum").max())
    )
    return (
        booked.join(answered, on="zaak_id", how="anti")
        .join(tried, on="zaak_id", how="left")
        .with_columns(pl.col("pogingen").fill_null(0))
        .drop("sinds")
        .sort("zaak_id")
    )


def contact() -> pl.Expr:
    """An event that shows the household was reached."""
    reached = normalize.contact_bereikt(pl.col("waarde"))
    return pl.col("gebeurtenis").is_in(CONTACT) | (_attempt() & reached)


def _attempt() -> pl.Expr:
    return pl.col("gebeurtenis") == "contactpoging"
