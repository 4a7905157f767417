"""Reasons go back to Dutch partners in Dutch: every reason ingest gives has its translation."""

from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsig import messages, schemas
from vsig.config import Layout
from vsig.rules import keuzes
from vsig.schemas import Field

DAY = date(2026, 11, 26)


def reasons(fields: dict[str, Field]) -> set[str]:
    found = {schemas.REQUIRED}
    for field in fields.values():
        found.add(field.invalid)
        found.update(c.reason for c in field.checks)
    return found


EVERY_ROW_REASON = reasons(schemas.signal_fields(Layout(), DAY))
ROW_AND_FILE_REASONS = [
    "was already received in run 20261102-01",
    "has 3 fields where the header has 17",
    "the file is empty",
    "the file is UTF-16; deliver it as UTF-8",
    "the file holds NUL bytes: it is binary, or UTF-16 without a BOM",
    "line 7 is not valid cp1252 (byte 120); is the file saved in another encoding?",
    "wrong layout: column(s) ['bedrag'] missing; the header must hold signaal_id;bedrag",
    "the header names column(s) ['bsn'] more than once",
    "the file ends in the middle of line 9 (2 of 17 fields): the delivery looks truncated; "
    "ask the partner to send it again",
    "line 4 cannot be read as CSV: unexpected end of data",
    "the same file (SHA-256) was already processed in run 20261102-01",
]
CHOICE_REASONS = [
    keuzes.REJECT_NOT_WAITING,
    keuzes.REJECT_CHOSEN_TWICE,
    keuzes.REJECT_NO_CANDIDATES,
    keuzes.REJECT_UNNAMED,
    keuzes.REJECT_NOT_SDD,
    keuzes.REJECT_NOT_LISTED,
    "is not a candidate of this signal, which has 3",
]
"""Why a choice on the SDD's sheet "Twijfel" is refused."""


@pytest.mark.parametrize("reason", sorted(EVERY_ROW_REASON) + ROW_AND_FILE_REASONS + CHOICE_REASONS)
def test_every_reason_a_partner_can_get_back_is_said_in_dutch(reason: str) -> None:
    dutch = messages.in_dutch(reason)
    assert dutch != reason
    english = {"is not", "must", "was already", "the file", "line ", "appears", "after the"}
    assert not [w for w in english if w in dutch], dutch


def test_the_numbers_in_a_reason_come_along() -> None:
    assert messages.in_dutch("is longer than 200 characters") == "is langer dan 200 tekens"
    assert messages.in_dutch(
        "line 7 is not valid cp1252 (byte 120); is the file saved in another encoding?"
    ).startswith("regel 7 is geen geldige cp1252")
    assert messages.in_dutch("was already received in run 20261102-01") == (
        "is al ontvangen (verwerking 20261102)"
    )


def test_a_reason_without_a_translation_stays_as_it_is() -> None:
    assert messages.in_dutch("something new") == "something new"


@given(st.lists(st.sampled_from([*ROW_AND_FILE_REASONS, "something new", None]), max_size=40))
def test_a_column_of_reasons_reads_as_each_reason_alone(reasons: list[str | None]) -> None:
    """Each distinct reason is translated once, as it would be on its own."""
    column = messages.in_dutch_all(pl.Series(reasons, dtype=pl.String))
    assert column.to_list() == [None if r is None else messages.in_dutch(r) for r in reasons]
