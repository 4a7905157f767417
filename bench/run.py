"""Benchmark the nightly run at several scales against its targets.

    .venv/bin/python bench/run.py --scales 20000 180000 1800000 [--json bench/run.json]

For each scale (residents in the BRP; one signal per 18 residents, an SDD arrangement per
12) it generates a home (bench/generate.py), measures the floor (polars only parsing the
same input files into frames), then runs `vsig run` as a fresh process and records its wall
time, the time without letters (the run's own `brieven` stage taken off), the ratio to the
floor and the peak memory. The exports are written beside the letters, so the time without
letters leaves out what of them the letters' time covered; the stage `exports` is their own
time, slowed by the letters beside them. The targets: run without letters at most 3x the
floor, peak memory under 4 GiB. Never a timed test: run it by hand and put the table in
docs/performance.md.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from generate import DAY, generate

from vsig.config import load_config

VSIG = str(Path(sys.executable).parent / "vsig")
MACHINE = {
    "cores": os.cpu_count(),
    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
    "python": platform.python_version(),
    "platform": platform.platform(),
}


def floor(home: Path, config_path: Path) -> float:
    """Seconds polars needs to parse every input file of the inbox into frames."""
    config = load_config(config_path)
    start = time.perf_counter()
    for path in sorted((home / "inbox").rglob("*.csv")):
        partner = config.partner(path.parent.name)
        layout = partner.layout if partner else None
        data = path.read_bytes()
        if layout and layout.encoding != "utf-8":
            data = data.decode(layout.encoding).encode("utf-8")
        pl.read_csv(data, separator=layout.separator if layout else ";", infer_schema=False)
    return time.perf_counter() - start


def measure(residents: int, root: Path, gemeenten: int, dry_run: bool) -> dict[str, object]:
    out = root / f"scale-{residents}"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    counts = generate(out, residents, 2026, gemeenten)
    generated = time.perf_counter() - start
    home, config_path = out / "home", out / "config" / "vsig.yaml"
    parse = floor(home, config_path)
    env = dict(os.environ, VSIG_SECRET=os.environ.get("VSIG_SECRET", "bench-" + "0" * 40))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [
            VSIG,
            "run",
            "--home",
            str(home),
            "--config",
            str(config_path),
            "--date",
            str(DAY),
            "--json",
            *(["--dry-run"] if dry_run else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024**2
    if done.returncode not in (0, 1):
        raise SystemExit(f"vsig run failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    letters = summary["timings"].get("brieven", 0.0)
    pages = sum(summary["brieven_per_template"].values())
    return {
        **counts,
        "generate_s": round(generated, 1),
        "floor_s": round(parse, 2),
        "run_s": round(wall, 2),
        "run_without_letters_s": round(wall - letters, 2),
        "ratio": round((wall - letters) / parse, 2),
        "letters": pages,
        "letters_s": round(letters, 2),
        "peak_rss_gib": round(peak, 2),
        "dry_run": dry_run,
        "stages": summary["timings"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[20_000, 180_000, 1_800_000])
    parser.add_argument("--gemeenten", type=int, default=300)
    parser.add_argument("--json", type=Path, default=Path("bench/run.json"))
    parser.add_argument("--work", type=Path, default=None, help="where to generate (default: tmp)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="`vsig run --dry-run`: everything up to the routing, no outputs, letters or commit",
    )
    args = parser.parse_args()
    root = args.work or Path(tempfile.mkdtemp(prefix="vsig-bench-"))
    rows = []
    for residents in args.scales:
        figures = measure(residents, root, args.gemeenten, args.dry_run)
        rows.append(figures)
        print(
            f"{figures['residents']:>10} residents {figures['signals']:>8} signals  "
            f"floor {figures['floor_s']:>7}s  run {figures['run_without_letters_s']:>8}s "
            f"(x{figures['ratio']})  letters {figures['letters']:>6} in {figures['letters_s']}s  "
            f"exports beside them {figures['stages'].get('exports', 0)}s  "
            f"peak {figures['peak_rss_gib']} GiB",
            flush=True,
        )
        # Written after every scale: a national scale takes long, the smaller ones are kept.
        args.json.write_text(json.dumps({"machine": MACHINE, "scales": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
