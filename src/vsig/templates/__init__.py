"""Every template vsig renders, in one package:

- `brieven/`: the letters (`*.typ.j2`) and the e-mails and SMS beside them (`*.txt.j2`),
  archived with every run because they decide its outputs;
- `documenten/`: documents for one person (the inzage), never archived;
- `rapporten/`: reports for management (the overview);
- `fonts/`: the letters' typeface, one file per style.

A leaf: the config checks the routing's letter types here without loading a stage.
"""

from pathlib import Path
from typing import Final

BRIEVEN: Final = Path(__file__).parent / "brieven"
DOCUMENTEN: Final = Path(__file__).parent / "documenten"
RAPPORTEN: Final = Path(__file__).parent / "rapporten"
FONTS: Final = Path(__file__).parent / "fonts"
"""Source Sans Pro (SIL Open Font License, `fonts/OFL.txt`), for easy-read letters."""
SUFFIX: Final = ".typ.j2"
MESSAGE_SUFFIX: Final = ".txt.j2"


def letter_files(folder: Path = BRIEVEN) -> list[Path]:
    """The letter templates in `folder` (a run's archive holds its own copy)."""
    return sorted(folder.glob(f"*{SUFFIX}"))


def letter_types() -> tuple[str, ...]:
    """The letter types; templates whose name starts with `_` are shared parts."""
    names = (p.name.removesuffix(SUFFIX) for p in letter_files())
    return tuple(sorted(n for n in names if not n.startswith("_")))


def message_files(folder: Path = BRIEVEN) -> list[Path]:
    """The e-mail and SMS templates in `folder`."""
    return sorted(folder.glob(f"*{MESSAGE_SUFFIX}"))


def message_types() -> tuple[str, ...]:
    """The message templates a `mail` or `sms` action may name."""
    return tuple(p.name.removesuffix(MESSAGE_SUFFIX) for p in message_files())


def archived_files(folder: Path = BRIEVEN) -> list[Path]:
    """Every template a run renders from `folder`: its letters and messages."""
    return sorted([*letter_files(folder), *message_files(folder)])
