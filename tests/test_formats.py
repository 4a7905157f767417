"""How values read: one formatter each, for letters and exports alike."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from vsig.rules import formats

ADDRESS = {
    "straatnaam": ["Voorstraat", "Voorstraat"],
    "huisnummer": [12, 7],
    "huisletter": ["A", None],
    "huisnummertoevoeging": ["2", None],
    "postcode": ["3311AB", "3312CD"],
    "woonplaats": ["Dordrecht", "Zwijndrecht"],
}


@given(st.integers(min_value=0, max_value=1_000_000_00))
def test_every_form_of_an_amount_says_the_same_cents(cents: int) -> None:
    letter = formats.bedrag(cents)
    spreadsheet = pl.select(formats.euros_komma(pl.lit(cents))).item()
    machine = pl.select(formats.euros(pl.lit(cents))).item()
    assert letter.startswith("€ ")
    assert letter[2:].replace(".", "") == spreadsheet
    assert round(float(machine) * 100) == cents
    half_up = (Decimal(cents) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    assert formats.hele_euros(cents) == int(half_up)


def test_a_letter_writes_money_and_dates_as_dutch_readers_do() -> None:
    assert formats.bedrag(123456) == "€ 1.234,56"
    assert formats.bedrag(5) == "€ 0,05"
    assert formats.datum(date(2027, 3, 1)) == "1\u00a0maart\u00a02027"  # never split


def test_amounts_for_people_have_a_decimal_comma() -> None:
    cents = pl.Series([0, 5, 123456, 50000])
    assert pl.select(formats.euros_komma(pl.lit(cents))).to_series().to_list() == [
        "0,00",
        "0,05",
        "1234,56",
        "500,00",
    ]
    assert pl.select(formats.euros(pl.lit(cents))).to_series().to_list() == [
        "0.00",
        "0.05",
        "1234.56",
        "500.00",
    ]


def test_yes_and_no_are_dutch() -> None:
    flags = pl.DataFrame({"f": [True, False]})
    assert flags.select(f=formats.ja_nee(pl.col("f")))["f"].to_list() == ["ja", "nee"]


def test_an_address_reads_on_one_line_for_a_list_and_on_two_for_an_envelope() -> None:
    rows = pl.DataFrame(ADDRESS).select(een=formats.adresregel(), twee=formats.adresregels())
    assert rows["een"].to_list() == [
        "Voorstraat 12A-2, 3311 AB Dordrecht",
        "Voorstraat 7, 3312 CD Zwijndrecht",
    ]
    written = pl.DataFrame(ADDRESS).rename({"woonplaats": "plaatsnaam"})
    assert written.select(formats.adres_zoals_gemeld()).to_series().to_list() == [
        "Voorstraat 12A-2, 3311AB, Dordrecht",
        "Voorstraat 7, 3312CD, Zwijndrecht",
    ]
    assert rows["twee"].to_list() == [
        ["Voorstraat 12A-2", "3311 AB  DORDRECHT"],
        ["Voorstraat 7", "3312 CD  ZWIJNDRECHT"],
    ]


def test_a_phone_number_reads_as_people_dial_it() -> None:
    numbers = ["0612345678", "+31612345678", "+49301234567", "0781234567", "12345", None]
    frame = pl.DataFrame({"t": numbers}, schema={"t": pl.String})
    dialled = frame.select(formats.telefoon(pl.col("t"))).to_series().to_list()
    assert dialled == [
        "06 12345678",
        "06 12345678",
        "0049 30 1234567",
        "078 123 4567",
        "12 345",
        None,
    ]


NUMBERS = st.sampled_from(["0612345678", "+31 6 1234 5678", "0049301234567", "07812", "x-1", ""])


@given(st.lists(st.one_of(st.none(), NUMBERS), max_size=30))
def test_a_column_of_numbers_reads_as_each_number_alone(numbers: list[str | None]) -> None:
    """Formatted once per distinct number, as each would be on its own; nulls stay null."""
    frame = pl.DataFrame({"t": numbers}, schema={"t": pl.String})
    column = frame.select(formats.telefoon(pl.col("t"))).to_series()
    alone = [pl.select(formats.telefoon(pl.lit(n, pl.String))).item() for n in numbers]
    assert column.to_list() == alone
