"""Benchmark: how fast vsig renders letters, as print batches and as single PDFs.

Run by hand, never as a timed test:  .venv/bin/python bench/letters.py --letters 2000
Prints a table and writes the figures as JSON (default bench/letters.json).
"""

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from vsig import letters, pdf, templates
from vsig.config import DEFAULT_CONFIG, load_config

DAY = date(2026, 11, 26)


def fake_letters(count: int, config_path: Path) -> list[letters.Brief]:
    """Letters shaped like a night's: both templates, one or two debts, seven municipalities,
    a call booked after some; built by the letters' own row-to-letter step."""
    config = load_config(config_path)
    result = []
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
            "naam": f"A. Jansen{number}",
            "adres": [f"Voorstraat {number % 250 + 1}", "3311 AB  DORDRECHT"],
            "schulden": debts,
            "totaal": sum(d["bedrag"] for d in debts),
            "vervolg": [call] if number % 2 else None,
        }
        result.append(letters.brief(row, config, DAY))
    return result


def _debt(partner: str, soort: str, cents: int) -> dict[str, Any]:
    return {"signaalpartner": partner, "soort": soort, "bedrag": cents, "signaaldatum": DAY}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--json", type=Path, default=Path("bench/letters.json"))
    args = parser.parse_args()
    config = load_config(args.config)
    briefs = fake_letters(args.letters, args.config)
    letters.render(briefs[:1], config, DAY)  # fonts loaded once, as in a run
    batches: dict[tuple[str, str], list[letters.Brief]] = {}
    for brief in briefs:
        batches.setdefault((brief.gemeentecode, brief.template), []).append(brief)

    created = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        prints = [
            (letters.source(members, config), Path(folder) / f"{number}.pdf")
            for number, members in enumerate(batches.values())
        ]
        start = time.perf_counter()
        pdf.write_all(prints, created)
        batch_seconds = time.perf_counter() - start
        pages = sum(letters.page_count(target.read_bytes()) for _, target in prints)

    with tempfile.TemporaryDirectory() as folder:
        singles = [
            (letters.source([brief], config), Path(folder) / f"{number}.pdf")
            for number, brief in enumerate(briefs)
        ]
        start = time.perf_counter()
        pdf.write_all(singles, created)
        single_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        letters.write(Path(folder), briefs, config, DAY)
        write_seconds = time.perf_counter() - start

    figures = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "letters": len(briefs),
        "pages": pages,
        "print_files": len(batches),
        "print_seconds": round(batch_seconds, 3),
        "print_pages_per_second": round(pages / batch_seconds),
        "single_pdfs_seconds": round(single_seconds, 3),
        "single_pdfs_per_second": round(len(singles) / single_seconds),
        "write_all_seconds": round(write_seconds, 3),
        "write_all_letters_per_second": round(len(briefs) / write_seconds),
    }
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
