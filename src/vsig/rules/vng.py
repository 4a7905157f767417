"""Value lists of the VNG information model "Model Vroegsignalering" (Uitwisselmodel v1.2).

Kept verbatim, in the order of the schema in ``standards/vng-vroegsignalering-v1.2``: these
strings are what partners, municipalities and CBS read back, so they must never be
paraphrased.
"""

from typing import Final, Literal, get_args

Signaalpartnersoort = Literal[
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "CAK Zorgverzekeringen",
    "Dienst Toeslagen",
    "DUO",
    "Energie",
    "Huur",
    "Hypotheek",
    "Overige",
    "Water",
    "Zorg",
]
SIGNAALPARTNERSOORTEN: Final = get_args(Signaalpartnersoort)

Signaalstatus = Literal[
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner is overleden",
    "Niet opgepakt: andere reden",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Nog niet opgepakt",
    "Opgepakt",
    "Persoon is geen inwoner (meer) in de gemeente",
]
SIGNAALSTATUSSEN: Final = get_args(Signaalstatus)
NOG_NIET_OPGEPAKT: Final[Signaalstatus] = "Nog niet opgepakt"
"""A signal in a case nobody acted on yet, or waiting for a person to say whose it is. The
state keeps it for every signal in a case; what a reader is told follows from the case
(`rules.status`)."""
OPGEPAKT: Final[Signaalstatus] = "Opgepakt"
"""A signal whose case was acted on (`rules.status.opgepakt`): told (`teruggemeld`), never
what matching gives."""
BEKEND_SHV: Final[Signaalstatus] = "Inwoner al bekend bij schuldhulpverlening"
ONTERECHT: Final[Signaalstatus] = "Niet opgepakt: onterecht signaal"
OVERLEDEN: Final[Signaalstatus] = "Inwoner is overleden"
GEEN_INWONER: Final[Signaalstatus] = "Persoon is geen inwoner (meer) in de gemeente"
HERHAALD: Final[Signaalstatus] = "Niet opgepakt: herhaalde melding"
ANDERE_REDEN: Final[Signaalstatus] = "Niet opgepakt: andere reden"

CONTACTSOORTEN: Final = (
    "Administratief",
    "Afspraak op locatie",
    "Brief",
    "Huisbezoek",
    "Kaartje",
    "Mail",
    "Onbekend",
    "Overige",
    "SMS/Whatsapp",
    "Telefoon",
)

DAGDELEN: Final = (
    "Ochtend",
    "Middag",
    "Avond",
)

EINDRESULTATEN: Final = (
    "(Budget)advies en/of quick fix",
    "Definitief geen contact kunnen krijgen",
    "Geen reactie na eerder contact",
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner heeft al een ander lopend traject",
    "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    "Inwoner is overleden",
    "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
    "Niet opgepakt: andere reden",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Vervolghulp en/of verwijzing",
    "Vervolghulp en/of verwijzing financieel",
    "Vervolghulp en/of verwijzing niet financieel",
    "Verwijzing zonder tussenkomst inwoner",
)

EERDERE_EINDRESULTATEN: Final = {
    "Inwoner hoeft geen hulp vanuit vroegsignalering": (
        "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
    ),
    "Verwijzing zonder contact": "Verwijzing zonder tussenkomst inwoner",
}
"""Results of the Uitwisselmodel v0.9 that v1.2 names otherwise: still accepted from case
workers, and kept in the state as written; the CBS delivery gives the v1.2 name."""
ZONDER_CONTACT: Final = (
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner heeft al een ander lopend traject",
    "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    "Inwoner is overleden",
    "Niet opgepakt: andere reden",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Verwijzing zonder tussenkomst inwoner",
    "Verwijzing zonder contact",
)
"""Results a case worker can know without anyone having acted on the case: a fact from a
register, the creditor or another service. Every other result says the resident was
reached, helped, or tried (vsig's vocabulary, not the VNG's)."""
