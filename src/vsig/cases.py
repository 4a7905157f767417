"""Cases (vroegsignaalzaken): picked-up signals bundled per BRP address across nights.

An address has at most one open case. A signal for an address without one opens a case;
otherwise it joins it. A case's amount is the sum over its debts (partner + klantnummer),
each counted at its latest amount. A case closes on a `resultaat` event or after
`case_close_after_days` without a signal or event; a later signal then opens a new case.
"""

from datetime import date, timedelta
from typing import Final

import polars as pl

CASE_SIGNAL_COLUMNS: Final = (
    "zaak_id",
    "signaalpartner",
    "klantnummer",
    "soort",
    "bedrag",
    "signaaldatum",
    "signaal_id",
    "crisissignaal",
    "warme_overdracht",
    "persoon_bsn",
    "telefoonnummer",
    "email",
)
"""What a case needs of each of its signals: for its facts, and to reach the household."""


REJECT_UNKNOWN_CASE: Final = "is not the zaak_id of an open case"


def split_events(
    events: pl.DataFrame, open_cases: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted events of a file, and reject rows (REJECT_SCHEMA) for unknown cases."""
    known = pl.col("zaak_id").is_in(open_cases["zaak_id"].implode())
    rejects = events.filter(~known).select(
        "bestand",
        "regel",
        kolom=pl.lit("zaak_id"),
        waarde="zaak_id",
        reden=pl.lit(REJECT_UNKNOWN_CASE),
    )
    return events.filter(known), rejects


def after_events(open_cases: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Open cases with their latest activity; a `resultaat` event closes its case."""
    per_case = events.group_by("zaak_id").agg(
        laatste=pl.col("datum").max(),
        resultaat_datum=pl.col("datum").filter(pl.col("gebeurtenis") == "resultaat").max(),
        resultaat=pl.col("waarde")
        .filter(pl.col("gebeurtenis") == "resultaat")
        .sort_by(pl.col("datum").filter(pl.col("gebeurtenis") == "resultaat"))
        .last(),
    )
    return (
        open_cases.join(per_case, on="zaak_id", how="left")
        .with_columns(
            laatste_activiteit=pl.max_horizontal("laatste_activiteit", "laatste"),
            gesloten=pl.coalesce("gesloten", "resultaat_datum"),
            sluitreden=pl.coalesce(
                "sluitreden", pl.concat_str([pl.lit("resultaat: "), pl.col("resultaat")])
            ),
        )
        .drop("laatste", "resultaat_datum", "resultaat")
        .sort("zaak_id")
    )


def to_close(open_cases: pl.DataFrame, processing_date: date, after_days: int) -> pl.DataFrame:
    """Open cases without a signal or event for `after_days`, as closed today."""
    cutoff = processing_date - timedelta(days=after_days)
    return open_cases.filter(
        pl.col("gesloten").is_null() & (pl.col("laatste_activiteit") <= cutoff)
    ).with_columns(gesloten=pl.lit(processing_date), sluitreden=pl.lit("geen activiteit"))


def assign(picked: pl.DataFrame, open_cases: pl.DataFrame, run_id: str) -> pl.DataFrame:
    """Give each picked-up signal its case: the address's open case, else a new one.

    New case ids are `Z<run_id>-NNNN`, numbered in address order so that the same inputs
    give the same ids.
    """
    existing = picked.join(
        open_cases.select("adres_sleutel", "zaak_id"), on="adres_sleutel", how="left"
    )
    new_ids = (
        existing.filter(pl.col("zaak_id").is_null())
        .select("adres_sleutel")
        .unique()
        .sort("adres_sleutel")
        .with_row_index("nummer", offset=1)
        .select(
            "adres_sleutel",
            nieuw_id=pl.format(
                "Z{}-{}", pl.lit(run_id), pl.col("nummer").cast(pl.String).str.zfill(4)
            ),
        )
    )
    return (
        existing.join(new_ids, on="adres_sleutel", how="left")
        .with_columns(zaak_id=pl.coalesce("zaak_id", "nieuw_id"))
        .drop("nieuw_id")
    )


def debts(case_signals: pl.DataFrame) -> pl.DataFrame:
    """Per case, partner and klantnummer the amount that counts (the latest signalled), its
    soort, the date of that latest signal and the person it was matched to."""
    latest = ("bedrag", "soort", "signaaldatum", "persoon_bsn")
    return (
        case_signals.sort("signaaldatum", "bedrag", "signaal_id")
        .group_by("zaak_id", "signaalpartner", "klantnummer")
        .agg(pl.col(c).last() for c in latest)
        .sort("zaak_id", "signaalpartner", "klantnummer")
    )


def facts(case_signals: pl.DataFrame) -> pl.DataFrame:
    """The routing facts per case that come from its signals (all of them, not tonight's).

    `bekend_bij_sdd` and `gemeentecode` come from the registers, not the signals.
    """
    totals = (
        debts(case_signals)
        .group_by("zaak_id")
        .agg(totaal_achterstand=pl.col("bedrag").sum(), meervoudig=pl.len() > 1)
    )
    counts = case_signals.group_by("zaak_id").agg(
        aantal_signalen=pl.len().cast(pl.Int32),
        soorten=pl.col("soort").unique().sort(),
        crisis=pl.col("crisissignaal").any(),
        warme_overdracht=pl.col("warme_overdracht").any(),
    )
    return totals.join(counts, on="zaak_id").sort("zaak_id")
