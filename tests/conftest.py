import os

# One polars thread a test process: pytest-xdist runs a process per core, and each one's
# pool of a thread per core made the small frames of a test wait on each other (a month
# of the simulated year took 58 s instead of 43). Set before anything imports polars.
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import functools
import random
import socket
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from pypdf import PdfReader

from vsig.config import Config, load_config

if TYPE_CHECKING:
    from .street import Story

# pytest-xdist gives its workers COLUMNS=80, and Rich fixes a console's width to it when
# vsig.cli is imported: the tests that set COLUMNS for one command would then see 80.
os.environ.pop("COLUMNS", None)

# No per-example deadline: on a loaded machine (CI, two cores, the suite on both) a slow
# example is no failure, and a deadline turned green red for nothing.
settings.register_profile("vsig", deadline=None)
settings.load_profile("vsig")

REPO = Path(__file__).resolve().parents[1]
PROCESSING_DATE = date(2026, 11, 26)


TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef"
LONGEST_FIRST = (
    "test_year.py", "test_crash.py", "test_erasure_faults.py", "test_faults.py", "test_berichten.py"
)  # fmt: skip


def bytes_held(path: Path, pdf_text: bool = False) -> bytes:
    """What a file holds, as a search for erased data must read it: its bytes, for a
    spreadsheet (a zip) the uncompressed bytes of every member too, and with `pdf_text`
    the text of a PDF, whose streams are compressed (the simulated year, which searches
    half a year of letters every night, relies on letters going whole instead)."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        about = path.stat()
        data += _unzipped(path, about.st_mtime_ns, about.st_size)
    if pdf_text and path.suffix == ".pdf":
        data += "".join(page.extract_text() for page in PdfReader(path).pages).encode()
    return data


@functools.lru_cache(maxsize=20_000)
def _unzipped(path: Path, _mtime_ns: int, _size: int) -> bytes:
    """A spreadsheet's members, once per version of the file: the simulated year searches
    every file of half a year of runs every night."""
    with zipfile.ZipFile(path) as book:
        return b"".join(book.read(member) for member in book.namelist())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first: the suite runs on both cores, a file to a worker
    (`--dist loadfile`), and the simulated year started last would finish alone. (xdist
    also hands a worker a second file while at most two of its tests are pending: the
    year's file holds three, so the other long files go to the other worker meanwhile.)"""
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(autouse=True, scope="session")
def secret() -> Iterator[str]:
    """Every test runs with a purge-log key, as a real installation must."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VSIG_SECRET", TEST_SECRET)
        yield TEST_SECRET


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(REPO / "config" / "vsig.yaml")


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> "Story":
    """The street of tests/street.py after all its nights; read it, never change it."""
    from .street import build_story  # noqa: PLC0415 - street imports this module

    return build_story(tmp_path_factory)


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on now, for a server a test starts: below the
    range the system gives outgoing connections (Linux: from 32768), which another test's
    clients, on the other worker, could take between this and the server's bind."""
    for port in random.sample(range(20_000, 32_000), 100):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below 32000 on 127.0.0.1")


def write_config(directory: Path, text: str | None = None, routing: str | None = None) -> Path:
    """`directory/vsig.yaml` (default text unless given) with a routing.yaml beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    default = REPO / "config"
    path = directory / "vsig.yaml"
    path.write_text(text if text is not None else (default / "vsig.yaml").read_text())
    (directory / "routing.yaml").write_text(
        routing if routing is not None else (default / "routing.yaml").read_text()
    )
    return path


WriteFile = Callable[[str, str | bytes], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write a file at a path relative to a fresh inbox; text is written as UTF-8."""

    def write(relative: str, content: str | bytes) -> Path:
        path = tmp_path / "inbox" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write
