"""Bundling: tonight's signals into cases, and what a case's signals say about it.

Tonight's signals join a case (`assign`): a repeat the open case holding its debt (a repeat
of a closed case's debt joins none), a picked-up signal the open case at its person's
address, else a new case. A case's amount is the sum over its debts (partner +
klantnummer), each at its latest amount; `facts` are what routing decides on. How a case
lives and closes is `lifecycle`'s.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

import polars as pl

from vsig.contracts import DEBT_KEY
from vsig.rules import normalize, vng
from vsig.rules.lifecycle import Followed

CASE_SIGNAL_COLUMNS: Final = (
    "zaak_id",
    "signaalpartner",
    "klantnummer",
    "soort",
    "bedrag",
    "signaaldatum",
    "ontstaansdatum",
    "signaal_id",
    "status",
    "crisissignaal",
    "warme_overdracht",
    "persoon_bsn",
    "kandidaten",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "telefoonnummer",
    "email",
)
"""What a case needs of each of its signals: for its facts, and to reach the household (a
signal matched to a household, `kandidaten`, is addressed by the name its creditor wrote)."""


def assign(
    signals: pl.DataFrame, open_cases: pl.DataFrame, holding: pl.DataFrame, run_id: str
) -> pl.DataFrame:
    """Give each signal without a case its case (`signals` have `status`, `adres_sleutel`).

    A repeat joins the case holding its debt (`holding`: zaak_id per partner and
    klantnummer), which may be one tonight's signals open. Any other signal joins the open
    case at its address, else a new one: `Z<run_id>-NNNN`, numbered in address order so
    that the same inputs give the same ids.
    """
    repeat = pl.col("status") == vng.HERHAALD
    existing = signals.filter(~repeat).join(
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
    placed = (
        existing.join(new_ids, on="adres_sleutel", how="left")
        .with_columns(zaak_id=pl.coalesce("zaak_id", "nieuw_id"))
        .drop("nieuw_id")
    )
    debts_now = pl.concat(
        [holding.select(*DEBT_KEY, "zaak_id"), placed.select(*DEBT_KEY, "zaak_id")]
    )
    repeats = signals.filter(repeat).join(
        debts_now.unique(DEBT_KEY, keep="first"), on=DEBT_KEY, how="left"
    )
    return pl.concat([placed, repeats.select(placed.columns)])


@dataclass(frozen=True)
class Bundled:
    """Tonight's signals in their cases, and every case whose signals or address changed."""

    signals: pl.DataFrame  # tonight's matched signals, with `zaak_id` for picked and repeats
    regrouped: (
        pl.DataFrame
    )  # earlier signals in another case now: signaalpartner, signaal_id, zaak_id
    case_signals: pl.DataFrame  # all signals (CASE_SIGNAL_COLUMNS) of the touched cases
    open_signals: pl.DataFrame  # all signals (CASE_SIGNAL_COLUMNS) of every open case
    touched: pl.DataFrame  # zaak_id, adres_sleutel, gemeentecode, geopend, laatste_activiteit


def bundle(matched: pl.DataFrame, followed: Followed, run_id: str, today: date) -> Bundled:
    """Put tonight's picked-up and repeated signals, and the signals that left their case
    with their person, into cases (see `assign`); tonight's signals are activity."""
    # A signal no person was found for waits for a person at the SDD: it is no case's.
    placed = pl.col("adres_sleutel").is_not_null()
    eligible = pl.col("status").is_in([vng.NOG_NIET_OPGEPAKT, vng.HERHAALD]) & placed
    key = ["signaalpartner", "signaal_id"]
    wanting = pl.concat(
        [
            matched.filter(eligible).select(
                *key,
                *DEBT_KEY[1:],
                "status",
                "adres_sleutel",
                "gemeentecode",
                activiteit=pl.lit(today),
            ),
            followed.signals.filter(pl.col("zaak_id").is_null())
            .join(followed.regrouped.drop("zaak_id"), on=key)
            .select(*key, *DEBT_KEY[1:], "status", "adres_sleutel", "gemeentecode", "activiteit"),
        ]
    )
    holding = followed.signals.filter(pl.col("zaak_id").is_not_null())
    assigned = assign(wanting, followed.open_cases, holding, run_id)
    signals = matched.join(assigned.select(*key, "zaak_id"), on=key, how="left")
    earlier = followed.signals.update(assigned.select(*key, "zaak_id"), on=key)
    moved_away = pl.concat([followed.regrouped["van"], followed.parted["van"]])
    ids = pl.concat(
        [
            assigned["zaak_id"].drop_nulls(),
            followed.open_cases.filter(pl.col("verhuisd"))["zaak_id"],
            followed.open_cases.filter(pl.col("zaak_id").is_in(moved_away.implode()))["zaak_id"],
            followed.regrouped["zaak_id"].drop_nulls(),
        ]
    ).unique()
    open_signals = pl.concat(
        [earlier.select(CASE_SIGNAL_COLUMNS), signals.filter(eligible).select(CASE_SIGNAL_COLUMNS)]
    )
    return Bundled(
        signals,
        followed.regrouped.select(*key).join(earlier.select(*key, "zaak_id"), on=key),
        open_signals.filter(pl.col("zaak_id").is_in(ids.implode())),
        open_signals,
        _touched(followed.open_cases, assigned, ids, today),
    )


def _touched(
    open_cases: pl.DataFrame, assigned: pl.DataFrame, ids: pl.Series, today: date
) -> pl.DataFrame:
    """Address, opening and last activity of each touched case; a new one opens tonight."""
    arriving = (
        assigned.filter(pl.col("zaak_id").is_not_null())
        .group_by("zaak_id")
        .agg(
            pl.col("adres_sleutel").first(),
            pl.col("gemeentecode").first(),
            activiteit=pl.col("activiteit").max(),
        )
    )
    known = open_cases.select(
        "zaak_id", "adres_sleutel", "gemeentecode", "geopend", "laatste_activiteit"
    )
    new = arriving.join(known, on="zaak_id", how="anti").select(
        "zaak_id",
        "adres_sleutel",
        "gemeentecode",
        geopend=pl.lit(today),
        laatste_activiteit="activiteit",
    )
    return (
        pl.concat([known.filter(pl.col("zaak_id").is_in(ids.implode())), new])
        .join(arriving.select("zaak_id", "activiteit"), on="zaak_id", how="left")
        .with_columns(laatste_activiteit=pl.max_horizontal("laatste_activiteit", "activiteit"))
        .drop("activiteit")
        .sort("zaak_id")
    )


def debts(case_signals: pl.DataFrame) -> pl.DataFrame:
    """Per case, partner and klantnummer the amount that counts (the latest signalled), its
    soort, the dates and warme overdracht of that latest signal and the person it was
    matched to (or the household's `kandidaten`, and the name its creditor wrote)."""
    latest = (
        "bedrag",
        "soort",
        "signaaldatum",
        "ontstaansdatum",
        "warme_overdracht",
        "persoon_bsn",
        "kandidaten",
        "voorletters",
        "voorvoegsel",
        "achternaam",
    )
    return (
        case_signals.sort("signaaldatum", "bedrag", "signaal_id")
        .group_by("zaak_id", *DEBT_KEY)
        .agg(pl.col(c).last() for c in latest)
        .sort("zaak_id", *DEBT_KEY)
    )


def known_debts(open_signals: pl.DataFrame, closed_signals: pl.DataFrame) -> pl.DataFrame:
    """Per partner and klantnummer the amount a new signal must exceed to be picked up: the
    amount its open case counts, else the last its most recent closed case counted. A closed
    case's household had its offer for that debt, so the same debt no higher is a repeat."""
    return (
        pl.concat([debts(closed_signals), debts(open_signals)])
        .group_by(*DEBT_KEY, maintain_order=True)
        .last()
        .sort(*DEBT_KEY)
    )


def debtors_at_home(bundled: Bundled) -> pl.DataFrame:
    """Each touched case's debtors with its address: whom `bekend_bij_sdd` looks up. A
    household's debt is any of its candidates'."""
    return debtor_bsns(bundled.case_signals).join(
        bundled.touched.select("zaak_id", "adres_sleutel"), on="zaak_id"
    )


def debtor_bsns(case_signals: pl.DataFrame) -> pl.DataFrame:
    """`zaak_id, persoon_bsn`: every resident signals may be about, the person each was
    matched to or each candidate of the household it was matched to or of the doubt it
    waits in (`zaak_id` null)."""
    candidates = case_signals.select("zaak_id", persoon_bsn="kandidaten").explode("persoon_bsn")
    return (
        pl.concat([case_signals.select("zaak_id", "persoon_bsn"), candidates])
        .drop_nulls("persoon_bsn")
        .unique()
        .sort("zaak_id", "persoon_bsn")
    )


def touched_facts(bundled: Bundled, known: pl.DataFrame) -> pl.DataFrame:
    """Facts of every case whose signals or address changed tonight, over all its signals,
    with `known` (zaak_id, bekend_bij_sdd) from the registers."""
    return (
        facts(bundled.case_signals)
        .join(bundled.touched, on="zaak_id")
        .join(known, on="zaak_id")
        .sort("zaak_id")
    )


def facts(case_signals: pl.DataFrame) -> pl.DataFrame:
    """The routing facts per case that come from its signals (all of them, not tonight's).

    `aantal_signalen` counts the picked-up signals, not the repeats; `bekend_bij_sdd` and
    `gemeentecode` come from the registers, not the signals.
    """
    totals = (
        debts(case_signals)
        .group_by("zaak_id")
        .agg(totaal_achterstand=pl.col("bedrag").sum(), meervoudig=pl.len() > 1)
    )
    mobile = normalize.mobiel(case_signals["telefoonnummer"])
    mail = normalize.bezorgbaar(case_signals["email"])
    counts = case_signals.group_by("zaak_id").agg(
        aantal_signalen=(pl.col("status") == vng.NOG_NIET_OPGEPAKT).sum().cast(pl.Int32),
        soorten=pl.col("soort").unique().sort(),
        crisis=pl.col("crisissignaal").any(),
        warme_overdracht=pl.col("warme_overdracht").any(),
        telefoon_bekend=pl.col("telefoonnummer").is_not_null().any(),
        mobiel_bekend=pl.col("telefoonnummer").is_in(mobile).any(),
        email_bekend=pl.col("email").is_in(mail).any(),
    )
    return totals.join(counts, on="zaak_id").sort("zaak_id")
