"""Bundling: tonight's signals into cases, and what a case's signals say about it, on
frames of a few rows."""

import polars as pl

from vsig.rules import cases, lifecycle, vng

from .frames import BEFORE, ELSEWHERE, HOME, NEW_HOME, TODAY, brp, case_signals, matched, open_cases


def test_a_new_occupant_signalled_after_the_move_gets_a_case_of_their_own() -> None:
    followed = lifecycle.follow(
        open_cases(("Z1", HOME)),
        case_signals(("Z1", "S1", "A")),
        brp(("A", NEW_HOME, False), ("N", HOME, False)),
        TODAY,
    )
    tonight = matched(("S9", "N", HOME, vng.NOG_NIET_OPGEPAKT))
    bundled = cases.bundle(tonight, followed, "20270301-01", TODAY)
    assert bundled.signals["zaak_id"].to_list() == ["Z20270301-01-0001"]
    by_case = dict(bundled.touched.select("zaak_id", "adres_sleutel").iter_rows())
    assert by_case == {"Z1": NEW_HOME, "Z20270301-01-0001": HOME}
    assert set(
        bundled.case_signals.filter(pl.col("zaak_id") == "Z20270301-01-0001")["persoon_bsn"]
    ) == {"N"}


def test_a_person_who_moves_out_takes_their_own_debts_along() -> None:
    followed = lifecycle.follow(
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


def test_a_repeat_joins_the_case_of_its_debt_and_its_lower_amount_counts() -> None:
    followed = lifecycle.follow(
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


def test_a_mobile_number_and_an_e_mail_address_are_known_only_when_they_would_reach() -> None:
    """The routing facts for a message: a phone number that takes an SMS, however the
    partner wrote it, and an e-mail address a mail server would take."""
    contact = {
        "Z1": ("06-12345678", None),  # mobile, as written
        "Z2": ("+31 6 1234 5678", "a.jansen@example.nl"),
        "Z3": ("078 770 8910", "geen e-mail"),  # a landline; no address
        "Z4": ("0612", "jansen@"),  # too short; no domain
        "Z5": (None, "Jansen@Voorbeeld.NL"),
    }
    signals = case_signals(*((zaak, f"S-{zaak}", "A") for zaak in contact)).with_columns(
        telefoonnummer=pl.Series([phone for phone, _ in contact.values()], dtype=pl.String),
        email=pl.Series([mail for _, mail in contact.values()], dtype=pl.String),
    )
    facts = cases.facts(signals).select(
        "zaak_id", "telefoon_bekend", "mobiel_bekend", "email_bekend"
    )
    assert facts.rows() == [
        ("Z1", True, True, False),
        ("Z2", True, True, True),
        ("Z3", True, False, False),
        ("Z4", True, False, False),
        ("Z5", False, False, True),
    ]
