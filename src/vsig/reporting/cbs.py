"""The delivery to CBS in the VNG Uitwisselmodel v1.2, as `vsig report monitor` writes it.

One levering per configured municipality with every vroegsignaal received in the period and
the vroegsignaalzaken opened, acted on, with an event or closed in it, each as the state
stood at the period's end: a case shows the signals received by then, the letters sent and
contact attempts recorded by then, and a result when it was closed by then. So a case that
runs for months appears in each month it moved, its result in the month it closed, and a
past period gives the same content every time; only `aanleverdatumEnTijd` says when it was
made. A client is named as little as v1.2 allows:
by BSN, else by postcode, number and birth date, never by name.
"""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from vsig.config import Cbs, Config
from vsig.io.files import write_private
from vsig.io.home import Home
from vsig.io.state.lock import READER_WAIT
from vsig.io.state.store import Store
from vsig.io.state.upkeep import publish
from vsig.rules import bellijst, berichten, formats, normalize, status, vng
from vsig.rules.lifecycle import CloseReason


class DeliveryError(ValueError):
    """The delivery cannot be made (no `cbs` section in the config)."""


def monitor(home: Home, config: Config, start: date, end: date, target: Path) -> dict[str, Any]:
    """`vsig report monitor`: the delivery of a period, written to `target` (JSON, owner
    only) unless an erasure began since it was read (then ErasedSinceError, nothing
    written); returns it."""
    found, generation = read_delivery(home, config, start, end)
    text = json.dumps(found, indent=2, ensure_ascii=False) + "\n"
    publish(home.state, generation, lambda: write_private(config.umask, target, text))
    return found


def read_delivery(
    home: Home, config: Config, start: date, end: date, wait: float = READER_WAIT
) -> tuple[dict[str, Any], int]:
    """The delivery of a period, from a snapshot of the state, and the erasure generation
    it was read at (to `upkeep.publish` it with); a running night is waited for up to
    `wait` seconds (then LockedError)."""
    if config.cbs is None:
        raise DeliveryError("the config has no `cbs` section: who delivers to CBS?")
    with Store.snapshot(home.state, wait) as db:
        rows = db.delivery_rows(start, end)
        return delivery(rows, config, config.cbs, start, end), db.generation


def delivery(
    rows: dict[str, pl.DataFrame],
    config: Config,
    cbs: Cbs,
    start: date,
    end: date,
    made: datetime | None = None,
) -> dict[str, Any]:
    """The Uitwisselmodel of a period from its `rows` (see `Store.delivery_rows`)."""
    signals = rows["signalen"].with_columns(levering=levering(config, cbs))
    acted = status.opgepakt(rows["brieven"], rows["gebeurtenissen"])
    cases = rows["zaken"].join(acted, on="zaak_id", how="left")
    # A case refers to a signal of the period only in its own levering: one emptied by a
    # merge or a parting in the period no longer holds what went to another municipality.
    key = ["signaalpartner", "signaal_id"]
    rows = rows | {
        "leden": rows["leden"]
        .join(cases.select("zaak_id", "gemeentecode"), on="zaak_id")
        .join(signals.select(*key, "levering"), on=key, how="left")
        .filter(pl.col("levering").is_null() | (pl.col("levering") == pl.col("gemeentecode")))
        .select(rows["leden"].columns)
        .sort(*key, "zaak_id")
    }
    rows["gebeurtenissen"] = rows["gebeurtenissen"].with_columns(contact=bellijst.contact())
    per_case = {name: rows[name].rows_by_key("zaak_id", named=True) for name in PER_CASE}
    organisation: dict[str, Any] = {"naam": cbs.organisatie, "contactpersonen": cbs.contactpersonen}
    if cbs.kvk_nummer:
        organisation["kvk-nummer"] = cbs.kvk_nummer
    leveringen = [
        {
            "teller": number,
            "gemeentecode": gemeente.code,
            "aanleverendeOrganisatie": organisation,
            "vroegsignalen": [
                _vroegsignaal(row)
                for row in signals.filter(pl.col("levering") == gemeente.code).iter_rows(named=True)
            ],
            "vroegsignaalzaken": [
                _zaak(row, {n: per_case[n].get(row["zaak_id"], []) for n in PER_CASE}, start, end)
                for row in cases.filter(
                    (pl.col("gemeentecode") == gemeente.code)
                    & pl.col("zaak_id").is_in(rows["leden"]["zaak_id"].implode())  # purged
                ).iter_rows(named=True)
            ],
        }
        for number, gemeente in enumerate(config.gemeenten, start=1)
    ]
    return {
        "codeGegevensleverancier": cbs.code_gegevensleverancier,
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": (made or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "leveringen": leveringen,
    }


def levering(config: Config, cbs: Cbs) -> pl.Expr:
    """The municipality a signal is delivered for: its case's (`zaak_gemeente`), so that a
    case and its signals are in one levering; else its resident's, when it matched someone
    in the region; else the one its creditor named as the town; else the centrumgemeente.
    Every signal is in exactly one levering."""
    codes = config.gemeentecodes()
    by_town = {g.naam.lower(): g.code for g in config.gemeenten}
    town = pl.col("plaatsnaam").str.strip_chars().str.to_lowercase()
    named = town.replace_strict(by_town, default=None, return_dtype=pl.String)
    fallback = cbs.centrumgemeente or codes[0]
    case = pl.when(pl.col("zaak_gemeente").is_in(codes)).then(pl.col("zaak_gemeente"))
    resident = pl.when(pl.col("gemeentecode").is_in(codes)).then(pl.col("gemeentecode"))
    return pl.coalesce(case, resident, named, pl.lit(fallback))


def _id(partner: str, signaal_id: str) -> str:
    return f"{partner}-{signaal_id}"


def _vroegsignaal(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "ID": _id(row["signaalpartner"], row["signaal_id"]),
        "crisissignaal": row["crisissignaal"],
        "warmeOverdracht": row["warme_overdracht"],
        "bedrag": formats.hele_euros(row["bedrag"]),
        "ontstaansdatum": row["ontstaansdatum"].isoformat(),
        "signaaldatum": row["signaaldatum"].isoformat(),
        "status": row["teruggemeld"],
        "signaalpartner": {"type": row["soort"]},
        "client": client(row),
    }


def client(row: dict[str, Any]) -> dict[str, str]:
    """The person as v1.2 allows: the BSN alone, or else the address the creditor wrote
    with the birth date; never a name."""
    bsn = row["persoon_bsn"] or row["bsn"]
    if bsn:
        return {"burgerservicenummer": bsn}
    found = {"postcode": row["postcode"], "huisnummer": str(row["huisnummer"])}
    addition = (row["huisletter"] or "") + (row["huisnummertoevoeging"] or "")
    if addition:
        found["huisnummertoevoeging"] = addition
    if row["geboortedatum"]:
        found["geboortedatum"] = row["geboortedatum"].isoformat()
    return found


PER_CASE: Final = ("gebeurtenissen", "leden", "brieven", "berichten")
"""The rows a case's record is made of, split by case once, in their order, as Python rows:
a delivery reads each row once, and a query per case (five for each of 100,000 cases took
most of a 40-second delivery) is none."""

Rows = list[dict[str, Any]]


def _zaak(case: dict[str, Any], rows: dict[str, Rows], start: date, end: date) -> dict[str, Any]:
    """One case's record, from its own rows (`PER_CASE`)."""
    events = rows["gebeurtenissen"]
    zaak: dict[str, Any] = {
        "matchingsdatum": case["geopend"].isoformat(),
        "startdatumMatchingperiode": start.isoformat(),
        "einddatumMatchingperiode": end.isoformat(),
        "vroegsignalen": [
            {"ID": _id(lid["signaalpartner"], lid["signaal_id"])} for lid in rows["leden"]
        ],
        "contactpogingen": _contactpogingen(rows["brieven"], rows["berichten"], events),
    }
    if case["opgepakt"] is not None:
        zaak["datumOpgepakt"] = case["opgepakt"].isoformat()
    result = resultaat(case, events, end)
    if result:
        zaak["resultaat"] = result
    return zaak


def _contactpogingen(letters: Rows, messages: Rows, events: Rows) -> list[dict[str, Any]]:
    """Each letter sent (`Brief`, on the night it went), each e-mail and SMS a service took
    (`Mail`, `SMS/Whatsapp`, on the day it did; whether it reached anyone is not known
    until someone answers) and each contactpoging recorded, by date. A call the routing
    booked is an attempt once a case worker records it: a call not yet made is no
    attempt."""
    sent = [
        (row["datum"], {"soort": "Brief", "datum": row["datum"].isoformat()}) for row in letters
    ]
    sent += [
        (row["datum"], {"soort": berichten.SOORT[row["kanaal"]], "datum": row["datum"].isoformat()})
        for row in messages
    ]
    recorded = [
        (row["datum"], _contactpoging(row["datum"], row["waarde"]))
        for row in events
        if row["gebeurtenis"] == "contactpoging"
    ]
    return [attempt for _, attempt in sorted(sent + recorded, key=lambda pair: pair[0])]


def _contactpoging(day: date, waarde: str) -> dict[str, Any]:
    soort, bereikt, dagdeel = normalize.contactpoging(waarde)
    attempt: dict[str, Any] = {"soort": soort, "bereikt": bereikt, "datum": day.isoformat()}
    if dagdeel:
        attempt["dagdeel"] = dagdeel
    return attempt


NO_CONTACT: Final = "Definitief geen contact kunnen krijgen"
NO_REPLY: Final = "Geen reactie na eerder contact"
_RESULT_OF_CLOSING: Final = {
    CloseReason.OVERLEDEN: vng.OVERLEDEN,
    CloseReason.VERTROKKEN: vng.GEEN_INWONER,
    CloseReason.SAMENGEVOEGD: vng.ANDERE_REDEN,
    CloseReason.RESULTAAT: vng.ANDERE_REDEN,
    CloseReason.UITEENGEGAAN: vng.ANDERE_REDEN,
}
"""The v1.2 result of a case that closed without a result of its own recorded (a case
closed for its result always has one; merged into the case of the household it joined, or
left by a household that parted, is "another reason")."""


def resultaat(case: dict[str, Any], events: Rows, end: date) -> str | None:
    """A case closed by the period's end, in the v1.2 list (the table in docs/cbs.md): the result
    a case worker recorded; for a case closed for inactivity, whether anyone was ever
    reached; for one whose persons died, left or joined another case, that."""
    if case["gesloten"] is None or case["gesloten"] > end:
        return None
    recorded = [row["waarde"] for row in events if row["gebeurtenis"] == "resultaat"]
    if recorded:
        last: str = recorded[-1]
        return vng.EERDERE_EINDRESULTATEN.get(last, last)
    reason = case["sluitreden"]
    if reason == CloseReason.GEEN_ACTIVITEIT:
        return NO_REPLY if any(row["contact"] for row in events) else NO_CONTACT
    # A reason the state should not hold (none, or text no migration knew) is another
    # reason too: one odd row must not stop the whole delivery.
    return _RESULT_OF_CLOSING.get(reason, vng.ANDERE_REDEN)
