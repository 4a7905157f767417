"""The run lock, and the marks a reader leaves beside the state.

One writer at a time: a run, purge or forget holds the lock for its whole work; a reader
holds it only while it copies the state (`Store.snapshot`).
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

LOCK_FILE: Final = "vsig.lock"

SNAPSHOT_PREFIX: Final = ".snapshot-"

IN_USE: Final = "in-use"


class LockedError(Exception):
    """Another run holds the lock."""


WRITER_WAIT: Final = 10.0
"""Seconds a run, purge or forget waits for the lock: long enough for a reader's snapshot,
short enough that a second night started beside a first one gives up (exit 4)."""

READER_WAIT: Final = 6 * 3600.0
"""Seconds a reader waits for a night to finish before it takes its snapshot."""


@contextmanager
def locked(state_dir: Path, wait: float = 0.0) -> Iterator[str | None]:
    """Hold the run lock; raise LockedError when another process still has it after `wait`
    seconds.

    The operating system drops the lock when its process dies, so a killed run never
    blocks the next one. Yields the pid of a killed holder (its pid is still in the file),
    or None after a clean finish, so the caller can say it took over.
    """
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(state_dir / LOCK_FILE, "a+", encoding="ascii") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise LockedError(
                    f"another vsig run (pid {holder}) holds the lock {state_dir / LOCK_FILE}; "
                    "wait for it to finish"
                ) from None
        handle.seek(0)
        previous = handle.read().strip() or None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield previous
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


ERASURES: Final = "erasures"
"""The erasure generation: how many erasures (`forget`, and the purge of every night) have
begun in this state."""


def erasure_generation(state_dir: Path) -> int:
    """The erasure generation now (a snapshot reads it under the lock: `Store.generation`)."""
    try:
        return int((state_dir / ERASURES).read_text(encoding="ascii"))
    except FileNotFoundError:
        return 0
