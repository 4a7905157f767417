"""What each export holds, on frames of a few rows: each creditor hears of its own rows only."""

from datetime import date

import polars as pl

from vsig.contracts import TERUGMELDING_CSV
from vsig.rules import exports, vng

TODAY = date(2026, 12, 1)
SIGNAL = {
    "signaalpartner": pl.String,
    "bestand": pl.String,
    "regelnummer": pl.Int64,
    "signaal_id": pl.String,
    "klantnummer": pl.String,
    "signaaldatum": pl.Date,
    "status": pl.String,
}


def signals(*rows: tuple[str, int, str, str]) -> pl.DataFrame:
    """(partner, line, signal id, status) of tonight's signals."""
    return pl.DataFrame(
        [
            (partner, f"{partner}.csv", line, signaal, f"K{signaal}", TODAY, status)
            for partner, line, signaal, status in rows
        ],
        schema=SIGNAL,
        orient="row",
    )


def test_each_creditor_gets_its_own_rows_its_decisions_and_its_refusals_only() -> None:
    """VGZ and Evides signal the same household; the case is decided tonight. Each hears of
    its own signals, the decision of its own earlier signal and why its own rows were
    refused; neither learns that the other signalled, nor the case they share."""
    tonight = signals(("VGZ", 2, "V-2", vng.HERHAALD), ("EVIDES", 2, "E-2", vng.OPGEPAKT))
    earlier = signals(("VGZ", 5, "V-1", vng.OPGEPAKT), ("EVIDES", 3, "E-1", vng.OPGEPAKT))
    decisions = earlier.with_columns(
        beschikking=pl.lit("toegelaten"), resultaat=pl.lit(None, pl.String)
    )
    refused = pl.DataFrame(
        {
            "signaalpartner": ["EVIDES"],
            "bestand": ["EVIDES.csv"],
            "regelnummer": [3],
            "signaal_id": ["E-3"],
            "afwijzing": ["bedrag: moet meer dan 0 zijn"],
        }
    )
    feedback = exports.terugmeldingen(tonight, decisions, refused, TODAY)
    assert sorted(feedback) == ["EVIDES", "VGZ"]
    for partner, rows in feedback.items():
        assert rows.columns == list(TERUGMELDING_CSV)
        assert set(rows["bestand"]) == {f"{partner}.csv"}
    assert feedback["VGZ"].select("signaal_id", "status", "beschikking").rows() == [
        ("V-2", vng.HERHAALD, None),
        ("V-1", vng.OPGEPAKT, "toegelaten"),
    ]
    assert feedback["EVIDES"].select("signaal_id", "beschikking", "afwijzing").rows() == [
        ("E-2", None, None),
        ("E-1", "toegelaten", None),
        ("E-3", None, "bedrag: moet meer dan 0 zijn"),
    ]
