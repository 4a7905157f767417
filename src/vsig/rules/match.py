"""Matching signals to residents in the BRP, and the VNG status every signal gets.

Only a person decides, never an address alone: a signal on the wrong household tells a
stranger about someone's debt. A BSN decides on its own; without one, the surname with the
birth date across the region; without a birth date either, the surname (and initials)
among the adults at the signal's address or building. A person found lives where the BRP
says, so a signal sent to an old address follows a mover. When every resident who fits lives
in one household, the household is matched (`BY_HOUSEHOLD`): the household is certain, only
the person within it is not. When nobody fits, or residents of several homes do, the signal
reaches nobody and says why, for a person at the SDD to follow up; doubt is never a status
(`_status`).
"""

from collections.abc import Callable
from datetime import date
from typing import Any, Final

import numpy as np
import polars as pl
from rapidfuzz.distance import OSA
from rapidfuzz.process import cpdist

from vsig.config import Config
from vsig.contracts import DEBT_KEY
from vsig.rules import keuzes, normalize, vng
from vsig.rules.formats import bedrag, datum_kort

_ROW = "_rij"
_HOME = "_woont"
BY_BSN, BY_NAME_BIRTH, BY_NAME_AT_ADDRESS = "bsn", "naam_geboortedatum", "naam_adres"
BY_HOUSEHOLD = "naam_huishouden"
"""`match_regel`: which rule found the person, or (`BY_HOUSEHOLD`) the household of all the
residents who fit (`kandidaten`), when the person within it is not determined."""
BSN_UNKNOWN = "BSN niet in de BRP"
NOBODY = "niemand in de BRP past"
SEVERAL = "meer dan een persoon past"
NEARLY = "alleen een naam die bijna past, zonder voorletters"
"""`niet_gekoppeld`: why no person was found, for the person at the SDD who follows up."""


def prepare_brp(brp: pl.DataFrame, processing_date: date) -> pl.DataFrame:
    """The BRP with its address key, whether a person was alive on the processing date and
    whether of age (a birth date the register lacks counts as of age)."""
    return brp.with_columns(
        adres_sleutel=normalize.adres_sleutel(),
        postcode_huisnummer=_postcode_huisnummer(),
        overleden=pl.col("datum_overlijden").is_not_null()
        & (pl.col("datum_overlijden") <= processing_date),
        meerderjarig=pl.col("geboortedatum").is_null()
        | (pl.col("geboortedatum") <= _years_before(processing_date, 18)),
    )


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


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
    known_debts: pl.DataFrame,
    uitsluitingen: pl.DataFrame,
) -> pl.DataFrame:
    """Every signal with its person, BRP address, municipality and VNG `status`.

    `brp` comes from `prepare_brp`; `known_debts` holds, per partner and klantnummer of a
    case, the amount a new signal must exceed (`cases.known_debts`); `uitsluitingen` the
    exclusion list (`soort`: persoon or adres, `sleutel`: a BSN or an address key). A
    signal no single person fits has no address and says why in `niet_gekoppeld`. A signal
    a person decided (`keuzes.decided`: `gekozen`, or `besluit` with its `keuze`) is
    matched by that choice.
    """
    rows = _numbered(signals)
    if "gekozen" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.String).alias(c) for c in _CHOICE)
    by_choice = pl.col("gekozen").is_not_null() | pl.col("besluit").is_not_null()
    open_rows = rows.filter(~by_choice)
    decided = pl.concat(
        [
            _by_choice(rows.filter(by_choice), brp),
            _by_bsn(open_rows, brp),
            _by_name_and_birth(open_rows, brp, config.naam_gelijkenis),
            _by_name_at_address(open_rows, brp, config.naam_gelijkenis),
        ],
        how="diagonal",
    )
    people = brp.select(pl.col("bsn").alias(_HOME), "adres_sleutel", "gemeentecode", "overleden")
    # A household matched lives where each of its candidates does.
    household = pl.col("match_regel") == BY_HOUSEHOLD
    home = pl.coalesce("persoon_bsn", pl.when(household).then(pl.col("kandidaten").list.first()))
    # Moved: the person lives at another number, not merely a flat the partner left vague.
    living_at = _number_of(pl.col("adres_sleutel"))
    matched = (
        rows.join(decided, on=_ROW, how="left")
        .with_columns(home.alias(_HOME))
        .join(people, on=_HOME, how="left")
        .drop(_HOME)
        .with_columns(
            verhuisd=pl.col("adres_sleutel").is_not_null()
            & (living_at != pl.col("postcode_huisnummer")),
            overleden=pl.col("overleden").fill_null(False),
        )
    )
    judged = matched.with_columns(status=_status(config, processing_date, uitsluitingen))
    # Doubt waits for a person as it is: it repeats no debt, and no debt repeats it.
    placed = pl.col("adres_sleutel").is_not_null()
    repeated = _repeated(judged.filter(pl.col("status").is_null() & placed), known_debts)
    return (
        judged.join(repeated, on=_ROW, how="left")
        .with_columns(status=pl.coalesce("status", "herhaald", pl.lit(vng.NOG_NIET_OPGEPAKT)))
        .sort(_ROW)
        .drop(_ROW, "signaal_sleutel", "postcode_huisnummer", "herhaald", *_CHOICE)
    )


_CHOICE: Final = ("gekozen", "besluit", "keuze")
"""What a person's choice for a signal in doubt brings to its matching (`keuzes.decided`)."""


def _by_choice(rows: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """A person chose: the candidate they chose, or nobody with the status they gave. A
    candidate no longer in the register is no resident (a fact, as for a BSN)."""
    known = pl.col("gekozen").is_in(brp["bsn"].implode())
    return rows.select(
        _ROW,
        persoon_bsn=pl.when(known).then("gekozen"),
        match_regel=pl.lit(keuzes.BY_CHOICE),
        niet_gekoppeld=pl.when(pl.col("besluit").is_not_null())
        .then(pl.format("{}: {}", pl.lit(keuzes.CHOSEN), "keuze"))
        .when(~known)
        .then(pl.lit(BSN_UNKNOWN)),
    )


def _by_bsn(rows: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """A BSN decides: its person, or nobody. Never whoever lives at the signal's address."""
    known = pl.col("bsn").is_in(brp["bsn"].implode())
    return rows.filter(pl.col("bsn").is_not_null()).select(
        _ROW,
        persoon_bsn=pl.when(known).then("bsn"),
        match_regel=pl.when(known).then(pl.lit(BY_BSN)),
        niet_gekoppeld=pl.when(~known).then(pl.lit(BSN_UNKNOWN)),
    )


def _by_name_and_birth(rows: pl.DataFrame, brp: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """No BSN: the resident of that birth date whose surname fits, across the region, unless
    the initials disagree (a namesake born the same day is not the debtor).

    Several fit: the one living at the signal's postcode and house number, if only one does.
    """
    wanted = _name_keys(rows)
    candidates = (
        _namesakes(wanted, brp, threshold)
        .join(wanted.select(_ROW, "letters", "postcode_huisnummer"), on=_ROW)
        .join(
            brp.select(
                "bsn",
                normalize.voorletters_sleutel(pl.col("voorletters")),
                woont="postcode_huisnummer",
            ),
            on="bsn",
        )
        .filter(_initials_agree())
    )
    here = pl.col("woont") == pl.col("postcode_huisnummer")
    narrowed = candidates.filter((pl.len().over(_ROW) == 1) | here)
    return _decided(wanted, candidates, narrowed, BY_NAME_BIRTH, brp, none_left=SEVERAL)


def _by_name_at_address(rows: pl.DataFrame, brp: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """No BSN and no birth date: the adult registered at the signal's address whose surname
    (and initials, where given) fit; nobody fits there, or the partner left the letter or
    addition off, then the building (postcode and house number).

    Exactly one person must fit, or one household (`_decided`). The deceased count, so that
    a widow is not sent her late husband's debt. A surname only nearly alike, without
    initials, is a guess: such a resident is a candidate for the person who decides, never
    a match.
    """
    wanted = rows.filter(pl.col("bsn").is_null() & pl.col("geboortedatum").is_null()).select(
        _ROW, "signaal_sleutel", "postcode_huisnummer", *_signal_name()
    )
    adults = brp.filter(pl.col("meerderjarig"))
    at_address = _fitting(
        _pairs(wanted, adults, left_on="signaal_sleutel", right_on="adres_sleutel"), threshold
    )
    in_building = _fitting(
        _pairs(
            wanted.join(at_address.filter("zeker"), on=_ROW, how="anti"),
            adults,
            left_on="postcode_huisnummer",
            right_on="postcode_huisnummer",
        ),
        threshold,
    )
    candidates = pl.concat([at_address, in_building])
    return _decided(
        wanted,
        candidates.drop("zeker"),
        candidates.filter("zeker").drop("zeker"),
        BY_NAME_AT_ADDRESS,
        brp,
        none_left=NEARLY,
    )


def _decided(
    wanted: pl.DataFrame,
    candidates: pl.DataFrame,
    narrowed: pl.DataFrame,
    regel: str,
    brp: pl.DataFrame,
    none_left: str,
) -> pl.DataFrame:
    """One row per wanted signal: the person when exactly one remains after narrowing; the
    household when all who remain live at one address, none of them deceased (a widow is
    not sent her late husband's debt); else why not: nobody fitted, several did, or
    (`none_left`) why narrowing left none of those who fitted.

    `kandidaten` are the residents the household is matched on, or, for a signal that waits
    for a person, those who fitted before narrowing: whom that person chooses from."""
    fitted = candidates.group_by(_ROW).agg(gevonden=pl.col("bsn").unique().sort())
    kept = (
        narrowed.join(brp.select("bsn", "adres_sleutel", "overleden"), on="bsn")
        .group_by(_ROW)
        .agg(
            blijft=pl.col("bsn").unique().sort(),
            huishoudens=pl.col("adres_sleutel").n_unique(),
            overleden=pl.col("overleden").any(),
        )
    )
    one = (pl.col("blijft").list.len() == 1).fill_null(False)
    household = (~one & (pl.col("huishoudens") == 1) & ~pl.col("overleden")).fill_null(False)
    return (
        wanted.select(_ROW)
        .join(fitted, on=_ROW, how="left")
        .join(kept, on=_ROW, how="left")
        .select(
            _ROW,
            persoon_bsn=pl.when(one).then(pl.col("blijft").list.first()),
            kandidaten=pl.when(household).then("blijft").when(~one).then("gevonden"),
            match_regel=pl.when(one).then(pl.lit(regel)).when(household).then(pl.lit(BY_HOUSEHOLD)),
            niet_gekoppeld=pl.when(pl.col("gevonden").is_null())
            .then(pl.lit(NOBODY))
            .when(pl.col("blijft").is_null())
            .then(pl.lit(none_left))
            .when(~one & ~household)
            .then(pl.lit(SEVERAL)),
        )
    )


def _signal_name() -> list[pl.Expr]:
    return [
        normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("achternaam")).alias("sleutel"),
        normalize.voorletters_sleutel(pl.col("voorletters")).alias("letters"),
    ]


def _pairs(
    wanted: pl.DataFrame, register: pl.DataFrame, left_on: str, right_on: str
) -> pl.DataFrame:
    """Signals beside the residents that share `left_on` with them, each resident with both
    ways of writing the surname, where the initials do not disagree; `zeker` where the
    signal has initials or the surname is spelt alike."""
    residents = _brp_name_keys(
        register.with_columns(normalize.voorletters_sleutel(pl.col("voorletters"))),
        "bsn",
        "voorletters",
        right_on,
    )
    # A surname nearly alike with nothing else to go on is a guess.
    alike = pl.col("letters").is_not_null() | (pl.col("sleutel") == pl.col("naam"))
    return (
        wanted.select(_ROW, "letters", "sleutel", blok=left_on)
        .join(residents.rename({"sleutel": "naam"}), left_on="blok", right_on=right_on)
        .filter(_initials_agree())
        .select(_ROW, "bsn", "sleutel", "naam", zeker=alike)
    )


def _initials_agree() -> pl.Expr:
    """The signal's initials (`letters`) and the register's (`voorletters`) do not disagree:
    one is missing, or one begins the other (`J.` and `J.P.`)."""
    return (
        pl.col("letters").is_null()
        | pl.col("voorletters").is_null()
        | pl.col("letters").str.starts_with(pl.col("voorletters"))
        | pl.col("voorletters").str.starts_with(pl.col("letters"))
    )


def _fitting(pairs: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """The pairs whose surnames fit, without the names: exactly, where any does for that signal
    (a namesake spelt alike outweighs one spelt nearly alike), else with a similarity of
    at least `threshold`."""
    exact = pl.col("sleutel") == pl.col("naam")
    scored = pairs.with_columns(gelijkenis=_similarity(pairs["sleutel"], pairs["naam"]))
    return (
        scored.filter(
            pl.when(exact.any().over(_ROW)).then(exact).otherwise(pl.col("gelijkenis") >= threshold)
        )
        .drop("sleutel", "naam", "gelijkenis")
        .unique()
    )


PAIRS_AT_ONCE: Final = 500_000
"""Name pairs handed to rapidfuzz at a time, as Python strings: a national night compares
some ten million pairs, and all at once they took 2 GB."""


def _similarity(left: pl.Series, right: pl.Series) -> pl.Series:
    """Optimal-string-alignment similarity (rapidfuzz), 0 to 1: one typo, a letter dropped,
    added, changed or two swapped, in a name of n letters scores 1 - 1/n."""
    scores = [
        cpdist(
            left.slice(start, PAIRS_AT_ONCE).fill_null("").to_list(),
            right.slice(start, PAIRS_AT_ONCE).fill_null("").to_list(),
            scorer=OSA.normalized_similarity,
            workers=-1,
        )
        for start in range(0, left.len(), PAIRS_AT_ONCE)
    ]
    return pl.Series(np.concatenate(scores) if scores else [], dtype=pl.Float64)


def _namesakes(wanted: pl.DataFrame, brp: pl.DataFrame, threshold: float) -> pl.DataFrame:
    """`_ROW, bsn`: the residents born on a signal's birth date whose surname fits.

    Exact spellings are found by a join; only signals without one are compared letter by
    letter, and only with those born that day.
    """
    residents = _brp_name_keys(brp, "bsn", "geboortedatum").rename({"sleutel": "naam"})
    exact = wanted.join(
        residents, left_on=["geboortedatum", "sleutel"], right_on=["geboortedatum", "naam"]
    ).select(_ROW, "bsn")
    near = wanted.join(exact, on=_ROW, how="anti").join(residents, on="geboortedatum")
    return pl.concat([exact, _fitting(near.select(_ROW, "bsn", "sleutel", "naam"), threshold)])


def _brp_name_keys(brp: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """`columns` of each resident, with the surname folded with and without the
    voorvoegsel as `sleutel` (one row each way it differs)."""
    return pl.concat(
        [
            brp.select(*columns, sleutel=name)
            for name in (
                normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("geslachtsnaam")),
                normalize.naam_sleutel(pl.lit(None, pl.String), pl.col("geslachtsnaam")),
            )
        ]
    ).unique()


def _name_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """The signals that name a birth date but no BSN, with their folded surname."""
    return rows.filter(pl.col("bsn").is_null() & pl.col("geboortedatum").is_not_null()).select(
        _ROW, "geboortedatum", "postcode_huisnummer", *_signal_name()
    )


def rows_used(
    signals: pl.DataFrame,
    brp: pl.DataFrame,
    matched: pl.DataFrame,
    persons: pl.Series,
    threshold: float,
) -> pl.DataFrame:
    """The BRP rows that decided tonight's matching, cases and households, and no others.

    The persons found and `persons` (those of the cases the night read), everyone a signal's
    name and birth date could have meant (so that two candidates stay two), and everyone at
    the postcode and house number of a signal, a matched address or where `persons` live (so
    that the residents compared by name and the household stay the same). Running the night
    against these rows alone gives what running it against the whole extract gave: an
    archive need keep no more.
    """
    rows = _numbered(signals)
    candidates = _namesakes(_name_keys(rows), brp, threshold)
    found = pl.concat([matched["persoon_bsn"], persons]).drop_nulls()
    numbers = pl.concat(
        [
            rows.select("postcode_huisnummer"),
            matched.select(postcode_huisnummer=_number_of(pl.col("adres_sleutel"))),
            brp.filter(pl.col("bsn").is_in(found.implode())).select("postcode_huisnummer"),
        ]
    ).drop_nulls()
    return brp.filter(
        pl.col("bsn").is_in(found.implode())
        | pl.col("bsn").is_in(candidates["bsn"].implode())
        | pl.col("postcode_huisnummer").is_in(numbers["postcode_huisnummer"].implode())
    )


BRP_KEYS = ("bsn", "geboortedatum", "voorvoegsel", "geslachtsnaam", "postcode", "huisnummer")
"""The BRP columns `brp_needed` reads."""
SDD_KEYS = ("bsn",)


def brp_needed(
    brp_text: pl.DataFrame, signals: pl.DataFrame, persons: pl.Series, threshold: float
) -> pl.Series:
    """Which rows of a BRP extract, still as text, tonight's signals and `persons` (the BSNs
    of the open cases) can involve.

    The same rows as `rows_used` might keep, found before validation so that a national
    extract (18 million rows) is validated and converted for the few it matters for: whoever
    a signal's BSN or `persons` names, whoever a signal's name and birth date could mean,
    everyone at the postcode and house number of a signal or of one of those persons, and
    every row sharing a BSN with any of these (so "appears earlier in this file" is judged
    as for the whole). Rows are compared by hashes of their keys: a collision only validates
    a row more.
    """
    keys = _brp_text_keys(brp_text).with_row_index("rij")
    rows = _numbered(signals)
    named = pl.concat([signals["bsn"], persons]).cast(pl.Int64).drop_nulls()
    by_bsn = keys["bsn"].is_in(named.implode())
    by_name = keys["rij"].is_in(_meant(keys, _name_keys(rows), threshold).implode())
    people = keys.filter(by_bsn | by_name)
    numbers = pl.concat(
        [
            rows.select(_hash("postcode", "huisnummer")).to_series(),
            people["nummer"],
        ]
    ).drop_nulls()
    near = by_bsn | by_name | keys["nummer"].is_in(numbers.implode())
    return near | keys["bsn"].is_in(keys.filter(near)["bsn"].drop_nulls().implode())


def _meant(keys: pl.DataFrame, wanted: pl.DataFrame, threshold: float) -> pl.Series:
    """The `rij` of every text row a wanted signal's name and birth date could mean, as
    `_namesakes` finds them: spelt alike, else (for those signals only) spelt nearly alike."""
    spellings = _folded_spellings(keys)
    paired = keys.select("rij", paar=_hash("geboortedatum", "spelling"))
    meant = wanted.join(spellings, on="sleutel").with_columns(
        paar=_hash("geboortedatum", "spelling")
    )
    exact = paired.filter(pl.col("paar").is_in(meant["paar"].implode()))
    found = meant.filter(pl.col("paar").is_in(exact["paar"].implode()))
    unsure = wanted.join(found, on=_ROW, how="anti")
    near = [
        _born_alike(some, keys, spellings, threshold)["rij"]
        for some in unsure.iter_slices(SIGNALS_AT_ONCE)
    ]
    return pl.concat([exact["rij"], *near])


SIGNALS_AT_ONCE: Final = 1_000
"""Signals compared with everyone born on their birth date at a time: a national night's
all at once took 2 GB, since together their birth dates are nearly every resident's."""


def _born_alike(
    unsure: pl.DataFrame, keys: pl.DataFrame, spellings: pl.DataFrame, threshold: float
) -> pl.DataFrame:
    """`_ROW, rij` of the text rows born on an unsure signal's birth date whose surname
    fits. A signal is compared in one slice only, so its best fit is judged whole."""
    born = (
        keys.filter(pl.col("geboortedatum").is_in(unsure["geboortedatum"].implode()))
        .join(spellings, on="spelling")
        .select("rij", "geboortedatum", naam="sleutel")
    )
    pairs = unsure.join(born, on="geboortedatum").select(_ROW, "rij", "sleutel", "naam")
    return _fitting(pairs, threshold)


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
    first = pl.col("spelling").is_first_distinct()  # not `unique`: 18 million rows of text
    spellings = keys.select("spelling", "voorvoegsel", "geslachtsnaam").filter(first)
    return pl.concat(
        [
            spellings.select("spelling", sleutel=name)
            for name in (
                normalize.naam_sleutel(pl.col("voorvoegsel"), pl.col("geslachtsnaam")),
                normalize.naam_sleutel(pl.lit(None, pl.String), pl.col("geslachtsnaam")),
            )
        ]
    )


def _status(config: Config, processing_date: date, uitsluitingen: pl.DataFrame) -> pl.Expr:
    """Every status but the repeated signal, in DESIGN.md's order; null = still eligible.
    A person's decision that a signal is about nobody of its candidates comes first.

    Only a fact of the register makes a final status: a BSN the register does not hold, a
    person who lives outside the region, a date of death. A signal no single person fits is
    doubt, never a fact: it stays `Nog niet opgepakt`, in no case, and waits for a person at
    the SDD (`niet_gekoppeld`), so that neither its creditor nor CBS is told that a resident
    does not live there.

    A signal is excluded when its person, or any resident of the household it was matched
    to, is on the list, or its address is: a letter to the household reaches each of them."""
    configured = config.gemeentecodes()
    live = [g.code for g in config.gemeenten if g.startdatum <= processing_date]
    listed, unsafe = (
        uitsluitingen.filter(pl.col("soort") == soort)["sleutel"].to_list()
        for soort in ("persoon", "adres")
    )
    # A signal in doubt has no address but the one its partner wrote; a person found is
    # where the register says, wherever the partner wrote.
    excluded = (
        pl.col("adres_sleutel").is_in(unsafe)
        | (pl.col("adres_sleutel").is_null() & pl.col("signaal_sleutel").is_in(unsafe))
        | pl.col("persoon_bsn").is_in(listed)
        | (pl.col("match_regel") == BY_HOUSEHOLD)
        & pl.col("kandidaten").list.eval(pl.element().is_in(listed)).list.any()
    )
    unknown_bsn = (pl.col("niet_gekoppeld") == BSN_UNKNOWN).fill_null(False)
    elsewhere = pl.col("adres_sleutel").is_not_null() & ~pl.col("gemeentecode").is_in(configured)
    return (
        pl.when(pl.col("besluit").is_not_null())
        .then("besluit")
        .when(unknown_bsn | elsewhere)
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


def silenced(
    case_signals: pl.DataFrame, cases: pl.DataFrame, uitsluitingen: pl.DataFrame
) -> pl.DataFrame:
    """The cases (`zaak_id`) no letter or notice may go to (`route.action_details`): at an
    address on the exclusion list, or whose every debtor is on it (each person matched,
    each candidate of a household matched). A case opened before its people were listed
    gets no letter after a move or a forward while they are."""
    listed, unsafe = (
        uitsluitingen.filter(pl.col("soort") == soort)["sleutel"].to_list()
        for soort in ("persoon", "adres")
    )
    own = pl.when(pl.col("persoon_bsn").is_not_null()).then(pl.concat_list("persoon_bsn"))
    debtors = case_signals.select("zaak_id", debtor=own.otherwise("kandidaten")).explode("debtor")
    everyone = debtors.group_by("zaak_id").agg(pl.col("debtor").is_in(listed).all())
    return pl.concat(
        [
            cases.filter(pl.col("adres_sleutel").is_in(unsafe)).select("zaak_id"),
            everyone.filter("debtor").select("zaak_id"),
        ]
    ).unique()


def _unfounded(config: Config) -> pl.Expr:
    """Below the minimum, or outside the days-of-arrears window of the partner's soort
    with less than `buiten_venster_vanaf`."""
    return pl.any_horizontal(test for test, _, _ in _unfounded_tests(config))


def unfounded_reason(config: Config) -> pl.Expr:
    """Why a signal is unfounded, in Dutch for the creditor, with what it can do (when to
    signal again); null for a signal that is not."""
    return pl.concat_str(
        [pl.when(test).then(dutch) for test, _, dutch in _unfounded_tests(config)],
        separator=" ",
        ignore_nulls=True,
    ).replace("", None)


def _unfounded_tests(config: Config) -> list[tuple[pl.Expr, str, pl.Expr]]:
    """Each way a signal is unfounded, with what it says to an auditor and, in Dutch, to
    the creditor: one source for the status, for `why_unfounded` and for the feedback."""
    days = (pl.col("signaaldatum") - pl.col("ontstaansdatum")).dt.total_days()
    in_days = pl.concat_str(
        days.cast(pl.String),
        pl.when(days == 1).then(pl.lit(" dag")).otherwise(pl.lit(" dagen")),
    )
    minimum = bedrag(config.minimum_bedrag)
    tests = [
        (
            pl.col("bedrag") < config.minimum_bedrag,
            f"the amount is below the minimum of {minimum}",
            pl.lit(f"Het bedrag is lager dan {minimum}: meldingen pakken wij op vanaf dat bedrag."),
        )
    ]
    rescue = config.buiten_venster_vanaf
    small = pl.col("bedrag") < rescue if rescue is not None else pl.lit(True)
    # Said once, to every creditor: the amount from which the window does not count.
    anyway = f", en bij een achterstand vanaf {bedrag(rescue)} altijd" if rescue is not None else ""
    for soort, venster in config.dagen_achterstand.items():
        is_soort = (pl.col("soort") == soort) & small
        opnieuw = datum_kort(pl.col("ontstaansdatum") + pl.duration(days=venster.min_dagen))
        tests.append(
            (
                is_soort & (days < venster.min_dagen),
                f"fewer than the {venster.min_dagen} days in arrears a {soort} signal needs",
                pl.concat_str(
                    in_days,
                    pl.lit(
                        f" achterstand. Meldingen over {soort} pakken wij op vanaf "
                        f"{venster.min_dagen} dagen ({venster.grondslag}){anyway}. Meld de "
                        "achterstand opnieuw vanaf "
                    ),
                    opnieuw,
                    pl.lit(" als die dan nog bestaat."),
                ),
            )
        )
        if venster.max_dagen is not None:
            tests.append(
                (
                    is_soort & (days > venster.max_dagen),
                    f"more than the {venster.max_dagen} days in arrears a {soort} signal may have",
                    pl.concat_str(
                        in_days,
                        pl.lit(
                            f" achterstand. Meldingen over {soort} pakken wij op tot "
                            f"{venster.max_dagen} dagen ({venster.grondslag}){anyway}. Meld "
                            "een volgende achterstand eerder."
                        ),
                    ),
                )
            )
    return tests


def why_unfounded(signal: dict[str, Any], config: Config) -> list[str]:
    """Why a signal (`bedrag`, `soort`, `ontstaansdatum`, `signaaldatum`) is unfounded."""
    columns = ("bedrag", "soort", "ontstaansdatum", "signaaldatum")
    row = pl.DataFrame([{k: signal[k] for k in columns}])
    tests = _unfounded_tests(config)
    held = row.select(test.alias(str(n)) for n, (test, _, _) in enumerate(tests)).row(0)
    return [text for (_, text, _), hit in zip(tests, held, strict=True) if hit]


def outside_window(signal: dict[str, Any], config: Config) -> list[str]:
    """Why a picked-up signal (`status`, `adres_sleutel`, `bedrag`, …) is outside its
    days-of-arrears window, when it was picked up for its amount (`buiten_venster_vanaf`);
    nothing for any other signal."""
    rescue = config.buiten_venster_vanaf
    placed = signal["adres_sleutel"] is not None  # doubt is `Nog niet opgepakt` too
    picked = placed and signal["status"] in (vng.NOG_NIET_OPGEPAKT, vng.HERHAALD)
    if rescue is None or not picked or signal["bedrag"] < max(rescue, config.minimum_bedrag):
        return []
    return why_unfounded(signal, config.model_copy(update={"buiten_venster_vanaf": None}))


def _repeated(eligible: pl.DataFrame, known_debts: pl.DataFrame) -> pl.DataFrame:
    """`Nog niet opgepakt`, or `herhaalde melding` when the same arrears are already known
    with an amount at least as high: in a case, or earlier in tonight's files."""
    earlier = (
        pl.col("bedrag")
        .cum_max()
        .shift(1)
        .over(DEBT_KEY, order_by=["signaaldatum", "signaal_id", "bestand"])
    )
    in_case = known_debts.group_by(DEBT_KEY).agg(in_zaak=pl.col("bedrag").max())
    return (
        eligible.join(in_case, on=DEBT_KEY, how="left")
        .with_columns(eerder=pl.max_horizontal(earlier, pl.col("in_zaak")))
        .select(
            _ROW,
            herhaald=pl.when(pl.col("bedrag") <= pl.col("eerder"))
            .then(pl.lit(vng.HERHAALD))
            .otherwise(pl.lit(vng.NOG_NIET_OPGEPAKT)),
        )
    )


def schuldhulpverlening(
    matched: pl.DataFrame, sdd: pl.DataFrame, processing_date: date
) -> pl.DataFrame:
    """`matched` (from `match`) with `Inwoner al bekend bij schuldhulpverlening` for each
    signal that would open or join a case while the resident it is about already has a
    running schuldhulpverlening arrangement at the SDD on the processing date: the offer of
    a first conversation is made, and the debt goes to their schuldhulpverlener instead
    (`exports.schuldhulpverlening`). It is a fact about the person, never a housemate's:
    the signal's person, or for a household matched every one of its candidates (whoever
    of them owes the debt, they have the help). Doubt stays doubt, a repeat a repeat, and a
    final status final."""
    people = _running(sdd, ["schuldhulpverlening"], processing_date)["bsn"].implode()
    candidates = pl.col("kandidaten").list.eval(pl.element().is_in(people))
    known = pl.col("persoon_bsn").is_in(people).fill_null(False) | (
        pl.col("persoon_bsn").is_null()
        & (pl.col("kandidaten").list.len() > 0).fill_null(False)
        & candidates.list.all().fill_null(False)
    )
    picked = (pl.col("status") == vng.NOG_NIET_OPGEPAKT) & pl.col("adres_sleutel").is_not_null()
    return matched.with_columns(
        status=pl.when(picked & known).then(pl.lit(vng.BEKEND_SHV)).otherwise("status")
    )


def _running(sdd: pl.DataFrame, regelingen: list[str], processing_date: date) -> pl.DataFrame:
    """`bsn` of each person with a running arrangement of these kinds on the date."""
    return sdd.filter(
        (pl.col("startdatum") <= processing_date)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= processing_date))
        & pl.col("regeling").is_in(regelingen)
    ).select("bsn")


def bekend_bij_sdd(
    cases: pl.DataFrame, brp: pl.DataFrame, sdd: pl.DataFrame, config: Config, processing_date: date
) -> pl.DataFrame:
    """`zaak_id, bekend_bij_sdd`: whether the SDD knows the household on the processing date.

    `cases` has `zaak_id, adres_sleutel, persoon_bsn` (one row per debtor, bsn may be null).
    Household scope: any living resident of the address has a running arrangement of a kind
    in `bekend_regelingen`. Person scope: one of the case's debtors has.
    """
    running = _running(sdd, list(config.bekend_regelingen), processing_date)
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
