"""The SDD's worklist core: which calls are still to make today."""

from datetime import date, timedelta

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from vsig.contracts import ACTION_COLUMNS
from vsig.rules.bellijst import open_calls, open_visits

TODAY = date(2026, 11, 16)
BOOKED = date(2026, 11, 2)


def calls(*rows: tuple[str, str, date]) -> pl.DataFrame:
    """(zaak_id, actietype, gepland), booked on BOOKED, due the day after their day."""
    return pl.DataFrame(
        [
            {"zaak_id": z, "actie": f"{t}_actie", "actietype": t, "template": None,
             "wie": "sdd", "uiterlijk": g + timedelta(days=1), "geboekt": BOOKED, "gepland": g,
             "gemeentecode": "0505"}
            for z, t, g in rows
        ],
        schema_overrides={"template": pl.String},
    ).select(ACTION_COLUMNS)  # fmt: skip


def events(*rows: tuple[str, date, str, str | None]) -> pl.DataFrame:
    schema = {"zaak_id": pl.String, "datum": pl.Date, "gebeurtenis": pl.String,
              "waarde": pl.String}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


NO_EVENTS = events()
NONE = pl.DataFrame(schema={"zaak_id": pl.String, "laatst": pl.Date})  # forwarded


def test_a_call_is_listed_from_its_day_and_a_letter_never() -> None:
    actions = calls(
        ("Z1", "bellen", TODAY - timedelta(days=3)),
        ("Z2", "bellen", TODAY),
        ("Z3", "bellen", TODAY + timedelta(days=1)),
    ).vstack(calls(("Z4", "brief", BOOKED)))
    listed = open_calls(actions, NO_EVENTS, NONE, TODAY)
    assert listed["zaak_id"].to_list() == ["Z1", "Z2"]
    assert listed["pogingen"].to_list() == [0, 0]


def test_a_case_forwarded_to_its_municipality_leaves_the_sdd_list() -> None:
    """Z2 was forwarded after its call was booked: the municipality makes the offer. Z3's
    crisis call came after its forward: the SDD still makes it."""
    actions = calls(("Z1", "bellen", BOOKED), ("Z2", "bellen", BOOKED), ("Z3", "bellen", BOOKED))
    forwarded = pl.DataFrame(
        {"zaak_id": ["Z2", "Z3"], "laatst": [BOOKED, BOOKED - timedelta(days=7)]}
    )
    assert open_calls(actions, NO_EVENTS, forwarded, TODAY)["zaak_id"].to_list() == ["Z1", "Z3"]


def test_contact_after_the_booking_ends_a_call_and_a_missed_attempt_counts() -> None:
    actions = calls(*((z, "bellen", BOOKED) for z in ("Z1", "Z2", "Z3", "Z4")))
    happened = events(
        ("Z1", BOOKED + timedelta(days=3), "contactpoging", "Telefoon|ja|Ochtend"),
        ("Z2", BOOKED + timedelta(days=3), "contactpoging", "Telefoon|nee|"),
        ("Z2", BOOKED + timedelta(days=5), "contactpoging", "Huisbezoek|nee|Avond"),
        ("Z3", BOOKED - timedelta(days=1), "aanmelding", None),  # before this call
        ("Z4", BOOKED, "aanmelding", None),
    )
    listed = open_calls(actions, happened, NONE, TODAY)
    assert listed.select("zaak_id", "pogingen", "laatste_poging").rows() == [
        ("Z2", 2, BOOKED + timedelta(days=5)),
        ("Z3", 0, None),
    ]


GEBEURTENISSEN = st.sampled_from(
    [
        ("contactpoging", "Telefoon|ja|Middag"),
        ("contactpoging", "Telefoon|nee|Middag"),
        ("aanmelding", None),
        ("eerste_gesprek", None),
        ("beschikking", "toegelaten"),
    ]
)


@given(
    st.lists(st.tuples(st.sampled_from(["Z1", "Z2"]), st.integers(-5, 20), GEBEURTENISSEN)),
    st.tuples(st.sampled_from(["Z1", "Z2"]), st.integers(-5, 20), GEBEURTENISSEN),
)
def test_a_later_event_never_puts_a_call_back_on_the_list(
    history: list[tuple[str, int, tuple[str, str | None]]],
    later: tuple[str, int, tuple[str, str | None]],
) -> None:
    """Whatever happened, one more event only keeps a call or ends it: the list never
    regains a call, and only contact or a step after it ends one."""
    actions = calls(("Z1", "bellen", BOOKED), ("Z2", "bellen", BOOKED))

    def frame(rows: list[tuple[str, int, tuple[str, str | None]]]) -> pl.DataFrame:
        return events(*((z, BOOKED + timedelta(days=d), g, w) for z, d, (g, w) in rows))

    before = set(open_calls(actions, frame(history), NONE, TODAY)["zaak_id"])
    after = set(open_calls(actions, frame([*history, later]), NONE, TODAY)["zaak_id"])
    assert after <= before
    zaak, days, (what, value) = later
    missed = what == "contactpoging" and value is not None and "|nee|" in value
    if missed or days < 0:
        assert after == before
    else:
        assert after == before - {zaak}


def test_a_visit_is_owed_only_for_the_forward_the_case_is_under_now() -> None:
    """Z1's visit reached the household, then a plain forward followed: no visit. Z2 was
    visited-forwarded before it moved away and back, and is under a plain forward now.
    Z3 moved on to Zwijndrecht, whose forward is no visit. Z4's visit is owed. Z5 lives
    at an address on the exclusion list."""
    d = [date(2026, 12, day) for day in range(1, 8)]
    visit = {"actie": "huisbezoek_gemeente", "actietype": "doorsturen"}
    plain = {"actie": "doorsturen_naar_gemeente", "actietype": "doorsturen"}
    rows = [
        ("Z1", visit, d[0], "0505"), ("Z1", plain, d[2], "0505"),
        ("Z2", visit, d[0], "0505"), ("Z2", plain, d[1], "0505"), ("Z2", plain, d[4], "0505"),
        ("Z3", visit, d[0], "0505"), ("Z3", plain, d[3], "0642"),
        ("Z4", visit, d[0], "0505"),
        ("Z5", visit, d[0], "0505"),
    ]  # fmt: skip
    actions = pl.DataFrame(
        [{"zaak_id": z, **a, "geboekt": g, "uiterlijk": g + timedelta(days=3), "gemeentecode": c}
         for z, a, g, c in rows]
    )  # fmt: skip
    forwarded = pl.DataFrame(
        {"zaak_id": ["Z1", "Z2", "Z3", "Z4", "Z5"], "laatst": [d[2], d[1], d[3], d[0], d[0]]}
    )
    cases = pl.DataFrame(
        {"zaak_id": ["Z1", "Z2", "Z3", "Z4", "Z5"],
         "gemeentecode": ["0505", "0505", "0642", "0505", "0505"]}
    )  # fmt: skip
    events = pl.DataFrame(
        {"zaak_id": ["Z1"], "datum": [d[1]], "gebeurtenis": ["contactpoging"],
         "waarde": ["Huisbezoek|ja|Middag"]}
    )  # fmt: skip
    owed = open_visits(
        actions,
        events,
        forwarded,
        cases,
        ["huisbezoek_gemeente"],
        pl.DataFrame({"zaak_id": ["Z5"]}),
    )
    assert owed.select("zaak_id", "gemeentecode", "uiterlijk", "pogingen").rows() == [
        ("Z4", "0505", d[3], 0)
    ]
