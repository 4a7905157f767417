"""Benchmark: how long `vsig serve` takes to answer CBS for a period, page by page.

Run by hand, never as a timed test, on a home a night has run in (`bench/run.py --work W`
leaves one under W/scale-N/home):

    .venv/bin/python bench/serve.py --home W/scale-1800000/home \
        --config W/scale-1800000/config/vsig.yaml --json bench/serve.json

Each page goes through what a request does after its body is checked: the period's
delivery (`serve.Deliveries`: built by the first request, then kept while the state does not
change), the page sliced from it, the JSON and its digest. The RSA signature over the digest
and the network are left out: they do not grow with the period. The first page includes the
build (the state copied and read, the Uitwisselmodel made); the target is the further
pages, each under 2 s (issue 36).
"""

import argparse
import hashlib
import json
import os
import platform
import time
from datetime import date
from pathlib import Path
from typing import Any

from vsig.config import load_config
from vsig.io.home import Home
from vsig.reporting import serve

TARGET_S = 2.0
MACHINE = {"cores": os.cpu_count(), "python": platform.python_version(),
           "platform": platform.platform()}  # fmt: skip


def answered(deliveries: serve.Deliveries, asked: serve.Asked) -> tuple[int, int]:
    """One request's work: its vroegsignalen and the bytes of its body."""
    delivery = deliveries.of(asked.start, asked.end)
    reply, records = serve.answer(delivery, asked)
    payload = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    hashlib.sha256(payload).digest()
    return records, len(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--page-size", type=int, default=serve.MAX_PAGE)
    parser.add_argument("--json", type=Path, default=Path("bench/serve.json"))
    args = parser.parse_args()
    deliveries = serve.Deliveries(Home(args.home), load_config(args.config))
    pages: list[dict[str, Any]] = []
    number, last = 1, 1
    while number <= last:
        asked = serve.Asked(args.start, args.end, number, args.page_size)
        start = time.perf_counter()
        records, size = answered(deliveries, asked)
        seconds = round(time.perf_counter() - start, 3)
        if number == 1:
            delivery = deliveries.of(args.start, args.end)
            total = sum(len(levering["vroegsignalen"]) for levering in delivery["leveringen"])
            last = max(1, -(-total // args.page_size))
        pages.append({"page": number, "vroegsignalen": records, "bytes": size, "s": seconds})
        print(f"page {number} of {last}: {records} vroegsignalen, {size} bytes, {seconds} s")
        number += 1
    further = [p["s"] for p in pages[1:]] or [pages[0]["s"]]
    figures = {
        "machine": MACHINE,
        "period": f"{args.start}..{args.end}",
        "vroegsignalen": total,
        "page_size": args.page_size,
        "first_page_with_the_build_s": pages[0]["s"],
        "slowest_further_page_s": max(further),
        "target_s": TARGET_S,
        "target_met": max(further) < TARGET_S,
        "pages": pages,
    }
    args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
