"""Frames of a few rows for the rule modules' tests: open cases, their signals, the
register, tonight's matched signals and events."""

from datetime import date
from typing import Final

import polars as pl

from vsig.rules import vng

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
                "samengevoegd_in": None,
            }
            for zaak, adres in rows
        ],
        schema_overrides={
            "gesloten": pl.Date,
            "sluitreden": pl.String,
            "samengevoegd_in": pl.String,
        },
    )


WRITTEN: Final = {
    "kandidaten": None,
    "voorletters": "F.",
    "voorvoegsel": None,
    "achternaam": "Jansen",
}
WRITTEN_SCHEMA: Final[dict[str, pl.DataType]] = {
    "kandidaten": pl.List(pl.String),
    "voorletters": pl.String(),
    "voorvoegsel": pl.String(),
    "achternaam": pl.String(),
}
"""What a signal says of its person as the creditor wrote it, and (`kandidaten`) the
household's candidates when it was matched to a household."""


def case_signals(*rows: tuple[str, str, str | list[str]]) -> pl.DataFrame:
    """(zaak_id, signaal_id, persoon_bsn, or the `kandidaten` of the household it was
    matched to); the klantnummer is the signal id."""
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
                "status": vng.NOG_NIET_OPGEPAKT,
                "crisissignaal": False,
                "warme_overdracht": False,
                "persoon_bsn": None if isinstance(bsn, list) else bsn,
                **WRITTEN,
                "kandidaten": bsn if isinstance(bsn, list) else None,
                "telefoonnummer": None,
                "email": None,
            }
            for zaak, signaal, bsn in rows
        ],
        schema_overrides=WRITTEN_SCHEMA
        | {"persoon_bsn": pl.String, "telefoonnummer": pl.String, "email": pl.String},
    )


def brp(*rows: tuple[str, str, bool]) -> pl.DataFrame:
    """(bsn, adres_sleutel, overleden)"""
    return pl.DataFrame(
        [{"bsn": b, "adres_sleutel": a, "gemeentecode": "0505", "overleden": d} for b, a, d in rows]
    )


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
                **WRITTEN,
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
            **WRITTEN_SCHEMA,
            "adres_sleutel": pl.String,
            "gemeentecode": pl.String,
            "telefoonnummer": pl.String,
            "email": pl.String,
        },
    )


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


ACTIONS = pl.DataFrame(
    schema={
        "zaak_id": pl.String,
        "actie": pl.String,
        "actietype": pl.String,
        "template": pl.String,
        "wie": pl.String,
        "uiterlijk": pl.Date,
        "geboekt": pl.Date,
        "gepland": pl.Date,
    }
)
"""No actions, in the state's columns (`ACTION_COLUMNS`)."""


def action(**values: object) -> pl.DataFrame:
    """One action: the columns given, the others empty."""
    return (
        pl.DataFrame([values])
        .cast({k: v for k, v in ACTIONS.schema.items() if k in values})
        .select(
            pl.col(c) if c in values else pl.lit(None, t).alias(c)
            for c, t in ACTIONS.schema.items()
        )
    )
