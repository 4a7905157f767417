"""The overview as people open it: in a real browser, on a phone and on a desktop.

Needs Chromium: `.ci/run` installs Debian's package. Where it is not installed the test is
skipped, saying so; it never passes without a browser.
"""

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from vsig.config import Config
from vsig.reporting import report
from vsig.rules import vng

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine: `apt-get install chromium` (as .ci/run does) to "
    "render the overview in a real browser",
)

WIDTHS = (390, 1280)  # a phone, a desktop

OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + ' ' + Math.round(e.getBoundingClientRect().right));
  return {width, scroll: document.documentElement.scrollWidth, out,
          charts: [...document.querySelectorAll('figure svg')]
            .map(s => Math.round(s.getBoundingClientRect().width))};
}"""


def busy_quarter(config: Config) -> dict[str, pl.DataFrame]:
    """A quarter with every municipality, route, creditor type and result: the longest
    labels the page can get."""
    months = ["2027-01", "2027-02", "2027-03"]
    soorten = ["Huur", "Energie", "Water", "Zorgverzekering"]
    routes = [(g.code, r.name) for g in config.gemeenten for r in config.routing.rules]
    return {
        "signalen": pl.DataFrame(
            [(m, s, 10 + i) for i, (m, s) in enumerate((m, s) for m in months for s in soorten)],
            schema=["maand", "soort", "n"],
            orient="row",
        ),
        "zaken": pl.DataFrame(
            [(g, r, 3 + i) for i, (g, r) in enumerate(routes)],
            schema=["gemeentecode", "regel", "n"],
            orient="row",
        ),
        "resultaten": pl.DataFrame(
            [(r, 2 * i) for i, r in enumerate(vng.EINDRESULTATEN)],
            schema=["resultaat", "n"],
            orient="row",
        ),
        "gesprekken": pl.DataFrame(
            {"crisis": [False] * 12, "aanmelding": [date(2027, 1, 4)] * 12,
             "gesprek": [date(2027, 1, 20)] * 9 + [date(2027, 3, 1)] * 3},
        ),
    }  # fmt: skip


def opened(page_file: Path, width: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with a browser

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(page_file.as_uri())
            measured: dict[str, Any] = page.evaluate(OVERFLOWING)
        finally:
            browser.close()
    return measured


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_on_the_overview_overflows_a_phone_or_a_desktop(
    config: Config, tmp_path: Path, width: int
) -> None:
    counts = busy_quarter(config)
    data = report.overview_of(counts, config, date(2027, 1, 1), date(2027, 3, 31), date(2027, 4, 2))
    page_file = tmp_path / "overzicht.html"
    page_file.write_text(report.overview_html(data), encoding="utf-8")
    measured = opened(page_file, width)
    assert measured["width"] == width
    assert measured["scroll"] <= width, measured
    assert measured["out"] == [], measured
    assert len(measured["charts"]) == 4
    assert all(0 < w <= width for w in measured["charts"]), measured
