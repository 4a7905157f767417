"""The e-mails and SMS beside the letters: which are booked, which go out tonight, and
what came of them.

A `mail` or `sms` action (`routing.BerichtActie`) books one message per case in the
outbox, to the address or mobile number of the case's latest signal that takes one, for
its day (`gepland`). On that day's night a message still owed goes out (`TE_VERZENDEN`)
or lapses (`VERVALLEN`): its case closed, its household was reached or asked for help
meanwhile, or its address went on the exclusion list or the list of residents who want
no messages. The sending itself, after the night's commit, is `io.kanalen`'s; what it
recorded comes back here: a message sent is a contact attempt (`attempts`), and one that
did not arrive is on the SDD's list (`undelivered`).
"""

from datetime import date
from typing import Final

import polars as pl

from vsig.rules import bellijst, normalize
from vsig.rules.termijnen import ASKED

GEPLAND: Final = "gepland"
TE_VERZENDEN: Final = "te_verzenden"
BEZIG: Final = "bezig"
OPNIEUW: Final = "opnieuw"
VERZONDEN: Final = "verzonden"
AFGELEVERD: Final = "afgeleverd"
MISLUKT: Final = "mislukt"
GEWEIGERD: Final = "geweigerd"
NIET_BEZORGD: Final = "niet_bezorgd"
ONZEKER: Final = "onzeker"
VERVALLEN: Final = "vervallen"
OWED: Final = (GEPLAND, OPNIEUW, TE_VERZENDEN)
"""A message not yet sent nor given up: the night decides whether it goes out."""
SENT: Final = (VERZONDEN, AFGELEVERD)
"""A message the service took (and, where it tells, delivered): a contact attempt."""
NOT_ARRIVED: Final = (MISLUKT, GEWEIGERD, NIET_BEZORGD, ONZEKER)
"""A message that did not reach the resident, or may not have: a person tries another way."""
IN_WORDS: Final = {
    GEPLAND: "Gepland",
    TE_VERZENDEN: "Wordt verzonden",
    BEZIG: "Wordt verzonden",
    OPNIEUW: "Wordt opnieuw geprobeerd",
    VERZONDEN: "Verzonden",
    AFGELEVERD: "Afgeleverd",
    MISLUKT: "Mislukt",
    GEWEIGERD: "Geweigerd",
    NIET_BEZORGD: "Niet bezorgd",
    ONZEKER: "Misschien verzonden",
    VERVALLEN: "Vervallen",
}
"""Each status as a case worker reads it."""
SOORT: Final = {"mail": "Mail", "sms": "SMS/Whatsapp"}
"""Each channel as a contactpoging's soort (VNG v1.2)."""

DECIDED_COLUMNS: Final = ("bericht_id", "status", "reden")


def booked(
    actions: pl.DataFrame, case_actions: pl.DataFrame, case_signals: pl.DataFrame, run_id: str
) -> pl.DataFrame:
    """A message for the outbox for each `mail` or `sms` action booked tonight
    (`OUTBOX_COLUMNS` but its text, which `io.berichten` writes, with `brief_datum`: the
    day of the case's first letter, which it points to), to the address or mobile number
    of the case's latest signal that gave one that takes it (`normalize.bezorgbaar`,
    `normalize.mobiel`), written as a service wants it. A case without one gets none (the
    route books a message only where its fact holds)."""
    letters = (
        case_actions.filter(pl.col("actietype") == "brief")
        .group_by("zaak_id")
        .agg(brief_datum=pl.col("geboekt").min())
    )
    messages = actions.filter(pl.col("actietype").is_in(list(SOORT)))
    latest = case_signals.join(messages.select("zaak_id").unique(), on="zaak_id").sort(
        "zaak_id", "signaaldatum", "signaal_id", descending=[False, True, True]
    )
    mails = normalize.mail_addresses(latest["email"])
    mobiles = normalize.mobile_numbers(latest["telefoonnummer"])
    addresses = pl.concat(
        [
            latest.select(
                "zaak_id",
                kanaal=pl.lit("mail"),
                adres=pl.col("email").replace_strict(mails, default=None, return_dtype=pl.String),
            ),
            latest.select(
                "zaak_id",
                kanaal=pl.lit("sms"),
                adres=pl.col("telefoonnummer").replace_strict(
                    mobiles, default=None, return_dtype=pl.String
                ),
            ),
        ]
    ).drop_nulls("adres")
    first = addresses.unique(["zaak_id", "kanaal"], keep="first", maintain_order=True)
    return (
        messages.rename({"actietype": "kanaal"})
        .join(first, on=["zaak_id", "kanaal"])
        .join(letters, on="zaak_id", how="left")
        .select(
            bericht_id=pl.format("{}-{}", "zaak_id", "actie"),
            zaak_id="zaak_id",
            actie="actie",
            kanaal="kanaal",
            template="template",
            adres="adres",
            geboekt="geboekt",
            gepland="gepland",
            status=pl.lit(GEPLAND),
            reden=pl.lit(None, pl.String),
            pogingen=pl.lit(0, pl.Int32),
            volgende=pl.lit(None, pl.Date),
            referentie=pl.lit(None, pl.String),
            verzonden=pl.lit(None, pl.Date),
            run_id=pl.lit(run_id),
            brief_datum="brief_datum",
        )
        .sort("bericht_id")
    )


def decided(
    outbox: pl.DataFrame,
    open_now: pl.DataFrame,
    history: pl.DataFrame,
    silenced: pl.DataFrame,
    unwanted: pl.DataFrame,
    today: date,
) -> pl.DataFrame:
    """The messages owed whose day has come (`DECIDED_COLUMNS`): each goes out tonight
    (`TE_VERZENDEN`) or lapses (`VERVALLEN`, with why): its case is closed, its household
    was reached or asked for help, the exclusion list silences it (`match.silenced`), or
    its address is on the list of residents who want no messages (`unwanted`: kanaal,
    adres). A message that failed waits for its next try (`volgende`)."""
    due = outbox.filter(
        pl.col("status").is_in(OWED)
        & (pl.col("gepland") <= today)
        & (pl.col("volgende").is_null() | (pl.col("volgende") <= today))
    )
    touch = history.filter(bellijst.contact() | pl.col("gebeurtenis").is_in(ASKED))
    stopped = due.join(unwanted, on=["kanaal", "adres"], how="semi")
    reden = (
        pl.when(~pl.col("zaak_id").is_in(open_now["zaak_id"].implode()))
        .then(pl.lit("de zaak is gesloten"))
        .when(pl.col("zaak_id").is_in(touch["zaak_id"].implode()))
        .then(pl.lit("het huishouden is bereikt of vroeg om hulp"))
        .when(pl.col("zaak_id").is_in(silenced["zaak_id"].implode()))
        .then(pl.lit("het adres of de inwoner staat op de uitsluitingslijst"))
        .when(pl.col("bericht_id").is_in(stopped["bericht_id"].implode()))
        .then(pl.lit("de inwoner wil geen berichten"))
    )
    return (
        due.with_columns(reden=reden)
        .select(
            "bericht_id",
            status=pl.when(pl.col("reden").is_null())
            .then(pl.lit(TE_VERZENDEN))
            .otherwise(pl.lit(VERVALLEN)),
            reden="reden",
        )
        .sort("bericht_id")
    )


def attempts(outbox: pl.DataFrame) -> pl.DataFrame:
    """Each message a service took, as a contact attempt: `zaak_id, datum, soort`
    (`Mail`, `SMS/Whatsapp`). Whether it reached anyone is unknown until someone answers."""
    return (
        outbox.filter(pl.col("status").is_in(SENT))
        .select(
            "zaak_id",
            datum="verzonden",
            soort=pl.col("kanaal").replace_strict(SOORT, return_dtype=pl.String),
        )
        .sort("zaak_id", "datum", "soort")
    )


def undelivered(outbox: pl.DataFrame, open_now: pl.DataFrame) -> pl.DataFrame:
    """The messages of the open cases that did not reach the resident, or may not have
    (`NOT_ARRIVED`): the SDD tries another way."""
    return (
        outbox.join(open_now.select("zaak_id"), on="zaak_id")
        .filter(pl.col("status").is_in(NOT_ARRIVED))
        .sort("zaak_id", "gepland", "bericht_id")
    )
