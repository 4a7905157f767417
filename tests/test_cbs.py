"""The CBS delivery in the Uitwisselmodel v1.2, from frames of a few rows and over nights."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from vsig.cli import app
from vsig.config import Config
from vsig.reporting import cbs
from vsig.rules import vng
from vsig.rules.lifecycle import CloseReason

from .conftest import REPO
from .scenario import Home, Resident, make_bsn

NOV = (date(2026, 11, 1), date(2026, 11, 30))
SCHEMA = json.loads(
    (REPO / "standards/vng-vroegsignalering-v1.2/json_schema_Uitwisselmodel.json").read_text()
)
VALID = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
runner = CliRunner()


def signal(signaal_id: str, gemeentecode: str | None, **changes: Any) -> dict[str, Any]:
    """A signal as it stood at the period's end; told what matching gave unless said."""
    told = changes.get("status", vng.NOG_NIET_OPGEPAKT)
    return {"teruggemeld": told} | {
        "signaalpartner": "VGZ", "signaal_id": signaal_id, "soort": "Zorg", "bedrag": 12350,
        "ontstaansdatum": date(2026, 9, 1), "signaaldatum": date(2026, 11, 2),
        "status": vng.NOG_NIET_OPGEPAKT, "crisissignaal": False, "warme_overdracht": False,
        "persoon_bsn": "111222333", "bsn": None, "voorletters": "J.", "voorvoegsel": None,
        "achternaam": "Jansen", "geboortedatum": date(1980, 1, 1), "straatnaam": "Voorstraat",
        "postcode": "3311AB", "huisnummer": 1, "huisletter": None, "huisnummertoevoeging": None,
        "plaatsnaam": "Dordrecht", "gemeentecode": gemeentecode, "zaak_id": None,
        "zaak_gemeente": None, "gesloten": None, "sluitreden": None,
    } | changes  # fmt: skip


def case(zaak_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "zaak_id": zaak_id, "gemeentecode": "0505", "geopend": date(2026, 11, 2),
        "gesloten": None, "sluitreden": None,
    } | changes  # fmt: skip


CASE_SCHEMA = {"zaak_id": pl.String, "gemeentecode": pl.String, "geopend": pl.Date,
               "gesloten": pl.Date, "sluitreden": pl.String}  # fmt: skip
SIGNAL_SCHEMA = {"zaak_id": pl.String, "gesloten": pl.Date, "sluitreden": pl.String,
                 "gemeentecode": pl.String, "zaak_gemeente": pl.String}  # fmt: skip
EVENT_SCHEMA = {"zaak_id": pl.String, "datum": pl.Date, "gebeurtenis": pl.String,
                "waarde": pl.String}  # fmt: skip


def rows(
    signals: list[dict[str, Any]],
    cases: list[dict[str, Any]],
    events: list[tuple[str, date, str, str | None]] | None = None,
    letters: list[tuple[str, date]] | None = None,
    messages: list[tuple[str, date, str]] | None = None,
) -> dict[str, pl.DataFrame]:
    members = [
        (c["zaak_id"], s["signaalpartner"], s["signaal_id"])
        for c in cases
        for s in signals
        if s.get("zaak_id") == c["zaak_id"]
    ]
    return {
        "signalen": pl.DataFrame(signals, schema_overrides=SIGNAL_SCHEMA),
        "zaken": pl.DataFrame(cases, schema=CASE_SCHEMA),
        "leden": pl.DataFrame(
            members,
            schema={"zaak_id": pl.String, "signaalpartner": pl.String, "signaal_id": pl.String},
            orient="row",
        ),
        "gebeurtenissen": pl.DataFrame(events or [], schema=EVENT_SCHEMA, orient="row"),
        "brieven": pl.DataFrame(
            letters or [], schema={"zaak_id": pl.String, "datum": pl.Date}, orient="row"
        ),
        "berichten": pl.DataFrame(
            messages or [],
            schema={"zaak_id": pl.String, "datum": pl.Date, "kanaal": pl.String},
            orient="row",
        ),
    }


def made(config: Config, frames: dict[str, pl.DataFrame]) -> dict[str, Any]:
    assert config.cbs is not None
    delivery = cbs.delivery(frames, config, config.cbs, *NOV, datetime(2026, 12, 1, tzinfo=UTC))
    VALID.validate(delivery)
    return delivery


def levering(delivery: dict[str, Any], code: str) -> dict[str, Any]:
    return next(lev for lev in delivery["leveringen"] if lev["gemeentecode"] == code)


def test_each_municipality_gets_its_signals_and_every_signal_is_in_one_levering(
    config: Config,
) -> None:
    frames = rows(
        [
            signal("S1", "0505", zaak_id="Z1"),
            signal("S2", "0590"),
            signal("S3", None, status=vng.GEEN_INWONER, plaatsnaam=" papendrecht "),
            signal("S4", None, status=vng.GEEN_INWONER, plaatsnaam="Rotterdam"),
            signal("S5", "0599", status=vng.GEEN_INWONER, plaatsnaam=None),  # outside the region
        ],
        [case("Z1")],
    )
    delivery = made(config, frames)
    ids = {
        lev["gemeentecode"]: [s["ID"] for s in lev["vroegsignalen"]]
        for lev in delivery["leveringen"]
    }
    assert ids["0505"] == ["VGZ-S1", "VGZ-S4", "VGZ-S5"]  # S4, S5: the centrumgemeente
    assert ids["0590"] == ["VGZ-S2", "VGZ-S3"]  # S3 by the town its creditor wrote
    assert sum(len(v) for v in ids.values()) == 5
    assert levering(delivery, "0505")["vroegsignalen"][0]["bedrag"] == 124  # whole euros


@given(
    st.sampled_from(["0505", "0590", "0599", None]),
    st.sampled_from(["0505", "0590", "0599", None]),
    st.sampled_from(["Dordrecht", "PAPENDRECHT", "Rotterdam", "", None]),
)
def test_a_signal_always_has_exactly_one_configured_levering(
    config: Config, zaak_gemeente: str | None, gemeentecode: str | None, plaatsnaam: str | None
) -> None:
    """Its case's municipality first: a case and its signals are in one levering."""
    assert config.cbs is not None
    frame = pl.DataFrame(
        {"zaak_gemeente": [zaak_gemeente], "gemeentecode": [gemeentecode],
         "plaatsnaam": [plaatsnaam]},
        schema={"zaak_gemeente": pl.String, "gemeentecode": pl.String, "plaatsnaam": pl.String},
    )  # fmt: skip
    (code,) = frame.select(cbs.levering(config, config.cbs)).to_series().to_list()
    assert code in {g.code for g in config.gemeenten}
    if zaak_gemeente in ("0505", "0590"):
        assert code == zaak_gemeente
    elif gemeentecode in ("0505", "0590"):
        assert code == gemeentecode


def test_the_client_is_the_bsn_alone_or_an_address_never_a_name(config: Config) -> None:
    frames = rows(
        [
            signal("S1", "0505"),
            signal("S2", None, persoon_bsn=None, huisletter="A", huisnummertoevoeging="2"),
        ],
        [],
    )
    clients = [s["client"] for s in levering(made(config, frames), "0505")["vroegsignalen"]]
    assert clients == [
        {"burgerservicenummer": "111222333"},
        {"postcode": "3311AB", "huisnummer": "1", "huisnummertoevoeging": "A2",
         "geboortedatum": "1980-01-01"},
    ]  # fmt: skip
    assert "Jansen" not in json.dumps(clients)


def test_each_signal_has_its_status_as_told_and_a_case_the_day_of_its_first_action(
    config: Config,
) -> None:
    """The status as told by the period's last night (`rules.status`, recorded by it);
    `datumOpgepakt` from a letter or an attempt, not from a forward, nor from a result
    known without contact."""
    paid = ("resultaat", "Inwoner heeft zelf al betaald/betalingsregeling getroffen")
    frames = rows(
        [signal("S1", "0505", zaak_id="Z1", teruggemeld=vng.OPGEPAKT),
         signal("S2", "0505", zaak_id="Z2"),
         signal("S3", "0505", zaak_id="Z3", teruggemeld=vng.OPGEPAKT),
         signal("S4", "0505", zaak_id="Z4", teruggemeld=vng.ANDERE_REDEN)],
        [case("Z1"), case("Z2"), case("Z3"),
         case("Z4", gesloten=date(2026, 11, 20), sluitreden=CloseReason.RESULTAAT)],
        events=[("Z3", date(2026, 11, 9), "contactpoging", "Telefoon|nee|"),
                ("Z4", date(2026, 11, 20), *paid)],
        letters=[("Z1", date(2026, 11, 2))],
    )  # fmt: skip
    delivery = levering(made(config, frames), "0505")
    statuses = [s["status"] for s in delivery["vroegsignalen"]]
    assert statuses == [vng.OPGEPAKT, vng.NOG_NIET_OPGEPAKT, vng.OPGEPAKT, vng.ANDERE_REDEN]
    opgepakt = {
        z["vroegsignalen"][0]["ID"]: z.get("datumOpgepakt") for z in delivery["vroegsignaalzaken"]
    }
    assert opgepakt == {"VGZ-S1": "2026-11-02", "VGZ-S2": None, "VGZ-S3": "2026-11-09",
                        "VGZ-S4": None}  # fmt: skip


def test_letters_and_recorded_attempts_are_contactpogingen_by_date(config: Config) -> None:
    frames = rows(
        [signal("S1", "0505", zaak_id="Z1")],
        [case("Z1")],
        events=[("Z1", date(2026, 11, 20), "contactpoging", "Telefoon|nee|Ochtend"),
                ("Z1", date(2026, 11, 21), "aanmelding", None)],
        letters=[("Z1", date(2026, 11, 2))],
        messages=[("Z1", date(2026, 11, 4), "sms"), ("Z1", date(2026, 11, 4), "mail")],
    )  # fmt: skip
    (zaak,) = levering(made(config, frames), "0505")["vroegsignaalzaken"]
    assert zaak["contactpogingen"] == [
        {"soort": "Brief", "datum": "2026-11-02"},
        # A message a service took: whether it reached anyone is not known.
        {"soort": "SMS/Whatsapp", "datum": "2026-11-04"},
        {"soort": "Mail", "datum": "2026-11-04"},
        {"soort": "Telefoon", "bereikt": False, "datum": "2026-11-20", "dagdeel": "Ochtend"},
    ]
    assert zaak["datumOpgepakt"] == "2026-11-02"
    assert "resultaat" not in zaak  # still open


@pytest.mark.parametrize(
    ("sluitreden", "events", "expected"),
    [
        (CloseReason.RESULTAAT, [("resultaat", "Inwoner hoeft geen hulp vanuit vroegsignalering")],
         "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"),
        (CloseReason.RESULTAAT, [("resultaat", "(Budget)advies en/of quick fix")],
         "(Budget)advies en/of quick fix"),
        (CloseReason.GEEN_ACTIVITEIT, [], "Definitief geen contact kunnen krijgen"),
        (CloseReason.GEEN_ACTIVITEIT, [("contactpoging", "Telefoon|nee|")],
         "Definitief geen contact kunnen krijgen"),
        (CloseReason.GEEN_ACTIVITEIT, [("contactpoging", "Telefoon|ja|")],
         "Geen reactie na eerder contact"),
        (CloseReason.GEEN_ACTIVITEIT, [("aanmelding", None)], "Geen reactie na eerder contact"),
        (CloseReason.OVERLEDEN, [], vng.OVERLEDEN),
        (CloseReason.VERTROKKEN, [], vng.GEEN_INWONER),
        (CloseReason.SAMENGEVOEGD, [], vng.ANDERE_REDEN),
        (CloseReason.RESULTAAT, [], vng.ANDERE_REDEN),
        (None, [], vng.ANDERE_REDEN),
        ("samengevoegd met Z9", [], vng.ANDERE_REDEN),
    ],
)  # fmt: skip
def test_every_closed_case_has_a_result_of_the_v1_2_list(
    config: Config, sluitreden: str | None, events: list[tuple[str, str | None]], expected: str
) -> None:
    closed = date(2026, 11, 25)
    frames = rows(
        [signal("S1", "0505", zaak_id="Z1")],
        [case("Z1", gesloten=closed, sluitreden=sluitreden)],
        events=[("Z1", date(2026, 11, 10), what, value) for what, value in events],
    )
    (zaak,) = levering(made(config, frames), "0505")["vroegsignaalzaken"]
    assert zaak["resultaat"] == expected
    assert expected in vng.EINDRESULTATEN


def test_a_case_closed_after_the_period_has_no_result_in_it(config: Config) -> None:
    frames = rows(
        [signal("S1", "0505", zaak_id="Z1")],
        [case("Z1", gesloten=date(2026, 12, 3), sluitreden=CloseReason.GEEN_ACTIVITEIT)],
    )
    (zaak,) = levering(made(config, frames), "0505")["vroegsignaalzaken"]
    assert "resultaat" not in zaak


START = date(2026, 11, 2)
DEBTOR = Resident(make_bsn(951), "Maandelijks", date(1975, 1, 1), "3311AB", 3)
MOVER = Resident(make_bsn(952), "Verhuizer", date(1976, 2, 2), "2951AA", 4,
                 gemeentecode="0482", woonplaats="Alblasserdam")  # fmt: skip
MOVED = Resident(MOVER.bsn, "Verhuizer", date(1976, 2, 2), "3331AA", 8,
                 gemeentecode="0642", woonplaats="Zwijndrecht")  # fmt: skip
JOINER = Resident(make_bsn(953), "Samen", date(1977, 3, 3), "3311AB", 5)
JOINED = Resident(JOINER.bsn, "Samen", date(1977, 3, 3), "3311AB", 7)
HOST = Resident(make_bsn(954), "Gastvrij", date(1978, 4, 4), "3311AB", 7)


def assert_one_levering(delivery: dict[str, Any]) -> None:
    """A case and the signals of the period it refers to are in one levering."""
    received = {s["ID"] for lev in delivery["leveringen"] for s in lev["vroegsignalen"]}
    for lev in delivery["leveringen"]:
        own = {s["ID"] for s in lev["vroegsignalen"]}
        for case in lev["vroegsignaalzaken"]:
            refers = {ref["ID"] for ref in case["vroegsignalen"]}
            assert refers & received <= own, (lev["gemeentecode"], refers)


def test_a_case_emptied_within_its_month_refers_only_to_its_own_leverings_signals(
    tmp_path: Path,
) -> None:
    """Within November a Zwijndrecht resident moves in with a Dordrecht household whose
    case takes their signal, and a Papendrecht household of namesakes parts (its signal
    waits, delivered by the town its creditor wrote, or Dordrecht's). Neither emptied case
    refers to a signal delivered by another municipality."""
    joiner = Resident(make_bsn(961), "Samen", date(1977, 3, 3), "3331AA", 5,
                      gemeentecode="0642", woonplaats="Zwijndrecht")  # fmt: skip
    host = Resident(make_bsn(962), "Gastvrij", date(1978, 4, 4), "3311AB", 7)
    joined = Resident(joiner.bsn, "Samen", date(1977, 3, 3), "3311AB", 7)
    twins = [Resident(make_bsn(970 + n), "Tweeling", born, "3351AA", 7, voorletters="T.",
                      gemeentecode="0590", woonplaats="Papendrecht")
             for n, born in ((1, date(1962, 2, 2)), (2, date(2001, 3, 3)))]  # fmt: skip
    apart = [replace(t, huisnummer=9 + 2 * n) for n, t in enumerate(twins)]
    home = Home.create(tmp_path)
    home.registers(START, [joiner, host, *twins])
    home.signals(
        "EVIDES", START, [p.signal(f"E-{p.huisnummer}", "120.00", START, bsn=p.bsn)
                          for p in (joiner, host)]
    )  # fmt: skip
    written = {"bsn": "", "geboortedatum": "", "voorletters": "T.", "plaatsnaam": ""}
    home.signals("VGZ", START, [twins[0].signal("V-1", "300.00", START, **written)])
    assert home.run(START).exit_code == 0
    later = START + timedelta(days=7)
    home.registers(later, [joined, host, *apart])
    assert home.run(later).exit_code == 0
    target = tmp_path / "november.json"
    args = ["--home", str(home.path), "--config", str(home.config), "--out", str(target)]
    result = runner.invoke(app, ["report", "monitor", "--period", "2026-11", *args])
    assert result.exit_code == 0, result.output
    delivery = json.loads(target.read_text())
    VALID.validate(delivery)
    assert_one_levering(delivery)


def test_a_past_month_gives_the_same_delivery_after_later_nights(tmp_path: Path) -> None:
    """After November: the next month's signal to the same case, its events and its result;
    a household that moves from Alblasserdam to Zwijndrecht; one that moves in with another
    whose case then takes its signal; an attempt dated in November that a workbook brings in
    December. November's delivery is what it was, but for the moment it was made, and in
    every month a case and the signals of that month it refers to are in one levering."""
    home = Home.create(tmp_path)

    def night(day: date, people: list[Resident], events: str | None = None,
              **signals: list[dict[str, str]]) -> None:  # fmt: skip
        home.registers(day, people)
        for partner, rows in signals.items():
            home.signals(partner, day, rows)
        if events:
            home.write(f"uitkomsten/u-{day:%Y%m%d}.csv", events)
        assert home.run(day).exit_code == 0

    def month(period: str) -> dict[str, Any]:
        target = tmp_path / "monitor.json"
        args = ["--home", str(home.path), "--config", str(home.config), "--out", str(target)]
        result = runner.invoke(app, ["report", "monitor", "--period", period, *args])
        assert result.exit_code == 0, result.output
        delivery: dict[str, Any] = json.loads(target.read_text())
        VALID.validate(delivery)
        delivery.pop("aanleverdatumEnTijd")
        assert_one_levering(delivery)
        return delivery

    night(
        START,
        [DEBTOR, MOVER, JOINER, HOST],
        VGZ=[DEBTOR.signal("V-1", "300.00", START, bsn=DEBTOR.bsn)],
        EVIDES=[p.signal(f"E-{p.huisnummer}", "120.00", START, bsn=p.bsn)
                for p in (MOVER, JOINER, HOST)],
    )  # fmt: skip
    first = month("2026-11")
    cases = home.out(f"{START:%Y%m%d}-01", "cases.csv")
    zaak_id = cases.filter(pl.col("huisnummer") == "3")["zaak_id"].item()
    host_case = cases.filter(pl.col("huisnummer") == "7")["zaak_id"].item()
    later = date(2026, 12, 7)
    night(
        later,
        [DEBTOR, MOVED, JOINED, HOST],
        events="zaak_id;datum;gebeurtenis;waarde\n"
        f"{zaak_id};{later};contactpoging;Telefoon|ja|Middag\n"
        f"{zaak_id};{later};resultaat;(Budget)advies en/of quick fix\n"
        f"{host_case};2026-11-20;contactpoging;Huisbezoek|nee|Ochtend\n",
        VGZ=[DEBTOR.signal("V-2", "400.00", later, bsn=DEBTOR.bsn)],
    )
    assert month("2026-11") == first
    (zaak,) = [z for z in levering(first, "0505")["vroegsignaalzaken"]
               if z["vroegsignalen"] == [{"ID": "VGZ-V-1"}]]  # fmt: skip
    assert zaak["contactpogingen"] == [{"soort": "Brief", "datum": "2026-11-02"}]
    assert "resultaat" not in zaak
    assert [s["ID"] for s in levering(first, "0482")["vroegsignalen"]] == ["EVIDES-E-4"]
    december = month("2026-12")
    # The moved case is Zwijndrecht's now; the merged one ends, its signal in the host's case.
    (moved,) = levering(december, "0642")["vroegsignaalzaken"]
    assert moved["vroegsignalen"] == [{"ID": "EVIDES-E-4"}]
    held = [z["vroegsignalen"] for z in levering(december, "0505")["vroegsignaalzaken"]]
    assert [{"ID": "EVIDES-E-5"}, {"ID": "EVIDES-E-7"}] in held
    assert START + timedelta(days=35) == later
