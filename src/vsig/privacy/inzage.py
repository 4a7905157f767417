"""Inzage (AVG art. 15): everything held about one person, who received it, and when it goes.

`inzage` gathers it from the four places personal data lives (the state, the run archives,
the run outputs, the reports), so that "nothing held" is only said when it is true; `write`
renders it as a PDF in plain Dutch, with the same data as JSON beside it, in the home's
`inzage/` folder, where retention deletes it like everything else.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from dateutil.relativedelta import relativedelta

from vsig import messages
from vsig.audit import archived_addresses
from vsig.config import Config
from vsig.io import letters
from vsig.io.files import private_files, write_atomic, write_text_atomic
from vsig.io.home import Home, run_date
from vsig.io.state.store import Store
from vsig.io.state.upkeep import publish
from vsig.privacy.erasure import (
    Subject,
    identities,
    rejected_lines,
    rejects_files,
    runs_registering,
)
from vsig.routing import NOTICE
from vsig.rules import berichten
from vsig.rules.formats import adres_uit_sleutel, adres_zoals_gemeld, bedrag, datum
from vsig.rules.normalize import contactpoging

_ACTIES = {
    "brief": "Wij stuurden u een brief",
    "herinnering": "Wij stuurden u een herinnering",
    "bellen": "Wij planden een telefoongesprek met u",
    NOTICE: "Wij schreven u dat wij uw gegevens aan de gemeente doorgaven",
}
_GEBEURTENISSEN = {
    "contactpoging": "Contactpoging",
    "aanmelding": "U meldde zich aan voor hulp",
    "eerste_gesprek": "Eerste gesprek",
    "beschikking": "Besluit over schuldhulpverlening",
    "resultaat": "Afgerond",
}
_DAGDELEN = {"Ochtend": "'s ochtends", "Middag": "'s middags", "Avond": "'s avonds"}


def inzage(config: Config, home: Home, bsn: str, day: date, target: Path | None = None) -> Path:
    """`vsig inzage`: everything held about a person as a PDF (at `target`, or numbered in
    the home's `inzage/`) with its JSON beside it; returns the PDF's path. Read from a
    snapshot of the state."""
    with private_files(config.umask):
        with Store.snapshot(home.state) as db:
            found, generation = held_about(db, home, config, bsn, day), db.generation
        sender = config.afzender.model_dump()
        document = letters.document("inzage", day, data=found, afzender=sender)
        pdf = target or _next_free(home.inzage, day)

        def put_in_place() -> None:
            pdf.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(pdf, document)
            write_text_atomic(
                pdf.with_suffix(".json"), json.dumps(found, indent=2, ensure_ascii=False)
            )

        publish(home.state, generation, put_in_place)
    return pdf


def _next_free(folder: Path, day: date) -> Path:
    taken = {p.stem for p in folder.glob("*.pdf")}
    number = next(n for n in range(1, len(taken) + 2) if f"inzage-{day:%Y%m%d}-{n}" not in taken)
    return folder / f"inzage-{day:%Y%m%d}-{number}.pdf"


def held_about(db: Store, home: Home, config: Config, bsn: str, day: date) -> dict[str, Any]:
    """Everything held about one person, each item with the date it is deleted by."""
    months = config.retention.months
    own = db.person_signals(bsn).with_columns(adres_gemeld=adres_zoals_gemeld())
    ids = own["zaak_id"].drop_nulls().unique().sort().to_list()
    cases, actions, events = db.cases(ids), db.actions_of(ids), db.events_of(ids)
    messages = db.messages_of(ids)
    where = archived_addresses(home, cases["adres_sleutel"].to_list())
    theirs = berichten.contact(own)
    zaken = [
        _zaak(
            config,
            row,
            actions.filter(mine),
            events.filter(mine),
            [_bericht(m, theirs) for m in messages.filter(mine).iter_rows(named=True)],
            where,
        )
        for row in cases.iter_rows(named=True)
        for mine in [pl.col("zaak_id") == row["zaak_id"]]
    ]
    deleted = {z["zaak_id"]: z["verwijderd_uiterlijk"] for z in zaken}
    found = {
        "bsn": bsn,
        "opgesteld": datum(day),
        "bewaartermijn_maanden": months,
        "meldingen": [_melding(row, config, deleted) for row in own.iter_rows(named=True)],
        "afgewezen": _afgewezen(home, config, bsn, db.signals_about(bsn, None), day),
        "zaken": zaken,
        "als_huisgenoot": _als_huisgenoot(home, bsn, set(own["run_id"]), months),
        "rapporten": _rapporten(home, bsn),
        "uitsluiting": _uitsluiting(db.exclusions(), bsn),
        "geen_berichten": _geen_berichten(db.unwanted(), theirs),
    }
    held = (
        "meldingen", "afgewezen", "zaken", "als_huisgenoot", "rapporten", "uitsluiting",
        "geen_berichten",
    )  # fmt: skip
    found["niets"] = not any(found[k] for k in held)
    return found


def _uitsluiting(exclusions: pl.DataFrame, bsn: str) -> dict[str, str] | None:
    """The person's entry on the exclusion list (`vsig uitsluiten`), kept until it is
    taken off."""
    mine = exclusions.filter(pl.col("soort") == "persoon", pl.col("sleutel") == bsn)
    if mine.is_empty():
        return None
    reden, sinds = mine.row(0, named=True)["reden"], mine.row(0, named=True)["datum"]
    return {"reden": reden or "", "sinds": datum(sinds) if sinds else ""}


def _geen_berichten(unwanted: pl.DataFrame, theirs: set[tuple[str, str]]) -> list[dict[str, str]]:
    """The person's addresses and numbers (as their creditors gave them) on the list of
    those who want no messages, with since when."""
    return [
        {"adres": row["adres"], "sinds": datum(row["datum"]) if row["datum"] else ""}
        for row in unwanted.iter_rows(named=True)
        if (row["kanaal"], row["adres"].lower()) in theirs
    ]


def _melding(row: dict[str, Any], config: Config, deleted: dict[str, str]) -> dict[str, Any]:
    partner = config.partner(row["signaalpartner"])
    name = " ".join(p for p in (row["voorletters"], row["voorvoegsel"], row["achternaam"]) if p)
    return {
        "schuldeiser": partner.naam if partner else row["signaalpartner"],
        "soort": row["soort"],
        "melding": row["signaal_id"],
        "klantnummer": row["klantnummer"],
        "bedrag": bedrag(row["bedrag"]),
        "ontstaan": datum(row["ontstaansdatum"]),
        "gemeld": datum(row["signaaldatum"]),
        "ontvangen": datum(row["verwerkingsdatum"]),
        "crisis": row["crisissignaal"],
        "warme_overdracht": row["warme_overdracht"],
        "status": row["teruggemeld"] or row["status"],  # as its creditor and CBS are told
        "zoals_gemeld": {
            "naam": name,
            "geboortedatum": datum(row["geboortedatum"]) if row["geboortedatum"] else None,
            "adres": row["adres_gemeld"],
            "telefoon": row["telefoonnummer"],
            "email": row["email"],
        },
        "zaak": row["zaak_id"],
        "teruggemeld": f"{partner.naam if partner else 'de schuldeiser'} hoorde dit van ons "
        f"op {datum(row['teruggemeld_op'] or row['verwerkingsdatum'])}",
        # A signal in no case goes six months after it came in, or after the last activity
        # of the case it left when its household parted.
        "verwijderd_uiterlijk": deleted.get(row["zaak_id"])
        or _na(row["laatste_activiteit"] or row["verwerkingsdatum"], config.retention.months),
    }


def _zaak(
    config: Config,
    case: dict[str, Any],
    actions: pl.DataFrame,
    events: pl.DataFrame,
    messages: list[dict[str, str]],
    where: dict[str, str],
) -> dict[str, Any]:
    zaak_id = case["zaak_id"]
    gemeente = config.gemeente(case["gemeentecode"])
    naam = gemeente.naam if gemeente else case["gemeentecode"]
    deleted = _na(case["laatste_activiteit"], config.retention.months)
    return {
        "zaak_id": zaak_id,
        "adres": where.get(case["adres_sleutel"]) or adres_uit_sleutel(case["adres_sleutel"]),
        "gemeente": naam,
        # The routing decision, in the words case workers read, and what it rested on.
        "besluit": config.routing.rule_labels().get(case["regel"], case["regel"]),
        "bekend_bij_sdd": case["bekend_bij_sdd"],
        "doorgestuurd": not actions.filter(pl.col("actietype") == "doorsturen").is_empty(),
        "geopend": datum(case["geopend"]),
        "gesloten": datum(case["gesloten"]) if case["gesloten"] else None,
        "acties": [
            _actie(row, naam)
            for row in actions.iter_rows(named=True)
            if row["actietype"] not in berichten.SOORT
        ]
        + messages,
        "gebeurtenissen": [_gebeurtenis(row) for row in events.iter_rows(named=True)],
        "verwijderd_uiterlijk": deleted
        if case["gesloten"]
        else f"{deleted}, of later als er nog een melding of contact volgt",
    }


def _actie(row: dict[str, Any], gemeente: str) -> dict[str, str]:
    due = f", uiterlijk {datum(row['uiterlijk'])}" if row["uiterlijk"] else ""
    if row["actietype"] == "doorsturen":
        what = f"Wij gaven uw gegevens door aan de gemeente {gemeente}"
        if row["uiterlijk"]:  # the term of its first offer, as the letter said it
            what += f", die uiterlijk {datum(row['uiterlijk'])} contact met u zou opnemen"
        due = ""
    elif row["actietype"] == "bellen" and row["wie"] == "gemeente":
        what = f"De gemeente {gemeente} kreeg de vraag u te bellen"
    else:
        what = _ACTIES[row["actietype"]]
    return {"datum": datum(run_date(row["run_id"])), "wat": what + due}


def _bericht(row: dict[str, Any], theirs: set[tuple[str, str]]) -> dict[str, str]:
    """An e-mail or SMS, as it stands: sent, to be sent, or why not. Its address only if
    it is the person's own: a housemate's is the housemate's."""
    noun = "e-mail" if row["kanaal"] == "mail" else "sms"
    own = (row["kanaal"], row["adres"].lower()) in theirs
    to, aan = ("u", f" aan {row['adres']}") if own else ("uw huishouden", "")
    if row["status"] in berichten.SENT:
        return {"datum": datum(row["verzonden"]), "wat": f"Wij stuurden {to} een {noun}{aan}"}
    day = datum(row["gepland"])
    if row["status"] in (berichten.VERVALLEN, berichten.VERVALT):
        return {"datum": day, "wat": f"Wij stuurden {to} toch geen {noun}{aan}"}
    if row["status"] in berichten.NOT_ARRIVED:
        return {
            "datum": day,
            "wat": f"Wij stuurden {to} een {noun}{aan}; die kwam niet, of misschien niet, aan",
        }
    return {"datum": day, "wat": f"Wij sturen {to} een {noun}{aan}"}


def _gebeurtenis(row: dict[str, Any]) -> dict[str, str]:
    what = _GEBEURTENISSEN[row["gebeurtenis"]]
    if row["gebeurtenis"] == "contactpoging" and row["waarde"]:
        soort, bereikt, dagdeel = contactpoging(row["waarde"])
        reached = "bereikt" if bereikt else "niet bereikt"
        what += f" ({soort.lower()}, {reached}{', ' + _DAGDELEN[dagdeel] if dagdeel else ''})"
    elif row["waarde"]:
        what += f": {row['waarde']}"
    return {"datum": datum(row["datum"]), "wat": what}


def _afgewezen(
    home: Home, config: Config, bsn: str, signals: pl.DataFrame, day: date
) -> list[dict[str, Any]]:
    """Rows about the person that were rejected, so never in the state (by their BSN, or
    their name, birth date and address): the archive keeps them with the file they came
    in, the run's rejects file says why."""
    taken = set(signals.select("run_id", "signaalpartner", "bestand", "regelnummer").iter_rows())
    person = Subject(bsn=bsn)
    known = identities(home, person, signals, day)
    months = config.retention.months
    found = []
    for run_id, path, found_lines, _layout in rejected_lines(home, config, person, known):
        where = (run_id, path.parent.name, path.name)
        lines = {line for line in found_lines if (*where, line) not in taken}
        if not lines:
            continue  # signals taken in: the inzage shows them as such
        partner = config.partner(path.parent.name)
        reasons = _reasons(rejects_files(home, run_id, path), path.name, lines)
        found.append(
            {
                "schuldeiser": partner.naam if partner else path.parent.name,
                "ontvangen": datum(run_date(run_id)),
                "redenen": reasons,
                "verwijderd_uiterlijk": _na(run_date(run_id), months),
            }
        )
    return found


def _reasons(rejects: list[Path], bestand: str, lines: set[int]) -> list[str]:
    found: list[str] = []
    for path in rejects:
        rows = pl.read_csv(path, separator=";", infer_schema=False)
        mine = rows.filter(
            (pl.col("bestand") == bestand) & pl.col("regelnummer").cast(pl.Int64).is_in(lines)
        )
        said = mine.select("kolom", "reden").rows()
        found += [f"{kolom}: {messages.in_dutch(reden)}" for kolom, reden in said]
    return found


def _als_huisgenoot(home: Home, bsn: str, own_runs: set[str], months: int) -> list[dict[str, str]]:
    """Runs that kept the person's BRP row without a signal about them: they lived at the
    address of a household with a signal, and the municipality's list may name them."""
    return [
        {
            "verwerking": datum(run_date(run_id)),
            "wat": "uw naam, geboortedatum en adres uit de BRP, omdat er op uw adres een "
            "melding was; de gemeente kan uw naam op de lijst van bewoners zien",
            "verwijderd_uiterlijk": _na(run_date(run_id), months),
        }
        for run_id in sorted(runs_registering(home, frozenset([bsn])) - own_runs)
    ]


def _rapporten(home: Home, bsn: str) -> list[str]:
    """Reports delivered with the person in them (the CBS monitor)."""
    return [p.name for p in sorted(home.reports.glob("*.json")) if bsn.encode() in p.read_bytes()]


def _na(day: date, months: int) -> str:
    return datum(day + relativedelta(months=months))
