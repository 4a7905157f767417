"""Why a row or file was refused, in Dutch: the one wording table for everyone who gets
a reason back in Dutch (the creditors' feedback, the sheets of outcomes and their rejects,
an inzage).

vsig's own reasons are English (the operator's rejects files, `vsig validate`, the logs);
what goes to a Dutch reader is translated here, pattern by pattern. Tests hold every reason
ingest and the sheets can give to a translation.
"""

import re
from typing import Final

import polars as pl

from vsig.rules.events import (
    REJECT_BEFORE_OPENING,
    REJECT_NO_REQUEST,
    REJECT_NOT_ACTED_ON,
    REJECT_OTHER_MUNICIPALITY,
    REJECT_RECORDED,
    REJECT_UNKNOWN_CASE,
)
from vsig.rules.keuzes import (
    REJECT_CHOSEN_TWICE,
    REJECT_NO_CANDIDATES,
    REJECT_NOT_SDD,
    REJECT_NOT_WAITING,
    REJECT_UNNAMED,
)
from vsig.schemas import AFTER_PROCESSING_DATE, WAARDE_FITS

_DUTCH: Final = tuple(
    (re.compile(english), dutch)
    for english, dutch in (
        (r"is required but empty", "is verplicht maar leeg"),
        (r"is not text", "is geen tekst"),
        (r"is longer than (\d+) characters", r"is langer dan \1 tekens"),
        (r"is not a date \((.+)\)", r"is geen datum (\1)"),
        (r"is not one of (.+)", r"is niet een van \1"),
        (r"is not ja/nee, true/false or 1/0", "is niet ja/nee, true/false of 1/0"),
        (r"is not a Dutch postcode \(1234AB\)", "is geen Nederlandse postcode (1234AB)"),
        (r"is not a house number from 1 to 99999", "is geen huisnummer van 1 tot 99999"),
        (r"is not a single letter", "is niet één letter"),
        (
            r"is not an addition of up to 4 letters or digits",
            "is geen toevoeging van hoogstens 4 letters of cijfers",
        ),
        (r"is not a valid BSN \(9 digits, 11-check\)", "is geen geldig BSN (9 cijfers, elfproef)"),
        (
            r"is not an amount \(such as 1234\.56, 1234,56 or 1\.234,56\)",
            "is geen bedrag (zoals 1234.56, 1234,56 of 1.234,56)",
        ),
        (r"must be more than 0", "moet meer dan 0 zijn"),
        (r"is more than €1,000,000", "is meer dan € 1.000.000"),
        (r"is after the signaaldatum", "ligt na de signaaldatum"),
        (re.escape(AFTER_PROCESSING_DATE), "ligt na de verwerkingsdatum"),
        (r"appears earlier in this file", "staat al eerder in dit bestand"),
        (r"was already received in run (\d{8})-\d+", r"is al ontvangen (verwerking \1)"),
        (
            r"has (\d+) fields where the header has (\d+)",
            r"heeft \1 velden waar de kopregel er \2 heeft",
        ),
        (r"the file is empty", "het bestand is leeg"),
        (r"the file is UTF-16; deliver it as UTF-8", "het bestand is UTF-16; lever het als UTF-8"),
        (
            r"the file holds NUL bytes: .*",
            "het bestand bevat NUL-bytes: het is binair, of UTF-16 zonder BOM",
        ),
        (
            r"line (\d+) is not valid (\S+) \(byte \d+\); .*",
            r"regel \1 is geen geldige \2; is het bestand in een andere codering opgeslagen?",
        ),
        (
            r"wrong layout: column\(s\) (.+) missing; the header must hold (.+)",
            r"verkeerde indeling: kolom(men) \1 ontbreken; de kopregel moet \2 bevatten",
        ),
        (
            r"the header names column\(s\) (.+) more than once",
            r"de kopregel noemt kolom(men) \1 meer dan eens",
        ),
        (
            r"the file ends in the middle of line (\d+) .*",
            r"het bestand houdt op midden in regel \1: de levering lijkt afgebroken; "
            "stuur het opnieuw",
        ),
        (
            r"line (\d+) cannot be read as CSV: .*",
            r"regel \1 is geen leesbare CSV (bijvoorbeeld een aanhalingsteken dat niet sluit)",
        ),
        (
            r"the same file \(SHA-256\) was already processed in run (\d{8})-\d+",
            r"hetzelfde bestand is al verwerkt (verwerking \1)",
        ),
        (
            re.escape(WAARDE_FITS),
            "staat niet in de lijst of past niet bij de gebeurtenis: een contactpoging vraagt "
            "een contactsoort en bereikt ja of nee (het dagdeel mag leeg), een beschikking "
            "toegelaten of afgewezen, een resultaat een waarde uit de lijst",
        ),
        (re.escape(REJECT_UNKNOWN_CASE), "is geen open zaak (meer)"),
        (
            re.escape(REJECT_OTHER_MUNICIPALITY),
            "is een zaak van een andere gemeente dan die van dit werkblad",
        ),
        (
            re.escape(REJECT_RECORDED),
            "is al eerder vastgelegd: dezelfde gebeurtenis van dezelfde zaak",
        ),
        (re.escape(REJECT_BEFORE_OPENING), "ligt voor de datum waarop de zaak werd geopend"),
        (
            re.escape(REJECT_NO_REQUEST),
            "is een beschikking zonder aanmelding of eerste gesprek ervoor: leg die eerst vast",
        ),
        (
            re.escape(REJECT_NOT_ACTED_ON),
            "is een resultaat van een zaak waarvoor nog niets is gedaan: geen brief verstuurd "
            "en geen contactpoging, aanmelding, eerste gesprek of beschikking op of voor die "
            "datum vastgelegd",
        ),
        (
            re.escape(REJECT_NOT_WAITING),
            "wacht niet (meer) op een keuze: al beslist, of na zes maanden verwijderd",
        ),
        (re.escape(REJECT_CHOSEN_TWICE), "is vannacht al eerder gekozen"),
        (
            re.escape(REJECT_NO_CANDIDATES),
            "heeft geen kandidaten: kies Niemand van deze of Geen inwoner",
        ),
        (
            r"is not a candidate of this signal, which has (\d+)",
            r"is geen kandidaat van dit signaal, dat er \1 heeft",
        ),
        (
            re.escape(REJECT_UNNAMED),
            "is geen signaal van dit werkblad (signaalpartner/signaal_id)",
        ),
        (re.escape(REJECT_NOT_SDD), "is een keuze die alleen de SDD maakt"),
    )
)


def in_dutch(reason: str) -> str:
    """The Dutch for one of vsig's reasons; the English itself when there is none yet (a
    test keeps that from happening), so that a night never stops over a message."""
    for english, dutch in _DUTCH:
        found = english.fullmatch(reason)
        if found:
            return found.expand(dutch)
    return reason


def in_dutch_all(reasons: pl.Series) -> pl.Series:
    """`in_dutch` of each reason, each distinct one translated once: a file's rejects say a
    few reasons many times."""
    distinct = reasons.drop_nulls().unique()
    dutch = pl.Series([in_dutch(r) for r in distinct], dtype=pl.String)
    return reasons.replace_strict(distinct, dutch, default=None, return_dtype=pl.String)
