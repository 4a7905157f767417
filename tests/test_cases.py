"""The life of a case, stage by stage, on frames of a few rows."""

from datetime import date

import polars as pl

from vsig import cases, vng

TODAY = date(2027, 3, 1)
BEFORE = date(2027, 1, 4)
HOME, NEW_HOME, ELSEWHERE = "3311AB|1||", "3312CD|7||", "3313EF|2||"


def open_cases(*rows: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "zaak_id": zaak,
                "adres_sleutel": adres,
                "gemeentecode": "0505",
                "geopend": BEFORE,
                "laatste_activiteit": BEFORE,
                "gesloten": None,
                "sluitreden": None,
            }
            for zaak, adres in rows
        ],
        schema_overrides={"gesloten": pl.Date, "sluitreden": pl.String},
    )


def case_signals(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(zaak_id, signaal_id, persoon_bsn); the klantnummer is the signal id."""
    return pl.DataFrame(
        [
            {
                "zaak_id": zaak,
                "signaalpartner": "VGZ",
                "klantnummer": signaal,
                "soort": "Zorg",
                "bedrag": 300_00,
                "signaaldatum": BEFORE,
                "ontstaansdatum": BEFORE,
                "signaal_id": signaal,
                "status": vng.OPGEPAKT,
                "crisissignaal": False,
                "warme_overdracht": False,
                "persoon_bsn": bsn,
                "telefoonnummer": None,
                "email": None,
            }
            for zaak, signaal, bsn in rows
        ],
        schema_overrides={"telefoonnummer": pl.String, "email": pl.String},
    )


def brp(*rows: tuple[str, str, bool]) -> pl.DataFrame:
    """(bsn, adres_sleutel, overleden)"""
    return pl.DataFrame(
        [{"bsn": b, "adres_sleutel": a, "gemeentecode": "0505", "overleden": d} for b, a, d in rows]
    )


def test_a_case_follows_its_household_to_their_new_address() -> None:
    followed = cases.follow(
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


def test_a_new_occupant_signalled_after_the_move_gets_a_case_of_their_own() -> None:
    followed = cases.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A")),
        brp(("A", NEW_HOME, False), ("N", HOME, False)),
        TODAY,
    )
    tonight = matched(("S9", "N", HOME, vng.OPGEPAKT))
    bundled = cases.bundle(tonight, followed, "20270301-01", TODAY)
    assert bundled.signals["zaak_id"].to_list() == ["Z20270301-01-0001"]
    by_case = dict(bundled.touched.select("zaak_id", "adres_sleutel").iter_rows())
    assert by_case == {"Z1": NEW_HOME, "Z20270301-01-0001": HOME}
    assert set(
        bundled.case_signals.filter(pl.col("zaak_id") == "Z20270301-01-0001")["persoon_bsn"]
    ) == {"N"}


def test_a_case_closes_when_its_persons_left_the_region_or_died() -> None:
    followed = cases.follow(
        open_cases(("Z1", HOME), ("Z2", ELSEWHERE)),
        case_signals(("Z1", "S1", "A"), ("Z2", "S2", "D")),
        brp(("N", HOME, False), ("D", ELSEWHERE, True)),
        TODAY,
    )
    assert followed.open_cases.is_empty()
    assert followed.closed.select("zaak_id", "gesloten", "sluitreden").rows() == [
        ("Z1", TODAY, vng.GEEN_INWONER),
        ("Z2", TODAY, vng.OVERLEDEN),
    ]


def test_a_person_who_moves_out_takes_their_own_debts_along() -> None:
    followed = cases.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A"), ("Z1", "S2", "B")),
        brp(("A", HOME, False), ("B", ELSEWHERE, False)),
        TODAY,
    )
    bundled = cases.bundle(matched(), followed, "20270301-01", TODAY)
    assert bundled.regrouped.rows() == [("VGZ", "S2", "Z20270301-01-0001")]
    new = bundled.touched.filter(pl.col("zaak_id") == "Z20270301-01-0001")
    # The debts are old news: the new case keeps the activity of the one they left.
    assert new.select("adres_sleutel", "geopend", "laatste_activiteit").row(0) == (
        ELSEWHERE,
        TODAY,
        BEFORE,
    )
    assert set(bundled.touched["zaak_id"]) == {"Z1", "Z20270301-01-0001"}


def test_moving_in_with_a_household_that_has_a_case_merges_the_two() -> None:
    followed = cases.follow(
        open_cases(("Z1", HOME), ("Z2", NEW_HOME)),
        case_signals(("Z1", "S1", "A"), ("Z2", "S2", "B")),
        brp(("A", NEW_HOME, False), ("B", NEW_HOME, False)),
        TODAY,
    )
    assert followed.closed.select("zaak_id", "sluitreden").rows() == [("Z1", cases.MERGED + "Z2")]
    bundled = cases.bundle(matched(), followed, "20270301-01", TODAY)
    assert bundled.regrouped.rows() == [("VGZ", "S1", "Z2")]
    assert sorted(bundled.case_signals["signaal_id"]) == ["S1", "S2"]


def test_a_repeat_joins_the_case_of_its_debt_and_its_lower_amount_counts() -> None:
    followed = cases.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A")),
        brp(("A", HOME, False)),
        TODAY,
    )
    tonight = matched(("S1b", "A", HOME, vng.HERHAALD), klantnummer="S1", bedrag=120_00)
    bundled = cases.bundle(tonight, followed, "20270301-01", TODAY)
    assert bundled.signals["zaak_id"].to_list() == ["Z1"]
    assert bundled.touched.select("zaak_id", "laatste_activiteit").rows() == [("Z1", TODAY)]
    facts = cases.facts(bundled.case_signals)
    assert facts.select("totaal_achterstand", "aantal_signalen").row(0) == (120_00, 1)


def test_an_event_is_activity_and_a_result_closes() -> None:
    events = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2"],
            "datum": [date(2027, 2, 1), date(2027, 2, 27)],
            "gebeurtenis": ["aanmelding", "resultaat"],
            "waarde": [None, "(Budget)advies en/of quick fix"],
        }
    )
    after = cases.after_events(open_cases(("Z1", HOME), ("Z2", NEW_HOME)), events, TODAY)
    assert after.select("zaak_id", "laatste_activiteit", "gesloten").rows() == [
        ("Z1", TODAY, None),
        ("Z2", TODAY, date(2027, 2, 27)),
    ]
    assert cases.to_close(after, date(2027, 5, 29), 90).is_empty()
    assert cases.to_close(after, date(2027, 5, 30), 90)["zaak_id"].to_list() == ["Z1"]


def matched(
    *rows: tuple[str, str, str, str], klantnummer: str | None = None, bedrag: int = 300_00
) -> pl.DataFrame:
    """Tonight's matched signals: (signaal_id, persoon_bsn, adres_sleutel, status)."""
    return pl.DataFrame(
        [
            {
                "signaalpartner": "VGZ",
                "signaal_id": signaal,
                "klantnummer": klantnummer or signaal,
                "soort": "Zorg",
                "bedrag": bedrag,
                "signaaldatum": TODAY,
                "ontstaansdatum": TODAY,
                "status": status,
                "crisissignaal": False,
                "warme_overdracht": False,
                "persoon_bsn": bsn,
                "adres_sleutel": adres,
                "gemeentecode": "0505",
                "telefoonnummer": None,
                "email": None,
            }
            for signaal, bsn, adres, status in rows
        ],
        schema={
            "signaalpartner": pl.String,
            "signaal_id": pl.String,
            "klantnummer": pl.String,
            "soort": pl.String,
            "bedrag": pl.Int64,
            "signaaldatum": pl.Date,
            "ontstaansdatum": pl.Date,
            "status": pl.String,
            "crisissignaal": pl.Boolean,
            "warme_overdracht": pl.Boolean,
            "persoon_bsn": pl.String,
            "adres_sleutel": pl.String,
            "gemeentecode": pl.String,
            "telefoonnummer": pl.String,
            "email": pl.String,
        },
    )


def test_a_closed_case_still_tells_what_a_new_signal_must_exceed() -> None:
    """The household had its offer for the debt: the same debt no higher is a repeat. An open
    case holding the debt counts over a closed one."""
    closed = case_signals(("Z0", "S1", "A"), ("Z0", "S2", "A"))
    still_open = case_signals(("Z1", "S2", "A")).with_columns(
        bedrag=pl.lit(120_00, pl.Int64), signaaldatum=pl.lit(TODAY)
    )
    known = cases.known_debts(still_open, closed)
    assert known.select("klantnummer", "zaak_id", "bedrag").rows() == [
        ("S1", "Z0", 300_00),
        ("S2", "Z1", 120_00),
    ]


def test_a_case_whose_signal_names_no_person_stays_where_it_is() -> None:
    """A state from before matching went by person only holds signals without one: their
    case is not taken for one whose persons all left."""
    signals = case_signals(("Z1", "S1", "A")).with_columns(persoon_bsn=pl.lit(None, pl.String))
    followed = cases.follow(open_cases(("Z1", HOME)), signals, brp(("N", HOME, False)), TODAY)
    assert followed.closed.is_empty()
    assert followed.open_cases.select("zaak_id", "adres_sleutel").rows() == [("Z1", HOME)]


def events(*rows: tuple[str, date, str, str | None, int]) -> pl.DataFrame:
    """(zaak_id, datum, gebeurtenis, waarde, regelnummer)"""
    return pl.DataFrame(
        rows,
        schema={
            "zaak_id": pl.String,
            "datum": pl.Date,
            "gebeurtenis": pl.String,
            "waarde": pl.String,
            "regelnummer": pl.Int64,
        },
        orient="row",
    )


def test_close_splits_the_open_cases_from_those_closed_by_a_result_or_by_silence() -> None:
    stale = open_cases(("Z3", ELSEWHERE)).with_columns(laatste_activiteit=pl.lit(date(2026, 11, 1)))
    before = pl.concat([open_cases(("Z1", HOME), ("Z2", NEW_HOME)), stale])
    result = events(("Z2", date(2027, 2, 27), "resultaat", "Vervolghulp", 2))
    still_open, closed = cases.close(before, result, TODAY, 90)
    assert still_open["zaak_id"].to_list() == ["Z1"]
    assert closed.select("zaak_id", "gesloten", "sluitreden").sort("zaak_id").rows() == [
        ("Z2", date(2027, 2, 27), "resultaat: Vervolghulp"),
        ("Z3", TODAY, cases.INACTIVE),
    ]


def test_the_latest_outcome_of_a_case_counts_and_a_missing_one_is_null() -> None:
    decided = cases.outcomes(
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
    decided = cases.outcomes(
        events(
            ("Z1", date(2027, 2, 3), "beschikking", "toegelaten", 9),
            ("Z1", date(2027, 2, 3), "beschikking", "afgewezen", 4),
        )
    )
    assert decided["beschikking"].to_list() == ["toegelaten"]


def test_a_case_active_tonight_but_not_routed_still_reaches_the_state() -> None:
    active = open_cases(("Z1", HOME), ("Z2", NEW_HOME), ("Z3", ELSEWHERE)).with_columns(
        laatste_activiteit=pl.Series([TODAY, TODAY, BEFORE]), verhuisd=pl.lit(False)
    )
    routed = pl.DataFrame({"zaak_id": ["Z2"]})
    kept = cases.active_unrouted(active, routed, TODAY)
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
            }
        )

    stored = frame(["Z1", "Z2"], "3311AB|1||", False, 100_00)
    routed = frame(["Z2", "Z9"], "3311AB|2||", True, 600_00)
    after = cases.open_after(stored, routed).sort("zaak_id")
    assert after.rows() == [
        ("Z1", "3311AB|1||", "0505", False, 100_00),
        ("Z2", "3311AB|2||", "0505", True, 600_00),
        ("Z9", "3311AB|2||", "0505", True, 600_00),
    ]
