"""How a value reads, in one place: money, dates, yes/no and address lines, for letters,
documents and exports alike.

Letters and documents are read by residents (`€ 1.234,56`, `5 november 2026`); exports by
spreadsheets in a Dutch locale (`1234,50`) or by machines (`1234.50`, ISO dates).
"""

from datetime import date
from typing import Final

import phonenumbers
import polars as pl

MAANDEN: Final = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


LIST_SEPARATOR: Final = " / "
"""Between the items of a list in one cell: residents, phone numbers, debts."""


def datum(day: date) -> str:
    """`5 november 2026`, as a letter dates itself; with no-break spaces, so that a date
    stays on one line ("vóór 16 / november 2026" misleads)."""
    return f"{day.day}\u00a0{MAANDEN[day.month - 1]}\u00a0{day.year}"


DATUM_KORT: Final = "%d-%m-%Y"
"""`26-11-2026`: a date as Dutch readers write it in a list or a table."""


def datum_kort(day: pl.Expr) -> pl.Expr:
    """`26-11-2026`: a date inside a list, as Dutch readers write it."""
    return day.dt.to_string(DATUM_KORT)


def bedrag(cents: int) -> str:
    """`€ 1.234,56`, as Dutch readers write money."""
    euros, rest = divmod(cents, 100)
    return f"€ {euros:,}".replace(",", ".") + f",{rest:02d}"


def hele_euros(cents: int) -> int:
    """Whole euros, half a euro rounded up: the VNG model counts arrears in euros."""
    return (cents + 50) // 100


def euros(cents: pl.Expr) -> pl.Expr:
    """Integer cents as euros with two decimals and a decimal point, e.g. `1234.50`."""
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


def euros_komma(cents: pl.Expr) -> pl.Expr:
    """Integer cents as a Dutch reader and Dutch Excel read an amount: `1234,50`."""
    return euros(cents).str.replace(".", ",", literal=True)


def ja_nee(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("ja")).otherwise(pl.lit("nee"))


def _huisnummer() -> pl.Expr:
    """`12A-2`: number, letter, and the addition after a hyphen."""
    toevoeging = pl.concat_str([pl.lit("-"), pl.col("huisnummertoevoeging")])
    return pl.concat_str(
        [
            pl.col("huisnummer").cast(pl.String),
            pl.col("huisletter").fill_null(""),
            toevoeging.fill_null(""),
        ]
    )


def postcode() -> pl.Expr:
    """`3311 AB`."""
    return pl.concat_str(
        [pl.col("postcode").str.slice(0, 4), pl.col("postcode").str.slice(4)], separator=" "
    )


def adres_uit_sleutel(adres_sleutel: str) -> str:
    """`huisnummer 130A-2, 3318 NT` from the address key `3318NT|130|A|2`: where a case is,
    in words (the state keeps the key, not the street)."""
    postcode, number, letter, addition = adres_sleutel.split("|")
    suffix = f"-{addition}" if addition else ""
    return f"huisnummer {number}{letter}{suffix}, {postcode[:4]} {postcode[4:]}"


def adresregel() -> pl.Expr:
    """`Voorstraat 12A-2, 3311 AB Dordrecht`: an address on one line, for a list."""
    return pl.format("{}, {} {}", straat(), postcode(), pl.col("woonplaats"))


def straat() -> pl.Expr:
    """`Voorstraat 12A-2`."""
    return pl.format("{} {}", pl.col("straatnaam"), _huisnummer())


def adres_zoals_gemeld() -> pl.Expr:
    """`Voorstraat 12A-2, 3311AB, Dordrecht`: a signal's address as its creditor wrote it,
    leaving out the parts it left out."""
    straat = pl.concat_str([pl.col("straatnaam"), _huisnummer()], separator=" ", ignore_nulls=True)
    parts = [straat, pl.col("postcode"), pl.col("plaatsnaam")]
    return pl.concat_str(parts, separator=", ", ignore_nulls=True)


def adresregels() -> pl.Expr:
    """`["Voorstraat 12A-2", "3311 AB  DORDRECHT"]`: an envelope's address lines, as
    PostNL wants them (two spaces before the town, in capitals)."""
    straat = pl.concat_str([pl.col("straatnaam").fill_null(""), _huisnummer()], separator=" ")
    plaats = pl.concat_str([postcode(), pl.col("woonplaats").str.to_uppercase()], separator="  ")
    return pl.concat_list([straat.str.strip_chars(), plaats])


def telefoon(number: pl.Expr) -> pl.Expr:
    """`06 12345678`, `078 123 4567`, `0049 30 1234567`: a phone number as people dial it
    from the Netherlands, grouped by spaces, so a spreadsheet reading the CSV keeps it as
    text (leading zero and all) and a `+` never reads as the start of a formula. A number
    that is no valid phone number stays as its partner wrote it, but digits alone are split
    after the second (`06 75016726`), for the same spreadsheet. For a whole column (not per
    group): each distinct number is parsed once, as a household's number recurs on every
    signal of its creditors."""
    return number.map_batches(_dialled_all, return_dtype=pl.String)


def _dialled_all(numbers: pl.Series) -> pl.Series:
    distinct = numbers.drop_nulls().unique()
    dialled = pl.Series([_dialled(n) for n in distinct], dtype=pl.String)
    return numbers.replace_strict(distinct, dialled, default=None, return_dtype=pl.String)


def _dialled(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, "NL")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        return f"{number[:2]} {number[2:]}" if number.isdigit() else number
    if phonenumbers.region_code_for_number(parsed) == "NL":
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return "00" + international.removeprefix("+")
