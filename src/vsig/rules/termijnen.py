"""Deadlines of a case (Wgs art. 4, the local bylaw and the SDD's agreements), from its
events.

A case forwarded to its municipality is due its first offer by the forward's term (the
municipality's `aanbod_werkdagen`, or the visit's own), met by a recorded contact attempt,
aanmelding or first conversation since the forward. After the resident's aanmelding the
first conversation is due within four weeks, or three working days in a crisis; after the
first conversation the decision (beschikking) within the bylaw's term. Every term ends by
the Algemene termijnenwet (see `werkdagen`). A deadline is listed while it runs out within a
few working days or has passed.
"""

from datetime import date, timedelta
from typing import Final

import polars as pl

from vsig.config import Termijnen
from vsig.rules import werkdagen

DEADLINE_COLUMNS: Final = (
    "wie", "gemeentecode", "zaak_id", "termijn", "vanaf", "uiterlijk", "stand", "dagen_te_laat"
)  # fmt: skip
"""A deadline; `exports.termijnen` names the municipality for the people who read it."""
TE_LAAT: Final = "te laat"
BIJNA: Final = "binnen de komende werkdagen"


def deadlines(
    open_cases: pl.DataFrame,
    events: pl.DataFrame,
    forwarded: pl.DataFrame,
    termijnen: Termijnen,
    today: date,
) -> pl.DataFrame:
    """`open_cases` has zaak_id, gemeentecode, crisis; `events` zaak_id, datum, gebeurtenis;
    `forwarded` the cases the municipality handles (`route.forwarded`: zaak_id, geboekt,
    uiterlijk); the SDD handles the others."""
    first = (
        events.group_by("zaak_id", "gebeurtenis")
        .agg(pl.col("datum").min())
        .pivot(on="gebeurtenis", index="zaak_id", values="datum")
    )
    for needed in ("aanmelding", "eerste_gesprek", "beschikking"):
        if needed not in first.columns:
            first = first.with_columns(pl.lit(None, pl.Date).alias(needed))
    cases = open_cases.join(first, on="zaak_id")
    pairs = cases.select("crisis", "aanmelding").drop_nulls().unique().rows()
    due = pl.DataFrame(
        [(crisis, day, gesprek_uiterlijk(termijnen, crisis, day)) for crisis, day in pairs],
        schema={"crisis": pl.Boolean, "aanmelding": pl.Date, "uiterlijk": pl.Date},
        orient="row",
    )
    talks = cases["eerste_gesprek"].drop_nulls().unique().to_list()
    decided = pl.DataFrame(
        [(day, beschikking_uiterlijk(termijnen, day)) for day in talks],
        schema={"eerste_gesprek": pl.Date, "uiterlijk": pl.Date},
        orient="row",
    )
    conversation = _open_term(cases, due, "eerste_gesprek", "aanmelding", ["crisis"])
    decision = _open_term(cases, decided, "beschikking", "eerste_gesprek", [])
    horizon = werkdagen.plus_werkdagen(today, termijnen.vooruit_werkdagen)
    return (
        pl.concat([_first_offer(open_cases, events, forwarded), conversation, decision])
        .filter(pl.col("uiterlijk") <= horizon)
        .with_columns(
            wie=pl.when(pl.col("zaak_id").is_in(forwarded["zaak_id"].implode()))
            .then(pl.lit("gemeente"))
            .otherwise(pl.lit("sdd")),
            stand=pl.when(pl.col("uiterlijk") < today)
            .then(pl.lit(TE_LAAT))
            .otherwise(pl.lit(BIJNA)),
            dagen_te_laat=pl.max_horizontal(
                (pl.lit(today) - pl.col("uiterlijk")).dt.total_days(), pl.lit(0)
            ),
        )
        .sort(pl.col("stand") != TE_LAAT, "uiterlijk", "zaak_id", "termijn")
        .select(DEADLINE_COLUMNS)
    )


OFFERED: Final = ("contactpoging", "aanmelding", "eerste_gesprek")
"""What shows the municipality made its first offer to a forwarded household."""


def _first_offer(
    open_cases: pl.DataFrame, events: pl.DataFrame, forwarded: pl.DataFrame
) -> pl.DataFrame:
    """The forwarded cases whose municipality has recorded no contact attempt, aanmelding
    or first conversation since the forward: their first offer is due by its term."""
    made = (
        events.filter(pl.col("gebeurtenis").is_in(OFFERED))
        .join(forwarded.select("zaak_id", "geboekt"), on="zaak_id")
        .filter(pl.col("datum") >= pl.col("geboekt"))
        .select("zaak_id")
    )
    return (
        forwarded.filter(pl.col("uiterlijk").is_not_null())
        .join(made, on="zaak_id", how="anti")
        .join(open_cases.select("zaak_id", "gemeentecode"), on="zaak_id")
        .select(
            "zaak_id",
            "gemeentecode",
            termijn=pl.lit("eerste_aanbod"),
            vanaf="geboekt",
            uiterlijk="uiterlijk",
        )
    )


def gesprek_uiterlijk(termijnen: Termijnen, crisis: bool, aanmelding: date) -> date:
    """When the first conversation is due: four weeks on, or three working days in a crisis."""
    if crisis:
        return werkdagen.plus_werkdagen(aanmelding, termijnen.gesprek_crisis_werkdagen)
    return werkdagen.termijn_einde(aanmelding + timedelta(days=termijnen.gesprek_dagen))


def beschikking_uiterlijk(termijnen: Termijnen, eerste_gesprek: date) -> date:
    """When the decision is due: the bylaw's weeks after the first conversation."""
    return werkdagen.termijn_einde(eerste_gesprek + timedelta(weeks=termijnen.beschikking_weken))


def _open_term(
    cases: pl.DataFrame, due: pl.DataFrame, termijn: str, vanaf: str, also: list[str]
) -> pl.DataFrame:
    """The cases whose `termijn` has not happened yet, due as `due` says for their `vanaf`."""
    return (
        cases.join(due, on=[*also, vanaf])
        .filter(pl.col(termijn).is_null())
        .select(
            "zaak_id", "gemeentecode", termijn=pl.lit(termijn), vanaf=vanaf, uiterlijk="uiterlijk"
        )
    )
