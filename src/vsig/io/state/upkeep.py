"""Keeping the state folder clean: what killed commands left, the compaction an erasure
needs, and the erasure generation that keeps a report read before an erasure from being
written after it.
"""

import fcntl
import shutil
from collections.abc import Callable
from pathlib import Path

from vsig.io.files import write_text_atomic
from vsig.io.home import Home
from vsig.io.state import store
from vsig.io.state.lock import (
    ERASURES,
    IN_USE,
    READER_WAIT,
    SNAPSHOT_PREFIX,
    erasure_generation,
    locked,
)
from vsig.io.state.store import COMPACT_PENDING


def erasing(state_dir: Path) -> None:
    """Note, before anything is erased, that the state file must be compacted after, and
    (by the next erasure generation) that a report read before may not be written."""
    write_text_atomic(state_dir / ERASURES, f"{erasure_generation(state_dir) + 1}\n")
    (state_dir / COMPACT_PENDING).touch()


class ErasedSinceError(Exception):
    """An erasure began after a report read the state: what it read may be erased."""


def publish(state_dir: Path, generation: int, write: Callable[[], None]) -> None:
    """`write` a report made from what was read at erasure `generation`, holding the lock
    so that no erasure begins meanwhile; refused when one began since (an erasure may have
    removed what the report holds, and also the reports already written)."""
    with locked(state_dir, READER_WAIT):
        if erasure_generation(state_dir) != generation:
            raise ErasedSinceError(
                "data was erased (by `vsig forget` or a purge) while this was being made "
                "from what was read before; nothing was written: make it again"
            )
        write()


def erased(state_dir: Path, anything: bool) -> None:
    """After an erasure: compact the state file if it removed anything, else just clear
    the note."""
    if anything:
        store.compact(state_dir)
    (state_dir / COMPACT_PENDING).unlink(missing_ok=True)


def _in_use(snapshot: Path) -> bool:
    """Whether a reader still holds this snapshot (a killed one holds nothing)."""
    try:
        with (snapshot / IN_USE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def clear_leftovers(home: Home) -> None:
    """What killed commands left: a compaction to finish, readers' snapshots and replays'
    scratch folders, which hold personal data. Called holding the lock."""
    compact_if_pending(home.state)
    shutil.rmtree(home.scratch, ignore_errors=True)


def compact_if_pending(state_dir: Path) -> None:
    """Finish what a killed command left in the state folder: the compaction an erasure
    was cut off before, and the snapshots of readers that never cleaned up."""
    for leftover in state_dir.glob(f"{SNAPSHOT_PREFIX}*"):
        if not _in_use(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
    if (state_dir / COMPACT_PENDING).exists():
        store.compact(state_dir)
