"""`vsig explain`: why a signal or case went the way it did, from the state and archive.

For an authorised analyst: it shows the signal as received, so it holds personal data and
is not meant for logs.
"""

from typing import Any

import polars as pl

from vsig import audit
from vsig.audit import archived_addresses
from vsig.audit.replay import ReplayError, manifest_of
from vsig.config import Config, ConfigError, load_config
from vsig.contracts import SIGNAL_COLUMNS
from vsig.io.home import Home
from vsig.io.state.store import Store
from vsig.routing import FACTS, Routing
from vsig.rules import berichten, keuzes, match, route, vng
from vsig.rules.formats import adres_uit_sleutel, bedrag

RECEIVED = ("signaalpartner", "soort", *SIGNAL_COLUMNS[1:], "bestand", "regelnummer")
"""A signal as the partner sent it (its id is shown apart), and where it was read."""


class NotFoundError(Exception):
    """No signal or case has that id."""


def explain(home: Home, config: Config, wanted: str, run: str | None = None) -> dict[str, Any]:
    """The story of a signal (by signaal_id) or a case (by zaak_id), as plain data."""
    with Store.snapshot(home.state) as db:
        signals = db.signals_named(wanted, run)
        chosen = {
            (c["signaalpartner"], c["signaal_id"]): c
            for c in db.choices_for(wanted).iter_rows(named=True)
        }
        zaak_ids = signals["zaak_id"].drop_nulls().unique().sort().to_list() or [wanted]
        maybe = [_case(db, home, config, zaak_id, run) for zaak_id in zaak_ids]
    found_cases = [c for c in maybe if c is not None]
    if not signals.height and not found_cases:
        raise NotFoundError(f"no signal or case {wanted!r} in the state of {home.root}")
    keys = [*signals["adres_sleutel"].drop_nulls(), *(c["adres_sleutel"] for c in found_cases)]
    where = archived_addresses(home, keys)
    for case in found_cases:  # with its street and town, as a register row had them
        case["adres"] = where.get(case["adres_sleutel"]) or adres_uit_sleutel(case["adres_sleutel"])
    return {
        "id": wanted,
        "signalen": [
            _signal(row, config, chosen.get((row["signaalpartner"], row["signaal_id"])))
            for row in signals.iter_rows(named=True)
        ],
        "zaken": found_cases,
    }


def _signal(row: dict[str, Any], config: Config, chosen: dict[str, Any] | None) -> dict[str, Any]:
    unfounded = row["status"] == vng.ONTERECHT
    return {
        "signaal_id": row["signaal_id"],
        "run_id": row["run_id"],
        "ontvangen": {k: _plain(row[k]) for k in RECEIVED},
        "match": {
            "regel": row["match_regel"],
            "niet_gekoppeld": row["niet_gekoppeld"],
            # How many, never who: the candidates are for the SDD's review sheet.
            "kandidaten": len(row.get("kandidaten") or []),
            "verhuisd": row["verhuisd"],
            "adres_sleutel": row["adres_sleutel"],
            "gemeentecode": row["gemeentecode"],
            # Kept from the last activity of the case it left when its household parted.
            "laatste_activiteit": _plain(row["laatste_activiteit"]),
            # Who decided a signal in doubt, and where it is written down.
            "keuze": {k: chosen[k] for k in _CHOICE} if chosen else None,
        },
        "zaak_id": row["zaak_id"],
        # What its creditor was last told (`rules.status`; a state before migration 11
        # told the status matching gave).
        "terugmelding": row["teruggemeld"] or row["status"],
        "dagen_achterstand": (row["signaaldatum"] - row["ontstaansdatum"]).days,
        "onterecht": match.why_unfounded(row, config) if unfounded else [],
        "buiten_venster": match.outside_window(row, config),
    }


def _case(
    db: Store, home: Home, config: Config, zaak_id: str, run: str | None
) -> dict[str, Any] | None:
    found = db.cases([zaak_id])
    if not found.height:
        return None
    case = found.row(0, named=True)
    evaluations = db.routes_of(zaak_id, run)
    actions = db.actions_of([zaak_id]).select(
        "run_id", "actie", "actietype", "template", "wie", "uiterlijk"
    )
    signals = db.signals_of_case(zaak_id).select(
        "run_id", "signaal_id", "signaalpartner", "soort", "bedrag", "status"
    )
    events = db.events_of([zaak_id]).select(
        "run_id", "datum", "gebeurtenis", "waarde", "bestand", "regelnummer"
    )
    # Whether each e-mail and SMS went, never to where: that is the resident's.
    messages = db.messages_of([zaak_id]).select(
        "run_id", "actie", "kanaal", "gepland", "status", "reden", "pogingen", "verzonden"
    )
    return {
        "zaak_id": zaak_id,
        "adres_sleutel": case["adres_sleutel"],
        "gemeentecode": case["gemeentecode"],
        "geopend": _plain(case["geopend"]),
        "gesloten": _plain(case["gesloten"]),
        "sluitreden": case["sluitreden"],
        "samengevoegd_in": case["samengevoegd_in"],
        "signalen": _rows(signals),
        "evaluaties": [_evaluation(home, config, row) for row in evaluations.iter_rows(named=True)],
        "acties": _rows(actions),
        "gebeurtenissen": _rows(events),
        "berichten": _rows(messages),
    }


def _evaluation(home: Home, config: Config, row: dict[str, Any]) -> dict[str, Any]:
    facts = {fact: row[fact] for fact in FACTS}
    table, source = _routing_of(home, row["run_id"], config)
    return {
        "run_id": row["run_id"],
        "feiten": {k: _plain(v) for k, v in facts.items()},
        "regel": row["regel"],
        "regels_geprobeerd": _plain(route.trace(facts, table)),
        "routering_uit": source,
    }


def _routing_of(home: Home, run_id: str, config: Config) -> tuple[Routing, str]:
    """The routing the run used, from its archive; the current one when that is gone."""
    try:
        manifest = manifest_of(home, run_id)
        archived = home.archived(run_id) / audit.CONFIG / manifest["config_file"]
        return load_config(archived).routing, f"archive/{run_id}"
    except (ReplayError, KeyError):
        return config.routing, "current config (the run's archive is gone)"
    except ConfigError:
        return config.routing, "current config (the run's archived one no longer loads)"


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, everything else as it is."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def in_words(story: dict[str, Any]) -> list[str]:
    """The explanation as lines of text."""
    lines = []
    for signal in story["signalen"]:
        got, how = signal["ontvangen"], signal["match"]
        lines += [
            f"Signal {signal['signaal_id']} from {got['signaalpartner']} ({got['soort']}), "
            f"read in run {signal['run_id']} from {got['bestand']} line {got['regelnummer']}",
            "  as received: "
            + ", ".join(f"{k} {_word(k, v)}" for k, v in got.items() if v is not None),
            f"  matched: {_matched(how)}",
            f"  case: {signal['zaak_id'] or 'none'}",
            f"  fed back to {got['signaalpartner']}: {signal['terugmelding']}",
        ]
        if signal["onterecht"]:
            lines.append(
                f"  not picked up: {'; '.join(signal['onterecht'])} "
                f"(it was {signal['dagen_achterstand']} days in arrears)"
            )
        if signal["buiten_venster"]:
            lines.append(
                f"  picked up for its amount, though {'; '.join(signal['buiten_venster'])} "
                f"(it was {signal['dagen_achterstand']} days in arrears)"
            )
    for case in story["zaken"]:
        into = f" into {case['samengevoegd_in']}" if case["samengevoegd_in"] else ""
        why = f" ({case['sluitreden']}{into})"
        closed = f", closed {case['gesloten']}{why}" if case["gesloten"] else ""
        lines.append(
            f"Case {case['zaak_id']} at {case['adres']} (gemeente "
            f"{case['gemeentecode']}), opened {case['geopend']}{closed}"
        )
        for s in case["signalen"]:
            lines.append(
                f"  signal {s['signaal_id']} ({s['signaalpartner']}, {s['soort']}, "
                f"{bedrag(s['bedrag'])}) in run {s['run_id']}"
            )
        for evaluation in case["evaluaties"]:
            lines += _evaluation_lines(evaluation)
        for action in case["acties"]:
            due = f", due {action['uiterlijk']}" if action["uiterlijk"] else ""
            lines.append(
                f"  action {action['actie']} ({action['actietype']}) in run {action['run_id']}{due}"
            )
        for message in case["berichten"]:
            went = f", sent {message['verzonden']}" if message["verzonden"] else ""
            why = f" ({message['reden']})" if message["reden"] else ""
            lines.append(
                f"  {message['kanaal']} {message['actie']} booked in run {message['run_id']} "
                f"for {message['gepland']}: {message['status']}{why}{went}, "
                f"{message['pogingen']} tries"
                + (" (a contact attempt)" if message["status"] in berichten.SENT else "")
            )
        for event in case["gebeurtenissen"]:
            value = f" {event['waarde']}" if event["waarde"] else ""
            lines.append(
                f"  event {event['gebeurtenis']}{value} on {event['datum']}, read in run "
                f"{event['run_id']} from {event['bestand']} line {event['regelnummer']}"
            )
    return lines


_CHOICE = ("keuze", "organisatie", "bestand", "regelnummer", "run_id")


def _matched(how: dict[str, Any]) -> str:
    fitting = f"{how['kandidaten']} residents fit"
    if how["keuze"]:
        c = how["keuze"]
        chose = (
            f"{c['organisatie']} chose {c['keuze']!r} on the sheet Twijfel of {c['bestand']} row"
        )
        decided = f"; {chose} {c['regelnummer']}, read in run {c['run_id']}"
    else:
        decided = ""
    if how["niet_gekoppeld"] == keuzes.UITEEN:  # its household parted: nobody's to follow
        return (
            f"by {how['regel']} to a household of which {fitting}; waiting for a person: "
            f"{how['niet_gekoppeld']} (its case last active {how['laatste_activiteit']})"
            f"{decided}"
        )
    # No rule found a person, or a person chose nobody (or a candidate since gone).
    if how["regel"] is None or how["adres_sleutel"] is None:
        why = how["niet_gekoppeld"] or "not found in the BRP"
        return f"to nobody: {why}" + (f" ({fitting})" if how["kandidaten"] else "") + decided
    moved = ", the person moved there" if how["verhuisd"] else ""
    household = (
        f"; {fitting}, all of this household: the person within it is not determined"
        if how["regel"] == match.BY_HOUSEHOLD
        else ""
    )
    return (
        f"by {how['regel']} to the BRP address {adres_uit_sleutel(how['adres_sleutel'])} "
        f"(gemeente {how['gemeentecode']}){moved}{household}{decided}"
    )


def _evaluation_lines(evaluation: dict[str, Any]) -> list[str]:
    facts = evaluation["feiten"]
    lines = [
        f"  routed in run {evaluation['run_id']} (rules from {evaluation['routering_uit']}): "
        + ", ".join(f"{k} {_word(k, v)}" for k, v in facts.items())
    ]
    for rule in evaluation["regels_geprobeerd"]:
        tests = "; ".join(_condition(c) for c in rule["conditions"]) or "no conditions"
        verdict = "matched" if rule["matched"] else "not matched"
        lines.append(f"    rule {rule['regel']}: {tests} → {verdict}")
    return lines


def _condition(condition: dict[str, Any]) -> str:
    fact = condition["fact"]
    actual, value = _word(fact, condition["actual"]), _word(fact, condition["value"])
    answer = "yes" if condition["holds"] else "no"
    return f"{fact} {condition['op']} {value}? {answer} ({actual})"


_AMOUNTS = ("bedrag", "totaal_achterstand")


def _word(name: str, value: Any) -> str:
    """A value as a person reads it: euros, yes/no, a list joined; never a Python repr."""
    if name in _AMOUNTS and isinstance(value, int) and not isinstance(value, bool):
        return bedrag(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "+".join(str(v) for v in value) or "none"
    return str(value)


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return [_plain(row) for row in frame.iter_rows(named=True)]
