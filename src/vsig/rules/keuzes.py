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
UITEEN: Final = "het huishouden is uit elkaar gegaan en woont niet meer op het adres"
"""`niet_gekoppeld` of a signal matched to a household that parted, none of it left at the
address of its case (`lifecycle.Followed.parted`): whose debt it is waits for a person."""
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
    otherwise decided (in no case, `Nog niet opgepakt`, or a repeat whose household
    parted)."""
    return signals.filter(
        pl.col("zaak_id").is_null()
        & pl.col("adres_sleutel").is_null()
        & pl.col("niet_gekoppeld").is_not_null()
        & pl.col("status").is_in([vng.NOG_NIET_OPGEPAKT, vng.HERHAALD])
    )


def parted(signals: pl.DataFrame, leaving: pl.DataFrame) -> pl.DataFrame:
    """The signals (whole, as the state holds them) whose household parted
    (`lifecycle.Followed.parted`), as they wait for a person: in no case and at no address,
    with why, and their candidates still. The status stays what the creditor and CBS were
    told: a repeat was one, and doubt is never a final status. Each keeps the last activity
    of the case it left (`laatste_activiteit`): waiting is none, and retention counts six
    months from it, as the household's letter promised."""
    kept_from = leaving.select(*KEY, "laatste_activiteit")
    return (
        signals.drop("laatste_activiteit")
        .join(kept_from, on=KEY)
        .with_columns(
            zaak_id=pl.lit(None, pl.String),
            adres_sleutel=pl.lit(None, pl.String),
            gemeentecode=pl.lit(None, pl.String),
            verhuisd=pl.lit(False),
            niet_gekoppeld=pl.lit(UITEEN),
        )
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
    # By its place in the list: the night that took a choice keeps only the chosen one's
    # BSN (`chosen_only`), and its replay must judge every choice as the night did.
    listed = pl.col("nummer") <= pl.col("kandidaten").list.len()
    chose = listed.fill_null(False) | pl.col("besluit").is_not_null()
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


def chosen_only(signals: pl.DataFrame, decided: pl.DataFrame) -> pl.DataFrame:
    """The signals as the night that decided some of them keeps them (`decided` from
    `decided`): of a decided signal only the chosen candidate's BSN, in its place, and no
    description. The candidates not chosen are about nobody's debt any more; the replay
    needs no more to judge the same choices."""
    kept = (
        signals.join(decided.select(*KEY, "gekozen"), on=KEY)
        .filter(pl.col("kandidaten").is_not_null())
        .explode("kandidaten")
        .group_by(KEY, maintain_order=True)
        .agg(gekozen_alleen=pl.when(pl.col("kandidaten") == pl.col("gekozen")).then("kandidaten"))
    )
    reduced = pl.col("gekozen_alleen").is_not_null()
    return (
        signals.join(kept, on=KEY, how="left")
        .with_columns(
            kandidaten=pl.coalesce("gekozen_alleen", "kandidaten"),
            kandidaten_omschrijving=pl.when(~reduced).then("kandidaten_omschrijving"),
        )
        .drop("gekozen_alleen")
    )


def _choose_from() -> pl.Expr:
    """Why a choice names no candidate of its signal."""
    count = pl.col("kandidaten").list.len().fill_null(0)
    return (
        pl.when(count == 0)
        .then(pl.lit(REJECT_NO_CANDIDATES))
        .otherwise(pl.format("is not a candidate of this signal, which has {}", count))
    )
