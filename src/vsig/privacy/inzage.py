"""Inzage (AVG art. 15): everything held about one person, and when it goes.

`inzage` gathers it as data; `write` renders it as a PDF with the JSON beside it.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from vsig import letters
from vsig.config import Config
from vsig.files import private_files, write_atomic, write_text_atomic
from vsig.formats import bedrag
from vsig.home import Home
from vsig.privacy.retention import months_before
from vsig.store import Store


def write(config: Config, home: Home, bsn: str, day: date, target: Path) -> Path:
    """The inzage as a PDF at `target` and as JSON beside it (returned), read from a
    snapshot of the state."""
    with private_files(config.umask), Store.snapshot(home.state) as db:
        found = inzage(db, home, config, bsn, day)
        write_atomic(target, letters.document("inzage", day, data=found))
        data = target.with_suffix(".json")
        write_text_atomic(data, json.dumps(found, indent=2, ensure_ascii=False))
    return data


def inzage(db: Store, home: Home, config: Config, bsn: str, day: date) -> dict[str, Any]:
    """Everything held about one person, and when it will be deleted (AVG art. 15)."""
    own = db.person_signals(bsn)
    cases = db.cases(own["zaak_id"].drop_nulls().unique().sort().to_list())
    months = config.retention.months
    return {
        "bsn": bsn,
        "opgesteld": day.isoformat(),
        "signalen": [
            {
                "signaalpartner": row["signaalpartner"],
                "soort": row["soort"],
                "signaal_id": row["signaal_id"],
                "bedrag": row["bedrag"],
                "bedrag_tekst": bedrag(row["bedrag"]),
                "signaaldatum": row["signaaldatum"].isoformat(),
                "ontvangen": row["verwerkingsdatum"].isoformat(),
                "status": row["status"],
                "zaak_id": row["zaak_id"],
                "verwijderd_uiterlijk": None
                if row["zaak_id"]
                else _after(row["verwerkingsdatum"], months),
            }
            for row in own.iter_rows(named=True)
        ],
        "zaken": [_case_for_inzage(db, home, config, row) for row in cases.iter_rows(named=True)],
    }


def _case_for_inzage(db: Store, home: Home, config: Config, case: dict[str, Any]) -> dict[str, Any]:
    zaak_id = case["zaak_id"]
    routes = db.routes_of(zaak_id).select("run_id", "regel")
    actions = db.actions_of(zaak_id).select("run_id", "actie", "actietype", "template", "uiterlijk")
    events = db.events_of(zaak_id).select("datum", "gebeurtenis", "waarde")
    deleted = _after(case["laatste_activiteit"], config.retention.months)
    if not case["gesloten"]:
        deleted += ", of later als er nog een melding of contact volgt"
    return {
        "zaak_id": zaak_id,
        "adres": case["adres_sleutel"],
        "gemeentecode": case["gemeentecode"],
        "geopend": case["geopend"].isoformat(),
        "gesloten": case["gesloten"].isoformat() if case["gesloten"] else None,
        "routes": routes.rows(named=True),
        "acties": [
            {**row, "uiterlijk": row["uiterlijk"].isoformat() if row["uiterlijk"] else None}
            for row in actions.iter_rows(named=True)
        ],
        "gebeurtenissen": [
            {**row, "datum": row["datum"].isoformat()} for row in events.iter_rows(named=True)
        ],
        "bestanden": _files_naming(home, zaak_id),
        "verwijderd_uiterlijk": deleted,
    }


def _after(day: date, months: int) -> str:
    return months_before(day, -months).isoformat()


def _files_naming(home: Home, zaak_id: str) -> list[str]:
    """The letters and exports of kept runs in which the case appears."""
    found = []
    for path in sorted(home.out.glob("*/**/*")):
        letter = path.suffix == ".pdf" and path.name.startswith(zaak_id)
        export = path.suffix == ".csv" and "exports" in path.parts
        if letter or (export and zaak_id in path.read_text(encoding="utf-8-sig")):
            found.append(str(path.relative_to(home.out)))
    return found
