"""`vsig doctor`: is this installation ready for tonight? Checks, not repairs."""

import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final, Literal

from vsig.config import Config
from vsig.io import sources
from vsig.io.home import Home
from vsig.io.state.lock import LOCK_FILE, SNAPSHOT_PREFIX, LockedError
from vsig.io.state.store import SCHEMA_VERSION, Store, StoreError
from vsig.privacy import secret

MIN_FREE: Final = 1024**3
"""A night writes letters and archives; below a gigabyte free, say so before it fails."""

Verdict = Literal["ok", "warning", "problem"]


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str


def doctor(config: Config, home: Home, today: date) -> list[Check]:
    """`vsig doctor`: whether tonight can run, check by check."""
    return [
        _secret(config, home.root),
        _home(home),
        *(_extract(config, home, kind, today) for kind in ("brp", "sdd")),
        _inbox(config, home),
        _leftovers(home),
        _disk(home),
        _lock(home),
        _state(home),
        _cbs(config),
    ]


def _secret(config: Config, home: Path) -> Check:
    try:
        secret.load_secret(config, home)
    except secret.SecretError as problem:
        return Check("secret", "problem", str(problem))
    return Check("secret", "ok", "the purge-log key is there, outside the home")


def _home(home: Home) -> Check:
    if not home.root.is_dir():
        return Check("home", "problem", f"{home.root} does not exist")
    folders = [p for p in (home.root, home.state, home.out, home.archive) if p.exists()]
    stuck = [f"{p} ({why})" for p in folders if (why := _unwritable(p))]
    if stuck:
        return Check("home", "problem", f"cannot write in {', '.join(stuck)}")
    loose = [p for p in folders if p.stat().st_mode & 0o077]
    if loose:
        return Check("home", "warning", f"readable by others: {', '.join(map(str, loose))}")
    return Check("home", "ok", f"{home.root}, owner-only")


def _unwritable(folder: Path) -> str | None:
    """Why a file cannot be made in the folder, trying it: a read-only mount, or rights
    (which the mode bits alone don't tell, e.g. for root)."""
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        return "read-only file system"
    try:
        with tempfile.TemporaryFile(dir=folder):
            return None
    except OSError as error:
        return error.strerror or str(error)


def _extract(config: Config, home: Home, kind: str, today: date) -> Check:
    newest = sources.newest_extract(sources.discover(home.inbox, config), kind, today)
    if newest is None:
        return Check(kind, "problem", f"no {kind.upper()} extract in inbox/{kind}/ up to {today}")
    day = sources.extract_date(newest.path)
    age = (today - day).days
    if age > config.brp_max_age_days:
        return Check(
            kind, "problem", f"newest extract is {age} days old (limit {config.brp_max_age_days})"
        )
    return Check(kind, "ok", f"newest extract from {day}")


def _inbox(config: Config, home: Home) -> Check:
    ignored = sources.unread(home.inbox, config) if home.inbox.is_dir() else []
    if ignored:
        return Check("inbox", "warning", "; ".join(map(str, ignored)))
    return Check("inbox", "ok", "every file in it is one the run reads")


def _leftovers(home: Home) -> Check:
    """Scratch a killed replay or reader left: personal data the next writer removes."""
    scratch = [home.scratch] if home.scratch.exists() else []
    left = [*scratch, *home.state.glob(f"{SNAPSHOT_PREFIX}*")]
    if left:
        names = ", ".join(str(p.relative_to(home.root)) for p in left)
        return Check("leftovers", "warning", f"{names}: removed by the next run or purge")
    return Check("leftovers", "ok", "no scratch left behind")


def _disk(home: Home) -> Check:
    free = shutil.disk_usage(home.root if home.root.exists() else home.root.parent).free
    verdict: Verdict = "ok" if free >= MIN_FREE else "warning"
    return Check("disk", verdict, f"{free / 1024**3:.1f} GiB free")


def _lock(home: Home) -> Check:
    path = home.state / LOCK_FILE
    if not path.exists():
        return Check("lock", "ok", "free")
    with path.open("a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            return Check("lock", "warning", f"a run is busy (pid {handle.read().strip()})")
        fcntl.flock(handle, fcntl.LOCK_UN)
    return Check("lock", "ok", "free")


def _state(home: Home) -> Check:
    if not home.state.exists():
        return Check("state", "ok", "none yet: the first run creates it")
    try:
        with Store.snapshot(home.state, wait=0) as db:
            version = db.version()
    except LockedError:
        return Check("state", "ok", "a run is busy with it")
    except StoreError as problem:
        return Check("state", "problem", str(problem))
    return Check("state", "ok", f"schema version {version} of {SCHEMA_VERSION}")


def _cbs(config: Config) -> Check:
    """Whether the CBS delivery can name who delivers it: v1.2 has a place for the
    organisation's KvK number, and a delivery without it is hard for CBS to place."""
    if config.cbs is None:
        return Check("cbs", "warning", "no `cbs` section: vsig cannot make the CBS delivery")
    if config.cbs.kvk_nummer is None:
        return Check(
            "cbs",
            "warning",
            "cbs.kvk_nummer is not set: the delivery names the organisation without it",
        )
    return Check("cbs", "ok", f"delivered by {config.cbs.organisatie}, KvK {config.cbs.kvk_nummer}")
