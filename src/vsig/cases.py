"""Cases (vroegsignaalzaken) across nights: the life of a case as frames in, frames out.

A case belongs to the persons whose debts it holds, and lives at their BRP address: an
address has at most one open case. Each night, in this order:
- events are applied: any event is activity, a `resultaat` closes the case;
- a case without activity for `case_close_after_days` closes;
- cases follow their persons (`follow`): to a new address in the region, into the case of the
  household they joined, or closed when they all left the region or died. A person who left
  the others takes their own debts along; a new occupant never inherits a case;
- tonight's signals join a case (`assign`): a repeat the open case holding its debt (a
  repeat of a closed case's debt joins none), a picked-up signal the open case at its
  person's address, else a new case.
A case's amount is the sum over its debts (partner + klantnummer), each at its latest amount.
Activity is a signal about a case's debts (picked up or a repeat) or an event; `laatste_activiteit`
is the last night with activity. Retention counts from it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import polars as pl

from vsig import normalize, vng

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
    "telefoonnummer",
    "email",
)
"""What a case needs of each of its signals: for its facts, and to reach the household."""

REJECT_UNKNOWN_CASE: Final = "is not the zaak_id of an open case"
REJECT_OTHER_MUNICIPALITY: Final = "is a case of another municipality than the workbook's"
REJECT_RECORDED: Final = "was recorded before: the same event of the same case"
REJECT_BEFORE_OPENING: Final = "lies before the case was opened"
SDD: Final = "SDD"
"""The organisation that records outcomes for every case (see `uitkomsten`)."""
INACTIVE: Final = "geen activiteit"
MERGED: Final = "samengevoegd met "
_DEBT: Final = ("signaalpartner", "klantnummer")


def split_events(
    events: pl.DataFrame, open_cases: pl.DataFrame, recorded: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Accepted events of a file, and reject rows (contracts.REJECTS) for unknown cases,
    for the cases of another municipality than the one that recorded them (its
    `organisatie`, a gemeentecode; the SDD's, or none as in a hand-written file, may
    record for any case), for events dated before their case was opened, and for events
    `recorded` before (on an earlier night, or in an earlier file tonight) or earlier in
    the file: a sheet saved again with one entry more brings its earlier entries again, and
    the SDD's sheet and a municipality's may both bring one. (After the processing date
    the contract refuses already.)"""
    where = events.join(
        open_cases.select("zaak_id", "gemeentecode", "geopend"), on="zaak_id", how="left"
    ).with_columns(
        known=pl.col("zaak_id").is_in(open_cases["zaak_id"].implode()),
        again=_event_key().is_in(recorded.select(_event_key()).to_series().implode())
        | ~_event_key().is_first_distinct(),
    )
    owner = pl.col("organisatie")
    theirs = owner.is_null() | (owner == SDD) | (owner == pl.col("gemeentecode"))
    reden = (
        pl.when(~pl.col("known"))
        .then(pl.lit(REJECT_UNKNOWN_CASE))
        .when(~theirs)
        .then(pl.lit(REJECT_OTHER_MUNICIPALITY))
        .when(pl.col("datum") < pl.col("geopend"))
        .then(pl.lit(REJECT_BEFORE_OPENING))
        .when(pl.col("again"))
        .then(pl.lit(REJECT_RECORDED))
    )
    checked = where.with_columns(reden=reden)
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


def after_events(open_cases: pl.DataFrame, events: pl.DataFrame, today: date) -> pl.DataFrame:
    """Open cases after tonight's events: active tonight, and closed by a `resultaat`."""
    result = pl.col("gebeurtenis") == "resultaat"
    per_case = events.group_by("zaak_id").agg(
        resultaat_datum=pl.col("datum").filter(result).max(),
        resultaat=pl.col("waarde").filter(result).sort_by(pl.col("datum").filter(result)).last(),
    )
    active = pl.col("zaak_id").is_in(per_case["zaak_id"].implode())
    return (
        open_cases.join(per_case, on="zaak_id", how="left")
        .with_columns(
            laatste_activiteit=pl.when(active).then(pl.lit(today)).otherwise("laatste_activiteit"),
            gesloten=pl.coalesce("gesloten", "resultaat_datum"),
            sluitreden=pl.coalesce(
                "sluitreden", pl.concat_str([pl.lit("resultaat: "), pl.col("resultaat")])
            ),
        )
        .drop("resultaat_datum", "resultaat")
        .sort("zaak_id")
    )


def to_close(open_cases: pl.DataFrame, processing_date: date, after_days: int) -> pl.DataFrame:
    """Open cases without activity for `after_days`, as closed today."""
    cutoff = processing_date - timedelta(days=after_days)
    return open_cases.filter(
        pl.col("gesloten").is_null() & (pl.col("laatste_activiteit") <= cutoff)
    ).with_columns(gesloten=pl.lit(processing_date), sluitreden=pl.lit(INACTIVE))


def close(
    open_cases: pl.DataFrame, events: pl.DataFrame, today: date, after_days: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The open cases after tonight's events, and the closed ones as new rows: closed by a
    `resultaat`, or after `after_days` without activity."""
    active = after_events(open_cases, events, today)
    stale = to_close(active, today, after_days)
    closed = pl.concat([active.filter(pl.col("gesloten").is_not_null()), stale])
    return active.join(closed, on="zaak_id", how="anti"), closed


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


def active_unrouted(open_cases: pl.DataFrame, routed: pl.DataFrame, today: date) -> pl.DataFrame:
    """Open cases active tonight (an event) that routing did not rewrite: their new
    `laatste_activiteit` must still reach the state."""
    return open_cases.filter(
        (pl.col("laatste_activiteit") == today)
        & ~pl.col("zaak_id").is_in(routed["zaak_id"].implode())
    ).drop("verhuisd")


def open_rows(routed: pl.DataFrame) -> pl.DataFrame:
    """Routed cases as state rows: open."""
    return routed.with_columns(gesloten=pl.lit(None, pl.Date), sluitreden=pl.lit(None, pl.String))


def open_after(open_cases: pl.DataFrame, routed: pl.DataFrame) -> pl.DataFrame:
    """Every case open after tonight, with where it is and what its deadlines and calls
    depend on; routing's facts win over the stored ones."""
    columns = ("zaak_id", "adres_sleutel", "gemeentecode", "crisis", "totaal_achterstand")
    return pl.concat([open_cases.select(columns), routed.select(columns)]).unique(
        "zaak_id", keep="last"
    )


@dataclass(frozen=True)
class Followed:
    """Where the open cases are after their persons moved, left or died."""

    open_cases: pl.DataFrame  # still open, at their persons' address (`verhuisd` if it changed)
    closed: pl.DataFrame  # everyone gone or dead, or merged into the case of their new home
    regrouped: pl.DataFrame  # signals changing case: `zaak_id` the new one, or null to assign
    signals: pl.DataFrame  # the signals of the open cases, regrouped (`zaak_id` null: to assign)


def follow(
    open_cases: pl.DataFrame, case_signals: pl.DataFrame, brp: pl.DataFrame, today: date
) -> Followed:
    """Move each open case to where its living persons live now (`brp` from `prepare_brp`).

    The case stays where any of them still lives, else goes where most of them went. A case
    arriving where another open case lives is merged into that one. A person living
    elsewhere than their case leaves it with their signals, which `assign` then places at
    their new address. A case whose persons all left the region or died is closed.
    """
    where = _whereabouts(case_signals, brp, open_cases)
    homes = _homes(open_cases, where)
    merged = homes.filter(pl.col("zaak_id") != pl.col("doel"))
    why = pl.concat(
        [
            _why_gone(where).join(homes, on="zaak_id", how="anti"),
            merged.select("zaak_id", sluitreden=pl.lit(MERGED) + pl.col("doel")),
        ]
    )
    closed = (
        open_cases.drop("sluitreden").join(why, on="zaak_id").with_columns(gesloten=pl.lit(today))
    )
    staying = homes.filter(pl.col("zaak_id") == pl.col("doel"))
    still_open = (
        open_cases.join(staying.select("zaak_id", "thuis", "thuisgemeente"), on="zaak_id")
        .with_columns(verhuisd=pl.col("thuis") != pl.col("adres_sleutel"))
        .with_columns(adres_sleutel="thuis", gemeentecode="thuisgemeente")
        .drop("thuis", "thuisgemeente")
        .sort("zaak_id")
    )
    regrouped = _regrouped(where, homes, open_cases)
    kept = case_signals.join(homes.select("zaak_id"), on="zaak_id", how="semi")
    signals = kept.update(
        regrouped.select("signaalpartner", "signaal_id", "zaak_id"),
        on=["signaalpartner", "signaal_id"],
        include_nulls=True,
    )
    return Followed(
        still_open, closed.select(open_cases.columns).sort("zaak_id"), regrouped, signals
    )


def _whereabouts(
    case_signals: pl.DataFrame, brp: pl.DataFrame, open_cases: pl.DataFrame
) -> pl.DataFrame:
    """Each case signal with where its person lives now (`nu_adres` null: gone or dead). A
    signal matched to no person (as matching by address once did) stays with its case."""
    now = brp.select(
        persoon_bsn="bsn",
        nu_adres=pl.when(~pl.col("overleden")).then("adres_sleutel"),
        nu_gemeente=pl.when(~pl.col("overleden")).then("gemeentecode"),
        overleden="overleden",
    )
    nobody = pl.col("persoon_bsn").is_null()
    return (
        case_signals.select("zaak_id", "signaalpartner", "signaal_id", "persoon_bsn")
        .join(now, on="persoon_bsn", how="left")
        .join(open_cases.select("zaak_id", "adres_sleutel", "gemeentecode"), on="zaak_id")
        .with_columns(
            nu_adres=pl.when(nobody).then("adres_sleutel").otherwise("nu_adres"),
            nu_gemeente=pl.when(nobody).then("gemeentecode").otherwise("nu_gemeente"),
            overleden=pl.when(nobody).then(pl.lit(False)).otherwise("overleden"),
        )
        .drop("adres_sleutel", "gemeentecode")
    )


def _homes(open_cases: pl.DataFrame, where: pl.DataFrame) -> pl.DataFrame:
    """Per case with a living person: its home (`thuis`) and the case it continues in
    (`doel`: itself, or the case already living there)."""
    persons = where.filter(pl.col("nu_adres").is_not_null()).unique(["zaak_id", "persoon_bsn"])
    counted = (
        persons.join(open_cases.select("zaak_id", "adres_sleutel"), on="zaak_id")
        .group_by("zaak_id", "nu_adres", "nu_gemeente")
        .agg(blijft=(pl.col("nu_adres") == pl.col("adres_sleutel")).any(), personen=pl.len())
    )
    # A case with no signals to follow (none is ever made so) stays where it is.
    unfollowed = open_cases.join(where, on="zaak_id", how="anti").select(
        "zaak_id",
        nu_adres="adres_sleutel",
        nu_gemeente="gemeentecode",
        blijft=pl.lit(True),
        personen=pl.lit(0, pl.UInt32),
    )
    counted = pl.concat([counted, unfollowed])
    homes = (
        counted.sort(
            ["zaak_id", "blijft", "personen", "nu_adres"], descending=[False, True, True, False]
        )
        .group_by("zaak_id", maintain_order=True)
        .first()
        .rename({"nu_adres": "thuis", "nu_gemeente": "thuisgemeente"})
    )
    first_there = (
        homes.sort(["thuis", "blijft", "zaak_id"], descending=[False, True, False])
        .group_by("thuis", maintain_order=True)
        .agg(doel=pl.col("zaak_id").first())
    )
    return homes.join(first_there, on="thuis").select("zaak_id", "thuis", "thuisgemeente", "doel")


def _why_gone(where: pl.DataFrame) -> pl.DataFrame:
    """The closing reason of a case none of whose persons lives in the region."""
    return where.group_by("zaak_id").agg(
        sluitreden=pl.when(pl.col("overleden").fill_null(False).all())
        .then(pl.lit(vng.OVERLEDEN))
        .otherwise(pl.lit(vng.GEEN_INWONER))
    )


def _regrouped(where: pl.DataFrame, homes: pl.DataFrame, open_cases: pl.DataFrame) -> pl.DataFrame:
    """Signals leaving their case: into the case they merge with, or (`zaak_id` null) to
    their person's new address; each keeps the activity of the case it left."""
    elsewhere = pl.col("nu_adres").is_not_null() & (pl.col("nu_adres") != pl.col("thuis"))
    return (
        where.join(homes, on="zaak_id")
        .join(open_cases.select("zaak_id", "laatste_activiteit"), on="zaak_id")
        .with_columns(nieuw=pl.when(~elsewhere).then("doel"))
        .filter(pl.col("nieuw").is_null() | (pl.col("nieuw") != pl.col("zaak_id")))
        .select(
            "signaalpartner",
            "signaal_id",
            van="zaak_id",
            zaak_id="nieuw",
            adres_sleutel=pl.col("nu_adres"),
            gemeentecode=pl.col("nu_gemeente"),
            activiteit="laatste_activiteit",
        )
        .sort("signaalpartner", "signaal_id")
    )


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
    debts_now = pl.concat([holding.select(*_DEBT, "zaak_id"), placed.select(*_DEBT, "zaak_id")])
    repeats = signals.filter(repeat).join(
        debts_now.unique(_DEBT, keep="first"), on=_DEBT, how="left"
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
    eligible = pl.col("status").is_in([vng.OPGEPAKT, vng.HERHAALD])
    key = ["signaalpartner", "signaal_id"]
    wanting = pl.concat(
        [
            matched.filter(eligible).select(
                *key,
                *_DEBT[1:],
                "status",
                "adres_sleutel",
                "gemeentecode",
                activiteit=pl.lit(today),
            ),
            followed.signals.filter(pl.col("zaak_id").is_null())
            .join(followed.regrouped.drop("zaak_id"), on=key)
            .select(*key, *_DEBT[1:], "status", "adres_sleutel", "gemeentecode", "activiteit"),
        ]
    )
    holding = followed.signals.filter(pl.col("zaak_id").is_not_null())
    assigned = assign(wanting, followed.open_cases, holding, run_id)
    signals = matched.join(assigned.select(*key, "zaak_id"), on=key, how="left")
    earlier = followed.signals.update(assigned.select(*key, "zaak_id"), on=key)
    moved_away = followed.regrouped["van"]
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
    matched to."""
    latest = (
        "bedrag",
        "soort",
        "signaaldatum",
        "ontstaansdatum",
        "warme_overdracht",
        "persoon_bsn",
    )
    return (
        case_signals.sort("signaaldatum", "bedrag", "signaal_id")
        .group_by("zaak_id", *_DEBT)
        .agg(pl.col(c).last() for c in latest)
        .sort("zaak_id", *_DEBT)
    )


def known_debts(open_signals: pl.DataFrame, closed_signals: pl.DataFrame) -> pl.DataFrame:
    """Per partner and klantnummer the amount a new signal must exceed to be picked up: the
    amount its open case counts, else the last its most recent closed case counted. A closed
    case's household had its offer for that debt, so the same debt no higher is a repeat."""
    return (
        pl.concat([debts(closed_signals), debts(open_signals)])
        .group_by(*_DEBT, maintain_order=True)
        .last()
        .sort(*_DEBT)
    )


def debtors_at_home(bundled: Bundled) -> pl.DataFrame:
    """Each touched case's debtors with its address: whom `bekend_bij_sdd` looks up."""
    return bundled.case_signals.select("zaak_id", "persoon_bsn").join(
        bundled.touched.select("zaak_id", "adres_sleutel"), on="zaak_id"
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
    counts = case_signals.group_by("zaak_id").agg(
        aantal_signalen=(pl.col("status") == vng.OPGEPAKT).sum().cast(pl.Int32),
        soorten=pl.col("soort").unique().sort(),
        crisis=pl.col("crisissignaal").any(),
        warme_overdracht=pl.col("warme_overdracht").any(),
        telefoon_bekend=pl.col("telefoonnummer").is_not_null().any(),
    )
    return totals.join(counts, on="zaak_id").sort("zaak_id")
