"""The input contracts as pandera schemas over the raw text of a file.

Each input kind is described once, as a mapping from canonical column to a `Field`: how its
text becomes the canonical value, whether it is required, and which further checks the value
must meet. From that one description come both the pandera schema that finds every problem
(with its reason in plain words) and the conversion of the accepted rows.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Final

import pandera.polars as pa
import polars as pl

from vsig.config import REGELINGEN, Layout
from vsig.rules import normalize as n
from vsig.rules.vng import CONTACTSOORTEN, DAGDELEN, EERDERE_EINDRESULTATEN, EINDRESULTATEN

REJECTS: Final = {
    "bestand": pl.String,
    "regelnummer": pl.Int64,
    "kolom": pl.String,
    "waarde": pl.String,
    "reden": pl.String,
}
"""A rejected value: the file, its line, the column, what it held and why it was refused."""

LETTER_INDEX: Final = {
    "letter_id": pl.String,
    "zaak_id": pl.String,
    "template": pl.String,
    "bestand": pl.String,
    "printbestand": pl.String,
    "pagina": pl.Int64,
    "paginas": pl.Int64,
}
"""A letter written: `letters/index.csv`."""


Value = Callable[[str], pl.Expr]
"""Gives the canonical (parsed) value of another column, for checks that compare columns."""


@dataclass(frozen=True)
class Check:
    """`holds(own, value)` is true where the column's parsed value `own` meets the rule."""

    holds: Callable[[pl.Expr, Value], pl.Expr]
    reason: str


@dataclass(frozen=True)
class Field:
    parse: Callable[[pl.Expr], pl.Expr]
    invalid: str
    required: bool = False
    checks: tuple[Check, ...] = ()


REQUIRED = "is required but empty"
MAX_TEXT = 200
MAX_BEDRAG_CENTS: Final = 1_000_000_00
"""Above a million euros an amount is a typing error, not arrears."""

GEBEURTENISSEN: Final = (
    "contactpoging",
    "aanmelding",
    "eerste_gesprek",
    "beschikking",
    "resultaat",
)
BESCHIKKINGEN: Final = ("toegelaten", "afgewezen")
GEBEURTENIS_LABELS: Final = {
    "contactpoging": "Contactpoging",
    "aanmelding": "Aanmelding",
    "eerste_gesprek": "Eerste gesprek",
    "beschikking": "Beschikking",
    "resultaat": "Resultaat",
}
"""Each event as a case worker picks it on the sheet; read back, any case, as its code."""


def gebeurtenis(expr: pl.Expr) -> pl.Expr:
    """An event as its code, however it was written: `eerste_gesprek`, `Eerste gesprek`,
    `AANMELDING`; any other value as it was, for the check to refuse."""
    return n.as_listed(expr.str.strip_chars().str.replace_all(r"\s+", "_"), GEBEURTENISSEN)


def _text(required: bool = False) -> Field:
    return Field(
        n.text,
        "is not text",
        required,
        (
            Check(
                lambda own, _: own.str.len_chars() <= MAX_TEXT,
                f"is longer than {MAX_TEXT} characters",
            ),
        ),
    )


def _date(fmt: str, required: bool = False, *checks: Check) -> Field:
    shown = fmt.replace("%Y", "yyyy").replace("%m", "mm").replace("%d", "dd")
    return Field(partial(n.date, fmt=fmt), f"is not a date ({shown})", required, checks)


def _not_after(other: str, reason: str) -> Check:
    return Check(lambda own, value: own <= value(other), reason)


def _not_after_date(day: date, reason: str) -> Check:
    return Check(lambda own, _: own <= pl.lit(day), reason)


def _one_of(values: tuple[str, ...], required: bool = True) -> Field:
    return Field(partial(n.one_of, allowed=values), f"is not one of {', '.join(values)}", required)


_BOOL = "is not ja/nee, true/false or 1/0"
_UNIQUE = Check(lambda own, _: own.is_first_distinct(), "appears earlier in this file")
_ADDRESS: Mapping[str, Field] = {
    "postcode": Field(n.postcode, "is not a Dutch postcode (1234AB)", required=True),
    "huisnummer": Field(n.huisnummer, "is not a house number from 1 to 99999", required=True),
    "huisletter": Field(n.huisletter, "is not a single letter"),
    "huisnummertoevoeging": Field(n.toevoeging, "is not an addition of up to 4 letters or digits"),
}


def signal_fields(layout: Layout, processing_date: date) -> dict[str, Field]:
    after_processing = _not_after_date(processing_date, "is after the processing date")
    bedrag = partial(n.amount_cents, style=layout.decimal)
    return {
        "signaal_id": Field(n.text, "is not text", True, (_UNIQUE,)),
        "klantnummer": _text(required=True),
        "bedrag": Field(
            bedrag,
            "is not an amount (such as 1234.56, 1234,56 or 1.234,56)",
            True,
            (
                Check(lambda own, _: own > 0, "must be more than 0"),
                Check(lambda own, _: own <= MAX_BEDRAG_CENTS, "is more than €1,000,000"),
            ),
        ),
        "ontstaansdatum": _date(
            layout.date_format,
            True,
            _not_after("signaaldatum", "is after the signaaldatum"),
        ),
        "signaaldatum": _date(layout.date_format, True, after_processing),
        "crisissignaal": Field(partial(n.boolean, default=False), _BOOL),
        "warme_overdracht": Field(partial(n.boolean, default=False), _BOOL),
        "bsn": Field(n.bsn, "is not a valid BSN (9 digits, 11-check)"),
        "voorletters": _text(),
        "voorvoegsel": _text(),
        "achternaam": _text(required=True),
        "geboortedatum": _date(layout.date_format, False, after_processing),
        "straatnaam": _text(),
        **_ADDRESS,
        "plaatsnaam": _text(),
        "telefoonnummer": _text(),
        "email": _text(),
    }


def brp_fields(processing_date: date) -> dict[str, Field]:
    iso = "%Y-%m-%d"
    after_processing = _not_after_date(processing_date, "is after the processing date")
    return {
        "bsn": Field(n.bsn, "is not a valid BSN (9 digits, 11-check)", True, (_UNIQUE,)),
        "voorletters": _text(),
        "voornamen": _text(),
        "voorvoegsel": _text(),
        "geslachtsnaam": _text(required=True),
        "geboortedatum": _date(iso, False, after_processing),
        "datum_overlijden": _date(iso, False, after_processing),
        "straatnaam": _text(),
        **_ADDRESS,
        "woonplaats": _text(),
        "gemeentecode": Field(
            lambda e: n.blank_to_null(e).str.extract(r"^(\d{4})$", 1),
            "is not a 4-digit CBS municipality code",
            True,
        ),
        "datum_aanvang_adreshouding": _date(iso, False, after_processing),
    }


def sdd_fields() -> dict[str, Field]:
    iso = "%Y-%m-%d"
    return {
        "bsn": Field(n.bsn, "is not a valid BSN (9 digits, 11-check)", True),
        "regeling": _one_of(REGELINGEN),
        "startdatum": _date(iso, True),
        "einddatum": _date(
            iso,
            False,
            Check(lambda own, value: own >= value("startdatum"), "is before the startdatum"),
        ),
    }


WAARDE_FITS: Final = (
    "does not fit the gebeurtenis (contactpoging: soort|bereikt|dagdeel; "
    "beschikking: toegelaten|afgewezen; resultaat: an EnumEindresultaat value; "
    "otherwise empty)"
)
AFTER_PROCESSING_DATE: Final = "is after the processing date"


def uitkomst_fields(processing_date: date) -> dict[str, Field]:
    return {
        "zaak_id": _text(required=True),
        "datum": _date("%Y-%m-%d", True, _not_after_date(processing_date, AFTER_PROCESSING_DATE)),
        "gebeurtenis": Field(
            lambda own: n.one_of(gebeurtenis(own), GEBEURTENISSEN),
            f"is not one of {', '.join(GEBEURTENISSEN)}",
            True,
        ),
        "waarde": Field(
            lambda own: n.vng_waarde(
                own,
                CONTACTSOORTEN,
                DAGDELEN,
                [*BESCHIKKINGEN, *EINDRESULTATEN, *EERDERE_EINDRESULTATEN],
            ),
            "is not text",
            checks=(
                Check(lambda own, value: _waarde_fits(value("gebeurtenis"), own), WAARDE_FITS),
            ),
        ),
        # Who recorded it, as the sheet of outcomes says (`uitkomsten`): a municipality
        # records outcomes for its own cases alone.
        "organisatie": _text(),
    }


def _waarde_fits(gebeurtenis: pl.Expr, waarde: pl.Expr) -> pl.Expr:
    parts = waarde.str.split("|")
    contact_fits = (
        (parts.list.len() == 3)
        & parts.list.get(0, null_on_oob=True).is_in(CONTACTSOORTEN)
        & n.boolean(parts.list.get(1, null_on_oob=True)).is_not_null()
        & (
            parts.list.get(2, null_on_oob=True).is_in(DAGDELEN)
            | (parts.list.get(2, null_on_oob=True) == "")
        )
    )
    # These three need their value: a result or decision without one would close a case,
    # or tell a creditor, nothing (fill_null: a missing value has no reason of its own).
    return (
        pl.when(gebeurtenis == "contactpoging")
        .then(contact_fits.fill_null(False))
        .when(gebeurtenis == "beschikking")
        .then(waarde.is_in(BESCHIKKINGEN).fill_null(False))
        .when(gebeurtenis == "resultaat")
        .then(waarde.is_in([*EINDRESULTATEN, *EERDERE_EINDRESULTATEN]).fill_null(False))
        .otherwise(waarde.is_null())
    )


def prepare(raw: pl.DataFrame, fields: Mapping[str, Field]) -> pl.DataFrame:
    """The raw text with every column's parsed value beside it, parsed once for all checks
    and the conversion to read (a rule comparing columns would otherwise parse them again)."""
    return raw.with_columns(f.parse(pl.col(c)).alias(_parsed(c)) for c, f in fields.items())


def _parsed(column: str) -> str:
    return f"_parsed_{column}"


def schema(fields: Mapping[str, Field]) -> pa.DataFrameSchema:
    """The pandera schema that checks a `prepare`d frame; check names are the reasons."""

    def value(column: str) -> pl.Expr:
        return pl.col(_parsed(column))

    def pandera_check(holds: pl.Expr, reason: str) -> pa.Check:
        # A check that cannot be judged (a value missing or unparseable) holds: that value
        # already has its own reason, and one problem should be reported once.
        def run(data: pa.PolarsData) -> pl.LazyFrame:
            return data.lazyframe.select(holds.fill_null(True))

        return pa.Check(run, name=reason, ignore_na=False)

    def pandera_checks(column: str, field: Field) -> list[pa.Check]:
        found = n.blank_to_null(pl.col(column)).is_not_null()
        result = [pandera_check(~found | value(column).is_not_null(), field.invalid)]
        if field.required:
            result.insert(0, pandera_check(found, REQUIRED))
        result += [pandera_check(c.holds(value(column), value), c.reason) for c in field.checks]
        return result

    return pa.DataFrameSchema(
        {c: pa.Column(pl.String, pandera_checks(c, f), nullable=True) for c, f in fields.items()},
        strict=False,
    )


def values(prepared: pl.DataFrame, fields: Mapping[str, Field]) -> pl.DataFrame:
    """The canonical values of `prepare`d rows, in place of their text."""
    return prepared.with_columns(pl.col(_parsed(c)).alias(c) for c in fields).drop(
        _parsed(c) for c in fields
    )


def convert(raw: pl.DataFrame, fields: Mapping[str, Field]) -> pl.DataFrame:
    """Canonical values of rows that passed the schema."""
    return values(prepare(raw, fields), fields)
