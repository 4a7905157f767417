"""Terms by the Algemene termijnenwet: working days counted after receipt, and terms in
weeks that end on a weekend or an Atw holiday running to the next working day."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsig.config import Termijnen
from vsig.routing import BelActie
from vsig.rules import termijnen, werkdagen

CRISIS_CALL = BelActie(type="bellen", wie="sdd", binnen_werkdagen=3)
TERMS = Termijnen()


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 11, 28), date(2026, 12, 2)),  # Saturday: Mon, Tue, Wed
        (date(2026, 12, 25), date(2026, 12, 30)),  # Christmas Day: Mon 28, Tue 29, Wed 30
        (date(2027, 4, 27), date(2027, 4, 30)),  # King's Day on a Tuesday
        (date(2026, 11, 26), date(2026, 12, 1)),  # an ordinary Thursday
    ],
)
def test_a_crisis_call_is_due_three_working_days_after_receipt(received: date, due: date) -> None:
    assert CRISIS_CALL.uiterlijk(received) == due
    assert termijnen.gesprek_uiterlijk(TERMS, crisis=True, aanmelding=received) == due


def test_four_weeks_ending_on_christmas_run_to_the_next_working_day() -> None:
    aanmelding = date(2026, 11, 27)
    assert termijnen.gesprek_uiterlijk(TERMS, crisis=False, aanmelding=aanmelding) == date(
        2026, 12, 28
    )


def test_a_term_ending_on_5_may_runs_on_in_a_year_holidays_does_not_list_it() -> None:
    talk = date(2028, 4, 7)
    assert talk + timedelta(weeks=4) == date(2028, 5, 5)  # a Friday
    assert termijnen.beschikking_uiterlijk(TERMS, talk) == date(2028, 5, 8)


def test_good_friday_is_a_working_day_for_the_atw() -> None:
    assert werkdagen.is_werkdag(date(2027, 3, 26))
    assert not werkdagen.is_werkdag(date(2027, 3, 29))  # Easter Monday


def test_a_call_without_a_term_on_a_sunday_is_due_on_monday() -> None:
    later = BelActie(type="bellen", na_dagen=14)
    assert later.uiterlijk(date(2026, 11, 15)) == date(2026, 11, 30)


@given(st.dates(date(2024, 1, 1), date(2032, 12, 31)), st.integers(0, 10))
def test_every_term_ends_on_a_working_day_after_its_start(start: date, count: int) -> None:
    due = werkdagen.plus_werkdagen(start, count)
    assert werkdagen.is_werkdag(due) or count == 0
    working = [
        start + timedelta(days=n)
        for n in range(1, (due - start).days + 1)
        if werkdagen.is_werkdag(start + timedelta(days=n))
    ]
    assert len(working) == count
    assert werkdagen.is_werkdag(werkdagen.termijn_einde(start))
    assert 0 <= (werkdagen.termijn_einde(start) - start).days <= 4
