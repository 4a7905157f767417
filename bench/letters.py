"""Benchmark: how fast vsig writes a night's letters, end to end.

Run by hand, never as a timed test:  .venv/bin/python bench/letters.py --letters 20000
`letters.write` is what the run's `brieven` stage does: the Typst source of every letter,
each print file's parts laid out once on every core, every letter split off into its own
PDF, the parts joined into the print files, and the index. Then one part of `PER_LAYOUT`
letters is profiled in one process, to show where a letter's time goes. Prints a table and
writes the figures as JSON (default bench/letters.json).
"""

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import patch

import polars as pl

from vsig import DEFAULT_CONFIG, templates
from vsig.config import Config, load_config
from vsig.io import letters, pdf

DAY = date(2026, 11, 26)
TARGET = 500
"""Letters a second on 2 cores (issue 36; issue 20 asked 800 of a two-page letter)."""
STEPS = {
    "typst: lay out and export": ("~", "<method 'compile' of 'typst._typst.Compiler' objects>"),
    "pikepdf: number the pages, add the last page": ("pdf.py", "_paged"),
    "pikepdf: split off a letter": ("pdf.py", "_part"),
    "pikepdf: save a letter or print file": ("pdf.py", "_saved"),
    "files: write a letter or print file": ("pdf.py", "_write"),
    "letters from their rows, and their Typst source (jinja2)": ("letters.py", "source"),
}
"""Steps by (end of their file's name, function), as cProfile names them."""


def fake_letters(count: int, config: Config) -> pl.DataFrame:
    """Letters shaped like a night's: both templates, one or two debts, seven municipalities,
    a call booked after some; as rows in print order, made into letters by the letters' own
    row-to-letter step as they are laid out."""
    rows = []
    for number in range(count):
        gemeente = config.gemeenten[number % len(config.gemeenten)]
        template = templates.letter_types()[number // len(config.gemeenten) % 2]
        debts = [_debt("WOONKRACHT10", "Huur", 45_000 + number)]
        if number % 3 == 0:
            debts.append(_debt("ENECO", "Energie", 12_345))
        call = {"actietype": "bellen", "wie": "sdd", "uiterlijk": date(2026, 12, 10)}
        row = {
            "zaak_id": f"Z20261126-01-{number:05d}",
            "actie": template,
            "template": template,
            "nummer": 1,
            "gemeentecode": gemeente.code,
            "crisis": number % 50 == 0,  # a crisis letter now and then, as in a real night
            "naam": f"A. Jansen{number}",
            "adres": [f"Voorstraat {number % 250 + 1}", "3311 AB  DORDRECHT"],
            "schulden": debts,
            "totaal": sum(d["bedrag"] for d in debts),
            "vervolg": [call] if number % 2 else None,
        }
        rows.append(row)
    return pl.DataFrame(rows).sort("gemeentecode", "template", "zaak_id", maintain_order=True)


def _debt(partner: str, soort: str, cents: int) -> dict[str, Any]:
    return {"signaalpartner": partner, "soort": soort, "bedrag": cents, "signaaldatum": DAY}


def end_to_end(due: pl.DataFrame, config: Config, work: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(dir=work) as folder:
        start = time.perf_counter()
        written = letters.write(Path(folder), due, config, DAY)
        seconds = time.perf_counter() - start
    pages = int(written.index["paginas"].sum())
    return {
        "letters": due.height,
        "pages": pages,
        "print_files": written.index["printbestand"].n_unique(),
        "seconds": round(seconds, 3),
        "letters_per_second": round(due.height / seconds),
        "pages_per_second": round(pages / seconds),
        "target_letters_per_second": TARGET,
        "target_met": due.height / seconds >= TARGET,
    }


def profile(due: pl.DataFrame, config: Config, work: Path) -> dict[str, float]:
    """Milliseconds per letter in each step, for one part laid out in this process as a
    worker lays it out (with one Typst thread: `main` sets it before Typst starts)."""
    first = due.row(0, named=True)
    print_file = due.filter(gemeentecode=first["gemeentecode"], template=first["template"])
    one_part = print_file.head(letters.PER_LAYOUT)
    profiler = cProfile.Profile()
    with (
        patch.object(pdf, "PARALLEL_FROM", sys.maxsize),
        tempfile.TemporaryDirectory(dir=work) as temp,
    ):
        letters.write(Path(temp) / "warm", one_part.head(1), config, DAY)  # fonts loaded once
        start = time.perf_counter()
        profiler.runcall(letters.write, Path(temp) / "part", one_part, config, DAY)
        total = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    cumulative = {(file, name): row[3] for (file, _, name), row in stats.items()}

    def seconds(suffix: str, name: str) -> float:
        return sum(s for (f, n), s in cumulative.items() if n == name and f.endswith(suffix))

    per_letter = {step: 1000 * seconds(*key) / one_part.height for step, key in STEPS.items()}
    per_letter["all, one process"] = 1000 * total / one_part.height
    return {step: round(ms, 3) for step, ms in per_letter.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--json", type=Path, default=Path("bench/letters.json"))
    parser.add_argument(
        "--work",
        type=Path,
        default=Path("."),
        help="where the letters are written, on the disk a home would be on (default: here)",
    )
    args = parser.parse_args()
    os.environ["RAYON_NUM_THREADS"] = "1"  # as in the workers, also for a night this small
    config = load_config(args.config)
    due = fake_letters(args.letters, config)
    figures = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "per_layout": letters.PER_LAYOUT,
        "parallel_from_letters": pdf.PARALLEL_FROM,
        **end_to_end(due, config, args.work),
        "ms_per_letter_in_one_process": profile(due, config, args.work),
    }
    for key, value in figures.items():
        print(f"{key:<30}  {value}")
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
