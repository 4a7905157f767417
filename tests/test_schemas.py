"""The input contracts as pandera schemas: each problem found once, with its reason."""

from datetime import date

import pandera.errors
import polars as pl
import pytest

from vsig import schemas
from vsig.config import Layout

DAY = date(2026, 11, 26)


def problems(raw: pl.DataFrame, fields: dict[str, schemas.Field]) -> list[tuple[int, str, str]]:
    """(row, column, reason) of every failure, sorted."""
    try:
        schemas.schema(fields).validate(schemas.prepare(raw, fields), lazy=True)
    except pandera.errors.SchemaErrors as errors:
        found = errors.failure_cases.select("index", "column", "check").rows()
        return sorted((int(i), str(c), str(r)) for i, c, r in found)
    return []


def outcomes(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    names = ("zaak_id", "datum", "gebeurtenis", "waarde")
    frame = pl.DataFrame([dict(zip(names, r, strict=True)) for r in rows])
    return frame.with_columns(organisatie=pl.lit(None, pl.String))  # a hand-written file


def test_an_outcome_is_checked_against_the_vng_value_lists() -> None:
    raw = outcomes(
        ("Z1", "2026-11-20", "contactpoging", "Telefoon|ja|Middag"),
        ("Z2", "2026-11-20", "contactpoging", "Telefoon|misschien|Middag"),
        ("Z3", "2026-11-20", "resultaat", "Klaar"),
    )
    fields = schemas.uitkomst_fields(DAY)
    fits = "does not fit the gebeurtenis"
    assert [(i, c) for i, c, _ in problems(raw, fields)] == [(1, "waarde"), (2, "waarde")]
    assert all(r.startswith(fits) for _, _, r in problems(raw, fields))


def test_a_missing_value_is_reported_as_missing_and_not_again_as_unfitting() -> None:
    raw = outcomes(("", "2026-11-27", "aanmelding", ""))
    assert problems(raw, schemas.uitkomst_fields(DAY)) == [
        (0, "datum", "is after the processing date"),
        (0, "zaak_id", schemas.REQUIRED),
    ]


@pytest.mark.parametrize("gebeurtenis", ["contactpoging", "beschikking", "resultaat"])
def test_an_event_that_needs_its_value_is_refused_without_one(gebeurtenis: str) -> None:
    """A result without one closed the case and told the creditors an empty result."""
    raw = outcomes(("Z-1", "2026-11-20", gebeurtenis, ""))
    assert problems(raw, schemas.uitkomst_fields(DAY)) == [(0, "waarde", schemas.WAARDE_FITS)]


@pytest.mark.parametrize(
    ("text", "cents"), [("1.234,56", 123456), ("12,5", 1250), ("1234.56", 123456)]
)
def test_an_accepted_amount_becomes_integer_cents_never_a_float(text: str, cents: int) -> None:
    fields = {"bedrag": schemas.signal_fields(Layout(), DAY)["bedrag"]}
    converted = schemas.convert(pl.DataFrame({"bedrag": [text]}), fields)["bedrag"]
    assert converted.dtype.is_integer()
    assert converted.item() == cents


def test_a_date_after_the_signal_date_cannot_be_when_the_debt_arose() -> None:
    fields = schemas.signal_fields(Layout(), DAY)
    raw = pl.DataFrame(
        {"ontstaansdatum": ["2026-11-20", "2026-11-02"], "signaaldatum": "2026-11-10"}
    )
    picked = {c: fields[c] for c in raw.columns}
    assert problems(raw, picked) == [(0, "ontstaansdatum", "is after the signaaldatum")]


def test_an_outcome_is_read_however_its_case_was_typed_and_kept_as_the_lists_spell_it() -> None:
    """`telefoon` was refused; case workers type as they type. The value kept (and sent
    to CBS) is the VNG list's own spelling."""
    raw = outcomes(
        ("Z1", "2026-11-20", "Contactpoging", "telefoon|JA|middag"),
        ("Z2", "2026-11-20", "AANMELDING", ""),
        ("Z3", "2026-11-20", "beschikking", "Toegelaten"),
        ("Z4", "2026-11-20", "resultaat", "vervolghulp en/of verwijzing financieel"),
        ("Z5", "2026-11-20", "contactpoging", "telefoon|nee|"),
    )
    fields = schemas.uitkomst_fields(DAY)
    assert problems(raw, fields) == []
    kept = schemas.convert(raw, fields).select("gebeurtenis", "waarde").rows()
    assert kept == [
        ("contactpoging", "Telefoon|JA|Middag"),
        ("aanmelding", None),
        ("beschikking", "toegelaten"),
        ("resultaat", "Vervolghulp en/of verwijzing financieel"),
        ("contactpoging", "Telefoon|nee|"),
    ]


def test_an_event_is_read_as_its_code_however_it_was_written() -> None:
    """The sheet's Dutch label, the CSV form's code, in any case, with spaces around."""
    written = ["Eerste gesprek", " eerste_gesprek", "aanmelding ", "EERSTE  GESPREK", "gesprek"]
    read = pl.DataFrame({"g": written}).select(schemas.gebeurtenis(pl.col("g")))["g"]
    assert read.to_list() == [
        "eerste_gesprek", "eerste_gesprek", "aanmelding", "eerste_gesprek", "gesprek"
    ]  # fmt: skip
