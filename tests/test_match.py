"""The matching core on small frames: who a signal is about, and which status it gets."""

import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from vsig.config import Config
from vsig.io import ingest, sources
from vsig.rules import match, vng

from .conftest import REPO
from .scenario import Resident, csv_text, make_bsn

TODAY = date(2026, 11, 26)


def resident(number: int, **changes: object) -> Resident:
    values: dict[str, object] = {
        "bsn": make_bsn(number),
        "geslachtsnaam": "Jansen",
        "geboortedatum": date(1980, 5, 1),
        "postcode": "3311AB",
        "huisnummer": number,
    }
    return Resident(**(values | changes))  # type: ignore[arg-type]


def frames(
    tmp_path: Path,
    config: Config,
    residents: list[Resident],
    signals: dict[str, list[dict[str, str]]],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The BRP and the signals as ingest makes them from files in their contract layouts."""
    brp_path = tmp_path / "brp.csv"
    brp_path.write_text(csv_text([r.brp_row() for r in residents]))
    brp = ingest.ingest_file(sources.Source(brp_path, "brp"), TODAY).accepted
    accepted = []
    for partner, rows in signals.items():
        path = tmp_path / f"{partner}.csv"
        path.write_text(csv_text(rows))
        result = ingest.ingest_file(
            sources.Source(path, "signalen", config.partner(partner)), TODAY
        )
        assert not result.rejected, result.rejects
        accepted.append(result.accepted)
    return match.prepare_brp(brp, TODAY), pl.concat(accepted) if accepted else pl.DataFrame()


NO_DEBTS = pl.DataFrame(
    schema={"signaalpartner": pl.String, "klantnummer": pl.String, "bedrag": pl.Int64}
)
NOBODY_EXCLUDED = pl.DataFrame(schema={"soort": pl.String, "sleutel": pl.String})


def statuses(
    tmp_path: Path,
    config: Config,
    residents: list[Resident],
    signals: dict[str, list[dict[str, str]]],
    open_debts: pl.DataFrame = NO_DEBTS,
    excluded: pl.DataFrame = NOBODY_EXCLUDED,
) -> dict[str, dict[str, object]]:
    brp, frame = frames(tmp_path, config, residents, signals)
    matched = match.match(frame, brp, config, TODAY, open_debts, excluded)
    return {row["signaal_id"]: row for row in matched.iter_rows(named=True)}


def test_repeats_within_one_night_keep_only_a_higher_amount(tmp_path: Path, config) -> None:
    person = resident(1)
    rows = [
        person.signal(sid, amount, TODAY, klantnummer="K1")
        for sid, amount in (("S1", "300.00"), ("S2", "450.00"), ("S3", "400.00"), ("S4", "450.00"))
    ]
    found = statuses(tmp_path, config, [person], {"WOONKRACHT10": rows})
    assert [found[s]["status"] for s in ("S1", "S2", "S3", "S4")] == [
        vng.NOG_NIET_OPGEPAKT,
        vng.NOG_NIET_OPGEPAKT,
        vng.HERHAALD,
        vng.HERHAALD,
    ]


@pytest.mark.parametrize(
    ("amount", "status"),
    [("299.99", vng.HERHAALD), ("300.00", vng.HERHAALD), ("300.01", vng.NOG_NIET_OPGEPAKT)],
)
def test_repeat_of_a_debt_in_an_open_case(tmp_path: Path, config, amount, status) -> None:
    person = resident(1)
    open_debts = pl.DataFrame(
        {"signaalpartner": ["WOONKRACHT10"], "klantnummer": ["K1"], "bedrag": [300_00]}
    )
    found = statuses(
        tmp_path,
        config,
        [person],
        {"WOONKRACHT10": [person.signal("S", amount, TODAY, klantnummer="K1")]},
        open_debts,
    )
    assert found["S"]["status"] == status


def test_doubt_repeats_no_debt_and_no_debt_repeats_it(tmp_path: Path, config) -> None:
    """One debt, three rows. `doubt` (€900, a surname nobody at the address has) and `good`
    (€800, the resident's) come the same night: the good one is picked up, not a repeat of
    the doubt, which waits as it is. `later`, in doubt again, of a debt a case holds at a
    higher amount, is no repeat either: it waits for a person, like any doubt."""
    person = resident(1)
    unknown = {"klantnummer": "K1", "geboortedatum": "", "bsn": ""}
    doubt = person.signal("doubt", "900.00", TODAY, achternaam="Onbekend", **unknown)
    good = person.signal("good", "800.00", TODAY, klantnummer="K1")
    found = statuses(tmp_path, config, [person], {"WOONKRACHT10": [doubt, good]})
    assert (found["good"]["status"], found["good"]["persoon_bsn"]) == (
        vng.NOG_NIET_OPGEPAKT,
        person.bsn,
    )
    assert (found["doubt"]["status"], found["doubt"]["adres_sleutel"]) == (
        vng.NOG_NIET_OPGEPAKT,
        None,
    )
    held = pl.DataFrame(
        {"signaalpartner": ["WOONKRACHT10"], "klantnummer": ["K1"], "bedrag": [1000_00]}
    )
    later = person.signal("later", "700.00", TODAY, achternaam="Onbekend", **unknown)
    (tmp_path / "later").mkdir()
    found = statuses(tmp_path / "later", config, [person], {"WOONKRACHT10": [later]}, held)
    assert (found["later"]["status"], found["later"]["niet_gekoppeld"]) == (
        vng.NOG_NIET_OPGEPAKT,
        match.NOBODY,
    )


def test_an_excluded_address_counts_as_the_partner_wrote_it(tmp_path: Path, config) -> None:
    """A signal in doubt has no address but the one its partner wrote: an address on the
    exclusion list (unsafe to visit) is `andere reden` all the same, not a case for a
    person to follow up."""
    unsafe = pl.DataFrame({"soort": ["adres"], "sleutel": ["3311AB|1||"]})
    person, mover = resident(1), resident(2, geslachtsnaam="Verhuisd", huisnummer=7)
    doubt = person.signal("S", "100.00", TODAY, achternaam="Onbekend", geboortedatum="")
    # The mover lives at number 7 now; the partner still wrote the unsafe number 1.
    moved = mover.signal("M", "100.00", TODAY, huisnummer="1", klantnummer="K2")
    found = statuses(
        tmp_path, config, [person, mover], {"WOONKRACHT10": [doubt, moved]}, NO_DEBTS, unsafe
    )
    assert found["S"]["status"] == vng.ANDERE_REDEN
    assert (found["M"]["status"], found["M"]["persoon_bsn"]) == (vng.NOG_NIET_OPGEPAKT, mover.bsn)


def test_the_same_klantnummer_at_another_partner_is_another_debt(tmp_path: Path, config) -> None:
    person = resident(1)
    found = statuses(
        tmp_path,
        config,
        [person],
        {
            "WOONKRACHT10": [person.signal("S1", "100.00", TODAY, klantnummer="K1")],
            "EVIDES": [person.signal("S2", "100.00", TODAY, klantnummer="K1")],
        },
    )
    assert (found["S1"]["status"], found["S2"]["status"]) == (
        vng.NOG_NIET_OPGEPAKT,
        vng.NOG_NIET_OPGEPAKT,
    )


def test_two_people_with_one_name_and_birth_date_are_told_apart_by_address(
    tmp_path: Path, config
) -> None:
    here, there = resident(1), resident(2)
    found = statuses(
        tmp_path,
        config,
        [here, there],
        {
            "WOONKRACHT10": [
                here.signal("S1", "10.00", TODAY),
                resident(3).signal("S3", "10.00", TODAY),
            ]
        },
    )
    assert (found["S1"]["persoon_bsn"], found["S1"]["match_regel"]) == (
        here.bsn,
        "naam_geboortedatum",
    )
    # Both fit, neither lives at number 3 and nobody does: no person, no address, and no
    # final status either (doubt is not a fact): it waits for a person at the SDD.
    assert (found["S3"]["persoon_bsn"], found["S3"]["adres_sleutel"]) == (None, None)
    assert (found["S3"]["status"], found["S3"]["niet_gekoppeld"]) == (
        vng.NOG_NIET_OPGEPAKT,
        match.SEVERAL,
    )


def test_a_bsn_beats_a_name_and_an_address(tmp_path: Path, config) -> None:
    person, other = resident(1), resident(2, geslachtsnaam="Pietersen")
    signal = other.signal("S", "10.00", TODAY, bsn=person.bsn)
    found = statuses(tmp_path, config, [person, other], {"WOONKRACHT10": [signal]})
    assert (found["S"]["persoon_bsn"], found["S"]["adres_sleutel"]) == (person.bsn, "3311AB|1||")
    assert found["S"]["verhuisd"] is True


def test_a_flat_without_its_addition_is_settled_by_the_person(tmp_path: Path, config) -> None:
    upstairs = resident(1, toevoeging="2")
    downstairs = resident(2, huisnummer=1, toevoeging="1", geslachtsnaam="Bakker")
    signal = upstairs.signal("S", "10.00", TODAY, huisnummertoevoeging="")
    found = statuses(tmp_path, config, [upstairs, downstairs], {"WOONKRACHT10": [signal]})
    assert found["S"]["adres_sleutel"] == "3311AB|1||2"
    assert (found["S"]["match_regel"], found["S"]["verhuisd"]) == ("naam_geboortedatum", False)


def test_a_deceased_residents_address_alone_matches_no_one(tmp_path: Path, config) -> None:
    gone = resident(1, datum_overlijden=date(2026, 1, 1))
    signal = gone.signal("S", "10.00", TODAY, achternaam="Iemand", geboortedatum="")
    found = statuses(tmp_path, config, [gone], {"WOONKRACHT10": [signal]})
    assert (found["S"]["persoon_bsn"], found["S"]["status"]) == (None, vng.NOG_NIET_OPGEPAKT)
    assert found["S"]["niet_gekoppeld"] == match.NOBODY


def test_minimum_amount_is_unfounded(tmp_path: Path, config) -> None:
    strict = config.model_copy(update={"minimum_bedrag": 50_00})
    person = resident(1)
    found = statuses(
        tmp_path,
        strict,
        [person],
        {
            "WOONKRACHT10": [
                person.signal("low", "49.99", TODAY),
                person.signal("ok", "50.00", TODAY, klantnummer="K2"),
            ]
        },
    )
    assert (found["low"]["status"], found["ok"]["status"]) == (vng.ONTERECHT, vng.NOG_NIET_OPGEPAKT)


def test_arrears_younger_than_30_days_are_unfounded(tmp_path: Path, config) -> None:
    person = resident(1)
    young = person.signal("young", "10.00", TODAY, ontstaansdatum="2026-10-28")
    found = statuses(tmp_path, config, [person], {"WOONKRACHT10": [young]})
    assert found["young"]["status"] == vng.ONTERECHT


def test_serious_arrears_outside_their_window_still_get_the_offer(tmp_path: Path, config) -> None:
    """The issue's two: €2,579.64 rent at 21 days, €474.07 premium at 110 days (past the
    100 days the SDD picks up Zorg signals in). From `buiten_venster_vanaf` (€250) the
    date does not count; €100 rent at 21 days is unfounded, and its creditor is told
    why and from when to signal it again."""
    person = resident(1)
    young = "2026-11-05"  # 21 days before TODAY
    old = "2026-08-08"  # 110 days before TODAY
    signals = {
        "WOONKRACHT10": [
            person.signal("rent", "2579.64", TODAY, ontstaansdatum=young, klantnummer="K1"),
            person.signal("small", "100.00", TODAY, ontstaansdatum=young, klantnummer="K2"),
        ],
        "VGZ": [person.signal("premium", "474.07", TODAY, ontstaansdatum=old)],
    }
    found = statuses(tmp_path, config, [person], signals)
    assert {k: v["status"] for k, v in found.items()} == {
        "rent": vng.NOG_NIET_OPGEPAKT,
        "premium": vng.NOG_NIET_OPGEPAKT,
        "small": vng.ONTERECHT,
    }
    small = pl.DataFrame(
        [{k: found["small"][k] for k in ("bedrag", "soort", "ontstaansdatum", "signaaldatum")}]
    )
    (reason,) = small.select(match.unfounded_reason(config)).to_series()
    assert reason == (
        "21 dagen achterstand. Meldingen over Huur pakken wij op vanaf 30 dagen (beleid SDD: "
        "de eerste herinnering van de verhuurder na 30 dagen), en bij een achterstand vanaf "
        "€ 250,00 altijd. Meld de achterstand opnieuw vanaf 05-12-2026 als die dan nog bestaat."
    )
    one_day = small.with_columns(ontstaansdatum=pl.col("signaaldatum") - pl.duration(days=1))
    assert one_day.select(match.unfounded_reason(config)).item().startswith("1 dag achterstand.")
    without = config.model_copy(update={"buiten_venster_vanaf": None})
    (tmp_path / "without").mkdir()
    found = statuses(tmp_path / "without", without, [person], signals)
    assert {k: v["status"] for k, v in found.items()} == dict.fromkeys(
        ("rent", "premium", "small"), vng.ONTERECHT
    )


def sdd(*rows: tuple[str, str, str | None], regeling: str = "bijstand") -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "bsn": b,
                "regeling": regeling,
                "startdatum": date.fromisoformat(s),
                "einddatum": e and date.fromisoformat(e),
            }
            for b, s, e in rows
        ],
        schema={
            "bsn": pl.String,
            "regeling": pl.String,
            "startdatum": pl.Date,
            "einddatum": pl.Date,
        },
    )


def test_known_means_an_arrangement_running_on_the_processing_date(tmp_path: Path, config) -> None:
    a, b, c = resident(1), resident(2), resident(3)
    brp, _ = frames(tmp_path, config, [a, b, c], {})
    cases = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z3"],
            "adres_sleutel": ["3311AB|1||", "3311AB|2||", "3311AB|3||"],
            "persoon_bsn": [a.bsn, b.bsn, c.bsn],
        }
    )
    arrangements = sdd(
        (a.bsn, "2020-01-01", "2026-11-26"),  # ends today: still running
        (b.bsn, "2020-01-01", "2026-11-25"),  # ended yesterday
        (c.bsn, "2026-11-27", None),  # starts tomorrow
    )
    known = match.bekend_bij_sdd(cases, brp, arrangements, config, TODAY)
    assert dict(known.sort("zaak_id").iter_rows()) == {"Z1": True, "Z2": False, "Z3": False}


@pytest.mark.parametrize(
    ("regeling", "known"),
    [("bijstand", True), ("schuldhulpverlening", True), ("beschermingsbewind", False)],
)
def test_only_the_configured_arrangements_make_a_household_known(
    tmp_path: Path, config, regeling: str, known: bool
) -> None:
    debtor = resident(1)
    brp, _ = frames(tmp_path, config, [debtor], {})
    cases = pl.DataFrame(
        {"zaak_id": ["Z"], "adres_sleutel": ["3311AB|1||"], "persoon_bsn": [debtor.bsn]}
    )
    arrangements = sdd((debtor.bsn, "2020-01-01", None), regeling=regeling)
    found = match.bekend_bij_sdd(cases, brp, arrangements, config, TODAY)
    assert found["bekend_bij_sdd"].item() is known


def test_known_scope_person_looks_at_the_debtor_only(tmp_path: Path, config) -> None:
    debtor, partner = resident(1), resident(2, huisnummer=1)
    brp, _ = frames(tmp_path, config, [debtor, partner], {})
    cases = pl.DataFrame(
        {"zaak_id": ["Z"], "adres_sleutel": ["3311AB|1||"], "persoon_bsn": [debtor.bsn]}
    )
    arrangements = sdd((partner.bsn, "2020-01-01", None))
    household = match.bekend_bij_sdd(cases, brp, arrangements, config, TODAY)
    person = match.bekend_bij_sdd(
        cases, brp, arrangements, config.model_copy(update={"known_scope": "person"}), TODAY
    )
    assert (household["bekend_bij_sdd"].item(), person["bekend_bij_sdd"].item()) == (True, False)


# --- the BRP a night needs ---------------------------------------------------------------

NAMES = [
    ("", "Jansen"),
    ("", "JANSEN"),
    ("", "Janssen"),
    ("van", "Dijk"),
    ("", "Dijk, van"),
    ("", "Öztürk"),
]
THRESHOLD = Config.model_fields["naam_gelijkenis"].default
BORN = [date(1980, 5, 1), date(1980, 5, 2)]


@st.composite
def street(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[dict[str, str]], list[str]]:
    """A few residents written as a register may write them (one perhaps twice), and signals
    about them that are right, vague (no BSN, no addition) or old (a mover at their former
    number, or far away)."""
    residents, rows = [], []
    for number in range(draw(st.integers(1, 10))):
        voorvoegsel, name = draw(st.sampled_from(NAMES))
        person = resident(
            number + 1,
            voorvoegsel=voorvoegsel,
            geslachtsnaam=name,
            geboortedatum=draw(st.sampled_from(BORN)),
            postcode=draw(st.sampled_from(["3311AB", "3312CD"])),
            huisnummer=draw(st.integers(1, 3)),
            toevoeging=draw(st.sampled_from(["", "A"])),
            datum_overlijden=draw(st.sampled_from([None, date(2026, 1, 1)])),
        )
        residents.append(person)
        row = person.brp_row()
        row["bsn"] = draw(st.sampled_from(["{}", " {} ", "{0:.3}.{1}"])).format(
            person.bsn, person.bsn[3:]
        )
        row["postcode"] = draw(st.sampled_from([row["postcode"], " " + row["postcode"].lower()]))
        rows.append(row)
    if draw(st.booleans()):
        # The register holds someone twice, once at an address no signal names.
        twice = draw(st.sampled_from(rows)) | {"postcode": "3313EF"}
        rows.insert(draw(st.sampled_from([0, len(rows)])), twice)
    signals = []
    for index in range(draw(st.integers(1, 6))):
        person = draw(st.sampled_from(residents))
        changes = {
            "bsn": draw(st.sampled_from(["", person.bsn])),
            "huisnummer": str(person.huisnummer + draw(st.sampled_from([0, 0, 1]))),
            # An address where nobody lives: only the name and birth date can find them.
            "postcode": draw(st.sampled_from([person.postcode, person.postcode, "3399ZZ"])),
            "huisnummertoevoeging": draw(st.sampled_from(["", person.toevoeging])),
            "geboortedatum": draw(st.sampled_from(["", person.geboortedatum.isoformat()])),
            "achternaam": draw(st.sampled_from(["Jansen", "Jnasen", person.geslachtsnaam])),
        }
        signals.append(person.signal(f"S{index}", "600.00", TODAY, **changes))
    # The persons of open cases, whom the night follows wherever they live now.
    persons = draw(st.lists(st.sampled_from([r.bsn for r in residents]), max_size=3))
    return rows, signals, persons


@given(street(), st.sampled_from([1, 2, 10_000]))
@settings(max_examples=50)
def test_matching_on_the_needed_brp_rows_is_matching_on_all(
    tmp_path_factory: pytest.TempPathFactory,
    config: Config,
    drawn: tuple[list[dict[str, str]], list[dict[str, str]], list[str]],
    at_once: int,
) -> None:
    """Also when the signals unsure of a name are compared a few at a time."""
    folder = tmp_path_factory.mktemp("street")
    brp_rows, signal_rows, followed = drawn
    persons = pl.Series(followed, dtype=pl.String)
    (folder / "brp.csv").write_text(csv_text(brp_rows))
    (folder / "s.csv").write_text(csv_text(signal_rows))
    signals = ingest.ingest_file(
        sources.Source(folder / "s.csv", "signalen", config.partner("VGZ")), TODAY
    ).accepted
    source = sources.Source(folder / "brp.csv", "brp")
    everyone = ingest.ingest_file(source, TODAY)
    whole = match.prepare_brp(everyone.accepted, TODAY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "ALWAYS_VALIDATED", 0)
        patch.setattr(match, "SIGNALS_AT_ONCE", at_once)
        needed = ingest.ingest_file(
            source,
            TODAY,
            needed=ingest.Needed(
                match.BRP_KEYS,
                lambda text: match.brp_needed(text, signals, persons, THRESHOLD),
            ),
        )
    part = match.prepare_brp(needed.accepted, TODAY)
    assert needed.rejects.join(
        everyone.rejects, on=["regelnummer", "kolom", "reden"], how="anti"
    ).is_empty()
    on_whole = match.match(signals, whole, config, TODAY, NO_DEBTS, NOBODY_EXCLUDED)
    assert match.match(signals, part, config, TODAY, NO_DEBTS, NOBODY_EXCLUDED).equals(on_whole)
    used = match.rows_used(signals, whole, on_whole, persons, THRESHOLD)
    on_part = match.rows_used(signals, part, on_whole, persons, THRESHOLD)
    assert on_part.sort("bsn").equals(used.sort("bsn"))
    assert set(followed) <= set(used["bsn"])


@pytest.mark.parametrize("at_once", [1, 2, 10_000])
def test_every_signal_unsure_of_a_name_finds_its_namesakes_in_the_brp(
    tmp_path: Path, config: Config, at_once: int
) -> None:
    """Signals with no BSN, from an address where nobody lives, and a name spelt nearly
    right: the rows needed are those of the residents born that day whose names fit, for
    every signal however many are compared at a time."""
    names = [("Jansen", "Jnasen"), ("Pietersen", "Pitersen"), ("Bakker", "Baker")]
    people = [
        resident(n + 1, geslachtsnaam=name, geboortedatum=date(1980, 5, n + 1))
        for n, (name, _) in enumerate(names)
    ]
    others = [resident(9, geslachtsnaam="Smit"), resident(10, geboortedatum=date(1990, 1, 1))]
    (tmp_path / "brp.csv").write_text(csv_text([r.brp_row() for r in [*people, *others]]))
    rows = [
        person.signal(f"S{n}", "600.00", TODAY, achternaam=spelt, postcode="3399ZZ")
        for n, (person, (_, spelt)) in enumerate(zip(people, names, strict=True))
    ]
    (tmp_path / "s.csv").write_text(csv_text(rows))
    signals = ingest.ingest_file(
        sources.Source(tmp_path / "s.csv", "signalen", config.partner("VGZ")), TODAY
    ).accepted
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "ALWAYS_VALIDATED", 0)
        patch.setattr(match, "SIGNALS_AT_ONCE", at_once)
        needed = ingest.Needed(
            match.BRP_KEYS,
            lambda text: match.brp_needed(text, signals, pl.Series([], dtype=pl.String), THRESHOLD),
        )
        result = ingest.ingest_file(
            sources.Source(tmp_path / "brp.csv", "brp"), TODAY, needed=needed
        )
    assert sorted(result.accepted["bsn"]) == sorted(p.bsn for p in people)


def test_the_sdd_rows_needed_are_those_of_residents_however_written(tmp_path: Path) -> None:
    known, other = make_bsn(1), make_bsn(2)
    brp = pl.DataFrame({"bsn": [known, "012345672"]})
    written = [known, f" {known[:4]} {known[4:]} ", "12345672", other, "123", ""]
    rows = [{"bsn": b, "regeling": "bijstand", "startdatum": "2024-01-01"} for b in written]
    (tmp_path / "sdd.csv").write_text(csv_text(rows))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ingest, "ALWAYS_VALIDATED", 0)
        needed = ingest.Needed(match.SDD_KEYS, lambda text: match.sdd_needed(text, brp))
        result = ingest.ingest_file(
            sources.Source(tmp_path / "sdd.csv", "sdd"), TODAY, needed=needed
        )
    assert result.accepted["bsn"].to_list() == [known, known, "012345672"]
    # A row without a BSN might be a blank line, so it is looked at, and it is broken.
    assert result.rejects.select("regelnummer", "kolom").rows() == [(7, "bsn")]
    assert (result.read, result.rejected, result.unused) == (6, 1, 2)


# --- who a signal is about: a person, never an address alone -----------------------------


def test_a_bsn_the_register_does_not_hold_reaches_nobody(tmp_path: Path, config) -> None:
    """The debtor left the region; the same name and birth date now live at the address. A
    BSN the register does not hold is a fact: `geen inwoner`, unlike a name not found."""
    newcomer = resident(1)
    signal = newcomer.signal("S", "10.00", TODAY, bsn=make_bsn(50))
    found = statuses(tmp_path, config, [newcomer], {"WOONKRACHT10": [signal]})["S"]
    assert (found["status"], found["adres_sleutel"], found["persoon_bsn"]) == (
        vng.GEEN_INWONER,
        None,
        None,
    )
    assert found["niet_gekoppeld"] == match.BSN_UNKNOWN


def test_a_name_nobody_at_the_address_has_reaches_nobody(tmp_path: Path, config) -> None:
    occupant = resident(1, geslachtsnaam="Nieuw")
    signal = occupant.signal("S", "10.00", TODAY, achternaam="Vertrokken", geboortedatum="")
    found = statuses(tmp_path, config, [occupant], {"WOONKRACHT10": [signal]})["S"]
    assert (found["status"], found["niet_gekoppeld"]) == (vng.NOG_NIET_OPGEPAKT, match.NOBODY)
    assert found["adres_sleutel"] is None


def test_a_birth_date_nobody_of_that_name_has_is_not_overruled_by_the_address(
    tmp_path: Path, config
) -> None:
    """Father and son share a name and an address; the signal's birth date is neither's."""
    father = resident(1, geboortedatum=date(1960, 1, 1))
    signal = father.signal("S", "10.00", TODAY, geboortedatum="1990-01-01")
    found = statuses(tmp_path, config, [father], {"WOONKRACHT10": [signal]})["S"]
    assert (found["persoon_bsn"], found["niet_gekoppeld"]) == (None, match.NOBODY)


@pytest.mark.parametrize("toevoeging", ["", "9", "1"])
def test_a_flat_without_birth_date_is_found_by_the_surname_in_the_building(
    tmp_path: Path, config, toevoeging: str
) -> None:
    """The addition is missing, unknown, or another flat's: the surname settles it."""
    downstairs = resident(1, toevoeging="1", geslachtsnaam="Bakker")
    upstairs = resident(2, huisnummer=1, toevoeging="2")
    signal = upstairs.signal("S", "10.00", TODAY, huisnummertoevoeging=toevoeging, geboortedatum="")
    found = statuses(tmp_path, config, [downstairs, upstairs], {"WOONKRACHT10": [signal]})["S"]
    assert (found["persoon_bsn"], found["adres_sleutel"], found["match_regel"]) == (
        upstairs.bsn,
        "3311AB|1||2",
        match.BY_NAME_AT_ADDRESS,
    )


def test_two_flats_with_the_surname_are_no_match(tmp_path: Path, config) -> None:
    one, two = resident(1, toevoeging="1"), resident(2, huisnummer=1, toevoeging="2")
    signal = one.signal("S", "10.00", TODAY, huisnummertoevoeging="", geboortedatum="")
    found = statuses(tmp_path, config, [one, two], {"WOONKRACHT10": [signal]})["S"]
    assert (found["persoon_bsn"], found["niet_gekoppeld"]) == (None, match.SEVERAL)


def test_namesakes_of_one_household_match_the_household(tmp_path: Path, config) -> None:
    """Issue 33: a parent and a grown child, both `F. Jansen`, neither birth date given. The
    household is matched, at its address, with both as candidates and no person; a
    namesake in another flat of the building, or a deceased one, leaves it in doubt."""
    parent = resident(1, voorletters="F.", toevoeging="1")
    child = resident(
        2, huisnummer=1, voorletters="F.", toevoeging="1", geboortedatum=date(2004, 3, 1)
    )
    neighbour = resident(3, huisnummer=1, voorletters="F.", toevoeging="2")
    late = resident(4, huisnummer=7, voorletters="F.", datum_overlijden=date(2026, 6, 1))
    widow = resident(5, huisnummer=7, voorletters="F.")
    unknown = {"bsn": "", "geboortedatum": ""}
    rows = {
        "WOONKRACHT10": [
            parent.signal("home", "10.00", TODAY, voorletters="F.", **unknown),
            parent.signal(
                "flat", "10.00", TODAY, voorletters="F.", huisnummertoevoeging="", **unknown
            ),
            widow.signal("widow", "10.00", TODAY, voorletters="F.", **unknown),
        ]
    }
    found = statuses(tmp_path, config, [parent, child, neighbour, late, widow], rows)
    home = found["home"]
    assert (home["persoon_bsn"], home["match_regel"], home["niet_gekoppeld"]) == (
        None,
        match.BY_HOUSEHOLD,
        None,
    )
    assert (home["adres_sleutel"], home["gemeentecode"], home["status"]) == (
        "3311AB|1||1",
        "0505",
        vng.NOG_NIET_OPGEPAKT,
    )
    assert home["kandidaten"] == sorted([parent.bsn, child.bsn])
    flat = found["flat"]
    assert (flat["adres_sleutel"], flat["niet_gekoppeld"]) == (None, match.SEVERAL)
    assert flat["kandidaten"] == sorted([parent.bsn, child.bsn, neighbour.bsn])
    widowed = found["widow"]
    assert (widowed["adres_sleutel"], widowed["niet_gekoppeld"]) == (None, match.SEVERAL)
    assert widowed["kandidaten"] == sorted([late.bsn, widow.bsn])


def test_a_surname_nearly_alike_without_initials_is_a_candidate(tmp_path: Path, config) -> None:
    """A typo with nothing else to go on is a guess: the adult at the address whose surname
    nearly fits is named for the person who decides, and matched to nobody."""
    person = resident(1, geslachtsnaam="Schouten")
    signal = person.signal("S", "10.00", TODAY, achternaam="Schoutne", geboortedatum="")
    found = statuses(tmp_path, config, [person], {"WOONKRACHT10": [signal]})["S"]
    assert (found["persoon_bsn"], found["adres_sleutel"], found["status"]) == (
        None,
        None,
        vng.NOG_NIET_OPGEPAKT,
    )
    assert (found["niet_gekoppeld"], found["kandidaten"]) == (match.NEARLY, [person.bsn])
    initialled = person.signal("S", "10.00", TODAY, achternaam="Schoutne", geboortedatum="")
    initialled["voorletters"] = "A."
    found = statuses(tmp_path, config, [person], {"WOONKRACHT10": [initialled]})["S"]
    assert (found["persoon_bsn"], found["kandidaten"]) == (person.bsn, None)


def test_initials_tell_two_adults_of_one_name_apart(tmp_path: Path, config) -> None:
    jan = resident(1, voorletters="J.")
    piet = resident(2, huisnummer=1, voorletters="P.H.")
    child = resident(3, huisnummer=1, voorletters="K.", geboortedatum=date(2015, 1, 1))
    register = [jan, piet, child]
    rows = {
        "WOONKRACHT10": [
            jan.signal("J", "10.00", TODAY, voorletters="p", geboortedatum=""),
            jan.signal("none", "10.00", TODAY, geboortedatum=""),
            jan.signal("K", "10.00", TODAY, voorletters="K.", geboortedatum=""),
        ]
    }
    found = statuses(tmp_path, config, register, rows)
    assert found["J"]["persoon_bsn"] == piet.bsn
    # Without initials both adults fit: the household is certain, the person is not.
    assert (found["none"]["persoon_bsn"], found["none"]["match_regel"]) == (None, "naam_huishouden")
    assert found["none"]["kandidaten"] == sorted([jan.bsn, piet.bsn])
    # A child has no contracts: initials that fit only a child fit nobody.
    assert (found["K"]["persoon_bsn"], found["K"]["niet_gekoppeld"]) == (None, match.NOBODY)


def test_turkish_initials_tell_two_adults_of_one_name_apart(tmp_path: Path, config) -> None:
    """Issue 33's misses: `Ç. de Senwijking` beside `J. de Senwijking`, and `P. de Wit`
    beside `Ç. de Wit`. An initial outside ASCII was dropped, so it fitted everyone (and
    both signals fitted two people); folded as the surname is, each fits one."""
    cem = resident(1, voorletters="Ç.", voorvoegsel="de", geslachtsnaam="Senwijking")
    jan = resident(2, huisnummer=1, voorletters="J.", voorvoegsel="de", geslachtsnaam="Senwijking")
    piet = resident(3, huisnummer=5, voorletters="P.", voorvoegsel="de", geslachtsnaam="Wit")
    can = resident(4, huisnummer=5, voorletters="Ç.", voorvoegsel="de", geslachtsnaam="Wit")
    unknown = {"bsn": "", "geboortedatum": ""}
    rows = {
        "WOONKRACHT10": [
            cem.signal("C", "10.00", TODAY, voorletters="Ç.", **unknown),
            cem.signal("c", "10.00", TODAY, voorletters="C", klantnummer="K2", **unknown),
            piet.signal("P", "10.00", TODAY, voorletters="P.", **unknown),
        ]
    }
    found = statuses(tmp_path, config, [cem, jan, piet, can], rows)
    assert {k: v["persoon_bsn"] for k, v in found.items()} == {
        "C": cem.bsn,
        "c": cem.bsn,  # a partner system without the cedilla
        "P": piet.bsn,
    }


@pytest.mark.parametrize(
    ("written", "found"),
    [
        ("Jansen", "exact"),
        ("Jnasen", "near"),
        ("Jansn", "near"),
        ("Jan", None),
        ("Pietersen", None),
    ],
)
def test_a_small_typo_with_the_birth_date_finds_the_person(
    tmp_path: Path, config, written: str, found: str | None
) -> None:
    exact = resident(1, huisnummer=7)
    near = resident(2, geslachtsnaam="Jnasen", geboortedatum=date(1970, 1, 1))
    signal = exact.signal("S", "10.00", TODAY, achternaam=written, postcode="3399ZZ")
    got = statuses(tmp_path, config, [exact, near], {"WOONKRACHT10": [signal]})["S"]
    assert got["persoon_bsn"] == {"exact": exact.bsn, "near": exact.bsn, None: None}[found]


def test_a_namesake_spelt_alike_outweighs_one_spelt_nearly_alike(tmp_path: Path, config) -> None:
    jansen, janssen = resident(1), resident(2, geslachtsnaam="Janssen")
    signal = jansen.signal("S", "10.00", TODAY, postcode="3399ZZ")
    found = statuses(tmp_path, config, [jansen, janssen], {"WOONKRACHT10": [signal]})["S"]
    assert found["persoon_bsn"] == jansen.bsn


# --- properties over open-ended registers --------------------------------------------------

SURNAMES = ["Jansen", "de Vries", "van den Berg", "Bakker", "Öztürk", "Dijkstra", "Groß"]


@st.composite
def register(draw: st.DrawFn, first: int = 1) -> list[Resident]:
    """A few residents at a handful of addresses, names and birth dates often shared."""
    people = []
    for number in range(first, first + draw(st.integers(1, 8))):
        voorvoegsel, _, name = draw(st.sampled_from(SURNAMES)).rpartition(" ")
        people.append(
            resident(
                number,
                voorvoegsel=voorvoegsel,
                geslachtsnaam=name,
                geboortedatum=draw(st.sampled_from(BORN)),
                huisnummer=draw(st.integers(1, 3)),
                toevoeging=draw(st.sampled_from(["", "A"])),
            )
        )
    return people


def frames_from(config: Config, residents: list[Resident], rows: list[dict[str, str]]):
    """`frames` in a fresh folder of its own, for property tests."""
    with tempfile.TemporaryDirectory() as folder:
        return frames(Path(folder), config, residents, {"WOONKRACHT10": rows})


@given(register(), st.data())
@settings(max_examples=40)
def test_a_bsn_not_in_the_register_never_gets_a_case(
    config: Config, residents: list[Resident], data: st.DataObject
) -> None:
    """Whatever else the signal says: name, birth date and address of someone who lives there."""
    model = data.draw(st.sampled_from(residents))
    bsn = make_bsn(data.draw(st.integers(500, 600)))
    signal = model.signal("S", "600.00", TODAY, bsn=bsn)
    brp, signals = frames_from(config, residents, [signal])
    found = match.match(signals, brp, config, TODAY, NO_DEBTS, NOBODY_EXCLUDED).row(0, named=True)
    assert (found["status"], found["persoon_bsn"], found["adres_sleutel"]) == (
        vng.GEEN_INWONER,
        None,
        None,
    )


def spelling_variants(voorvoegsel: str, name: str) -> st.SearchStrategy[tuple[str, str]]:
    """How partner systems write a surname: case, no accents, voorvoegsel behind, ij as y,
    ß as ss, one letter wrong, dropped, doubled or swapped (but not one that splits an `ij`:
    folded to `y` on one side only, that is two differences)."""
    plain = name.replace("ö", "o").replace("Ö", "O").replace("ß", "ss")

    def typo(draw_index: int, kind: int) -> str:
        i = draw_index % len(name)
        if kind == 0:
            return name[:i] + name[i + 1 :]
        if kind == 1:
            return name[:i] + name[i] + name[i:]
        if kind == 2:
            return name[:i] + "x" + name[i + 1 :]
        j = min(i + 1, len(name) - 1)
        chars = list(name)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    written = [
        (voorvoegsel, name.upper()),
        (voorvoegsel, plain),
        ("", f"{name}, {voorvoegsel}" if voorvoegsel else name),
        (voorvoegsel, name.replace("ij", "y")),
    ]
    typos = (
        st.builds(typo, st.integers(0, 20), st.integers(0, 3))
        .filter(lambda n: "ij" in n or "ij" not in name)
        .map(lambda n: (voorvoegsel, n))
    )
    return st.one_of(st.sampled_from(written), typos)


@given(st.data())
@settings(max_examples=60)
def test_any_spelling_of_a_registered_surname_reaches_the_household(
    config: Config, data: st.DataObject
) -> None:
    full = data.draw(st.sampled_from([s for s in SURNAMES if len(s.rpartition(" ")[2]) >= 5]))
    voorvoegsel, _, name = full.rpartition(" ")
    person = resident(1, voorvoegsel=voorvoegsel, geslachtsnaam=name, huisnummer=1)
    # Others: another birth date, or another name at another number.
    others = [
        resident(2, geslachtsnaam="Visser", huisnummer=1),
        resident(3, voorvoegsel=voorvoegsel, geslachtsnaam=name, geboortedatum=date(1990, 2, 2)),
    ]
    written_prefix, written = data.draw(spelling_variants(voorvoegsel, name))
    without_birth_date = data.draw(st.booleans())
    # Initials as most partners send them: a typo with nothing else to go on is no match.
    signal = person.signal(
        "S",
        "600.00",
        TODAY,
        voorvoegsel=written_prefix,
        achternaam=written,
        voorletters="A.",
        geboortedatum="" if without_birth_date else person.geboortedatum.isoformat(),
        huisnummertoevoeging=data.draw(st.sampled_from(["", "Z"])),
    )
    brp, signals = frames_from(config, [person, *others], [signal])
    found = match.match(signals, brp, config, TODAY, NO_DEBTS, NOBODY_EXCLUDED).row(0, named=True)
    assert found["adres_sleutel"] == "3311AB|1||", (written_prefix, written)


@given(register(), register(first=100), st.data())
@settings(max_examples=40)
def test_unrelated_residents_never_change_a_match(
    config: Config, residents: list[Resident], strangers: list[Resident], data: st.DataObject
) -> None:
    """Strangers: born on another day than any signal names, at buildings no signal names."""
    rows = []
    for index in range(data.draw(st.integers(1, 4))):
        person = data.draw(st.sampled_from(residents))
        rows.append(
            person.signal(
                f"S{index}",
                "600.00",
                TODAY,
                geboortedatum=data.draw(st.sampled_from(["", person.geboortedatum.isoformat()])),
                huisnummertoevoeging=data.draw(st.sampled_from(["", person.toevoeging])),
            )
        )
    moved = [
        s.__class__(**{**s.__dict__, "postcode": "3320XY", "geboortedatum": date(1950, 1, 1)})
        for s in strangers
    ]
    results = []
    for register_ in (residents, residents + moved):
        brp, signals = frames_from(config, register_, rows)
        results.append(match.match(signals, brp, config, TODAY, NO_DEBTS, NOBODY_EXCLUDED))
    assert results[1].equals(results[0])


def test_the_matching_benchmark_runs(tmp_path: Path) -> None:
    """A smoke test at a tiny scale; the figures come from a run by hand (docs/matching.md)."""
    out = tmp_path / "matching.json"
    subprocess.run(
        [
            sys.executable, str(REPO / "bench" / "matching.py"), "--residents", "3000",
            "--signals", "300", "--thresholds", "0.8", "--json", str(out),
        ],
        check=True,
        cwd=REPO,
        capture_output=True,
    )  # fmt: skip
    report = json.loads(out.read_text())
    alle = report["vsig_run"]["per_soort"][0]
    assert (alle["soort"], alle["signalen"]) == ("alle", 300)
    assert alle["fout_huishouden"] == 0
    assert alle["fout_definitief"] == 0
    assert alle["bereikt"] > 0.9 * alle["over_inwoners"]
    # Every signal that waits is on the SDD's sheet for a person to decide.
    assert report["vsig_run"]["op_het_blad_twijfel"] == alle["op_controle"]
    assert report["drempels"][0]["drempel"] == 0.8


NAME = st.none() | st.text("aeijnosvd", max_size=8)


@given(pairs=st.lists(st.tuples(NAME, NAME), max_size=12), at_once=st.integers(1, 5))
def test_names_are_compared_the_same_in_slices(
    pairs: list[tuple[str | None, str | None]], at_once: int
) -> None:
    """A national night compares its name pairs a slice at a time; the scores are those of
    comparing each pair alone."""
    left = pl.Series([a for a, _ in pairs], dtype=pl.String)
    right = pl.Series([b for _, b in pairs], dtype=pl.String)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(match, "PAIRS_AT_ONCE", at_once)
        scores = match._similarity(left, right).to_list()
    alone = [OSA.normalized_similarity(a or "", b or "") for a, b in pairs]
    assert scores == pytest.approx(alone)
