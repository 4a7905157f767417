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
VERVALT: Final = "vervalt"
"""No longer needed, but tried before: NotifyNL may have taken a try that timed out, so
the next send asks it first, and records it sent, or `VERVALLEN`."""
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
    VERVALT: "Vervallen",
}
"""Each status as a case worker reads it."""
SOORT: Final = {"mail": "Mail", "sms": "SMS/Whatsapp"}
"""Each channel as a contactpoging's soort (VNG v1.2)."""

CLOSED: Final = "de zaak is gesloten"
IN_TOUCH: Final = "het huishouden is bereikt of vroeg om hulp"
EXCLUDED: Final = "het adres of de inwoner staat op de uitsluitingslijst"
UNWANTED: Final = "de inwoner wil geen berichten"
"""Why a message lapses, as the SDD reads it."""
DECIDED_COLUMNS: Final = ("bericht_id", "status", "reden", "adres")


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
    first = latest_addresses(case_signals.join(messages.select("zaak_id").unique(), on="zaak_id"))
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


def latest_addresses(case_signals: pl.DataFrame) -> pl.DataFrame:
    """Per case and kanaal, the address or mobile number of its latest signal that gave
    one that takes it (`normalize.bezorgbaar`, `normalize.mobiel`), written as a service
    wants it: `zaak_id, kanaal, adres`."""
    latest = case_signals.sort(
        "zaak_id", "signaaldatum", "signaal_id", descending=[False, True, True]
    )
    mails = normalize.mail_addresses(latest["email"])
    mobiles = normalize.mobile_numbers(latest["telefoonnummer"])
    written = {"mail": ("email", mails), "sms": ("telefoonnummer", mobiles)}
    addresses = pl.concat(
        [
            latest.select(
                "zaak_id",
                kanaal=pl.lit(kanaal),
                adres=pl.col(column).replace_strict(found, default=None, return_dtype=pl.String),
            )
            for kanaal, (column, found) in written.items()
        ]
    ).drop_nulls("adres")
    return addresses.unique(["zaak_id", "kanaal"], keep="first", maintain_order=True)


def decided(
    outbox: pl.DataFrame,
    open_signals: pl.DataFrame,
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
    adres). A message that failed waits for its next try (`volgende`); one tried before
    lapses as `VERVALT`, for the send to ask its service first. A message goes to the
    latest address its case gave by now (`open_signals`, `latest_addresses`): a creditor
    may have given a newer number since it was booked."""
    latest = latest_addresses(open_signals).rename({"adres": "nu"})
    due = (
        outbox.filter(
            pl.col("status").is_in(OWED)
            & (pl.col("gepland") <= today)
            & (pl.col("volgende").is_null() | (pl.col("volgende") <= today))
        )
        .join(latest, on=["zaak_id", "kanaal"], how="left")
        .with_columns(adres=pl.coalesce("nu", "adres"))
    )
    touch = history.filter(bellijst.contact() | pl.col("gebeurtenis").is_in(ASKED))
    stopped = due.join(
        unwanted.with_columns(sleutel=pl.col("adres").str.to_lowercase()).drop("adres"),
        left_on=["kanaal", pl.col("adres").str.to_lowercase()],
        right_on=["kanaal", "sleutel"],
        how="semi",
    )
    reden = (
        pl.when(~pl.col("zaak_id").is_in(open_now["zaak_id"].implode()))
        .then(pl.lit(CLOSED))
        .when(pl.col("zaak_id").is_in(touch["zaak_id"].implode()))
        .then(pl.lit(IN_TOUCH))
        .when(pl.col("zaak_id").is_in(silenced["zaak_id"].implode()))
        .then(pl.lit(EXCLUDED))
        .when(pl.col("bericht_id").is_in(stopped["bericht_id"].implode()))
        .then(pl.lit(UNWANTED))
    )
    return (
        due.with_columns(reden=reden)
        .select(
            "bericht_id",
            status=pl.when(pl.col("reden").is_null())
            .then(pl.lit(TE_VERZENDEN))
            .when(pl.col("pogingen") > 0)
            .then(pl.lit(VERVALT))
            .otherwise(pl.lit(VERVALLEN)),
            reden="reden",
            adres="adres",
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


def contact(signals: pl.DataFrame) -> set[tuple[str, str]]:
    """The e-mail addresses and mobile numbers these signals gave, as `(kanaal, adres)`
    the way the outbox writes them, in lower case: to compare with an outbox row's
    `adres.lower()`."""
    mails = normalize.mail_addresses(signals["email"]).values()
    numbers = normalize.mobile_numbers(signals["telefoonnummer"]).values()
    return {("mail", a.lower()) for a in mails} | {("sms", n.lower()) for n in numbers}
