"""A signal's status as everyone is told it (`teruggemeld`): the creditor in its feedback,
CBS in its delivery and the resident in the inzage, by this one rule.

The state keeps what matching decided (`signalen.status`): a final status, or `Nog niet
opgepakt` for a signal in a case or waiting for a person. The night derives from it and
the case what everyone is told, and records it (`signalen.teruggemeld`, and a row of
`signaalstanden` each night it changes): the feedback says it that night, CBS reads it as
it stood at a period's end, the inzage as it stands.

- a final status stays what it is;
- `Opgepakt` once the signal's case was acted on (`opgepakt`): a letter sent, contact
  attempted or made, the resident's request, a decision, or a result that says someone
  acted (not one known without contact, `vng.ZONDER_CONTACT`). A forward or a booked call
  is no action until its municipality or case worker records one, so a forwarded case
  stays `Nog niet opgepakt` until then. Once told, it stays: the signal was picked up,
  also when it later follows its person into another case, or waits for a person after
  its household parted;
- a case closed before anyone acted on it tells why (`niet_opgepakt`): the latest result
  recorded when it is itself a signal status, else the death or departure that closed it,
  else `Niet opgepakt: andere reden`;
- otherwise `Nog niet opgepakt`.
"""

from dataclasses import dataclass
from typing import Final

import polars as pl

from vsig.contracts import SIGNAL_KEY
from vsig.rules import vng
from vsig.rules.lifecycle import CloseReason

ACTED_ON: Final = ("contactpoging", "aanmelding", "eerste_gesprek", "beschikking")
"""Events that show a case was acted on, besides a letter sent and a result."""

_CLOSED_UNTOUCHED: Final = {
    CloseReason.OVERLEDEN: vng.OVERLEDEN,
    CloseReason.VERTROKKEN: vng.GEEN_INWONER,
}
"""What a case closed before anyone acted on it tells of its signals, when no result was
recorded that says it: every other reason is `Niet opgepakt: andere reden`."""


@dataclass(frozen=True)
class Known:
    """What was known of the cases after one night."""

    cases: pl.DataFrame  # zaak_id, gesloten, sluitreden: the cases closed by then
    letters: pl.DataFrame  # zaak_id, datum: each letter sent by then
    events: pl.DataFrame  # zaak_id, datum, gebeurtenis, waarde: recorded by then


def told(signals: pl.DataFrame, known: Known) -> pl.DataFrame:
    """`signals` (`status`, `zaak_id`, and `teruggemeld` as told before, when they were)
    with `teruggemeld` as told now, from what is `known`."""
    if "teruggemeld" not in signals.columns:
        signals = signals.with_columns(teruggemeld=pl.lit(None, pl.String))
    acted = opgepakt(known.letters, known.events)
    untouched = niet_opgepakt(known.cases, known.events).join(acted, on="zaak_id", how="anti")
    derived = pl.col("status") == vng.NOG_NIET_OPGEPAKT
    picked = (pl.col("teruggemeld") == vng.OPGEPAKT).fill_null(False)
    return (
        signals.join(acted, on="zaak_id", how="left")
        .join(untouched, on="zaak_id", how="left")
        .with_columns(
            teruggemeld=pl.when(derived & (picked | pl.col("opgepakt").is_not_null()))
            .then(pl.lit(vng.OPGEPAKT))
            .when(derived & pl.col("niet_opgepakt").is_not_null())
            .then(pl.col("niet_opgepakt"))
            .otherwise(pl.col("status"))
        )
        .drop("opgepakt", "niet_opgepakt")
    )


def retold(
    earlier: pl.DataFrame, placed: pl.DataFrame, parted: pl.DataFrame, known: Known
) -> pl.DataFrame:
    """`earlier` signals (`signaalpartner, signaal_id, status, teruggemeld`, empty before
    any night told it by this rule, and `zaak_id` as before tonight) with `teruggemeld` as
    told after tonight, and whether that differs from what their creditors were told
    (`anders`): they hear it tonight. A signal may have followed its person into another
    case (`placed`: each signal of an open case after tonight, with its `zaak_id`), or left
    its case when its household parted (`parted`); one of a case closed tonight stays in
    it. `zaak_id` stays the case before, whose decisions tonight its creditor hears of."""
    key = list(SIGNAL_KEY)
    moved = pl.concat(
        [
            placed.select(*key, "zaak_id"),
            parted.select(*key, zaak_id=pl.lit(None, pl.String)),
        ]
    ).select(*key, zaak_na="zaak_id", verplaatst=pl.lit(True))
    now = told(
        earlier.join(moved, on=key, how="left")
        .with_columns(
            # Before migration 11 a creditor was told the status matching gave.
            voor=pl.coalesce("teruggemeld", "status"),
            zaak_id=pl.when("verplaatst").then("zaak_na").otherwise("zaak_id"),
        )
        .drop("zaak_na", "verplaatst"),
        known,
    )
    return (
        now.drop("zaak_id")
        .join(earlier.select(*key, "zaak_id"), on=key)
        .with_columns(anders=pl.col("teruggemeld") != pl.col("voor"))
        .drop("voor")
    )


def letters(actions: pl.DataFrame) -> pl.DataFrame:
    """`zaak_id, datum` of each letter among `actions` (`ACTION_COLUMNS`): it went the
    night it was booked."""
    sent = (pl.col("actietype") == "brief") & pl.col("geboekt").is_not_null()
    return actions.filter(sent).select("zaak_id", datum="geboekt")


def opgepakt(letters: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """`zaak_id, opgepakt`: the day each case was first acted on (CBS's `datumOpgepakt`),
    for the cases that were."""
    acting = pl.col("gebeurtenis").is_in(ACTED_ON) | (
        (pl.col("gebeurtenis") == "resultaat") & ~pl.col("waarde").is_in(vng.ZONDER_CONTACT)
    )
    return (
        pl.concat(
            [
                letters.select("zaak_id", "datum"),
                events.filter(acting.fill_null(False)).select("zaak_id", "datum"),
            ]
        )
        .group_by("zaak_id")
        .agg(opgepakt=pl.col("datum").min())
    )


def niet_opgepakt(cases: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """`zaak_id, niet_opgepakt`: for each closed case, what its signals are told if nobody
    acted on it (see the module's list). The latest result by date counts, as it does for
    the case (`lifecycle.after_events`, `events.outcomes`)."""
    said = (
        events.filter(
            (pl.col("gebeurtenis") == "resultaat") & pl.col("waarde").is_in(vng.SIGNAALSTATUSSEN)
        )
        .sort("datum", maintain_order=True)
        .group_by("zaak_id")
        .agg(resultaat=pl.col("waarde").last())
    )
    reason = pl.col("sluitreden").replace_strict(
        {str(k): v for k, v in _CLOSED_UNTOUCHED.items()},
        default=vng.ANDERE_REDEN,
        return_dtype=pl.String,
    )
    return (
        cases.filter(pl.col("gesloten").is_not_null())
        .join(said, on="zaak_id", how="left")
        .select("zaak_id", niet_opgepakt=pl.coalesce("resultaat", reason))
    )
