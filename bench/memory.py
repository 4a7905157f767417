"""Where a night's memory goes: the peak resident memory of each stage, of the run itself
and of its letter workers, sampled ten times a second.

    .venv/bin/python bench/memory.py --residents 1800000 [--dry-run] [--json bench/memory.json]

Generates a home (bench/generate.py), then runs the night in a fresh process, told each
stage as it starts by the run's own progress reports. Resident memory is read from /proc, so this
runs on Linux only. Never a timed test: run it by hand and put the figures in docs/performance.md.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import DAY, generate
from run import MACHINE

from vsig.config import load_config
from vsig.io.home import Home
from vsig.night.nightly import run_night

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss(pid: int, anonymous: bool = False) -> int:
    """Resident bytes of a process (or those not backed by a file, which the kernel cannot
    drop: a mapped input file's pages are resident, yet only page cache); 0 once gone."""
    try:
        resident, shared = Path(f"/proc/{pid}/statm").read_text().split()[1:3]
    except (OSError, ValueError):
        return 0
    return (int(resident) - int(shared) * anonymous) * PAGE


def children(pid: int) -> list[int]:
    """The processes this one started and that run a program of their own: a child
    between fork and exec shows its parent's pages as its own, which it only shares."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return [c for c in found if _command(c) not in (b"", _command(pid))]


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


class Sampler(threading.Thread):
    """The largest resident memory seen per stage: of this process, and of the largest of
    its children (the letter workers), and of all together."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stage = "start"
        self.peaks: dict[str, dict[str, float]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.1):
            workers = [rss(c) for c in children(me)]
            figures = {
                "main_gib": rss(me) / 1024**3,
                "main_anonymous_gib": rss(me, anonymous=True) / 1024**3,
                "worker_gib": max(workers, default=0) / 1024**3,
                "all_gib": (rss(me) + sum(workers)) / 1024**3,
            }
            peak = self.peaks.setdefault(self.stage, dict.fromkeys(figures, 0.0))
            for key, value in figures.items():
                peak[key] = max(peak[key], value)


def measure(residents: int, root: Path, gemeenten: int, dry_run: bool) -> dict[str, object]:
    """Generate the home here, then run the night in a fresh process: this one keeps the
    memory generating took (polars' allocator holds on to it)."""
    out = root / f"scale-{residents}"
    shutil.rmtree(out, ignore_errors=True)
    counts = generate(out, residents, 2026, gemeenten)
    night = [sys.executable, __file__, "--night", str(out), *(["--dry-run"] if dry_run else [])]
    done = subprocess.run(night, capture_output=True, text=True, check=True)
    return {**counts, **json.loads(done.stdout)}


def night(out: Path, dry_run: bool) -> dict[str, object]:
    """Run the night of the generated home `out` in this process, sampling its memory."""
    config = load_config(out / "config" / "vsig.yaml")
    sampler = Sampler()
    sampler.start()

    def progress(stage: str, _done: int, _total: int) -> None:
        sampler.stage = stage

    start = time.perf_counter()
    secret = b"bench-" + b"0" * 40
    summary = run_night(config, Home(out / "home"), DAY, secret, dry_run, progress)
    sampler.done.set()
    sampler.join()
    return {
        "dry_run": dry_run,
        "run_s": round(time.perf_counter() - start, 1),
        "timings": summary.timings,
        "peaks": {s: {k: round(v, 2) for k, v in p.items()} for s, p in sampler.peaks.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=180_000)
    parser.add_argument("--gemeenten", type=int, default=300)
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--json", type=Path, default=Path("bench/memory.json"))
    parser.add_argument("--work", type=Path, default=None, help="where to generate (default: tmp)")
    parser.add_argument("--night", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.night:
        print(json.dumps(night(args.night, args.dry_run)))
        return
    root = args.work or Path(tempfile.mkdtemp(prefix="vsig-memory-"))
    figures = measure(args.residents, root, args.gemeenten, args.dry_run)
    for stage, peak in figures["peaks"].items():  # type: ignore[union-attr]
        print(f"{stage:<12} " + "  ".join(f"{k} {v:6.2f}" for k, v in peak.items()))
    args.json.write_text(json.dumps({"machine": MACHINE, **figures}, indent=1) + "\n")


if __name__ == "__main__":
    main()
