"""Events checked before they count, and the outcomes they decide, on frames of a few rows."""

from datetime import date, timedelta

import polars as pl

from vsig.rules import events as events_rule

from .frames import BEFORE, HOME, NEW_HOME, TODAY, events, open_cases


def test_the_latest_outcome_of_a_case_counts_and_a_missing_one_is_null() -> None:
    decided = events_rule.outcomes(
        events(
            ("Z1", date(2027, 2, 1), "beschikking", "afgewezen", 2),
            ("Z1", date(2027, 2, 3), "beschikking", "toegelaten", 3),
            ("Z2", date(2027, 2, 3), "resultaat", "Vervolghulp", 4),
            ("Z3", date(2027, 2, 3), "aanmelding", None, 5),
        )
    )
    assert decided.select("zaak_id", "beschikking", "resultaat").sort("zaak_id").rows() == [
        ("Z1", "toegelaten", None),
        ("Z2", None, "Vervolghulp"),
    ]


def test_same_day_outcomes_are_ordered_by_their_line_in_the_file() -> None:
    decided = events_rule.outcomes(
        events(
            ("Z1", date(2027, 2, 3), "beschikking", "toegelaten", 9),
            ("Z1", date(2027, 2, 3), "beschikking", "afgewezen", 4),
        )
    )
    assert decided["beschikking"].to_list() == ["toegelaten"]


def entries(*rows: tuple[str, date, str | None, str | None]) -> pl.DataFrame:
    """A file's rows: (zaak_id, datum, waarde, organisatie), each an aanmelding or, with a
    waarde, a beschikking; numbered from line 2."""
    return pl.DataFrame(
        [
            {
                "bestand": "uitkomsten.csv",
                "regelnummer": line,
                "zaak_id": zaak,
                "datum": datum,
                "gebeurtenis": "beschikking" if waarde else "aanmelding",
                "waarde": waarde,
                "organisatie": organisatie,
            }
            for line, (zaak, datum, waarde, organisatie) in enumerate(rows, start=2)
        ],
        schema={
            "bestand": pl.String,
            "regelnummer": pl.Int64,
            "zaak_id": pl.String,
            "datum": pl.Date,
            "gebeurtenis": pl.String,
            "waarde": pl.String,
            "organisatie": pl.String,
        },
    )


OPEN = pl.concat(
    [
        open_cases(("Z1", HOME)),
        open_cases(("Z2", NEW_HOME)).with_columns(gemeentecode=pl.lit("0590")),
    ]
)
NOTHING_BEFORE = entries().drop("bestand", "regelnummer", "organisatie")
NO_LETTERS = pl.DataFrame(schema={"zaak_id": pl.String, "actietype": pl.String, "geboekt": pl.Date})


def split(
    rows: pl.DataFrame,
    recorded: pl.DataFrame = NOTHING_BEFORE,
    performed: pl.DataFrame = NO_LETTERS,
) -> tuple[list[int], list[tuple[int, str]]]:
    """The lines accepted, and each rejected line with its reason: as one file of the night
    (`split_events`, then `out_of_order` over what it accepted)."""
    accepted, rejects = events_rule.split_events(rows, OPEN, recorded)
    disordered = events_rule.out_of_order(accepted, recorded, performed)
    kept = accepted.join(disordered.select("regelnummer"), on="regelnummer", how="anti")
    refused = pl.concat([rejects, disordered.select(rejects.columns)]).sort("regelnummer")
    return kept["regelnummer"].to_list(), refused.select("regelnummer", "reden").rows()


def test_a_municipality_records_only_for_its_own_cases_the_sdd_for_every_case() -> None:
    rows = entries(
        ("Z1", TODAY, None, "0505"),  # Dordrecht's case, by Dordrecht
        ("Z2", TODAY, None, "0505"),  # Zwijndrecht's case, by Dordrecht
        ("Z2", TODAY, None, events_rule.SDD),
        ("Z1", TODAY, "toegelaten", None),  # a hand-written file says nobody
    )
    assert split(rows) == (
        [2, 4, 5],
        [(3, events_rule.REJECT_OTHER_MUNICIPALITY)],
    )


def test_an_event_counts_only_for_an_open_case_from_its_opening_day() -> None:
    rows = entries(
        ("Z9", TODAY, None, None),
        ("Z1", BEFORE, None, None),  # the day it opened
        ("Z1", BEFORE - timedelta(days=1), "afgewezen", None),
    )
    assert split(rows) == (
        [3],
        [(2, events_rule.REJECT_UNKNOWN_CASE), (4, events_rule.REJECT_BEFORE_OPENING)],
    )


def test_an_event_is_taken_once_however_often_and_wherever_it_comes() -> None:
    """The same case, date, kind and value again in the file, or recorded before (an earlier
    night, or an earlier file tonight), is a reject; another value of the same day is not."""
    rows = entries(
        ("Z1", TODAY, "toegelaten", None),
        ("Z1", TODAY, "toegelaten", events_rule.SDD),
        ("Z1", TODAY, "afgewezen", None),
        ("Z1", TODAY, None, None),
    )
    recorded = entries(("Z1", TODAY, None, None)).drop("bestand", "regelnummer", "organisatie")
    assert split(rows, recorded) == (
        [2, 4],
        [(3, events_rule.REJECT_RECORDED), (5, events_rule.REJECT_RECORDED)],
    )


def test_a_decision_follows_a_request_and_a_result_follows_an_action() -> None:
    """Z1 gets a beschikking on the 1st and its aanmelding on the 2nd: the decision came
    before anyone asked. Z2's decision on the 3rd follows its first conversation on the 2nd
    in the same file. Z1's result has its aanmelding; Z2's result on the 1st came before
    anything was done (a forward is no contact), Z2's later one after the conversation.
    A letter counts as acting on a case: with one booked, Z2's early result stands."""
    first, second, third = (date(2027, 2, d) for d in (1, 2, 3))
    rows = entries(
        ("Z1", first, "toegelaten", None),
        ("Z1", second, None, None),
        ("Z2", second, None, None),
        ("Z2", third, "afgewezen", None),
        ("Z1", third, "Vervolghulp", None),
        ("Z2", first, "Vervolghulp", None),
        ("Z2", third, "Vervolghulp", None),
    ).with_columns(
        gebeurtenis=pl.Series(
            ["beschikking", "aanmelding", "eerste_gesprek", "beschikking"] + ["resultaat"] * 3
        )
    )
    assert split(rows) == (
        [3, 4, 5, 6, 8],
        [(2, events_rule.REJECT_NO_REQUEST), (7, events_rule.REJECT_NOT_ACTED_ON)],
    )
    forward_and_letter = pl.DataFrame(
        {"zaak_id": ["Z2", "Z2"], "actietype": ["doorsturen", "brief"], "geboekt": [BEFORE] * 2}
    )
    assert split(rows, performed=forward_and_letter)[1] == [(2, events_rule.REJECT_NO_REQUEST)]


def test_a_result_known_without_contact_needs_no_action_first() -> None:
    """A forwarded case (no letter, nothing recorded) whose signal was a repeat, or whose
    resident died: the case worker records it without having reached anyone."""
    rows = entries(
        ("Z2", TODAY, "Niet opgepakt: herhaalde melding", None),
        ("Z1", TODAY, "Inwoner is overleden", None),
        ("Z2", TODAY, "Vervolghulp en/of verwijzing", None),
    ).with_columns(gebeurtenis=pl.lit("resultaat"))
    assert split(rows) == ([2, 3], [(4, events_rule.REJECT_NOT_ACTED_ON)])


def test_a_decision_counts_its_request_from_any_file_of_the_night() -> None:
    """The municipality's sheet brings the beschikking, the SDD's the aanmelding; whichever
    is read first, the decision stands once both are read."""
    decision = entries(("Z1", TODAY, "toegelaten", "0505")).with_columns(bron=pl.lit(0))
    request = entries(("Z1", TODAY, None, events_rule.SDD)).with_columns(bron=pl.lit(1))
    tonight = pl.concat([decision, request])
    assert events_rule.out_of_order(tonight, NOTHING_BEFORE, NO_LETTERS).is_empty()
    alone = events_rule.out_of_order(decision, NOTHING_BEFORE, NO_LETTERS)
    assert alone.select("bron", "kolom", "waarde", "reden").rows() == [
        (0, "gebeurtenis", "beschikking", events_rule.REJECT_NO_REQUEST)
    ]
