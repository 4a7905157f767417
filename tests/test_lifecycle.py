"""The life of a case and every way it closes, on frames of a few rows."""

from datetime import date

import polars as pl

from vsig.rules import cases, lifecycle
from vsig.rules.lifecycle import CloseReason

from .frames import (
    BEFORE,
    ELSEWHERE,
    HOME,
    NEW_HOME,
    TODAY,
    brp,
    case_signals,
    events,
    matched,
    open_cases,
)


def test_a_case_follows_its_household_to_their_new_address() -> None:
    followed = lifecycle.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A"), ("Z1", "S2", "B")),
        brp(("A", NEW_HOME, False), ("B", NEW_HOME, False), ("N", HOME, False)),
        TODAY,
    )
    assert followed.open_cases.select("zaak_id", "adres_sleutel", "verhuisd").rows() == [
        ("Z1", NEW_HOME, True)
    ]
    assert followed.closed.is_empty()
    assert followed.regrouped.is_empty()


def test_a_case_closes_when_its_persons_left_the_region_or_died() -> None:
    followed = lifecycle.follow(
        open_cases(("Z1", HOME), ("Z2", ELSEWHERE)),
        case_signals(("Z1", "S1", "A"), ("Z2", "S2", "D")),
        brp(("N", HOME, False), ("D", ELSEWHERE, True)),
        TODAY,
    )
    assert followed.open_cases.is_empty()
    assert followed.closed.select("zaak_id", "gesloten", "sluitreden").rows() == [
        ("Z1", TODAY, CloseReason.VERTROKKEN),
        ("Z2", TODAY, CloseReason.OVERLEDEN),
    ]


def test_a_person_registered_outside_the_region_has_left_it() -> None:
    """A register that still lists someone who moved to Gorinchem (0512): their case is not
    followed there (no forward to a municipality vsig does not serve), it closes."""
    register = brp(("A", NEW_HOME, False), ("N", HOME, False)).with_columns(
        gemeentecode=pl.when(pl.col("bsn") == "A").then(pl.lit("0512")).otherwise("gemeentecode")
    )
    followed = lifecycle.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A")),
        lifecycle.in_region(register, ["0505", "0590"]),
        TODAY,
    )
    assert followed.open_cases.is_empty()
    assert followed.closed.select("zaak_id", "sluitreden").rows() == [
        ("Z1", CloseReason.VERTROKKEN)
    ]


def test_moving_in_with_a_household_that_has_a_case_merges_the_two() -> None:
    followed = lifecycle.follow(
        open_cases(("Z1", HOME), ("Z2", NEW_HOME)),
        case_signals(("Z1", "S1", "A"), ("Z2", "S2", "B")),
        brp(("A", NEW_HOME, False), ("B", NEW_HOME, False)),
        TODAY,
    )
    assert followed.closed.select("zaak_id", "sluitreden", "samengevoegd_in").rows() == [
        ("Z1", "samengevoegd", "Z2")
    ]
    bundled = cases.bundle(matched(), followed, "20270301-01", TODAY)
    assert bundled.regrouped.rows() == [("VGZ", "S1", "Z2")]
    assert sorted(bundled.case_signals["signaal_id"]) == ["S1", "S2"]


def test_an_event_is_activity_and_a_result_closes() -> None:
    events = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2"],
            "datum": [date(2027, 2, 1), date(2027, 2, 27)],
            "gebeurtenis": ["aanmelding", "resultaat"],
            "waarde": [None, "(Budget)advies en/of quick fix"],
        }
    )
    after = lifecycle.after_events(open_cases(("Z1", HOME), ("Z2", NEW_HOME)), events, TODAY)
    assert after.select("zaak_id", "laatste_activiteit", "gesloten").rows() == [
        ("Z1", TODAY, None),
        ("Z2", TODAY, date(2027, 2, 27)),
    ]
    settled = pl.Series(["Z1"])
    assert lifecycle.inactive(after, settled, date(2027, 5, 29), 90).is_empty()
    assert lifecycle.inactive(after, settled, date(2027, 5, 30), 90)["zaak_id"].to_list() == ["Z1"]


def test_a_case_still_owed_a_duty_never_closes_for_silence() -> None:
    """Z1 is owed its first conversation (or anything but its result): a year of silence
    leaves it open, where the list of what is overdue keeps it."""
    quiet = open_cases(("Z1", HOME))
    owed_a_duty = pl.Series([], dtype=pl.String)
    assert lifecycle.inactive(quiet, owed_a_duty, date(2028, 3, 1), 90).is_empty()
    still_open, closed = lifecycle.close(quiet, events(), owed_a_duty, date(2028, 3, 1), 90)
    assert still_open["zaak_id"].to_list() == ["Z1"]
    assert closed.is_empty()


def test_a_case_whose_signal_names_no_person_stays_where_it_is() -> None:
    """A state from before matching went by person only holds signals without one: their
    case is not taken for one whose persons all left."""
    signals = case_signals(("Z1", "S1", "A")).with_columns(persoon_bsn=pl.lit(None, pl.String))
    followed = lifecycle.follow(open_cases(("Z1", HOME)), signals, brp(("N", HOME, False)), TODAY)
    assert followed.closed.is_empty()
    assert followed.open_cases.select("zaak_id", "adres_sleutel").rows() == [("Z1", HOME)]


def test_a_signal_matched_to_a_household_follows_its_candidates_while_they_live_together() -> None:
    """Issue 33: `F. Jansen` is A or B of one household. Moving together, the case goes
    along; parting (moving apart, one leaving the region or dying), it stays where the
    household was matched while one of them lives there, for the debt is not laid on
    either; when both died, it closes as theirs."""
    household = case_signals(("Z1", "S1", ["A", "B"]))

    def followed(*register: tuple[str, str, bool]) -> lifecycle.Followed:
        return lifecycle.follow(open_cases(("Z1", HOME)), household, brp(*register), TODAY)

    together = followed(("A", NEW_HOME, False), ("B", NEW_HOME, False), ("N", HOME, False))
    assert together.open_cases.select("adres_sleutel", "verhuisd").rows() == [(NEW_HOME, True)]
    assert together.parted.is_empty()
    one_moved_out = followed(("A", NEW_HOME, False), ("B", HOME, False))
    assert one_moved_out.open_cases.select("adres_sleutel", "verhuisd").rows() == [(HOME, False)]
    assert one_moved_out.regrouped.is_empty()
    assert one_moved_out.parted.is_empty()
    for one_left in [(("A", HOME, False),), (("A", HOME, False), ("B", NEW_HOME, True))]:
        assert followed(*one_left).open_cases.select("adres_sleutel").rows() == [(HOME,)]
    gone = followed(("A", HOME, True), ("B", HOME, True))
    assert gone.closed.select("zaak_id", "sluitreden").rows() == [("Z1", CloseReason.OVERLEDEN)]
    assert gone.parted.is_empty()
    # A later signal about the same debt, matched to A alone, names the debtor: the debt
    # goes where A went, with the case.
    named = pl.concat(
        [household, case_signals(("Z1", "S2", "A")).with_columns(klantnummer=pl.lit("S1"))]
    )
    after = lifecycle.follow(
        open_cases(("Z1", HOME)), named, brp(("A", NEW_HOME, False), ("B", HOME, False)), TODAY
    )
    assert after.open_cases.select("adres_sleutel").rows() == [(NEW_HOME,)]
    assert after.regrouped.is_empty()


def test_a_household_that_parted_with_none_left_at_home_leaves_its_debt_to_a_person() -> None:
    """Issue 33: A and B both left the address the household was matched at (apart, or one
    of them dead or gone from the region). Following either would lay the debt on one of
    them; staying would leave it with whoever lives there now (N). The signal leaves its
    case to wait for a person, and a case with nobody else to follow closes as parted; a
    case with a person of its own follows them without it."""
    household = case_signals(("Z1", "S1", ["A", "B"]))
    for register in [
        (("A", NEW_HOME, False), ("B", ELSEWHERE, False), ("N", HOME, False)),
        (("A", NEW_HOME, False),),
        (("A", NEW_HOME, False), ("B", HOME, True)),
    ]:
        apart = lifecycle.follow(open_cases(("Z1", HOME)), household, brp(*register), TODAY)
        assert apart.parted.rows() == [("VGZ", "S1", "Z1", BEFORE)], register
        assert apart.open_cases.is_empty()
        assert apart.closed.select("zaak_id", "gesloten", "sluitreden").rows() == [
            ("Z1", TODAY, CloseReason.UITEENGEGAAN)
        ]
        assert apart.signals.is_empty()
        assert apart.regrouped.is_empty()
    # With a person of its own (C, by BSN), the case stays with C, its debts one fewer
    # (touched, so that its facts are routed again); the household's debt waits.
    shared = pl.concat([household, case_signals(("Z1", "S2", "C"))])
    now = brp(("A", NEW_HOME, False), ("B", ELSEWHERE, False), ("C", HOME, False))
    followed = lifecycle.follow(open_cases(("Z1", HOME)), shared, now, TODAY)
    assert followed.parted["signaal_id"].to_list() == ["S1"]
    assert followed.open_cases.select("zaak_id", "adres_sleutel").rows() == [("Z1", HOME)]
    assert followed.signals["signaal_id"].to_list() == ["S2"]
    assert followed.closed.is_empty()
    assert followed.regrouped.is_empty()
    bundled = cases.bundle(matched(), followed, "20270301-01", TODAY)
    assert bundled.open_signals["signaal_id"].to_list() == ["S2"]
    assert bundled.touched["zaak_id"].to_list() == ["Z1"]


def test_close_splits_the_open_cases_from_those_closed_by_a_result_or_by_silence() -> None:
    stale = open_cases(("Z3", ELSEWHERE)).with_columns(laatste_activiteit=pl.lit(date(2026, 11, 1)))
    before = pl.concat([open_cases(("Z1", HOME), ("Z2", NEW_HOME)), stale])
    result = events(("Z2", date(2027, 2, 27), "resultaat", "Vervolghulp", 2))
    still_open, closed = lifecycle.close(before, result, pl.Series(["Z1", "Z3"]), TODAY, 90)
    assert still_open["zaak_id"].to_list() == ["Z1"]
    assert closed.select("zaak_id", "gesloten", "sluitreden").sort("zaak_id").rows() == [
        ("Z2", date(2027, 2, 27), CloseReason.RESULTAAT),
        ("Z3", TODAY, CloseReason.GEEN_ACTIVITEIT),
    ]


def test_a_case_active_tonight_but_not_routed_still_reaches_the_state() -> None:
    active = open_cases(("Z1", HOME), ("Z2", NEW_HOME), ("Z3", ELSEWHERE)).with_columns(
        laatste_activiteit=pl.Series([TODAY, TODAY, BEFORE]), verhuisd=pl.lit(False)
    )
    routed = pl.DataFrame({"zaak_id": ["Z2"]})
    kept = lifecycle.active_unrouted(active, routed, TODAY)
    assert kept["zaak_id"].to_list() == ["Z1"]
    assert "verhuisd" not in kept.columns


def test_the_cases_open_after_tonight_take_routing_facts_over_stored_ones() -> None:
    def frame(ids: list[str], adres: str, crisis: bool, totaal: int) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "zaak_id": ids,
                "adres_sleutel": adres,
                "gemeentecode": "0505",
                "crisis": crisis,
                "totaal_achterstand": totaal,
                "laatste_activiteit": BEFORE if totaal < 500_00 else TODAY,
            }
        )

    stored = frame(["Z1", "Z2"], "3311AB|1||", False, 100_00)
    routed = frame(["Z2", "Z9"], "3311AB|2||", True, 600_00)
    after = lifecycle.open_after(stored, routed).sort("zaak_id")
    assert after.rows() == [
        ("Z1", "3311AB|1||", "0505", False, 100_00, BEFORE),
        ("Z2", "3311AB|2||", "0505", True, 600_00, TODAY),
        ("Z9", "3311AB|2||", "0505", True, 600_00, TODAY),
    ]
