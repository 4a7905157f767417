"""The files an inbox holds, and what each is meant to hold: which partner's signals, which
register, which events. Only names and folders are looked at here, never the rows, so
`vsig doctor` can look at an inbox without the readers (`ingest`) and their libraries.
"""

import re
import stat
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, Literal, get_args

from vsig.config import Config, Layout, Signaalpartner
from vsig.text import escaped, name_has_control

Kind = Literal["signalen", "brp", "sdd", "uitkomsten"]
KINDS: Final = get_args(Kind)
"""The kinds a run consumes: read once, then archived. The registers stay in the inbox."""


@dataclass(frozen=True)
class Source:
    """One input file and what it is meant to hold."""

    path: Path
    kind: Kind
    partner: Signaalpartner | None = None
    unknown_partner: str | None = None

    @property
    def layout(self) -> Layout:
        return self.partner.layout if self.partner else Layout()

    @property
    def relative(self) -> str:
        """Where the file sits in the inbox (`signalen/VGZ/x.csv`), and so in the archive;
        two deliveries never share it, whatever their names."""
        if self.kind == "signalen":
            return f"signalen/{self.path.parent.name}/{self.path.name}"
        return f"{self.kind}/{self.path.name}"


def rejects_of(relative: str) -> str:
    """A delivery's rejects file in a run's outputs: `rejects/` and the delivery's place in
    the inbox, so that two partners' files never share one; a workbook's in a folder of
    its type (`rejects/uitkomsten/xlsx/0505.xlsx.csv`), which no CSV delivery can be named
    like, so that `0505.xlsx` and `0505.xlsx.csv` do not share one either."""
    if relative.endswith(".csv"):
        return f"rejects/{relative}"
    folder, _, name = relative.rpartition("/")
    return f"rejects/{folder}/{name.rpartition('.')[2]}/{name}.csv"


def discover(inbox: Path, config: Config) -> list[Source]:
    """Every input file under an inbox, signals first by partner, in a stable order.

    Only regular files in real folders are read: a symbolic link could bring in another
    partner's file (or any file on the machine), a FIFO would hang the run, a folder named
    `x.csv` is no delivery. `unread` names what is left out, with the reason.
    """
    sources: list[Source] = []
    signalen = inbox / "signalen"
    for folder in sorted(p for p in signalen.glob("*") if _real_folder(p) and _named_well(p)):
        partner = config.partner(folder.name)
        for path in _deliveries(folder):
            sources.append(Source(path, "signalen", partner, None if partner else folder.name))
    for kind in ("brp", "sdd", "uitkomsten"):
        folder = inbox / kind
        types = (".csv", WORKBOOK) if kind == "uitkomsten" else (".csv",)
        sources += [
            Source(path, kind) for path in _deliveries(folder, types) if _real_folder(folder)
        ]
    return sources


def newest_extract(sources: list[Source], kind: str, today: date) -> Source | None:
    """The BRP or SDD extract a night of `today` reads: the newest delivered, by the date in
    its name, that is not dated after it (a run and `doctor` choose by this one rule)."""
    dated = [(extract_date(s.path), s.path.name, s) for s in sources if s.kind == kind]
    usable = [d for d in dated if d[0] <= today]
    return max(usable, key=lambda d: (d[0], d[1]))[2] if usable else None


def _real_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _deliveries(folder: Path, types: tuple[str, ...] = (".csv",)) -> list[Path]:
    return sorted(
        p
        for p in folder.glob("*")
        if p.suffix in types and not p.name.startswith(OPEN_WORKBOOK)
        if stat.S_ISREG(p.lstat().st_mode) and _named_well(p)
    )


MAX_NAME: Final = 200
"""The longest name, in bytes, of a delivery or a partner's folder: the file system takes
255, and vsig writes files named after a delivery (its rejects, a temporary copy while a
file is written whole)."""


def name_problem(name: str) -> str | None:
    """Why a delivery by this name is left in the inbox unread, or None: the name is
    written into the archive and the rejects and printed in the summary, so it must fit
    the file system and hold no control character."""
    size = len(name.encode("utf-8", "surrogateescape"))
    if size > MAX_NAME:
        return f"has a name of {size} bytes, more than {MAX_NAME}"
    if name_has_control(name):
        return "has a control character (such as a newline) or bytes that are not UTF-8 in its name"
    return None


def _named_well(path: Path) -> bool:
    return name_problem(path.name) is None


WORKBOOK: Final = ".xlsx"
"""The sheet of outcomes as it comes back (`uitkomsten`), beside the CSV form."""
OPEN_WORKBOOK: Final = "~$"
"""How Excel names the lock file beside a workbook someone has open: no delivery."""
UNREAD: Final = (
    "is not read: the run reads *.csv files in signalen/<PARTNER>/, brp/, sdd/ and "
    "uitkomsten/, and there also *.xlsx workbooks (never an open workbook's ~$ lock file)"
)


RENAME: Final = (
    "; it stays in the inbox unread: rename it (or ask the sender to) and the next run reads it"
)


@dataclass(frozen=True)
class Unread:
    """A path under the inbox the run does not read, and why."""

    path: str
    """Relative to the inbox, escaped: a name cannot fake a line of a summary."""
    why: str
    left: bool
    """Left for its name: a delivery (or a partner's folder) the run would read, were it
    named well."""

    def __str__(self) -> str:
        return f"inbox/{self.path} {self.why}"


def unread(inbox: Path, config: Config) -> list[Unread]:
    """What under the inbox the run will never read, and why: a name not ending in `.csv`,
    a file loose in `signalen/` or deeper down, a name too long or holding a control
    character (a folder so named for all under it), a symbolic link, a FIFO or another
    special file. Said every night, so no delivery is ignored without a word."""
    read = {source.path for source in discover(inbox, config)}
    said: list[Unread] = []
    for path in sorted(inbox.rglob("*")):
        problem = name_problem(path.name)
        if path in read or (_real_folder(path) and problem is None):
            continue
        if any(name_problem(folder.name) for folder in path.relative_to(inbox).parents[:-1]):
            continue  # its folder is said already, with why
        mode, relative = path.lstat().st_mode, path.relative_to(inbox)
        left = problem is not None and _would_be_read(relative, mode)
        why = (
            "is a symbolic link, which is never followed"
            if stat.S_ISLNK(mode)
            else f"{problem}{RENAME}"
            if left
            else f"{problem}, and {UNREAD}"
            if problem
            else UNREAD
            if stat.S_ISREG(mode)
            else "is not a regular file"
        )
        said.append(Unread(escaped(str(relative)), why, left))
    return said


def _would_be_read(relative: Path, mode: int) -> bool:
    """Whether the run would read this, were it named well: a partner's folder, or a file
    of a type read in a delivery folder (what `discover` looks at)."""
    parts = relative.parts
    if stat.S_ISDIR(mode):
        return len(parts) == 2 and parts[0] == "signalen"
    if not stat.S_ISREG(mode):
        return False
    types = (".csv", WORKBOOK) if parts[0] == "uitkomsten" else (".csv",)
    delivery = len(parts) == 3 if parts[0] == "signalen" else len(parts) == 2
    return delivery and parts[0] in KINDS and relative.suffix in types


def source_for(
    path: Path, config: Config, partner: str | None = None, kind: Kind | None = None
) -> Source:
    """What a file given on the command line holds: as told, else from the folder it is in.

    Raises ValueError when neither says, or when the partner code is unknown.
    """
    if partner is not None:
        found = config.partner(partner)
        if found is None:
            codes = ", ".join(p.code for p in config.signaalpartners)
            raise ValueError(f"unknown partner {partner!r}; configured: {codes}")
        return Source(path, "signalen", found)
    if kind is not None and kind != "signalen":
        return Source(path, kind)
    folder = path.resolve().parent
    if folder.name in KINDS and folder.name != "signalen":
        return Source(path, folder.name)  # type: ignore[arg-type]
    if folder.parent.name == "signalen":
        found = config.partner(folder.name)
        return Source(path, "signalen", found, None if found else folder.name)
    raise ValueError(
        f"cannot tell what {path} holds; put it in an inbox folder or pass "
        "--partner CODE or --kind brp|sdd|uitkomsten"
    )


_STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})")


def extract_date(path: Path) -> date:
    """The date in an extract's file name (`brp-20261126.csv`), else its modification date."""
    found = _STAMP.search(path.name)
    if found:
        try:
            return date(*map(int, found.groups()))
        except ValueError:
            pass
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()
