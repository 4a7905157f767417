"""Files written whole or not at all: a crash leaves the old bytes or the new, never half.

The new bytes go to a temporary file beside the target, reach the disk (fsync), and replace
the target in one rename; the folder is synced too, so the rename survives a power cut.
`private_files` makes what is written its owner's only; `crash_point` marks the steps
between writes where the fault tests kill a command.
"""

import errno
import hashlib
import io
import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

TEMPORARY_SUFFIX = ".vsig-tmp"


def write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}{TEMPORARY_SUFFIX}")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def write_parquet_atomic(frame: pl.DataFrame, path: Path) -> None:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    write_atomic(path, buffer.getvalue())


@contextmanager
def private_files(umask: str) -> Iterator[None]:
    """Everything vsig creates is its owner's only (umask `077`), unless the config says
    else."""
    previous = os.umask(int(umask, 8))
    try:
        yield
    finally:
        os.umask(previous)


_reached: Counter[str] = Counter()


def write_private(umask: str, path: Path, text: str) -> None:
    """A report or document for a person's eyes: written whole, readable by its owner only
    (`umask`), its folder made if need be."""
    with private_files(umask):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)


def crash_point(name: str) -> None:
    """A test-only hook: `VSIG_TEST_CRASH_AT=<name>` kills the process here (`<name>@3`: the
    third time it gets here), as a power cut would; `<name>-disk-full` fills the disk here
    instead."""
    wanted = os.environ.get("VSIG_TEST_CRASH_AT")
    if not wanted:
        return
    _reached[name] += 1
    if wanted in (name, f"{name}@{_reached[name]}"):
        os.kill(os.getpid(), signal.SIGKILL)
    if wanted == f"{name}-disk-full":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
