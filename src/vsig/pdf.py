"""Typst source to PDF/A-2b files, on every core when there is enough of it.

Typst holds the interpreter while it lays out pages and uses a second core only in part,
so a large night compiles in separate worker processes: `python -m vsig.pdf`, which needs
nothing but Typst and starts in a moment (a multiprocessing pool would first import all of
vsig again in every worker). The sources go to a worker through its standard input, not
as files: thousands of small files cost more than the compiling. A worker takes a batch of
bounded size and then ends, so its memory (the sources it was given and what Typst keeps
between compilations) stays small however many letters a night has. Each PDF is compiled
on its own, so its bytes never depend on how the work was spread.
"""

import ctypes
import io
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Final

import typst

from vsig.templates import FONTS

PDF_STANDARD: Final = "a-2b"
PARALLEL_FROM: Final = 300_000
"""Below this much source text (about a hundred letters) one process is quicker."""
BATCH: Final = 4_000_000
"""Source text per worker process: about a thousand single letters, or one print file of
some hundreds. Typst keeps part of every multi-page document it lays out until its process
ends (some 0.3 MB a page), so a worker that lived all night grew to gigabytes; one that
starts (0.15 s) per batch stays in the hundreds of megabytes."""


@cache
def _compiler() -> typst.Compiler:
    # Only the fonts built into Typst and vsig's own (one file per style): the same bytes
    # on every machine, for the auditor.
    return typst.Compiler(font_paths=[str(FONTS)], ignore_system_fonts=True)


def render(source: str, created: datetime) -> bytes:
    """One PDF/A-2b document whose creation time is `created`."""
    pdf = _compiler().compile(
        source.encode("utf-8"), format="pdf", pdf_standards=PDF_STANDARD, timestamp=created
    )
    assert isinstance(pdf, bytes)  # one PDF, not pages: no output path was given
    return pdf


def write_all(
    jobs: list[tuple[str, Path]], created: datetime, tick: Callable[[int], None] = lambda _: None
) -> None:
    """Compile each Typst source into its PDF file; `tick` hears how many are written."""
    workers = os.cpu_count() or 1
    if workers == 1 or sum(len(source) for source, _ in jobs) < PARALLEL_FROM:
        for done, (source, target) in enumerate(jobs, 1):
            target.write_bytes(render(source, created))
            tick(done)
        return
    crew = _Workers(tick)
    with ThreadPoolExecutor(workers) as pool:
        try:
            failures = [
                f for f in pool.map(lambda b: crew.compile(b, created), _batches(jobs)) if f
            ]
        except BaseException:  # Ctrl-C: the workers stop now, not after their batches
            pool.shutdown(wait=False, cancel_futures=True)
            crew.stop()
            raise
    if failures:
        raise RuntimeError(f"a PDF worker failed: {failures[0]}")


class _Workers:
    """The worker processes of one `write_all`: started, counted, and stopped together."""

    def __init__(self, tick: Callable[[int], None]) -> None:
        self.tick, self.written, self.lock = tick, 0, threading.Lock()
        self.running: list[subprocess.Popen[bytes]] = []
        self.stopped = False

    def compile(self, batch: list[tuple[str, Path]], created: datetime) -> str | None:
        """Compile a batch in a worker process, which names each PDF it wrote on a line of
        its own; its last line of errors when it fails."""
        with tempfile.TemporaryFile() as errors:
            worker = self._start(created, errors)
            if worker is None:
                return "stopped"
            assert worker.stdin is not None
            assert worker.stdout is not None
            with worker.stdin:  # the worker reads all of it before it writes a line
                worker.stdin.write(_frames(batch))
            with worker.stdout:
                for _line in worker.stdout:
                    self._one_written()
            if worker.wait() == 0:
                return None
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            return lines[-1] if lines else "no message"

    def _start(self, created: datetime, errors: IO[bytes]) -> "subprocess.Popen[bytes] | None":
        with self.lock:
            if self.stopped:
                return None
            worker = subprocess.Popen(
                [sys.executable, "-m", "vsig.pdf", created.isoformat(), str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
            self.running.append(worker)
            return worker

    def _one_written(self) -> None:
        with self.lock:
            self.written += 1
            self.tick(self.written)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for worker in self.running:
                worker.kill()


def _batches(jobs: list[tuple[str, Path]]) -> list[list[tuple[str, Path]]]:
    """The jobs, longest first, in batches of about `BATCH` characters of source: the
    longest first so that no large print file is left for the end of the night."""
    batches: list[list[tuple[str, Path]]] = [[]]
    size = 0
    for job in sorted(jobs, key=lambda job: -len(job[0])):
        if size and size + len(job[0]) > BATCH:
            batches.append([])
            size = 0
        batches[-1].append(job)
        size += len(job[0])
    return batches


def _frames(jobs: list[tuple[str, Path]]) -> bytes:
    """Each job as a line `target<TAB>length` followed by that many bytes of source."""
    parts = []
    for source, target in jobs:
        data = source.encode("utf-8")
        parts += [f"{target}\t{len(data)}\n".encode(), data]
    return b"".join(parts)


PR_SET_PDEATHSIG: Final = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> None:
    """A worker of a killed run must not write on into the folder the next run clears (it
    made that run fail, `Directory not empty`): Linux ends it with its parent."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _work(created: str, parent: str) -> None:
    _die_with(int(parent))
    moment = datetime.fromisoformat(created)
    stream = io.BytesIO(sys.stdin.buffer.read())
    while header := stream.readline():
        target, length = header.decode("utf-8").rstrip("\n").split("\t")
        source = stream.read(int(length)).decode("utf-8")
        Path(target).write_bytes(render(source, moment))
        print(target, flush=True)


if __name__ == "__main__":
    _work(*sys.argv[1:])
