"""Value lists of the VNG information model "Model Vroegsignalering" (Uitwisselmodel v0.9).

Kept verbatim from the schema in ``shared/standards``: these strings are what partners,
municipalities and CBS read back, so they must never be paraphrased.
"""

from typing import Final, Literal, get_args

Signaalpartnersoort = Literal[
    "Energie",
    "Huur",
    "Hypotheek",
    "CAK Zorgverzekeringen",
    "Zorg",
    "Water",
    "DUO",
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "Overige",
    "Dienst Toeslagen",
]
SIGNAALPARTNERSOORTEN: Final = get_args(Signaalpartnersoort)

Signaalstatus = Literal[
    "Nog niet opgepakt",
    "Niet opgepakt: onterecht signaal",
    "Inwoner is overleden",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: andere reden",
]
SIGNAALSTATUSSEN: Final = get_args(Signaalstatus)
OPGEPAKT: Final[Signaalstatus] = "Nog niet opgepakt"
ONTERECHT: Final[Signaalstatus] = "Niet opgepakt: onterecht signaal"
OVERLEDEN: Final[Signaalstatus] = "Inwoner is overleden"
GEEN_INWONER: Final[Signaalstatus] = "Persoon is geen inwoner (meer) in de gemeente"
HERHAALD: Final[Signaalstatus] = "Niet opgepakt: herhaalde melding"
ANDERE_REDEN: Final[Signaalstatus] = "Niet opgepakt: andere reden"

CONTACTSOORTEN: Final = (
    "Mail",
    "Brief",
    "SMS/Whatsapp",
    "Telefoon",
    "Huisbezoek",
    "Kaartje",
    "Overige",
    "Administratief",
)

DAGDELEN: Final = ("Ochtend", "Middag", "Avond")

EINDRESULTATEN: Final = (
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Inwoner is overleden",
    "Persoon is geen inwoner (meer) in de gemeente",
    "Niet opgepakt: andere reden",
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner heeft al een ander lopend traject",
    "Definitief geen contact kunnen krijgen",
    "Geen reactie na eerder contact",
    "Inwoner hoeft geen hulp vanuit vroegsignalering",
    "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    "(Budget)advies en/of quick fix",
    "Vervolghulp en/of verwijzing financieel",
    "Verwijzing zonder contact",
    "Vervolghulp en/of verwijzing niet financieel",
)
