"""The life of a case, and every way it closes: frames in, frames out.

A case belongs to the persons whose debts it holds, and lives at their BRP address: an
address has at most one open case. Each night, in this order:
- events are applied (`close`): any event is activity, a `resultaat` closes the case;
- a case without activity for `case_close_after_days` closes (`inactive`) when it is owed
  nothing but its result (`termijnen.settled`); retention closes the same cases by the same
  rule on a day without a night;
- cases follow their persons (`follow`): to a new address in the region, into the case of
  the household they joined, or closed when they all left the region or died. A person
  who left the others takes their own debts along; a new occupant never inherits a case.
  A debt laid on a household whose members parted, none of them left at the address,
  waits for a person to say whose it is.
Activity is a signal about a case's debts (picked up or a repeat) or an event;
`laatste_activiteit` is the last night with activity. Retention counts from it.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import polars as pl


class CloseReason(StrEnum):
    """Why a case closed: `zaken.sluitreden`. CBS's result follows from it (`cbs.resultaat`)."""

    RESULTAAT = "resultaat"
    """A case worker recorded its result."""
    GEEN_ACTIVITEIT = "geen_activiteit"
    """No signal or event for `case_close_after_days`, and nothing owed but its result: the
    resident was reached, or `pogingen_geen_contact` attempts were made."""
    SAMENGEVOEGD = "samengevoegd"
    """Its persons joined a household with a case of its own (`zaken.samengevoegd_in`)."""
    OVERLEDEN = "overleden"
    """Every person of the case died."""
    VERTROKKEN = "vertrokken"
    """Every person of the case left the region (some may have died)."""
    UITEENGEGAAN = "uiteengegaan"
    """The household a signal of the case was matched to parted, none of it living at the
    case's address any more: who owes the debt is for a person to decide (`Followed.parted`),
    and nobody else was left to follow."""


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
                "sluitreden",
                pl.when(pl.col("resultaat_datum").is_not_null()).then(
                    pl.lit(CloseReason.RESULTAAT.value)
                ),
            ),
        )
        .drop("resultaat_datum", "resultaat")
        .sort("zaak_id")
    )


def inactive(
    open_cases: pl.DataFrame, settled: pl.Series, today: date, after_days: int
) -> pl.DataFrame:
    """Open cases without activity for `after_days`, as closed today: the one rule, for the
    night and for retention on a day without one. Only a case owed nothing but its result
    (`settled`, from `termijnen.settled`) closes: one with a duty unmet stays open, overdue."""
    cutoff = today - timedelta(days=after_days)
    return open_cases.filter(
        pl.col("gesloten").is_null()
        & (pl.col("laatste_activiteit") <= cutoff)
        & pl.col("zaak_id").is_in(settled.implode())
    ).with_columns(gesloten=pl.lit(today), sluitreden=pl.lit(CloseReason.GEEN_ACTIVITEIT.value))


def close(
    open_cases: pl.DataFrame, events: pl.DataFrame, settled: pl.Series, today: date, after_days: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The open cases after tonight's events, and the closed ones as new rows: closed by a
    `resultaat`, or after `after_days` without activity when `settled`."""
    active = after_events(open_cases, events, today)
    stale = inactive(active, settled, today, after_days)
    closed = pl.concat([active.filter(pl.col("gesloten").is_not_null()), stale])
    return active.join(closed, on="zaak_id", how="anti"), closed


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
    columns = (
        "zaak_id", "adres_sleutel", "gemeentecode", "crisis", "totaal_achterstand",
        "laatste_activiteit",
    )  # fmt: skip
    return pl.concat([open_cases.select(columns), routed.select(columns)]).unique(
        "zaak_id", keep="last"
    )


def rules_now(
    open_cases: pl.DataFrame, routed: pl.DataFrame, open_now: pl.DataFrame
) -> pl.DataFrame:
    """The rule each case open after tonight (`open_now`) is under: tonight's routing's,
    else the one it was last routed by: `zaak_id, regel`."""
    return (
        pl.concat([open_cases.select("zaak_id", "regel"), routed.select("zaak_id", "regel")])
        .unique("zaak_id", keep="last", maintain_order=True)
        .join(open_now.select("zaak_id"), on="zaak_id", how="semi")
    )


def moves(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """The open cases whose household moved to another municipality of the region tonight:
    `zaak_id, van, naar` (gemeentecodes), from the cases as read (`before`) and as
    followed to where their persons live now (`after`, from `follow`)."""
    return (
        after.select("zaak_id", naar="gemeentecode")
        .join(before.select("zaak_id", van="gemeentecode"), on="zaak_id")
        .filter(pl.col("van") != pl.col("naar"))
        .sort("zaak_id")
    )


@dataclass(frozen=True)
class Followed:
    """Where the open cases are after their persons moved, left or died."""

    open_cases: pl.DataFrame  # still open, at their persons' address (`verhuisd` if it changed)
    closed: pl.DataFrame  # everyone gone or dead, or merged into the case of their new home
    regrouped: pl.DataFrame  # signals changing case: `zaak_id` the new one, or null to assign
    signals: pl.DataFrame  # the signals of the open cases, regrouped (`zaak_id` null: to assign)
    parted: pl.DataFrame  # signals leaving their case to wait: key, `van`, its laatste_activiteit


def follow(
    open_cases: pl.DataFrame, case_signals: pl.DataFrame, brp: pl.DataFrame, today: date
) -> Followed:
    """Move each open case to where its living persons live now (`brp` from `prepare_brp`).

    The case stays where any of them still lives, else goes where most of them went. A case
    arriving where another open case lives is merged into that one. A person living
    elsewhere than their case leaves it with their signals, which `assign` then places at
    their new address. A signal whose household parted with none of it left at the case's
    address leaves its case to wait for a person (`parted`). A case whose persons all left
    the region or died, or who parted so, is closed.
    """
    where = _whereabouts(case_signals, brp, open_cases)
    key = ["signaalpartner", "signaal_id"]
    parted = (
        where.filter(pl.col("uiteen"))
        .join(open_cases.select("zaak_id", "laatste_activiteit"), on="zaak_id")
        .select(*key, van="zaak_id", laatste_activiteit="laatste_activiteit")
        .sort(key)
    )
    homes = _homes(open_cases, where)
    merged = homes.filter(pl.col("zaak_id") != pl.col("doel"))
    why = pl.concat(
        [
            _why_gone(where).join(homes, on="zaak_id", how="anti"),
            merged.select(
                "zaak_id",
                sluitreden=pl.lit(CloseReason.SAMENGEVOEGD.value),
                samengevoegd_in="doel",
            ),
        ]
    )
    closed = (
        open_cases.drop("sluitreden", "samengevoegd_in", strict=False)
        .join(why, on="zaak_id")
        .with_columns(gesloten=pl.lit(today))
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
    kept = case_signals.join(homes.select("zaak_id"), on="zaak_id", how="semi").join(
        parted, on=key, how="anti"
    )
    signals = kept.update(
        regrouped.select("signaalpartner", "signaal_id", "zaak_id"),
        on=["signaalpartner", "signaal_id"],
        include_nulls=True,
    )
    return Followed(
        still_open, closed.select(open_cases.columns).sort("zaak_id"), regrouped, signals, parted
    )


def in_region(brp: pl.DataFrame, region: list[str]) -> pl.DataFrame:
    """The register as cases follow it: a person it places in a municipality outside the
    `region` (`gemeentecode`s) has left it, as one it no longer holds. Following them there
    would forward their case to a municipality vsig does not serve."""
    return brp.filter(pl.col("gemeentecode").is_in(region))


def _whereabouts(
    case_signals: pl.DataFrame, brp: pl.DataFrame, open_cases: pl.DataFrame
) -> pl.DataFrame:
    """Each case signal with who it is about (`persoon`) and where they live now (`nu_adres`
    null: gone or dead, or `uiteen`).

    A signal matched to a household follows its candidates while all of them live together,
    and is gone when none lives in the region; once a signal about the same debt names one
    of them (the creditor later wrote to them alone), it is that person's. When they part
    (one moved, left or died, the other not) and nothing names the debtor, following
    either would lay the debt on one of them: the signal stays with its case while one of
    them still lives at its address, and otherwise (`uiteen`) is nobody's to follow and
    waits for a person to say whose it is; staying would leave it with whoever lives there
    now. A signal matched to no person (as matching by address once did) stays with its
    case."""
    now = brp.select(
        persoon_bsn="bsn",
        nu_adres=pl.when(~pl.col("overleden")).then("adres_sleutel"),
        nu_gemeente=pl.when(~pl.col("overleden")).then("gemeentecode"),
        overleden="overleden",
    )
    key = ["zaak_id", "signaalpartner", "signaal_id"]
    debt = ["zaak_id", "signaalpartner", "klantnummer"]
    # A signal about the same debt matched to one of the candidates names its debtor.
    named = (
        case_signals.filter(pl.col("persoon_bsn").is_not_null())
        .sort("signaaldatum", "signaal_id")
        .unique(debt, keep="last")
        .select(*debt, genoemd="persoon_bsn")
    )
    signals = (
        case_signals.select(*key, "klantnummer", "persoon_bsn", "kandidaten")
        .join(named, on=debt, how="left")
        .with_columns(
            persoon_bsn=pl.coalesce(
                "persoon_bsn",
                pl.when(pl.col("kandidaten").list.contains(pl.col("genoemd"))).then("genoemd"),
            )
        )
        .with_columns(persoon=pl.coalesce("persoon_bsn", pl.col("kandidaten").list.join(",")))
        .drop("klantnummer", "genoemd")
    )
    each = (
        signals.with_columns(
            persoon_bsn=pl.when(pl.col("persoon_bsn").is_not_null())
            .then(pl.concat_list("persoon_bsn"))
            .otherwise("kandidaten")
        )
        .explode("persoon_bsn")
        .join(now, on="persoon_bsn", how="left")
        .group_by(*key, "persoon", maintain_order=True)
        .agg(
            adressen=pl.col("nu_adres").drop_nulls().unique(),
            elders=pl.col("nu_adres").is_null().any(),
            nu_adres=pl.col("nu_adres").drop_nulls().first(),
            nu_gemeente=pl.col("nu_gemeente").drop_nulls().first(),
            overleden=pl.col("overleden").fill_null(False).all(),
        )
    )
    living = pl.col("adressen").list.len()
    parted = (living > 1) | ((living == 1) & pl.col("elders"))
    uiteen = parted & ~pl.col("adressen").list.contains(pl.col("adres_sleutel"))
    stays = pl.col("persoon").is_null() | (parted & ~uiteen)
    return (
        each.join(open_cases.select("zaak_id", "adres_sleutel", "gemeentecode"), on="zaak_id")
        .with_columns(uiteen=uiteen)
        .with_columns(
            nu_adres=pl.when(stays).then("adres_sleutel").when(~uiteen).then("nu_adres"),
            nu_gemeente=pl.when(stays).then("gemeentecode").when(~uiteen).then("nu_gemeente"),
            overleden=pl.when(stays | uiteen).then(pl.lit(False)).otherwise("overleden"),
        )
        .drop("adres_sleutel", "gemeentecode", "adressen", "elders")
    )


def _homes(open_cases: pl.DataFrame, where: pl.DataFrame) -> pl.DataFrame:
    """Per case with a living person: its home (`thuis`) and the case it continues in
    (`doel`: itself, or the case already living there)."""
    persons = where.filter(pl.col("nu_adres").is_not_null()).unique(["zaak_id", "persoon"])
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
    """The closing reason of a case none of whose persons lives in the region, or whose
    household parted (which says more than that the others died or left)."""
    return where.group_by("zaak_id").agg(
        sluitreden=pl.when(pl.col("uiteen").any())
        .then(pl.lit(CloseReason.UITEENGEGAAN.value))
        .when(pl.col("overleden").fill_null(False).all())
        .then(pl.lit(CloseReason.OVERLEDEN.value))
        .otherwise(pl.lit(CloseReason.VERTROKKEN.value)),
        samengevoegd_in=pl.lit(None, pl.String),
    )


def _regrouped(where: pl.DataFrame, homes: pl.DataFrame, open_cases: pl.DataFrame) -> pl.DataFrame:
    """Signals leaving their case: into the case they merge with, or (`zaak_id` null) to
    their person's new address; each keeps the activity of the case it left."""
    elsewhere = pl.col("nu_adres").is_not_null() & (pl.col("nu_adres") != pl.col("thuis"))
    return (
        where.filter(~pl.col("uiteen"))
        .join(homes, on="zaak_id")
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
