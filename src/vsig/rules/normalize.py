"""Normalisation of the values partners and registers write in many ways.

Every function returns a polars expression, so the same rule serves validation (did it
parse?) and conversion (what is the canonical value?) at any volume, without per-row Python.
A value that cannot be normalised becomes null; the schemas turn that into a reject reason.
"""

from collections.abc import Iterable
from typing import Any

import phonenumbers
import polars as pl
from email_validator import EmailNotValidError, validate_email

from vsig.models import DecimalStyle

# An amount is an optional euro sign, whole euros (plain or grouped by thousands with the
# separator that is not the decimal one) and at most two decimals. "1.234" is therefore
# 1234 euros in the comma style, as a Dutch reader means it.
_POINT = r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d{1,2})?"
_COMMA = r"(?:\d+|\d{1,3}(?:\.\d{3})+)(?:,\d{1,2})?"
_AMOUNT_PATTERNS: dict[DecimalStyle, str] = {
    "point": _POINT,
    "comma": _COMMA,
    "auto": f"(?:{_COMMA}|{_POINT})",
}
TRUE_WORDS = ("ja", "j", "true", "1", "yes", "y", "waar")


def contactpoging(waarde: str) -> tuple[str, bool, str | None]:
    """An accepted contactpoging's `soort|bereikt|dagdeel` as its soort, whether the
    resident was reached, and the dagdeel (None when left empty)."""
    soort, bereikt, dagdeel = waarde.split("|")
    return soort, bereikt.strip().lower() in TRUE_WORDS, dagdeel or None


def contact_bereikt(waarde: pl.Expr) -> pl.Expr:
    """`contactpoging` for a whole column: whether its `soort|bereikt|dagdeel` reached
    the resident."""
    return boolean(waarde.str.split("|").list.get(1, null_on_oob=True))


FALSE_WORDS = ("nee", "n", "false", "0", "no", "onwaar")


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Trim a text value; an empty or all-space cell is a missing value."""
    trimmed = expr.str.strip_chars()
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed)


def is_blank(expr: pl.Expr) -> pl.Expr:
    """Missing, empty or all space: what `blank_to_null` makes null, found more cheaply."""
    return expr.is_null() | (expr.str.strip_chars() == "")


def amount_cents(expr: pl.Expr, style: DecimalStyle = "auto") -> pl.Expr:
    """Parse an amount into integer cents; signed, so that validation can say "not above 0"."""
    text = blank_to_null(expr).str.replace(r"^€\s*", "")
    sign = pl.when(text.str.starts_with("-")).then(-1).otherwise(1)
    body = text.str.strip_prefix("-").str.strip_chars()
    valid = body.str.contains(f"^{_AMOUNT_PATTERNS[style]}$")
    # The decimal separator is the last separator followed by one or two digits at the end.
    decimals = body.str.extract(r"[.,](\d{1,2})$", 1)
    whole = (
        pl.when(decimals.is_not_null())
        .then(body.str.replace(r"[.,]\d{1,2}$", ""))
        .otherwise(body)
        .str.replace_all(r"[.,]", "")
    )
    cents = whole.cast(pl.Int64, strict=False) * 100 + decimals.str.pad_end(2, "0").fill_null(
        "0"
    ).cast(pl.Int64)
    return pl.when(valid & (whole.str.len_chars() <= 12)).then(sign * cents)


def euros_to_cents(value: Any) -> Any:
    """Config amounts are written like input amounts (`500`, `500.00`, `500,00`)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    cents = pl.select(amount_cents(pl.lit(str(value)))).item()
    if cents is None:
        raise ValueError(f"expected an amount in euros such as 500.00, got {value!r}")
    return cents


def date(expr: pl.Expr, fmt: str) -> pl.Expr:
    """Parse a date in the given strftime format; impossible dates become null."""
    return blank_to_null(expr).str.to_date(fmt, strict=False)


def boolean(expr: pl.Expr, default: bool | None = None) -> pl.Expr:
    """ja/nee, J/N, true/false, 1/0 in any case; an empty cell takes the default."""
    word = blank_to_null(expr).str.to_lowercase()
    return (
        pl.when(word.is_in(TRUE_WORDS))
        .then(True)
        .when(word.is_in(FALSE_WORDS))
        .then(False)
        .when(word.is_null())
        .then(default)
    )


# The rules of python-stdnum's `nl.postcode` and `nl.bsn` as vectorised polars: stdnum calls
# Python once per value, which for a national BRP extract (18 million BSNs) takes minutes.
# tests/test_normalize.py holds both to stdnum on any input. The postcode letters SA, SD and
# SS are not issued.
POSTCODE = r"^([1-9][0-9]{3}(?:[A-RT-Z][A-Z]|S[BCE-RT-Z]))$"
"""A Dutch postcode as written canonically (`3311AB`), the one group being the whole."""
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def postcode(expr: pl.Expr) -> pl.Expr:
    """`1234 ab`, ` 1234AB ` → `1234AB`; anything that is no Dutch postcode becomes null."""
    compact = blank_to_null(expr).str.to_uppercase().str.replace_all(r"\s", "")
    return compact.str.extract(POSTCODE, 1)


def bsn(expr: pl.Expr) -> pl.Expr:
    """A BSN that passes the 11-check, as nine digits (a dropped leading zero restored)."""
    digits = blank_to_null(expr).str.replace_all(r"[\s.\-]", "")
    nine = digits.str.extract(r"^(\d{8,9})$", 1).str.pad_start(9, "0")
    return nine.map_batches(_passing_11_check, return_dtype=pl.String)


def _passing_11_check(nine: pl.Series) -> pl.Series:
    number = nine.cast(pl.Int64, strict=False)
    weighted = pl.sum_horizontal(
        weight * (number // 10 ** (8 - position) % 10)
        for position, weight in enumerate(_BSN_WEIGHTS)
    )
    return pl.select(pl.when((number > 0) & (weighted % 11 == 0)).then(nine)).to_series()


def huisnummer(expr: pl.Expr) -> pl.Expr:
    """A house number between 1 and 99999 as an integer."""
    text = blank_to_null(expr)
    number = text.cast(pl.Int32, strict=False)
    return pl.when(text.str.contains(r"^\d{1,5}$") & (number >= 1)).then(number)


def huisletter(expr: pl.Expr) -> pl.Expr:
    """One letter, uppercase."""
    letter = blank_to_null(expr).str.to_uppercase()
    return pl.when(letter.str.contains(r"^[A-Z]$")).then(letter)


def toevoeging(expr: pl.Expr) -> pl.Expr:
    """An addition uppercase without spaces and dashes, at most four characters."""
    compact = blank_to_null(expr).str.to_uppercase().str.replace_all(r"[\s\-]", "")
    return pl.when(compact.str.contains(r"^[A-Z0-9]{1,4}$")).then(compact)


# Number, then an optional single letter (attached or after a space), then an optional
# addition after a dash, slash or space: 12, 12A, 12 a, 12-2, 12A-2, 12 bis, 12a 3hg.
_COMBINED = r"^(\d+)\s*([A-Za-z](?:$|[\s\-/]))?\s*[\-/]?\s*([A-Za-z0-9][A-Za-z0-9\s\-]*)?$"


def split_huisnummer(combined: pl.Expr) -> pl.Expr:
    """Split a combined house number such as `12A-2` into its three raw parts.

    Returns a struct of text fields named like the canonical columns, to be normalised and
    validated as if the partner had delivered them apart. Text that is no house number at
    all stays whole in `huisnummer`, so that the reject quotes what the partner wrote.
    """
    value = blank_to_null(combined)
    matches = value.str.contains(_COMBINED)
    return pl.struct(
        huisnummer=pl.when(matches).then(value.str.extract(_COMBINED, 1)).otherwise(value),
        huisletter=value.str.extract(_COMBINED, 2).str.replace(r"[\s\-/]$", ""),
        huisnummertoevoeging=value.str.extract(_COMBINED, 3),
    )


def adres_sleutel() -> pl.Expr:
    """The address key `postcode|huisnummer|huisletter|toevoeging` of normalised columns."""
    return adres_sleutel_of(
        pl.col("postcode"),
        pl.col("huisnummer"),
        pl.col("huisletter"),
        pl.col("huisnummertoevoeging"),
    )


def adres_sleutel_uit_tekst(
    postcode_text: pl.Expr, nummer: pl.Expr, letter: pl.Expr, addition: pl.Expr
) -> pl.Expr:
    """The address key of the parts as written (`3311 ab`, `12`, `a`), normalised first."""
    return adres_sleutel_of(
        postcode(postcode_text), huisnummer(nummer), huisletter(letter), toevoeging(addition)
    )


def adres_sleutel_van(
    postcode_text: str, nummer: str, letter: str | None = None, addition: str | None = None
) -> str | None:
    """The `adres_sleutel` of one address as a person types it; None when it is none."""
    parts = pl.DataFrame(
        {"p": [postcode_text], "n": [nummer], "l": [letter or None], "t": [addition or None]},
        schema=dict.fromkeys("pnlt", pl.String),
    )
    key = parts.select(
        adres_sleutel_uit_tekst(pl.col("p"), pl.col("n"), pl.col("l"), pl.col("t"))
    ).item()
    return None if key is None else str(key)


def adres_sleutel_of(
    postcode_value: pl.Expr, nummer: pl.Expr, letter: pl.Expr, addition: pl.Expr
) -> pl.Expr:
    """The address key of normalised values; null when postcode or number is missing."""
    return pl.concat_str(
        [
            postcode_value,
            nummer.cast(pl.String),
            letter.fill_null(""),
            addition.fill_null(""),
        ],
        separator="|",
    )


def text(expr: pl.Expr) -> pl.Expr:
    """Free text: trimmed, inner runs of white space folded to one space."""
    return blank_to_null(expr).str.replace_all(r"\s+", " ")


def one_of(expr: pl.Expr, allowed: Iterable[str]) -> pl.Expr:
    """The trimmed value when it is one of the allowed values, else null."""
    value = blank_to_null(expr)
    return pl.when(value.is_in(list(allowed))).then(value)


def as_listed(expr: pl.Expr, allowed: Iterable[str]) -> pl.Expr:
    """The value as the list spells it, however its case was typed (`telefoon`,
    `TOEGELATEN`); any other value as it was written, for its check to refuse."""
    spelled = {value.lower(): value for value in allowed}
    value = blank_to_null(expr)
    return value.str.to_lowercase().replace_strict(spelled, default=value)


def vng_waarde(
    expr: pl.Expr, contact: Iterable[str], dagdelen: Iterable[str], single: Iterable[str]
) -> pl.Expr:
    """An event's value with each part as its VNG list spells it: a contactpoging's
    `soort|bereikt|dagdeel` (soort and dagdeel from their lists), or one value of `single`
    (a beschikking or resultaat)."""
    parts = blank_to_null(expr).str.split("|")
    three = pl.concat_str(
        [
            as_listed(parts.list.get(0, null_on_oob=True), contact).fill_null(""),
            parts.list.get(1, null_on_oob=True).str.strip_chars(),
            as_listed(parts.list.get(2, null_on_oob=True), dagdelen).fill_null(""),
        ],
        separator="|",
    )
    return pl.when(parts.list.len() == 3).then(three).otherwise(as_listed(expr, single))


# Letters Unicode does not split into a base letter and a mark, written plain by systems
# that cannot store them.
_UNDECOMPOSED = {"ß": "ss", "ı": "i", "ø": "o", "ł": "l", "đ": "d", "æ": "ae", "œ": "oe"}


def voorletters_sleutel(voorletters: pl.Expr) -> pl.Expr:
    """Initials folded for comparison, without case, diacritics or punctuation as in
    `naam_sleutel` (but an `IJ.` stays two letters): `A.B.`, `a b`, `AB` → `AB`, and
    `Ç.Ş.`, `İ.` or `c.s.` as the letters they are written on (`CS`, `I`), never dropped;
    null when none are given."""
    folded = (
        voorletters.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_many(_UNDECOMPOSED)
        .str.to_uppercase()
        .str.replace_all(r"[^A-Z]", "")
    )
    return pl.when(folded.str.len_chars() > 0).then(folded)


def naam_sleutel(voorvoegsel: pl.Expr, achternaam: pl.Expr) -> pl.Expr:
    """A surname folded for comparison: `van Dijk`, `Dijk, van`, `VAN DIJK` → `vandyk`.

    Case, diacritics, spacing and punctuation do not count, nor ß/ss and ij/y, so that the
    spellings of partner systems without full Unicode meet the BRP's.
    """
    name = achternaam.str.strip_chars()
    before, after = (name.str.extract(r"^(.*?),(.*)$", group) for group in (1, 2))
    turned = pl.when(name.str.contains(",")).then(pl.concat_str([after, before], separator=" "))
    full = pl.concat_str([voorvoegsel.fill_null(""), turned.otherwise(name)], separator=" ")
    return (
        full.str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_many(_UNDECOMPOSED)
        .str.replace_all("ij", "y")
        .str.replace_all(r"[^a-z]", "")
    )


def mobiel(numbers: pl.Series) -> list[str]:
    """Of these phone numbers as partners wrote them, those of a mobile phone (one that
    takes an SMS; a Dutch number without country code is read as Dutch). A number that
    may be a landline (`FIXED_LINE_OR_MOBILE`, where a country's numbers do not tell) is
    none: a message to it would be lost."""
    return list(mobile_numbers(numbers))


def mobile_numbers(numbers: pl.Series) -> dict[str, str]:
    """`mobiel`'s numbers, each as written → in the international form a service sends
    to (E.164), each distinct value parsed once."""
    found = {}
    for number in numbers.drop_nulls().unique().sort():
        try:
            parsed = phonenumbers.parse(number, "NL")
        except phonenumbers.NumberParseException:
            continue
        mobile = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE
        if mobile and phonenumbers.is_valid_number(parsed):
            found[number] = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return found


def bezorgbaar(addresses: pl.Series) -> list[str]:
    """Of these e-mail addresses as partners wrote them, those a mail server would take:
    valid in form, with a domain that could exist (email-validator; no lookup, so a night
    asks nothing of the network)."""
    return list(mail_addresses(addresses))


def mail_addresses(addresses: pl.Series) -> dict[str, str]:
    """`bezorgbaar`'s addresses, each as written → as a mail server takes it (its domain
    in lower case, its spaces trimmed), each distinct value checked once."""
    found = {}
    for address in addresses.drop_nulls().unique().sort():
        try:
            valid = validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            continue
        found[address] = valid.normalized
    return found
