"""Working days and the end of legal terms by the Algemene termijnenwet (Atw).

A working day is Monday to Friday, not a holiday the Atw recognises (art. 3). The `holidays`
package's Dutch public holidays are almost that list; the Atw differs in two days, filled in
here and only here:
- 5 May (Bevrijdingsdag) counts every year; `holidays` has it only once in five years;
- Good Friday is not in the Atw; `holidays` lists it.
"""

from datetime import date, timedelta
from functools import cache

import holidays

SATURDAY = 5
_NOT_IN_ATW = "Good Friday"


@cache
def atw_feestdagen(year: int) -> frozenset[date]:
    """The holidays of Atw art. 3 in a year."""
    public = holidays.country_holidays("NL", years=year, language="en_US")
    kept = {day for day, name in public.items() if name != _NOT_IN_ATW}
    return frozenset(kept | {date(year, 5, 5)})


def is_werkdag(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in atw_feestdagen(day.year)


def volgende_werkdag(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_werkdag(day):
        day += timedelta(days=1)
    return day


def plus_werkdagen(day: date, count: int) -> date:
    """The end of a term of `count` working days that starts on `day`: the days are counted
    after it, so a crisis received on a Saturday with 3 working days is due on Wednesday."""
    for _ in range(count):
        day = volgende_werkdag(day + timedelta(days=1))
    return day


def min_werkdagen(day: date, count: int) -> date:
    """The working day `count` working days before `day` (itself when `count` is 0)."""
    for _ in range(count):
        day -= timedelta(days=1)
        while not is_werkdag(day):
            day -= timedelta(days=1)
    return day


def termijn_einde(day: date) -> date:
    """Where a term in days or weeks that ends on `day` really ends (Atw art. 1): a Saturday,
    Sunday or holiday moves it to the next working day."""
    return volgende_werkdag(day)
