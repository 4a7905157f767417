"""Reports of a period: the period itself and the overview, from frames of a few rows."""

from datetime import date

import polars as pl
import pytest

from vsig.config import Config
from vsig.reporting import report
from vsig.rules import formats

NOV = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_a_period_is_a_month_or_a_quarter(text: str, first: date, last: date) -> None:
    assert report.period(text) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "november"])
def test_another_period_is_refused_with_the_forms_it_takes(text: str) -> None:
    with pytest.raises(report.ReportError, match="is not YYYY-MM or YYYY-Qn"):
        report.period(text)


def test_the_overview_counts_first_conversations_on_time_by_the_legal_term(
    config: Config,
) -> None:
    counts = {
        "signalen": pl.DataFrame({"maand": ["2026-11"], "soort": ["Zorg"], "n": [3]}),
        "zaken": pl.DataFrame({"gemeentecode": ["0505"], "regel": ["r"], "n": [2]}),
        "resultaten": pl.DataFrame(schema={"resultaat": pl.String, "n": pl.Int64}),
        "gesprekken": pl.DataFrame(
            {
                "crisis": [False, True],
                "aanmelding": [date(2026, 11, 2), date(2026, 11, 2)],  # a Monday
                "gesprek": [date(2026, 11, 30), date(2026, 11, 6)],  # 4 weeks; 4 working days
            }
        ),
    }
    bars = report.overview_of(counts, config, *NOV, date(2026, 11, 20))
    assert [(b["label"], b["n"], b["getoond"]) for b in bars["gesprekken"]] == [
        ("op tijd", 1, "< 5"),
        ("te laat", 1, "< 5"),
    ]
    assert bars["op_tijd"] is None  # one of two: a share would show the small counts
    assert bars["deels"]  # the 20th of a month that runs to the 30th
    assert bars["stand_per"] == formats.datum(date(2026, 11, 20))
    assert [(b["label"], b["getoond"]) for b in bars["totalen"]] == [
        ("signalen", "< 5"),
        ("zaken geopend", "< 5"),
        ("eerste gesprekken", "< 5"),
    ]


def test_a_small_count_has_no_bar_that_would_show_it() -> None:
    """The chart of 40 and 2 is the chart of 40 and 0; that of 40 and 7 is not."""

    def drawn(*counts: int) -> str:
        return str(report.chart([report._bar(f"rij {i}", n) for i, n in enumerate(counts)]))

    assert drawn(40, 2) == drawn(40, 0)
    assert drawn(40, 7) != drawn(40, 0)
    assert drawn(40, 7).count('aria-roledescription="bar"') == 2


def test_a_chart_is_svg_that_shows_its_labels_as_text_never_as_markup() -> None:
    svg = str(report.chart([report._bar("Dordrecht: <script>x</script> & co", 9)]))
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in svg


def test_a_groups_bar_is_its_whole_total_whatever_its_small_parts() -> None:
    """Sliedrecht's ten cases by three routes (3, 3, 4) draw a bar of ten, not an empty one;
    Alblasserdam's twelve (5, 4, 3) a bar of twelve, not five. One colour for every chart."""

    def drawn(groep: str, *counts: int) -> str:
        return str(
            report.chart([report._bar(f"route {i}", n, groep) for i, n in enumerate(counts)])
        )

    assert drawn("Sliedrecht", 3, 3, 4) == drawn("Sliedrecht", 10)
    assert drawn("Alblasserdam", 5, 4, 3) == drawn("Alblasserdam", 12)
    assert drawn("Alblasserdam", 5, 4, 3) != drawn("Alblasserdam", 5)
    assert drawn("Sliedrecht", 2, 1) == drawn("Sliedrecht", 0)  # three in all: no bar


def test_a_small_part_cannot_be_found_by_subtracting_from_its_groups_total() -> None:
    """Beside one small part, the next smallest of its group is hidden too; two small parts
    hide each other, and a group of one part is its total."""

    def shown(*counts: int) -> list[str]:
        rows = [report._bar(f"route {i}", n, "Dordrecht") for i, n in enumerate(counts)]
        return [r["getoond"] for r in report._parts(rows)]

    assert shown(7, 3) == [report.HIDDEN, "< 5"]
    assert shown(7, 3, 8) == [report.HIDDEN, "< 5", "8"]
    assert shown(9, 3, 2) == ["9", "< 5", "< 5"]
    assert shown(9, 12) == ["9", "12"]
    assert shown(3) == ["< 5"]
    assert shown(0, 3, 6) == ["0", "< 5", report.HIDDEN]


def test_the_share_on_time_is_given_only_when_its_counts_are(config: Config) -> None:
    """Seven on time and two late of nine in the headline: "< 5" late would follow from the
    nine and the seven, so the seven is hidden, and so is the share."""

    def headline(on_time: int, late: int) -> tuple[str | None, list[str]]:
        aanmelding, term, held = date(2026, 11, 2), date(2026, 11, 20), on_time + late
        counts = {
            "signalen": pl.DataFrame({"maand": ["2026-11"], "soort": ["Zorg"], "n": [30]}),
            "zaken": pl.DataFrame({"gemeentecode": ["0505"], "regel": ["r"], "n": [20]}),
            "resultaten": pl.DataFrame(schema={"resultaat": pl.String, "n": pl.Int64}),
            "gesprekken": pl.DataFrame(
                {"crisis": [False] * held, "aanmelding": [aanmelding] * held,
                 "gesprek": [term] * on_time + [date(2027, 1, 4)] * late}
            ),
        }  # fmt: skip
        bars = report.overview_of(counts, config, *NOV, date(2026, 12, 2))
        return bars["op_tijd"], [b["getoond"] for b in bars["gesprekken"]]

    assert headline(7, 2) == (None, [report.HIDDEN, "< 5"])
    assert headline(15, 5) == ("75%", ["15", "5"])
    assert headline(9, 0) == ("100%", ["9", "0"])


def test_a_small_group_cannot_be_found_from_the_headline_less_the_other_bars(
    config: Config,
) -> None:
    """Dordrecht 30 and 20 cases, Alblasserdam 2, 52 in the headline: Alblasserdam's "< 5"
    would be 52 less Dordrecht's bar, or less Dordrecht's parts. So Dordrecht has no bar
    and its smaller part is hidden."""
    counts = {
        "signalen": pl.DataFrame({"maand": ["2026-11"], "soort": ["Zorg"], "n": [60]}),
        "zaken": pl.DataFrame(
            {"gemeentecode": ["0505", "0505", "0482"], "regel": ["a", "b", "a"], "n": [30, 20, 2]}
        ),
        "resultaten": pl.DataFrame(schema={"resultaat": pl.String, "n": pl.Int64}),
        "gesprekken": pl.DataFrame(
            schema={"crisis": pl.Boolean, "aanmelding": pl.Date, "gesprek": pl.Date}
        ),
    }
    bars = report.overview_of(counts, config, *NOV, date(2026, 12, 2))
    assert [(b["label"], b["getoond"]) for b in bars["zaken"]] == [
        ("Dordrecht: a", "30"),
        ("Dordrecht: b", report.HIDDEN),
        ("Alblasserdam: a", "< 5"),
    ]
    nothing = [report._bar("a", 0, "Dordrecht"), report._bar("a", 0, "Alblasserdam")]
    assert str(report.chart(bars["zaken"])) == str(report.chart(nothing))
    assert [b["getoond"] for b in bars["totalen"]][:2] == ["60", "52"]
