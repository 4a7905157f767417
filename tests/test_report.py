"""Reports of a period: the CBS delivery and the overview, from frames of a few rows."""

from datetime import date

import polars as pl
import pytest

from vsig import formats, report
from vsig.config import Config

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


def signal(signaal_id: str, gemeentecode: str) -> dict[str, object]:
    return {
        "signaalpartner": "VGZ",
        "signaal_id": signaal_id,
        "soort": "Zorg",
        "bedrag": 12350,
        "ontstaansdatum": date(2026, 9, 1),
        "signaaldatum": date(2026, 11, 2),
        "status": "Opgepakt",
        "crisissignaal": False,
        "warme_overdracht": False,
        "persoon_bsn": "111222333",
        "bsn": None,
        "voorletters": "J.",
        "voorvoegsel": None,
        "achternaam": "Jansen",
        "geboortedatum": date(1980, 1, 1),
        "straatnaam": "Voorstraat",
        "postcode": "3311AB",
        "huisnummer": 1,
        "huisletter": None,
        "huisnummertoevoeging": None,
        "plaatsnaam": "Dordrecht",
        "gemeentecode": gemeentecode,
    }


def test_each_municipality_gets_its_own_signals_and_cases(config: Config) -> None:
    assert config.cbs is not None
    rows = {
        "signalen": pl.DataFrame([signal("S1", "0505"), signal("S2", "0590")]),
        "zaken": pl.DataFrame(
            {"zaak_id": ["Z1"], "gemeentecode": ["0505"], "geopend": [date(2026, 11, 2)]}
        ),
        "leden": pl.DataFrame({"zaak_id": ["Z1"], "signaalpartner": ["VGZ"], "signaal_id": ["S1"]}),
        "gebeurtenissen": pl.DataFrame(
            {
                "zaak_id": ["Z1", "Z1"],
                "datum": [date(2026, 11, 5), date(2026, 11, 20)],
                "gebeurtenis": ["contactpoging", "resultaat"],
                "waarde": ["Telefoon|ja|Middag", "Vervolghulp"],
            }
        ),
    }
    made = report.delivery(rows, config, config.cbs, *NOV)
    by_code = {levering["gemeentecode"]: levering for levering in made["leveringen"]}
    assert set(by_code) == {g.code for g in config.gemeenten}
    assert [s["ID"] for s in by_code["0505"]["vroegsignalen"]] == ["VGZ-S1"]
    assert [s["ID"] for s in by_code["0590"]["vroegsignalen"]] == ["VGZ-S2"]
    assert by_code["0505"]["vroegsignalen"][0]["bedrag"] == 124  # whole euros, half up
    (zaak,) = by_code["0505"]["vroegsignaalzaken"]
    assert zaak["contactpogingen"] == [
        {"soort": "Telefoon", "bereikt": True, "datum": "2026-11-05", "dagdeel": "Middag"}
    ]
    assert zaak["resultaat"] == "Vervolghulp"
    assert by_code["0590"]["vroegsignaalzaken"] == []


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
    assert bars["op_tijd"] == "50%"
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
