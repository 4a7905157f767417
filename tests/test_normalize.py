"""Normalisation: every way of writing a value gives the one canonical value."""

import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode

from vsig.models import DecimalStyle
from vsig.rules import normalize as n


def apply(fn, value: str | None, **kwargs: object) -> object:
    frame = pl.DataFrame({"x": [value]}, schema={"x": pl.String})
    return frame.select(fn(pl.col("x"), **kwargs)).item()


# --- amounts -----------------------------------------------------------------------------


def grouped(euros: int, separator: str) -> str:
    return f"{euros:,}".replace(",", separator)


@st.composite
def rendered_amount(draw: st.DrawFn) -> tuple[int, str, DecimalStyle]:
    cents = draw(st.integers(min_value=0, max_value=10**11))
    euros, rest = divmod(cents, 100)
    style: DecimalStyle = draw(st.sampled_from(["point", "comma"]))
    decimal, group = (".", ",") if style == "point" else (",", ".")
    whole = draw(st.sampled_from([str(euros), grouped(euros, group)]))
    if rest % 10 == 0 and draw(st.booleans()):
        text = whole + (
            f"{decimal}{rest // 10}"
            if rest
            else draw(st.sampled_from(["", f"{decimal}0", f"{decimal}00"]))
        )
    else:
        text = f"{whole}{decimal}{rest:02d}"
    prefix = draw(st.sampled_from(["", "€", "€ ", " "]))
    return cents, prefix + text + draw(st.sampled_from(["", " "])), style


@given(rendered_amount())
def test_any_rendering_of_cents_parses_back(case: tuple[int, str, DecimalStyle]) -> None:
    cents, text, style = case
    assert apply(n.amount_cents, text, style=style) == cents


@given(st.integers(min_value=0, max_value=10**11), st.sampled_from([".", ","]), st.booleans())
def test_two_decimals_are_read_in_either_style_without_being_told(
    cents: int, decimal: str, group: bool
) -> None:
    euros, rest = divmod(cents, 100)
    whole = grouped(euros, "," if decimal == "." else ".") if group else str(euros)
    assert apply(n.amount_cents, f"{whole}{decimal}{rest:02d}", style="auto") == cents


@pytest.mark.parametrize(
    ("text", "style", "cents"),
    [
        ("1234.56", "auto", 123456),
        ("1234,56", "auto", 123456),
        ("1.234,56", "auto", 123456),
        ("1.234", "comma", 123400),
        ("12,5", "comma", 1250),
        ("-3,00", "auto", -300),
        ("500", "point", 50000),
    ],
)
def test_amount_examples(text: str, style: DecimalStyle, cents: int) -> None:
    assert apply(n.amount_cents, text, style=style) == cents


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("1234,56", "point"),
        ("1234.56", "comma"),
        ("1.23.4", "auto"),
        ("1234.567", "auto"),
        ("twintig", "auto"),
        ("", "auto"),
        ("12 34", "auto"),
        ("1" * 13, "auto"),
    ],
)
def test_not_an_amount(text: str, style: DecimalStyle) -> None:
    assert apply(n.amount_cents, text, style=style) is None


# --- addresses ---------------------------------------------------------------------------

postcodes = st.builds(
    lambda digits, letters: f"{digits}{letters}",
    st.integers(1000, 9999),
    st.text("ABCDEFGHJKLMNPRTUVWXYZ", min_size=2, max_size=2),
)
letters = st.sampled_from(["", *"ABCDEFGHXYZ"])
additions = st.sampled_from(["", "1", "2", "3", "BIS", "3HG", "A2", "1012"])


def spaced(data: st.DataObject, text: str) -> str:
    draw = data.draw
    cased = "".join(c.lower() if draw(st.booleans()) else c for c in text)
    return draw(st.sampled_from(["", " "])) + cased + draw(st.sampled_from(["", " ", "  "]))


@given(st.data(), postcodes, st.integers(1, 99999), letters, additions)
def test_any_formatting_of_an_address_gives_the_same_key(
    data: st.DataObject, postcode: str, number: int, letter: str, addition: str
) -> None:
    draw = data.draw
    pc = spaced(data, postcode[:4] + draw(st.sampled_from(["", " "])) + postcode[4:])
    written = {
        "postcode": pc,
        "huisnummer": spaced(data, str(number)),
        "huisletter": spaced(data, letter),
        "huisnummertoevoeging": spaced(
            data,
            draw(st.sampled_from(["", "-", " "])).join([addition[:1], addition[1:]])
            if addition
            else "",
        ),
    }
    frame = pl.DataFrame([written]).select(
        postcode=n.postcode(pl.col("postcode")),
        huisnummer=n.huisnummer(pl.col("huisnummer")),
        huisletter=n.huisletter(pl.col("huisletter")),
        huisnummertoevoeging=n.toevoeging(pl.col("huisnummertoevoeging")),
    )
    assert frame.select(n.adres_sleutel()).item() == f"{postcode}|{number}|{letter}|{addition}"


@given(st.data(), st.integers(1, 99999), letters, additions)
def test_any_combined_house_number_splits_into_its_parts(
    data: st.DataObject, number: int, letter: str, addition: str
) -> None:
    draw = data.draw
    letter_part = (
        draw(st.sampled_from(["", " "])) + (letter.lower() if draw(st.booleans()) else letter)
        if letter
        else ""
    )
    # Digits glued to digits, or to a letter, cannot be told apart; every system separates them.
    glue = ["-", " ", "/"] if letter or addition[:1].isdigit() else ["-", " ", "/", ""]
    addition_part = draw(st.sampled_from(glue)) + addition if addition else ""
    combined = f"{number}{letter_part}{addition_part}"
    assert split(combined) == (number, letter or None, addition or None), combined


def split(combined: str) -> tuple[object, ...]:
    frame = pl.DataFrame({"x": [combined]}).select(n.split_huisnummer(pl.col("x")).alias("s"))
    parts = frame.unnest("s").select(
        n.huisnummer(pl.col("huisnummer")),
        n.huisletter(pl.col("huisletter")),
        n.toevoeging(pl.col("huisnummertoevoeging")),
    )
    return parts.row(0)


# The ways DESIGN.md says legacy systems write a house number.
HOUSE_NUMBER_EXAMPLES = [
    ("12", (12, None, None)),
    ("12A", (12, "A", None)),
    ("12 a", (12, "A", None)),
    ("12-2", (12, None, "2")),
    ("12A-2", (12, "A", "2")),
    ("12 bis", (12, None, "BIS")),
]


@pytest.mark.parametrize(
    ("combined", "parts"),
    [
        *HOUSE_NUMBER_EXAMPLES,
        ("12a 3hg", (12, "A", "3HG")),
        ("123456", (None, None, None)),
        ("x12", (None, None, None)),
    ],
)
def test_combined_house_number_examples(combined: str, parts: tuple[object, ...]) -> None:
    assert split(combined) == parts


@pytest.mark.parametrize("text", ["3311SA", "3311SS", "0123AB", "33111AB", "3311A", "ABCD12"])
def test_not_a_postcode(text: str) -> None:
    assert apply(n.postcode, text) is None


# --- BSN ---------------------------------------------------------------------------------


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    digits = draw(st.lists(st.integers(0, 9), min_size=8, max_size=8))
    check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
    if check == 10 or (digits[0] == 0 and digits[1] == 0):
        digits, check = [1, 1, 1, 2, 2, 2, 3, 3], 3
    return "".join(map(str, digits)) + str(check)


@given(valid_bsns(), st.sampled_from(["{}", " {} ", "{0:.3}.{1}"]))
def test_valid_bsn_is_kept_as_nine_digits(bsn: str, pattern: str) -> None:
    written = pattern.format(bsn, bsn[3:]) if "{1}" in pattern else pattern.format(bsn)
    assert apply(n.bsn, written) == bsn


@given(valid_bsns(), st.integers(0, 8), st.integers(1, 9))
def test_one_wrong_digit_fails_the_11_check(bsn: str, position: int, delta: int) -> None:
    digits = list(bsn)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert apply(n.bsn, "".join(digits)) is None


@given(
    st.one_of(
        valid_bsns(),
        valid_bsns().map(lambda bsn: bsn[:-1] + str((int(bsn[-1]) + 1) % 10)),
        st.text(st.sampled_from("0123456789 .-x"), max_size=12),
    )
)
def test_the_11_check_is_python_stdnums(text: str) -> None:
    digits = re.sub(r"[ .\-]", "", text.strip())
    nine = digits.zfill(9) if re.fullmatch(r"[0-9]{8,9}", digits) else None
    assert apply(n.bsn, text) == (nine if nine and stdnum_bsn.is_valid(nine) else None)


@given(
    st.one_of(
        st.from_regex(r"[0-9]{4} ?[ADSZads]{2}", fullmatch=True),
        st.text(st.sampled_from("0123456789ABDSZaz "), max_size=8),
    )
)
def test_the_postcode_rule_is_python_stdnums(text: str) -> None:
    compact = text.strip().upper().replace(" ", "")
    exact = compact.isalnum() and stdnum_postcode.compact(compact) == compact
    expected = compact if exact and stdnum_postcode.is_valid(compact) else None
    assert apply(n.postcode, text) == expected


def test_bsn_with_dropped_leading_zero_is_restored() -> None:
    assert apply(n.bsn, "11222333".lstrip("0")) is None  # no zero was dropped here
    assert apply(n.bsn, "12345672") == "012345672"


# --- booleans, dates, text ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("ja", True),
        ("J", True),
        ("TRUE", True),
        ("1", True),
        ("nee", False),
        ("n", False),
        ("False", False),
        ("0", False),
        ("", None),
        ("misschien", None),
    ],
)
def test_boolean_words(text: str, value: bool | None) -> None:
    assert apply(n.boolean, text) == value


def test_empty_boolean_takes_the_default() -> None:
    assert apply(n.boolean, "  ", default=False) is False


def test_impossible_date_is_null() -> None:
    assert apply(n.date, "2026-02-30", fmt="%Y-%m-%d") is None
    assert str(apply(n.date, "29-02-2024", fmt="%d-%m-%Y")) == "2024-02-29"


def test_text_is_trimmed_and_folded() -> None:
    assert apply(n.text, "  van   der\tBerg ") == "van der Berg"
    assert apply(n.text, "   ") is None


def naam(voorvoegsel: str | None, achternaam: str) -> object:
    frame = pl.DataFrame(
        {"v": [voorvoegsel], "a": [achternaam]}, schema={"v": pl.String, "a": pl.String}
    )
    return frame.select(n.naam_sleutel(pl.col("v"), pl.col("a"))).item()


@pytest.mark.parametrize(
    ("voorvoegsel", "achternaam"),
    [
        ("van", "Dijk"),
        (None, "van Dijk"),
        (None, "Dijk, van"),
        (None, "VAN DIJK"),
        ("Van", "Dyk"),
        (None, "van  Dijk "),
    ],
)
def test_every_spelling_of_van_dijk_meets(voorvoegsel: str | None, achternaam: str) -> None:
    assert naam(voorvoegsel, achternaam) == "vandyk"


@pytest.mark.parametrize(
    ("written", "register"),
    [
        ("Ozturk", "Öztürk"),
        ("GROSS", "Groß"),
        ("Ruyter", "Ruijter"),
        ("Nguyen", "Nguyễn"),
        ("ISIK", "Işık"),
        ("Sorensen", "Sørensen"),
    ],
)
def test_diacritics_ss_and_ij_do_not_count(written: str, register: str) -> None:
    assert naam(None, written) == naam(None, register)


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("A.B.", "AB"),
        ("a b", "AB"),
        ("Ç.", "C"),
        ("ç", "C"),
        ("Ş.Ö.", "SO"),
        ("İ.", "I"),
        ("ı.", "I"),
        ("Ğ.Ü.", "GU"),
        ("Ø.", "O"),
        (" . ", None),
    ],
)
def test_initials_fold_to_the_letters_they_are_written_on(written: str, folded: str | None) -> None:
    """Turkish initials are common in the Drechtsteden: `Ç.` is a C, never no initial."""
    frame = pl.DataFrame({"v": [written]})
    assert frame.select(n.voorletters_sleutel(pl.col("v"))).item() == folded


# Names in Latin script, with the accents and letters of the BRP's own character set.
SURNAME = st.text(
    st.characters(categories=["Lu", "Ll"], max_codepoint=0x17F), min_size=1, max_size=12
)


@given(st.lists(SURNAME, min_size=1, max_size=3), SURNAME)
def test_separated_attached_or_turned_voorvoegsel_gives_one_key(words, surname) -> None:
    voorvoegsel = " ".join(words)
    attached = naam(None, f"{voorvoegsel} {surname}")
    assert naam(voorvoegsel, surname) == attached
    assert naam(None, f"{surname}, {voorvoegsel}") == attached
    assert naam(voorvoegsel.upper(), surname.lower()) == naam(voorvoegsel.lower(), surname.upper())


def test_different_names_stay_apart() -> None:
    assert naam(None, "Jansen") != naam(None, "Janssen")
    assert naam("de", "Vries") != naam(None, "Vries")
