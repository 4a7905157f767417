"""Typst source to PDF/A-2b files, on every core when there is enough of it.

Typst holds the interpreter while it lays out pages and uses a second core only in part,
so a large night compiles in separate worker processes: `python -m vsig.pdf`, which needs
nothing but Typst and starts in a moment (a multiprocessing pool would first import all of
vsig again in every worker). The sources go to a worker through its standard input, not
as files: thousands of small files cost more than the compiling. Each PDF is compiled on
its own, so its bytes never depend on how the work was spread.
"""

import io
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final

import typst

PDF_STANDARD: Final = "a-2b"
PARALLEL_FROM: Final = 300_000
"""Below this much source text (about a hundred letters) one process is quicker."""


@cache
def _compiler() -> typst.Compiler:
    # Only the fonts built into Typst: the same bytes on every machine, for the auditor.
    return typst.Compiler(ignore_system_fonts=True)


def render(source: str, created: datetime) -> bytes:
    """One PDF/A-2b document whose creation time is `created`."""
    pdf = _compiler().compile(
        source.encode("utf-8"), format="pdf", pdf_standards=PDF_STANDARD, timestamp=created
    )
    assert isinstance(pdf, bytes)  # one PDF, not pages: no output path was given
    return pdf


def write_all(jobs: list[tuple[str, Path]], created: datetime) -> None:
    """Compile each Typst source into its PDF file."""
    workers = os.cpu_count() or 1
    if workers == 1 or sum(len(source) for source, _ in jobs) < PARALLEL_FROM:
        for source, target in jobs:
            target.write_bytes(render(source, created))
        return
    with ExitStack() as stack:
        running = []
        for share in _shares(jobs, workers):
            errors = stack.enter_context(tempfile.TemporaryFile())
            worker = subprocess.Popen(
                [sys.executable, "-m", "vsig.pdf", created.isoformat()],
                stdin=subprocess.PIPE,
                stderr=errors,
            )
            assert worker.stdin is not None
            with worker.stdin:
                worker.stdin.write(_frames(share))
            running.append((worker, errors))
        failed = [errors for worker, errors in running if worker.wait() != 0]
        if failed:
            failed[0].seek(0)
            lines = failed[0].read().decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(f"a PDF worker failed: {lines[-1] if lines else 'no message'}")


def _shares(jobs: list[tuple[str, Path]], workers: int) -> list[list[tuple[str, Path]]]:
    """Spread the jobs over the workers, the longest first, each to the least loaded."""
    loads = [0] * workers
    shares: list[list[tuple[str, Path]]] = [[] for _ in range(workers)]
    for source, target in sorted(jobs, key=lambda job: -len(job[0])):
        worker = loads.index(min(loads))
        loads[worker] += len(source)
        shares[worker].append((source, target))
    return shares


def _frames(jobs: list[tuple[str, Path]]) -> bytes:
    """Each job as a line `target<TAB>length` followed by that many bytes of source."""
    parts = []
    for source, target in jobs:
        data = source.encode("utf-8")
        parts += [f"{target}\t{len(data)}\n".encode(), data]
    return b"".join(parts)


def _work(created: str) -> None:
    moment = datetime.fromisoformat(created)
    # Read all input first: the parent feeds the next worker only when this one has it all.
    stream = io.BytesIO(sys.stdin.buffer.read())
    while header := stream.readline():
        target, length = header.decode("utf-8").rstrip("\n").split("\t")
        source = stream.read(int(length)).decode("utf-8")
        Path(target).write_bytes(render(source, moment))


if __name__ == "__main__":
    _work(*sys.argv[1:])
