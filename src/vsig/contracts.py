"""The contracts: every column list that crosses the edge of vsig, in one place.

Inputs (what partners and registers deliver), outputs (what people and partners get) and
the state (what the nights keep). DESIGN.md and docs/ describe the same lists; the
tests hold the files and the store's tables to them.
"""

from typing import Final

SIGNAL_KEY: Final = ("signaalpartner", "signaal_id")
"""A signal: a partner's ids are unique within that partner."""
DEBT_KEY: Final = ("signaalpartner", "klantnummer")
"""A debt: the partner and its customer number, whatever signals it."""

# Inputs: a creditor's signal, in canonical column names (a partner's layout maps to them).
SIGNAL_COLUMNS: Final = (
    "signaal_id",
    "klantnummer",
    "bedrag",
    "ontstaansdatum",
    "signaaldatum",
    "crisissignaal",
    "warme_overdracht",
    "bsn",
    "voorletters",
    "voorvoegsel",
    "achternaam",
    "geboortedatum",
    "straatnaam",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "plaatsnaam",
    "telefoonnummer",
    "email",
)

REQUIRED_SIGNAL_COLUMNS: Final = (
    "signaal_id",
    "klantnummer",
    "bedrag",
    "ontstaansdatum",
    "signaaldatum",
    "achternaam",
    "postcode",
    "huisnummer",
)

HUISNUMMER_PARTS: Final = ("huisnummer", "huisletter", "huisnummertoevoeging")

# Outputs, by file (see outputs.py for where each goes).
SIGNALS_CSV: Final = ("signaal_id", "signaalpartner", "soort", "status", "zaak_id", "gemeentecode")

CASES_CSV: Final = (
    "zaak_id",
    "gemeentecode",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "bekend_bij_sdd",
    "totaal_achterstand",
    "aantal_signalen",
    "soorten",
    "crisis",
    "regel",
    "acties",
)


ADDRESS_COLUMNS: Final = (
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaats",
)
"""The BRP's postal address of a household, as letters print it and exports list it."""

SCHULD_COLUMNS: Final = (
    "Schuldeiser",
    "Soort",
    "Klantnummer",
    "Bedrag",
    "Ontstaan",
    "Gesignaleerd",
    "Warme overdracht",
    "Schuldenaar",
)
"""A debt as case workers read it, in the municipal export a row each."""

TE_DOEN_COLUMNS: Final = ("Nu te doen", "Door", "Te doen uiterlijk")
"""A case's current obligation, by whom (the SDD or the municipality by name) and by when,
on every row of an organisation's export and sheet."""

GEMEENTE_CSV: Final = (
    "Zaak",
    "Route",
    "Acties vannacht",
    "Verhuisd",
    "Doorgestuurd",
    *TE_DOEN_COLUMNS,
    "Al verstuurd",
    "Bekend bij SDD",
    "Crisis",
    "Adres",
    "Postcode",
    "Woonplaats",
    "Bewoners",
    "Telefoon",
    "E-mail",
    *SCHULD_COLUMNS,
    "Totaal achterstand",
)
"""A municipality's export, in the words its case workers read: a row per debt of a
forwarded case, one row for any other case; a case that moved to another municipality
tonight once more in the old one's, as `Verhuisd` `naar …` only."""

HUISBEZOEKEN_CSV: Final = (
    "Zaak",
    "Adres",
    "Postcode",
    "Woonplaats",
    "Bewoners",
    "Telefoon",
    "Bezoeken uiterlijk",
    "Te laat",
    "Pogingen",
    "Laatste poging",
)
"""A municipality's list of home visits, in the order a route walks them."""
BERICHTEN_CSV: Final = (
    "Zaak",
    "Kanaal",
    "Aan",
    "Uitkomst",
    "Reden",
    "Verzenden op",
    "Pogingen",
    "Adres",
    "Postcode",
    "Woonplaats",
    "Bewoners",
    "Telefoon",
)
"""The SDD's list of e-mails and SMS that did not arrive, or may not have, with the
household's address and numbers: a person tries another way."""
BELLIJST_CSV: Final = (
    "Zaak",
    "Gemeente",
    "Crisis",
    "Bellen",
    "Bellen vanaf",
    "Uiterlijk",
    "Te laat",
    "Pogingen",
    "Laatste poging",
    *TE_DOEN_COLUMNS,
    "Bewoners",
    "Adres",
    "Telefoon",
    "E-mail",
    "Schulden",
    "Totaal achterstand",
    "Al verstuurd",
)
"""The SDD's worklist, a row per call due today or overdue."""

NIET_GEKOPPELD_CSV: Final = ("signaalpartner", "soort", "reden", *SIGNAL_COLUMNS)

SCHULDHULPVERLENING_CSV: Final = ("signaalpartner", "soort", "persoon_bsn", *SIGNAL_COLUMNS)
"""Tonight's signals of residents already in schuldhulpverlening, for their
schuldhulpverlener: the person found (none for a household) and what the creditor wrote."""

TERUGMELDING_CSV: Final = (
    "bestand",
    "regelnummer",
    "signaal_id",
    "klantnummer",
    "signaaldatum",
    "status",
    "beschikking",
    "resultaat",
    "verwerkingsdatum",
    "afwijzing",
    "toelichting",
)
"""A creditor's feedback: a row per row it sent tonight and per earlier signal decided
tonight; `afwijzing` why a row was refused, `toelichting` why a signal was unfounded and
when to signal it again."""

TERMIJNEN_CSV: Final = (
    "wie",
    "gemeente",
    "zaak_id",
    "termijn",
    "vanaf",
    "uiterlijk",
    "stand",
    "dagen_te_laat",
)


AMOUNTS: Final = ("totaal_achterstand", "bedrag", "Totaal achterstand", "Bedrag")
"""The columns the exports write as euros with a decimal comma: numbers in their `.xlsx`."""

PURGE_LOG_COLUMNS: Final = ("tijdstip", "verwerkingsdatum", "reden", "soort", "aantal", "kenmerken")

# The state: each table's columns, as the migrations in store.py leave them.
_FACTS: Final = (
    "bekend_bij_sdd",
    "totaal_achterstand",
    "aantal_signalen",
    "soorten",
    "crisis",
    "warme_overdracht",
)
MATCHED_COLUMNS: Final = (
    "persoon_bsn",
    "match_regel",
    "verhuisd",
    "adres_sleutel",
    "gemeentecode",
    "status",
    "zaak_id",
    "niet_gekoppeld",
    "kandidaten",
    "kandidaten_omschrijving",
)
"""What the state keeps of a signal besides what it said: how it matched, its status and
case, and, in doubt, why and whom it could be about. A person's choice changes these."""
STANDING_COLUMNS: Final = ("zaak_id", "teruggemeld", "persoon_bsn", "gemeentecode")
"""What of a signal a later night may change and a past CBS period must show as it stood:
its case, its status as told (`rules.status`), whom it is about and where they lived
(`signaalstanden`, a row per night that set them)."""
OUTBOX_COLUMNS: Final = (
    "bericht_id", "zaak_id", "actie", "kanaal", "template", "adres", "onderwerp", "tekst",
    "geboekt", "gepland", "status", "reden", "pogingen", "volgende", "referentie",
    "verzonden", "run_id",
)  # fmt: skip
"""A message in the outbox (`rules.berichten`): its idempotency key (`bericht_id`, the
provider's reference too), its case and action, where it goes, its text (`onderwerp`: an
e-mail's subject) as the night that booked it wrote it, the day it was booked and is for,
how it stands (`status`, `reden`), the tries made and the day of the next, the provider's
id for it, the day it went, and the run that booked it."""
STATE_COLUMNS: Final = {
    "schema_versie": ("versie",),
    "runs": ("run_id", "verwerkingsdatum", "exit_code"),
    "bestanden": ("sha256", "bestand", "bestandsoort", "run_id"),
    "signalen": (
        "run_id",
        "signaalpartner",
        "signaal_id",
        "klantnummer",
        "soort",
        *SIGNAL_COLUMNS[2:],
        "bestand",
        "regelnummer",
        *MATCHED_COLUMNS,
        "laatste_activiteit",
        "teruggemeld",
    ),
    "zaken": (
        "zaak_id",
        "adres_sleutel",
        "gemeentecode",
        "geopend",
        "laatste_activiteit",
        "gesloten",
        "sluitreden",
        *_FACTS,
        "meervoudig",
        "regel",
        "telefoon_bekend",
        "samengevoegd_in",
        "mobiel_bekend",
        "email_bekend",
    ),
    "routeringen": (
        "run_id",
        "zaak_id",
        *_FACTS,
        "gemeentecode",
        "meervoudig",
        "regel",
        "telefoon_bekend",
        "mobiel_bekend",
        "email_bekend",
    ),
    "acties": (
        "run_id",
        "zaak_id",
        "actie",
        "volgorde",
        "actietype",
        "template",
        "wie",
        "uiterlijk",
        "geboekt",
        "gepland",
        "gemeentecode",
    ),
    "gebeurtenissen": (
        "run_id",
        "zaak_id",
        "datum",
        "gebeurtenis",
        "waarde",
        "bestand",
        "regelnummer",
    ),
    "keuzes": (
        "run_id",
        "signaalpartner",
        "signaal_id",
        "keuze",
        "organisatie",
        "bestand",
        "regelnummer",
    ),
    "signaalstanden": (
        "run_id",
        "signaalpartner",
        "signaal_id",
        *STANDING_COLUMNS,
    ),
    "uitsluitingen": ("soort", "sleutel", "reden", "datum"),
    "berichten": OUTBOX_COLUMNS,
    "geen_berichten": ("kanaal", "adres", "reden", "datum"),
}
"""Each table's columns in order: `regel` is always a routing rule's name, `regelnummer`
the line a row started on in its file, `soort` a creditor's type."""

ACTION_COLUMNS: Final = tuple(c for c in STATE_COLUMNS["acties"] if c not in ("run_id", "volgorde"))
"""An action a case has had: what, of which type, by whom, booked when, for which day, due
by when, and for which municipality (null before state migration 7: the case's own)."""
