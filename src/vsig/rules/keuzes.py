"""A person decides a signal in doubt: on the SDD's sheet "Twijfel" they choose the candidate
it is about, or that it is about none of them, or about no resident (issue 33).

vsig never turns doubt into a fact; a person may. A candidate chosen is matched the next
night as if the creditor had sent that BSN (`match`), and a signal said to be about nobody
gets a final status a person stands behind. Frames in, frames out.
"""

from typing import Final

import polars as pl

from vsig.contracts import SIGNAL_COLUMNS
from vsig.rules import vng

KANDIDAAT: Final = "Kandidaat "
"""A choice of the `n`-th candidate, counted from 1 in the order the sheet lists them."""
NIEMAND: Final = "Niemand van deze"
GEEN_INWONER: Final = "Geen inwoner"
BESLUITEN: Final = {NIEMAND: vng.ANDERE_REDEN, GEEN_INWONER: vng.GEEN_INWONER}
"""The choices that name no candidate, and the status each gives the signal: about a
resident none of the candidates (a person at the SDD could not tell who), or about no
resident at all."""
BY_CHOICE: Final = "keuze"
"""`match_regel` of a signal a person decided."""
CHOSEN: Final = "gekozen op het werkblad Twijfel"
"""`niet_gekoppeld` of a signal a person said is about none of its candidates, or about no
resident: why it reached no case, followed by their choice."""
KEY: Final = ("signaalpartner", "signaal_id")
SHEET: Final = "Twijfel"
REJECT_NOT_WAITING: Final = "waits for no choice (any more): decided, or gone with retention"
REJECT_CHOSEN_TWICE: Final = "was chosen for earlier tonight"
REJECT_NO_CANDIDATES: Final = f"has no candidates: choose {NIEMAND} or {GEEN_INWONER}"
REJECT_UNNAMED: Final = "is not a signal of the sheet (signaalpartner/signaal_id)"
REJECT_NOT_SDD: Final = "is a choice only the SDD makes"
REJECT_NOT_LISTED: Final = f"is not one of {KANDIDAAT}<n>, {NIEMAND}, {GEEN_INWONER}"
"""Why a choice is refused (in English; `messages` has the Dutch)."""


WAITING_COLUMNS: Final = (
    "signaalpartner",
    "soort",
    *SIGNAL_COLUMNS,
    "niet_gekoppeld",
    "kandidaten",
    "kandidaten_omschrijving",
)
"""What the sheet "Twijfel" is made from: a waiting signal as the creditor wrote it, why it
waits, and whom it could be about."""


def choices(candidates: int) -> list[str]:
    """The values a signal with this many candidates may be given, in the sheet's order."""
    return [f"{KANDIDAAT}{n}" for n in range(1, candidates + 1)] + list(BESLUITEN)


def waiting(signals: pl.DataFrame) -> pl.DataFrame:
    """The signals that wait for a person: matched to nobody and to no household, and not
    otherwise decided (`Nog niet opgepakt`, in no case)."""
    return signals.filter(
        pl.col("zaak_id").is_null()
        & pl.col("adres_sleutel").is_null()
        & pl.col("niet_gekoppeld").is_not_null()
        & (pl.col("status") == vng.OPGEPAKT)
    )


def decided(waiting_signals: pl.DataFrame, made: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The choices `made` (`signaalpartner, signaal_id, keuze, regelnummer, bron`, and any
    other columns, kept) that decide a waiting signal, with what they decide (`gekozen`:
    the candidate's BSN; `besluit`: the status for a choice of nobody), and the others as
    rejects (`regelnummer, kolom, waarde, reden, bron`).

    A choice is refused for a signal that waits no longer (decided by an earlier choice,
    or gone with retention), for a candidate the signal does not have, and for a signal
    chosen for twice tonight (the first choice that names a candidate or nobody is
    taken, in the order the workbooks and rows were read).
    """
    candidates = waiting_signals.select(*KEY, "kandidaten", wacht=pl.lit(True))
    number = pl.col("keuze").str.strip_prefix(KANDIDAAT).cast(pl.Int64, strict=False)
    chose = pl.col("gekozen").is_not_null() | pl.col("besluit").is_not_null()
    judged = (
        made.sort("bron", "regelnummer")
        .join(candidates, on=KEY, how="left")
        .with_columns(
            wacht=pl.col("wacht").fill_null(False),
            nummer=pl.when(pl.col("keuze").str.starts_with(KANDIDAAT) & (number > 0)).then(number),
        )
        .with_columns(
            gekozen=pl.col("kandidaten").list.get(pl.col("nummer") - 1, null_on_oob=True),
            besluit=pl.col("keuze").replace_strict(BESLUITEN, default=None),
        )
        # Of the choices that would count, the first is taken.
        .with_columns(eerder=chose & (chose.cast(pl.Int32).cum_sum().over(KEY) > 1))
        .with_columns(
            reden=pl.when(~pl.col("wacht"))
            .then(pl.lit(REJECT_NOT_WAITING))
            .when(~chose)
            .then(_choose_from())
            .when(pl.col("eerder"))
            .then(pl.lit(REJECT_CHOSEN_TWICE))
        )
    )
    rejects = judged.filter(pl.col("reden").is_not_null()).select(
        "regelnummer", kolom=pl.lit(f"{SHEET}!Keuze"), waarde="keuze", reden="reden", bron="bron"
    )
    accepted = judged.filter(pl.col("reden").is_null()).select(*made.columns, "gekozen", "besluit")
    return accepted, rejects


def _choose_from() -> pl.Expr:
    """Why a choice names no candidate of its signal."""
    count = pl.col("kandidaten").list.len().fill_null(0)
    return (
        pl.when(count == 0)
        .then(pl.lit(REJECT_NO_CANDIDATES))
        .otherwise(pl.format("is not a candidate of this signal, which has {}", count))
    )
