"""Matching signals to residents in the BRP, and the VNG status every signal gets.

The person comes first: by BSN, else by birth date and a tolerant surname. A person found
lives where the BRP says, so a signal sent to an old address follows a mover, and a flat
the partner left the addition off is settled by who lives there. Without a person the
address decides: exactly, or by postcode and house number when only one address fits.
"""

from collections.abc import Callable
from datetime import date

import polars as pl

from vsig import normalize, vng
from vsig.config import Config

_ROW = "_rij"
_DEBT = ["signaalpartner", "klantnummer"]


def prepare_brp(brp: pl.DataFrame, processing_date: date) -> pl.DataFrame:
    """The BRP with its address key and whether a person was alive on the processing date."""
    return brp.with_columns(
        adres_sleutel=normalize.adres_sleutel(),
        postcode_huisnummer=_postcode_huisnummer(),
        overleden=pl.col("datum_overlijden").is_not_null()
        & (pl.col("datum_overlijden") <= processing_date),
    )


def _postcode_huisnummer() -> pl.Expr:
    return pl.concat_str([pl.col("postcode"), pl.col("huisnummer").cast(pl.String)], separator="|")


def _numbered(signals: pl.DataFrame) -> pl.DataFrame:
    """Signals with a row number and their own address keys, as the partner wrote them."""
    return signals.with_row_index(_ROW).with_columns(
        signaal_sleutel=normalize.adres_sleutel(), postcode_huisnummer=_postcode_huisnummer()
    )


def _number_of(adres_sleutel: pl.Expr) -> pl.Expr:
    """`postcode|huisnummer` of an address key: the building, whichever flat."""
    return adres_sleutel.str.split("|").list.slice(0, 2).list.join("|")


def match(
    signals: pl.DataFrame,
    brp: pl.DataFrame,
    config: Config,
    processing_date: date,
    open_debts: pl.DataFrame,
) -> pl.DataFrame:
    """Every signal with its resident, BRP address, municipality and VNG `status`.

    `brp` comes from `prepare_brp`; `open_debts` holds, per partner and klantnummer in an
    open case, the amount that case counts now.
    """
    rows = _numbered(signals)
    found = _by_person(rows, brp)
    found = pl.concat([found, _by_address(rows.join(found, on=_ROW, how="anti"), brp)])
    # Moved: the person lives at another number, not merely a flat the partner left vague.
    living_at = _number_of(pl.col("adres_sleutel"))
    matched = rows.join(found, on=_ROW, how="left").with_columns(
        verhuisd=pl.col("persoon_bsn").is_not_null() & (living_at != pl.col("postcode_huisnummer"))
    )
    judged = matched.with_columns(status=_status(config, processing_date))
    repeated = _repeated(judged.filter(pl.col("status").is_null()), open_debts)
    return (
        judged.join(repeated, on=_ROW, how="left")
        .with_columns(status=pl.coalesce("status", "herhaald"))
        .sort(_ROW)
        .drop(_ROW, "signaal_sleutel", "postcode_huisnummer", "herhaald")
    )


def _by_person(rows: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """The signals whose person the BRP knows, with that person's current address."""
    people = brp.select(
        pl.col("bsn").alias("persoon_bsn"), "adres_sleutel", "gemeentecode", "overleden"
    )
    by_bsn = rows.select(_ROW, persoon_bsn="bsn").join(people, on="persoon_bsn")
    by_name = _by_name(rows.join(by_bsn, on=_ROW, how="anti"), brp).join(people, on="persoon_bsn")
    return pl.concat(
        [
            by_bsn.with_columns(match_regel=pl.lit("bsn")),
            by_name.with_columns(match_regel=pl.lit("naam_geboortedatum")),
        ]
    ).select(_ROW, "persoon_bsn", "match_regel", "adres_sleutel", "gemeentecode", "overleden")


def _by_name(rows: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """Birth date plus surname, written with or without the voorvoegsel.

    Two people fitting one signal are told apart by the signal's address; still two, and
    the signal has no person (the address may yet match).
    """
    candidates = (
        _name_keys(rows)
        .join(_brp_name_keys(brp), on=["geboortedatum", "sleutel"])
        .unique([_ROW, "bsn"])
    )
    here = pl.col("adres_sleutel") == pl.col("signaal_sleutel")
    narrowed = candidates.filter((pl.len().over(_ROW) == 1) | (here & (here.sum().over(_ROW) == 1)))
    return narrowed.filter(pl.len().over(_ROW) == 1).select(_ROW, persoon_bsn="bsn")


def _brp_name_keys(brp: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(
        [
            brp.select("bsn", "geboortedatum", "adres_sleutel", sleutel=name)
            for name in (
                normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("geslachtsnaam")),
                normalize.naam_sleutel(pl.lit(None, pl.String), pl.col("geslachtsnaam")),
            )
        ]
    ).unique()


def _name_keys(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("geboortedatum").is_not_null()).select(
        _ROW,
        "geboortedatum",
        "signaal_sleutel",
        sleutel=normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("achternaam")),
    )


def rows_used(signals: pl.DataFrame, brp: pl.DataFrame, matched: pl.DataFrame) -> pl.DataFrame:
    """The BRP rows that decided tonight's matching and households, and no others.

    The persons found, everyone a signal's name and birth date could have meant (so that two
    candidates stay two), and everyone at the postcode and house number of a signal or of a
    matched address (so that "the only address there" and the household stay the same).
    Matching the signals against these rows alone gives what matching against the whole
    extract gave: an archive need keep no more.
    """
    rows = _numbered(signals)
    candidates = _brp_name_keys(brp).join(
        _name_keys(rows), on=["geboortedatum", "sleutel"], how="semi"
    )
    numbers = pl.concat(
        [
            rows.select("postcode_huisnummer"),
            matched.select(postcode_huisnummer=_number_of(pl.col("adres_sleutel"))),
        ]
    ).drop_nulls()
    return brp.filter(
        pl.col("bsn").is_in(matched["persoon_bsn"].drop_nulls().implode())
        | pl.col("bsn").is_in(candidates["bsn"].implode())
        | pl.col("postcode_huisnummer").is_in(numbers["postcode_huisnummer"].implode())
    )


BRP_KEYS = ("bsn", "geboortedatum", "voorvoegsel", "geslachtsnaam", "postcode", "huisnummer")
"""The BRP columns `brp_needed` reads."""
SDD_KEYS = ("bsn",)


def brp_needed(brp_text: pl.DataFrame, signals: pl.DataFrame) -> pl.Series:
    """Which rows of a BRP extract, still as text, tonight's signals can involve.

    The same rows as `rows_used` might keep, found before validation so that a national
    extract (18 million rows) is validated and converted for the few it matters for: whoever
    a signal's BSN names, whoever its name and birth date could mean, everyone at the
    postcode and house number of a signal or of one of those persons, and every row sharing
    a BSN with any of these (so "appears earlier in this file" is judged as for the whole).
    Rows are compared by hashes of their keys: a collision only validates a row more.
    """
    keys = _brp_text_keys(brp_text)
    rows = _numbered(signals)
    by_bsn = keys["bsn"].is_in(signals["bsn"].cast(pl.Int64).drop_nulls().implode())
    # From the wanted name keys to the spellings that fold to them, then to the residents.
    meant = (
        _name_keys(rows)
        .join(_folded_spellings(keys), on="sleutel")
        .select(_hash("geboortedatum", "spelling"))
    )
    by_name = (
        keys.select(_hash("geboortedatum", "spelling"))
        .to_series()
        .is_in(meant.to_series().implode())
    )
    people = keys.filter(by_bsn | by_name)
    numbers = pl.concat(
        [
            rows.select(_hash("postcode", "huisnummer")).to_series(),
            people["nummer"],
        ]
    ).drop_nulls()
    near = by_bsn | by_name | keys["nummer"].is_in(numbers.implode())
    return near | keys["bsn"].is_in(keys.filter(near)["bsn"].drop_nulls().implode())


def sdd_needed(sdd_text: pl.DataFrame, brp: pl.DataFrame) -> pl.Series:
    """The rows of an SDD extract, still as text, about residents in the validated `brp`."""
    return _bsn_key(sdd_text).is_in(brp["bsn"].cast(pl.Int64).implode())


def _hash(*columns: str) -> pl.Expr:
    """One number for the values together; null when one of them is missing."""
    complete = pl.all_horizontal(pl.col(c).is_not_null() for c in columns)
    return pl.when(complete).then(pl.struct(columns).hash())


def _brp_text_keys(brp_text: pl.DataFrame) -> pl.DataFrame:
    """Of every row: the BSN as a number, the birth date, a hash of the postcode and house
    number (`nummer`) and of the spelling of the name, each as the validated value would
    read (a value that would not validate may stay as written: no signal can hold it)."""
    keys = pl.DataFrame(
        [
            _bsn_key(brp_text),
            _key(
                brp_text,
                "geboortedatum",
                lambda e: e.str.to_date("%Y-%m-%d", strict=False),
                lambda e: normalize.date(e, "%Y-%m-%d"),
            ),
            _key(
                brp_text,
                "postcode",
                lambda e: e.str.extract(normalize.POSTCODE, 1),
                normalize.postcode,
            ),
            _key(
                brp_text,
                "huisnummer",
                lambda e: e.cast(pl.Int32, strict=False),
                normalize.huisnummer,
            ),
            brp_text["voorvoegsel"],
            brp_text["geslachtsnaam"],
        ]
    )
    return keys.select(
        "bsn",
        "geboortedatum",
        "voorvoegsel",
        "geslachtsnaam",
        nummer=_hash("postcode", "huisnummer"),
        spelling=pl.struct("voorvoegsel", "geslachtsnaam").hash(),
    )


def _bsn_key(frame: pl.DataFrame) -> pl.Series:
    return _key(
        frame,
        "bsn",
        lambda e: e.cast(pl.Int64, strict=False),
        lambda e: normalize.bsn(e).cast(pl.Int64),
    )


def _key(
    frame: pl.DataFrame,
    column: str,
    cheaply: Callable[[pl.Expr], pl.Expr],
    normalise: Callable[[pl.Expr], pl.Expr],
) -> pl.Series:
    """The column's key, read `cheaply` where that reads it (a register writes nearly every
    value plainly), else normalised as validation would."""
    key = frame.select(cheaply(pl.col(column))).to_series().alias(column)
    others = (key.is_null() & frame[column].is_not_null()).arg_true()
    if others.len():
        normalised = frame[others].select(normalise(pl.col(column))).to_series()
        key = key.scatter(others, normalised)
    return key


def _folded_spellings(keys: pl.DataFrame) -> pl.DataFrame:
    """`spelling, sleutel` for every spelling of a name in the extract, folded with and
    without the voorvoegsel, once however many residents share it."""
    spellings = keys.select("spelling", "voorvoegsel", "geslachtsnaam").unique("spelling")
    return pl.concat(
        [
            spellings.select("spelling", sleutel=name)
            for name in (
                normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("geslachtsnaam")),
                normalize.naam_sleutel(pl.lit(None, pl.String), pl.col("geslachtsnaam")),
            )
        ]
    )


def _by_address(rows: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """No person: the signal's address where someone alive lives, else the one address at
    its postcode and house number (the partner left out a letter or addition)."""
    living = brp.filter(~pl.col("overleden")).select(
        "adres_sleutel", "postcode_huisnummer", "gemeentecode"
    )
    addresses = living.unique("adres_sleutel")
    exact = rows.select(_ROW, adres_sleutel="signaal_sleutel").join(
        addresses.drop("postcode_huisnummer"), on="adres_sleutel"
    )
    only_one = addresses.filter(pl.len().over("postcode_huisnummer") == 1)
    near = (
        rows.join(exact, on=_ROW, how="anti")
        .select(_ROW, "postcode_huisnummer")
        .join(only_one, on="postcode_huisnummer")
        .drop("postcode_huisnummer")
    )
    return pl.concat(
        [
            exact.with_columns(match_regel=pl.lit("adres")),
            near.with_columns(match_regel=pl.lit("postcode_huisnummer")),
        ]
    ).select(
        _ROW,
        persoon_bsn=pl.lit(None, pl.String),
        match_regel="match_regel",
        adres_sleutel="adres_sleutel",
        gemeentecode="gemeentecode",
        overleden=pl.lit(False),
    )


def _status(config: Config, processing_date: date) -> pl.Expr:
    """Every status but the repeated signal, in DESIGN.md's order; null = still eligible."""
    configured = [g.code for g in config.gemeenten]
    live = [g.code for g in config.gemeenten if g.startdatum <= processing_date]
    excluded = pl.col("adres_sleutel").is_in(
        [a.sleutel() for a in config.uitsluitingen.adressen]
    ) | pl.col("persoon_bsn").is_in(config.uitsluitingen.personen)
    return (
        pl.when(pl.col("adres_sleutel").is_null() | ~pl.col("gemeentecode").is_in(configured))
        .then(pl.lit(vng.GEEN_INWONER))
        .when(pl.col("overleden"))
        .then(pl.lit(vng.OVERLEDEN))
        .when(excluded.fill_null(False))
        .then(pl.lit(vng.ANDERE_REDEN))
        .when(_unfounded(config))
        .then(pl.lit(vng.ONTERECHT))
        .when(~pl.col("gemeentecode").is_in(live))
        .then(pl.lit(vng.ANDERE_REDEN))
    )


def _unfounded(config: Config) -> pl.Expr:
    """Below the minimum, or outside the days-of-arrears window of the partner's soort."""
    days = (pl.col("signaaldatum") - pl.col("ontstaansdatum")).dt.total_days()
    outside = pl.lit(False)
    for soort, termijn in config.dagen_achterstand.items():
        too_late = days > termijn.max_dagen if termijn.max_dagen is not None else pl.lit(False)
        outside = outside | ((pl.col("soort") == soort) & ((days < termijn.min_dagen) | too_late))
    return (pl.col("bedrag") < config.minimum_bedrag) | outside


def _repeated(eligible: pl.DataFrame, open_debts: pl.DataFrame) -> pl.DataFrame:
    """`Nog niet opgepakt`, or `herhaalde melding` when the same arrears are already known
    with an amount at least as high: in an open case, or earlier in tonight's files."""
    earlier = (
        pl.col("bedrag")
        .cum_max()
        .shift(1)
        .over(_DEBT, order_by=["signaaldatum", "signaal_id", "bestand"])
    )
    in_case = open_debts.group_by(_DEBT).agg(in_zaak=pl.col("bedrag").max())
    return (
        eligible.join(in_case, on=_DEBT, how="left")
        .with_columns(eerder=pl.max_horizontal(earlier, pl.col("in_zaak")))
        .select(
            _ROW,
            herhaald=pl.when(pl.col("bedrag") <= pl.col("eerder"))
            .then(pl.lit(vng.HERHAALD))
            .otherwise(pl.lit(vng.OPGEPAKT)),
        )
    )


def bekend_bij_sdd(
    cases: pl.DataFrame, brp: pl.DataFrame, sdd: pl.DataFrame, config: Config, processing_date: date
) -> pl.DataFrame:
    """`zaak_id, bekend_bij_sdd`: whether the SDD knows the household on the processing date.

    `cases` has `zaak_id, adres_sleutel, persoon_bsn` (one row per debtor, bsn may be null).
    Household scope: any living resident of the address has a running arrangement. Person
    scope: one of the case's debtors has.
    """
    running = sdd.filter(
        (pl.col("startdatum") <= processing_date)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= processing_date))
    ).select("bsn")
    if config.known_scope == "household":
        residents = brp.filter(~pl.col("overleden")).select("adres_sleutel", "bsn")
        people = cases.select("zaak_id", "adres_sleutel").join(residents, on="adres_sleutel")
    else:
        people = cases.select("zaak_id", bsn="persoon_bsn")
    known = people.join(running, on="bsn", how="semi").select("zaak_id").unique()
    return (
        cases.select("zaak_id")
        .unique()
        .with_columns(bekend_bij_sdd=pl.col("zaak_id").is_in(known["zaak_id"].implode()))
    )
