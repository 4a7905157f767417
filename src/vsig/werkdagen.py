"""Working days: Monday to Friday except Dutch public holidays (from the `holidays` package).

Legal terms such as "a conversation within 3 working days in a crisis" count in these.
"""

from datetime import date, timedelta
from functools import cache

import holidays

SATURDAY = 5


@cache
def _feestdagen(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_werkdag(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in _feestdagen(day.year)


def volgende_werkdag(day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_werkdag(day):
        day += timedelta(days=1)
    return day


def plus_werkdagen(day: date, count: int) -> date:
    """The working day `count` working days after `day` (`day` itself need not be one)."""
    for _ in range(count):
        day = volgende_werkdag(day + timedelta(days=1))
    return day
