"""Events: what case workers record about a case (contact attempts, aanmeldingen,
decisions, results), checked before they count.

An event counts only for an open case, of the organisation that recorded it, dated on or
after the case opened, and once: the same event again (another file, a sheet saved again)
is a reject, not a second event.
"""

from typing import Final

import polars as pl

from vsig.rules import normalize, vng
from vsig.rules.status import ACTED_ON

REJECT_UNKNOWN_CASE: Final = "is not the zaak_id of an open case"
REJECT_OTHER_MUNICIPALITY: Final = "is a case of another municipality than the workbook's"
REJECT_RECORDED: Final = "was recorded before: the same event of the same case"
REJECT_BEFORE_OPENING: Final = "lies before the case was opened"
REJECT_NO_REQUEST: Final = (
    "is a beschikking without an aanmelding or a first conversation before it"
)
REJECT_NOT_ACTED_ON: Final = (
    "is a resultaat of a case nobody acted on: no letter sent and no contact attempt, "
    "aanmelding, first conversation or beschikking recorded on or before its date"
)
SDD: Final = "SDD"
"""The organisation that records outcomes for every case (see `uitkomsten`)."""


def split_events(
    events: pl.DataFrame, open_cases: pl.DataFrame, recorded: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted events of a file, and reject rows (schemas.REJECTS) for unknown cases,
    for the cases of another municipality than the one that recorded them (its
    `organisatie`, a gemeentecode; the SDD's, or none as in a hand-written file, may
    record for any case), for events dated before their case was opened, and for events
    `recorded` before (on an earlier night, or in an earlier file tonight) or earlier in
    the file: a sheet saved again with one entry more brings its earlier entries again, and
    the SDD's sheet and a municipality's may both bring one. (After the processing date
    the contract refuses already.) Whether events come in their order is `out_of_order`'s,
    once every file of the night has been read."""
    where = events.join(
        open_cases.select("zaak_id", "gemeentecode", "geopend"), on="zaak_id", how="left"
    ).with_columns(known=pl.col("zaak_id").is_in(open_cases["zaak_id"].implode()))
    owner = pl.col("organisatie")
    theirs = owner.is_null() | (owner == SDD) | (owner == pl.col("gemeentecode"))
    refused = (
        pl.when(~pl.col("known"))
        .then(pl.lit(REJECT_UNKNOWN_CASE))
        .when(~theirs)
        .then(pl.lit(REJECT_OTHER_MUNICIPALITY))
        .when(pl.col("datum") < pl.col("geopend"))
        .then(pl.lit(REJECT_BEFORE_OPENING))
    )
    # Only an event that counts makes the same one again a repeat: a line refused for its
    # case or date does not take the place of a later line that may record it.
    key = pl.when(pl.col("reden").is_null()).then(_event_key())
    again = key.is_in(recorded.select(_event_key()).to_series().implode()) | (
        key.is_not_null() & ~key.is_first_distinct()
    )
    checked = where.with_columns(reden=refused).with_columns(
        reden=pl.coalesce("reden", pl.when(again).then(pl.lit(REJECT_RECORDED)))
    )
    before = pl.col("reden") == REJECT_BEFORE_OPENING
    rejects = checked.filter(pl.col("reden").is_not_null()).select(
        "bestand",
        "regelnummer",
        kolom=pl.when(before).then(pl.lit("datum")).otherwise(pl.lit("zaak_id")),
        waarde=pl.when(before).then(pl.col("datum").cast(pl.String)).otherwise("zaak_id"),
        reden="reden",
    )
    accepted = checked.filter(pl.col("reden").is_null()).select(events.columns)
    return accepted, rejects


def out_of_order(
    tonight: pl.DataFrame, recorded: pl.DataFrame, performed: pl.DataFrame
) -> pl.DataFrame:
    """Of the events accepted tonight from every file (`split_events`), those out of order,
    with their reject columns: events come in their order, or they tell the creditor and
    CBS what did not happen. A beschikking needs an aanmelding or a first conversation on
    or before its date; a resultaat a case someone acted on (a letter `performed`, or an
    event on or before its date), unless it is known without contact. What came before is
    what was `recorded` and what came tonight, in any file."""
    checked = _in_order(tonight.with_columns(reden=pl.lit(None, pl.String)), recorded, performed)
    return checked.filter(pl.col("reden").is_not_null()).with_columns(
        kolom=pl.lit("gebeurtenis"), waarde=pl.col("gebeurtenis")
    )


_REQUESTS: Final = ("aanmelding", "eerste_gesprek")
"""What a beschikking answers: the resident asked for help, or had the first conversation."""


def _in_order(
    checked: pl.DataFrame, recorded: pl.DataFrame, performed: pl.DataFrame
) -> pl.DataFrame:
    """`checked` with a beschikking or resultaat out of order refused (see `split_events`).
    What came before is what was recorded and this file's rows that count: first the
    decisions are judged, then the results by the decisions that stood."""
    letters = (
        performed.filter(pl.col("actietype") == "brief")
        .group_by("zaak_id")
        .agg(pl.col("geboekt").min().alias("voor"))
    )
    decided = _needs(checked, recorded, "beschikking", _REQUESTS, REJECT_NO_REQUEST)
    # A result known without contact (the resident died, left, paid) needs no action first.
    told = pl.col("waarde").is_in(vng.ZONDER_CONTACT)
    return _needs(decided, recorded, "resultaat", ACTED_ON, REJECT_NOT_ACTED_ON, letters, told)


def _needs(
    checked: pl.DataFrame,
    recorded: pl.DataFrame,
    kind: str,
    before: tuple[str, ...],
    reason: str,
    also: pl.DataFrame | None = None,
    exempt: pl.Expr | None = None,
) -> pl.DataFrame:
    """`checked` with each `kind` event refused for `reason` unless one of the `before`
    events (recorded, or counting in this file), or a row of `also` (`zaak_id, voor`),
    is on or before its date; rows where `exempt` holds need nothing."""
    counting = checked.filter(pl.col("reden").is_null())
    earlier = pl.concat(
        [
            recorded.select("zaak_id", "datum", "gebeurtenis"),
            counting.select("zaak_id", "datum", "gebeurtenis"),
        ]
    ).filter(pl.col("gebeurtenis").is_in(before))
    firsts = [earlier.select("zaak_id", voor="datum")]
    if also is not None:
        firsts.append(also.select("zaak_id", "voor"))
    first = pl.concat(firsts).group_by("zaak_id").agg(pl.col("voor").min())
    unmet = (pl.col("gebeurtenis") == kind) & ~(
        pl.col("voor").is_not_null() & (pl.col("voor") <= pl.col("datum"))
    )
    if exempt is not None:
        unmet = unmet & ~exempt.fill_null(False)
    return (
        checked.join(first, on="zaak_id", how="left")
        .with_columns(reden=pl.coalesce("reden", pl.when(unmet).then(pl.lit(reason))))
        .drop("voor")
    )


def _event_key() -> pl.Expr:
    """An event as one value: its case, date, kind and value (an empty value too), a
    contact attempt's `bereikt` as ja or nee however it was written (J, true, 1)."""
    waarde = pl.col("waarde").cast(pl.String)
    parts = waarde.str.split("|")
    bereikt = normalize.contact_bereikt(waarde)
    contact = pl.concat_str(
        [
            parts.list.get(0, null_on_oob=True),
            pl.when(bereikt).then(pl.lit("ja")).when(~bereikt).then(pl.lit("nee")),
            parts.list.get(2, null_on_oob=True),
        ],
        separator="|",
    )
    canonical = pl.when(pl.col("gebeurtenis") == "contactpoging").then(contact).otherwise(waarde)
    keyed = [pl.col(c).cast(pl.String) for c in ("zaak_id", "datum", "gebeurtenis")]
    return pl.concat_str(
        [*(k.fill_null("") for k in keyed), canonical.fill_null("")], separator="|"
    )


def outcomes(events: pl.DataFrame) -> pl.DataFrame:
    """Per case decided tonight, its latest `beschikking` and `resultaat` (either may be
    null): what the creditors' feedback reports for each of its signals."""
    latest = (
        events.filter(pl.col("gebeurtenis").is_in(["beschikking", "resultaat"]))
        .sort("datum", "regelnummer")
        .group_by("zaak_id", "gebeurtenis")
        .agg(pl.col("waarde").last())
        .pivot(on="gebeurtenis", index="zaak_id", values="waarde")
    )
    missing = [o for o in ("beschikking", "resultaat") if o not in latest.columns]
    return latest.with_columns(pl.lit(None, pl.String).alias(o) for o in missing)
