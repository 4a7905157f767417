"""Text from partners and registers made safe to show on a terminal or in a letter."""

import re
from typing import Final

_UNPRINTABLE: Final = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)
"""Control characters (terminal escapes among them) and invisible direction overrides; tab
and newline stay."""


def printable(text: str) -> str:
    """Text without what could steer a terminal or a layout engine."""
    return _UNPRINTABLE.sub("", text)


_IN_A_NAME: Final = re.compile(
    r"[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    r"\ufeff\ud800-\udfff]"
)
"""What a file name must not bring onto a line: control characters (newline and tab
too), line and paragraph separators, invisible characters and direction overrides, and
the bytes of a name that is not UTF-8."""


def escaped(name: str) -> str:
    """A file name on one line, each control character shown as its escape (`\\n`), none
    dropped: a name can then neither fake a line of a summary nor hide what it holds."""
    return _IN_A_NAME.sub(lambda found: found.group().encode("unicode_escape").decode(), name)


def name_has_control(name: str) -> bool:
    return _IN_A_NAME.search(name) is not None


_NO_GLYPH: Final = re.compile(
    "[^\\x20-\\x7e\\xa0-\\u0377\\u037a-\\u037f\\u0384-\\u038a\\u038c\\u038e-\\u03a1"
    "\\u03a3-\\u04ff\\u1e00-\\u1eff\\u2000-\\u2040\\u2042\\u2044-\\u2052\\u2054-\\u206f"
    "\\u20a0-\\u20c0]"
)
"""What the letters' fonts cannot show (measured glyph by glyph: Latin with its accents,
Greek, Cyrillic, punctuation, currency); PDF/A allows no missing glyph."""


def for_letters(text: str) -> str:
    """A value as a letter shows it: printable, on one line, `?` where no font has a glyph."""
    one_line = printable(text).replace("\n", " ").replace("\t", " ")
    return _NO_GLYPH.sub("?", one_line)
