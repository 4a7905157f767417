"""What each export holds, on frames of a few rows: each creditor hears of its own rows only."""

from datetime import date, timedelta
from pathlib import Path

import polars as pl

from vsig.config import Config
from vsig.contracts import TE_DOEN_COLUMNS, TERUGMELDING_CSV
from vsig.rules import exports, vng

from .scenario import Home, Resident, csv_text, make_bsn

TODAY = date(2026, 12, 1)
SIGNAL = {
    "signaalpartner": pl.String,
    "bestand": pl.String,
    "regelnummer": pl.Int64,
    "signaal_id": pl.String,
    "klantnummer": pl.String,
    "signaaldatum": pl.Date,
    "status": pl.String,
    "soort": pl.String,
    "bedrag": pl.Int64,
    "ontstaansdatum": pl.Date,
}


HUUR = ("Huur", 100_00, TODAY - timedelta(days=21))
"""Each test signal's soort, amount and start of its arrears."""


def signals(*rows: tuple[str, int, str, str], told: dict[str, str] | None = None) -> pl.DataFrame:
    """(partner, line, signal id, status) of tonight's signals, each told its status unless
    `told` says otherwise (`rules.status`)."""
    told = told or {}
    return pl.DataFrame(
        [
            (partner, f"{partner}.csv", line, signaal, f"K{signaal}", TODAY, status, *HUUR)
            for partner, line, signaal, status in rows
        ],
        schema=SIGNAL,
        orient="row",
    ).with_columns(teruggemeld=pl.col("signaal_id").replace_strict(told, default=pl.col("status")))


def test_each_creditor_gets_its_own_rows_its_decisions_and_its_refusals_only(
    config: Config,
) -> None:
    """VGZ and Evides signal the same household; the case is decided tonight. Each hears of
    its own signals, the decision of its own earlier signal, why its own rows were refused
    and why a signal of its own was unfounded; neither learns that the other signalled,
    nor the case they share."""
    tonight = signals(
        ("VGZ", 2, "V-2", vng.HERHAALD),
        ("EVIDES", 2, "E-2", vng.NOG_NIET_OPGEPAKT),
        ("VGZ", 3, "V-3", vng.ONTERECHT),
        told={"E-2": vng.OPGEPAKT},  # its letter went tonight
    )
    earlier = signals(
        ("VGZ", 5, "V-1", vng.NOG_NIET_OPGEPAKT), ("EVIDES", 3, "E-1", vng.NOG_NIET_OPGEPAKT)
    )
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
    feedback = exports.terugmeldingen(tonight, decisions, refused, config, TODAY)
    assert sorted(feedback) == ["EVIDES", "VGZ"]
    for partner, rows in feedback.items():
        assert rows.columns == list(TERUGMELDING_CSV)
        assert set(rows["bestand"]) == {f"{partner}.csv"}
    assert feedback["VGZ"].select("signaal_id", "status", "beschikking").rows() == [
        ("V-2", vng.HERHAALD, None),
        ("V-3", vng.ONTERECHT, None),
        ("V-1", vng.NOG_NIET_OPGEPAKT, "toegelaten"),
    ]
    told = feedback["VGZ"].select("signaal_id", "toelichting").drop_nulls().rows()
    assert [(signaal, why[:50]) for signaal, why in told] == [
        ("V-3", "21 dagen achterstand. Meldingen over Huur pakken w")
    ]
    assert feedback["EVIDES"].select("signaal_id", "status", "afwijzing").rows() == [
        ("E-2", vng.OPGEPAKT, None),
        ("E-1", vng.NOG_NIET_OPGEPAKT, None),
        ("E-3", None, "bedrag: moet meer dan 0 zijn"),
    ]
    assert feedback["EVIDES"].select("signaal_id", "beschikking", "afwijzing").rows() == [
        ("E-2", None, None),
        ("E-1", "toegelaten", None),
        ("E-3", None, "bedrag: moet meer dan 0 zijn"),
    ]


def test_a_municipality_sees_its_own_cases_and_only_a_forwarded_case_names_people(
    config: Config,
) -> None:
    """Z1 (Dordrecht, forwarded, two debts), Z2 (Dordrecht, the SDD's) and Z3
    (forwarded, moved tonight from Dordrecht to Papendrecht): Dordrecht's export lists Z1
    a row per debt with its residents, Z2 in one row without anyone's name or debts, and
    Z3 once as moved away, with nothing of where it lives or who lives there; Papendrecht's
    lists Z3 in full, saying where it came from."""
    zaken = ["Z1", "Z2", "Z3"]
    routed = pl.DataFrame(
        {
            "zaak_id": zaken,
            "gemeentecode": ["0505", "0505", "0590"],
            "regel": config.routing.rules[0].name,
            "bekend_bij_sdd": False,
            "crisis": False,
            "totaal_achterstand": 600_00,
        }
    )
    performed = pl.DataFrame(
        {
            "zaak_id": zaken,
            "actie": "doorsturen",
            "volgorde": 0,
            "actietype": ["doorsturen", "brief", "doorsturen"],
            "wie": None,
            "uiterlijk": None,
        },
        schema_overrides={"volgorde": pl.Int32, "wie": pl.String, "uiterlijk": pl.Date},
    )
    households = pl.DataFrame(
        {
            "zaak_id": zaken,
            "bewoners": [["A. de Wit"], ["B. Bakker"], ["C. Çelik"]],
            "telefoonnummers": [["0612345678"], ["0687654321"], []],
            "emails": [[], [], []],
            "straatnaam": "Voorstraat",
            "huisnummer": [1, 2, 3],
            "huisletter": None,
            "huisnummertoevoeging": None,
            "postcode": "3311AB",
            "woonplaats": "Dordrecht",
        },
        schema_overrides={
            "emails": pl.List(pl.String),
            "huisletter": pl.String,
            "huisnummertoevoeging": pl.String,
        },
    )
    schulden = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z1", "Z2", "Z3"],
            "Schuldeiser": ["VGZ", "Evides", "Eneco", "VGZ"],
            "Soort": "Zorg",
            "Klantnummer": ["K1", "K2", "K3", "K4"],
            "Bedrag": "300,00",
            "Ontstaan": TODAY,
            "Gesignaleerd": TODAY,
            "Warme overdracht": "nee",
            "Schuldenaar": ["A. de Wit", "A. de Wit", "B. Bakker", "C. Çelik"],
        }
    )
    verstuurd = pl.DataFrame({"zaak_id": ["Z2"], "Al verstuurd": ["Informatiebrief"]})
    forwarded = pl.DataFrame({"zaak_id": ["Z1", "Z3"]})
    owed = pl.DataFrame(
        {
            "zaak_id": zaken,
            "gemeentecode": ["0505", "0505", "0590"],
            "wie": ["gemeente", "sdd", "gemeente"],
            "termijn": ["eerste_aanbod", "contactpoging", "eerste_aanbod"],
            "uiterlijk": [date(2026, 12, 4), date(2027, 2, 24), date(2026, 12, 4)],
        }
    )
    exports_ = exports.gemeente_exports(
        routed,
        performed,
        forwarded,
        exports.te_doen(owed, config),
        households,
        schulden,
        verstuurd,
        pl.DataFrame({"zaak_id": ["Z3"], "van": ["0505"], "naar": ["0590"]}),
        config,
    )
    assert set(exports_) == {g.code for g in config.gemeenten}
    dordrecht = exports_["0505"]
    shown = ("Zaak", "Verhuisd", "Doorgestuurd", "Bewoners", "Adres", "Schuldeiser")
    assert dordrecht.select(shown).rows() == [
        ("Z1", None, "ja", "A. de Wit", "Voorstraat 1", "Evides"),
        ("Z1", None, "ja", "A. de Wit", "Voorstraat 1", "VGZ"),
        ("Z2", None, "nee", None, "Voorstraat 2", None),
        ("Z3", "naar Papendrecht", None, None, None, None),
    ]
    assert exports_["0590"].select(shown).rows() == [
        ("Z3", "van Dordrecht", "ja", "C. Çelik", "Voorstraat 3", "VGZ"),
    ]
    assert dordrecht.filter(pl.col("Zaak") == "Z2")["Telefoon"].to_list() == [None]
    # Every row says what its case is owed now, by whom and by when.
    assert dordrecht.select(*TE_DOEN_COLUMNS).unique(maintain_order=True).rows() == [
        ("Eerste aanbod doen", "Dordrecht", date(2026, 12, 4)),
        ("Nog een contactpoging, of het resultaat vastleggen", "SDD", date(2027, 2, 24)),
        ("Eerste aanbod doen", "Papendrecht", date(2026, 12, 4)),
    ]
    others = [rows.height for code, rows in exports_.items() if code not in ("0505", "0590")]
    assert others == [0] * len(others)


def test_a_municipality_gets_its_home_visits_in_the_order_a_route_walks_them(
    tmp_path: Path,
) -> None:
    """Five crisis households without a phone number are forwarded for a visit within 3
    working days: Dordrecht's list orders them by postcode, then the number, its
    additions in number order, its letters; each with its deadline. A visit that reached
    the household takes its case off the list; one that found nobody home stays, as an
    attempt, and is not late; one not made by its day is late; an address put on the
    exclusion list as unsafe is visited by nobody. Papendrecht's list is there, empty."""
    home = Home.create(tmp_path)
    people = [
        Resident(make_bsn(901), "Tien", date(1970, 1, 1), "3312AA", 10),
        Resident(make_bsn(902), "Letter", date(1970, 1, 1), "3312AA", 10, huisletter="A"),
        Resident(make_bsn(903), "Twee", date(1970, 1, 1), "3312AA", 10, toevoeging="2"),
        Resident(make_bsn(904), "Tiende", date(1970, 1, 1), "3312AA", 10, toevoeging="10"),
        Resident(make_bsn(905), "Eerst", date(1970, 1, 1), "3311ZZ", 99),
    ]
    day = date(2026, 12, 21)  # a Monday: three working days on is Thursday the 24th
    home.registers(day, people)
    crisis = [p.signal(f"E-{n}", "90.00", day, crisissignaal="ja") for n, p in enumerate(people)]
    home.signals("EVIDES", day, crisis)
    assert home.run(day).exit_code == 0
    visits = home.out("20261221-01", "exports/huisbezoeken/0505.csv")
    assert visits.select("Adres", "Postcode", "Bezoeken uiterlijk", "Te laat").rows() == [
        ("Voorstraat 99", "3311 ZZ", "24-12-2026", "nee"),
        ("Voorstraat 10", "3312 AA", "24-12-2026", "nee"),
        ("Voorstraat 10-2", "3312 AA", "24-12-2026", "nee"),
        ("Voorstraat 10-10", "3312 AA", "24-12-2026", "nee"),
        ("Voorstraat 10A", "3312 AA", "24-12-2026", "nee"),
    ]
    assert home.out("20261221-01", "exports/huisbezoeken/0590.csv").is_empty()
    zaak = dict(zip(visits["Adres"], visits["Zaak"], strict=True))
    later = date(2026, 12, 28)
    home.registers(later, people)
    header = ["zaak_id", "datum", "gebeurtenis", "waarde"]
    made = {"Voorstraat 99": "Huisbezoek|ja|Middag", "Voorstraat 10": "Huisbezoek|nee|Ochtend"}
    rows = [
        dict(zip(header, (zaak[at], "2026-12-23", "contactpoging", waarde), strict=True))
        for at, waarde in made.items()
    ]
    home.write("uitkomsten/bezoek.csv", csv_text(rows, header))
    unsafe = ("--address", "3312AA 10-10", "--reason", "onveilig")
    assert home.vsig("uitsluiten", "toevoegen", *unsafe).exit_code == 0
    assert home.run(later).exit_code == 0
    left = home.out("20261228-01", "exports/huisbezoeken/0505.csv")
    assert left.select("Adres", "Te laat", "Pogingen", "Laatste poging").rows() == [
        ("Voorstraat 10", "nee", "1", "23-12-2026"),  # nobody home: tried, still owed
        ("Voorstraat 10-2", "ja", "0", None),
        ("Voorstraat 10A", "ja", "0", None),
    ]
