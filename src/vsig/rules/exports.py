"""What each export holds, row by row: households, debts, what was sent, the municipal
exports, the SDD's call list, the deadlines, the unmatched signals and each creditor's
feedback. Frames in, frames out; `io.spreadsheets` writes them for people.
"""

from datetime import date
from typing import Final

import polars as pl

from vsig.config import Config
from vsig.contracts import (
    ADDRESS_COLUMNS,
    BELLIJST_CSV,
    BERICHTEN_CSV,
    GEMEENTE_CSV,
    HUISBEZOEKEN_CSV,
    NIET_GEKOPPELD_CSV,
    SCHULD_COLUMNS,
    SCHULDHULPVERLENING_CSV,
    TE_DOEN_COLUMNS,
    TERMIJNEN_CSV,
    TERUGMELDING_CSV,
)
from vsig.routing import LETTER_TYPES
from vsig.rules import berichten, cases, keuzes, match, vng
from vsig.rules.formats import (
    LIST_SEPARATOR,
    adres_zoals_gemeld,
    adresregel,
    datum_kort,
    euros_komma,
    ja_nee,
    postcode,
    straat,
    telefoon,
)
from vsig.rules.termijnen import TE_DOEN

NIET_VASTGESTELD: Final = "huishouden; wie van hen is niet vastgesteld"
"""Beside the name a creditor wrote, for a debt matched to a household of namesakes."""


def households(cases_: pl.DataFrame, brp: pl.DataFrame, case_signals: pl.DataFrame) -> pl.DataFrame:
    """Per case: who lives there, the address and how to reach them.

    `cases_` has `zaak_id, adres_sleutel`; `brp` comes from `match.prepare_brp`;
    `case_signals` are all picked-up signals of those cases (`cases.CASE_SIGNAL_COLUMNS`).
    The residents named are the living adults, the debtors first; children only when no
    adult lives there.
    """
    debtors = case_signals.select("zaak_id", bsn="persoon_bsn").drop_nulls().unique()
    adult = pl.col("meerderjarig")
    residents = (
        cases_.select("zaak_id", "adres_sleutel")
        .join(brp.filter(~pl.col("overleden")), on="adres_sleutel")
        .filter(adult | ~adult.any().over("zaak_id"))
        .join(debtors.with_columns(debiteur=pl.lit(0)), on=["zaak_id", "bsn"], how="left")
        .sort("zaak_id", pl.col("debiteur").fill_null(1), "geboortedatum", "bsn")
        .group_by("zaak_id", maintain_order=True)
        .agg(
            naam().alias("bewoners"),
            *(pl.col(c).first() for c in ADDRESS_COLUMNS),
        )
    )
    contact = (
        case_signals.with_columns(telefoon(pl.col("telefoonnummer")))
        .group_by("zaak_id")
        .agg(
            telefoonnummers=pl.col("telefoonnummer").drop_nulls().unique().sort(),
            emails=pl.col("email").drop_nulls().unique().sort(),
        )
    )
    return residents.join(contact, on="zaak_id", how="left").sort("zaak_id")


def naam() -> pl.Expr:
    """A resident's name as the BRP gives it: `A.B. van Dijk`."""
    return pl.concat_str(
        ["voorletters", "voorvoegsel", "geslachtsnaam"], separator=" ", ignore_nulls=True
    )


def geschreven_naam() -> pl.Expr:
    """A debtor's name as their creditor wrote it (`F. Jansen`): the name a letter to a
    household carries when the person within it is not determined, as the creditor's own
    letters do, so that no housemate's name appears."""
    return pl.concat_str(
        ["voorletters", "voorvoegsel", "achternaam"], separator=" ", ignore_nulls=True
    ).str.replace_all(r"\s+", " ")


def debtors(case_signals: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """Per case, each person its debts are about: `zaak_id, nummer, naam, schulden,
    totaal`, numbered 1, 2, … within the case. A debt belongs to the person its latest
    signal was matched to, by their name in the BRP; one matched to a household belongs to
    its candidates together, by the name its creditor wrote. One matched to nobody (only in
    a state from before matching always named a person) is nobody's, and no letter names
    it."""
    owed = cases.debts(case_signals).with_columns(
        debiteur=pl.coalesce("persoon_bsn", pl.col("kandidaten").list.join(",")),
        geschreven=geschreven_naam(),
    )
    return (
        owed.filter(pl.col("debiteur").is_not_null())
        .sort("zaak_id", "debiteur", "signaalpartner", "klantnummer")
        .group_by("zaak_id", "debiteur", maintain_order=True)
        .agg(
            pl.col("persoon_bsn").first(),
            pl.col("geschreven").first(),
            schulden=pl.struct("signaalpartner", "soort", "bedrag", "signaaldatum").sort_by(
                "signaalpartner", "soort", "bedrag"
            ),
            totaal=pl.col("bedrag").sum(),
        )
        .join(brp.select(persoon_bsn="bsn", bekend=naam()), on="persoon_bsn", how="left")
        .with_columns(
            naam=pl.when(pl.col("persoon_bsn").is_null()).then("geschreven").otherwise("bekend")
        )
        .filter(pl.col("naam").is_not_null())
        .sort("zaak_id", "debiteur")
        .with_columns(nummer=pl.int_range(1, pl.len() + 1).over("zaak_id"))
        .select("zaak_id", "schulden", "totaal", "naam", "nummer")
    )


def letters_due(
    actions: pl.DataFrame, case_signals: pl.DataFrame, brp: pl.DataFrame
) -> pl.DataFrame:
    """Tonight's letters: each `brief` action booked tonight and each notice of a forward
    without one (`route.notices`), × each person the case's debts are about (`debtors`
    of its `case_signals`); and each reminder (`route.reminders`) × each person the
    letter it repeats went to, with the debts it named (those signalled by its day,
    `eerdere_brief`): a housemate signalled since never had a letter to be reminded of.
    The one place that decides who gets a letter; the letters, the summary and the
    manifest all count these rows."""
    reminder = pl.col("actietype") == "herinnering"
    reminded = actions.filter(reminder)
    told = case_signals.join(reminded.select("zaak_id", "eerdere_brief"), on="zaak_id").filter(
        pl.col("signaaldatum") <= pl.col("eerdere_brief")
    )
    first = actions.filter(pl.col("actietype").is_in(LETTER_TYPES) & ~reminder)
    return pl.concat(
        [
            first.join(debtors(case_signals, brp), on="zaak_id"),
            reminded.join(debtors(told.drop("eerdere_brief"), brp), on="zaak_id"),
        ],
        how="diagonal_relaxed",
    )


def schulden(case_signals: pl.DataFrame, brp: pl.DataFrame, config: Config) -> pl.DataFrame:
    """A row per debt of each case, as a case worker reads it: the creditor by name, its
    klantnummer, amount, dates, warme overdracht and the debtor (`SCHULD_COLUMNS`)."""
    partners = pl.DataFrame(
        {
            "signaalpartner": [p.code for p in config.signaalpartners],
            "Schuldeiser": [p.naam for p in config.signaalpartners],
        }
    )
    return (
        cases.debts(case_signals)
        .join(partners, on="signaalpartner", how="left")
        .join(brp.select(persoon_bsn="bsn", Schuldenaar=naam()), on="persoon_bsn", how="left")
        .with_columns(
            Schuldenaar=pl.when(pl.col("kandidaten").is_not_null())
            .then(pl.format("{} ({})", geschreven_naam(), pl.lit(NIET_VASTGESTELD)))
            .otherwise("Schuldenaar")
        )
        .select(
            "zaak_id",
            pl.col("Schuldeiser").fill_null(pl.col("signaalpartner")),
            pl.col("soort").alias("Soort"),
            pl.col("klantnummer").alias("Klantnummer"),
            euros_komma(pl.col("bedrag")).alias("Bedrag"),
            pl.col("ontstaansdatum").alias("Ontstaan"),
            pl.col("signaaldatum").alias("Gesignaleerd"),
            ja_nee(pl.col("warme_overdracht")).alias("Warme overdracht"),
            "Schuldenaar",
        )
        .sort("zaak_id", "Schuldeiser", "Klantnummer")
    )


def verstuurd(case_actions: pl.DataFrame, labels: dict[str, str]) -> pl.DataFrame:
    """Per case the letters it was sent: `zaak_id, Al verstuurd` as `Informatiebrief
    (26-11-2026)`."""
    letters = case_actions.filter(pl.col("actietype").is_in(LETTER_TYPES))
    return letters.group_by("zaak_id").agg(
        pl.format("{} ({})", _named("actie", labels), datum_kort(pl.col("geboekt")))
        .sort_by("geboekt", "actie")
        .str.join(LIST_SEPARATOR)
        .alias("Al verstuurd")
    )


def _joined(column: str) -> pl.Expr:
    """A list as one cell, `a / b`; an empty list is an empty cell."""
    return pl.when(pl.col(column).list.len() > 0).then(pl.col(column).list.join(LIST_SEPARATOR))


def _named(column: str, names: dict[str, str]) -> pl.Expr:
    """A code as people read it: a rule or action by its `omschrijving`, a municipality by
    its name; a code without one as it is."""
    return pl.col(column).replace_strict(names, default=pl.col(column), return_dtype=pl.String)


def te_doen(owed: pl.DataFrame, config: Config) -> pl.DataFrame:
    """Each open case's current obligation (`termijnen.obligations`) as a case worker reads
    it: `zaak_id` and `TE_DOEN_COLUMNS`, the one way every export and sheet shows it."""
    names = config.gemeentenamen()
    return owed.select(
        "zaak_id",
        pl.col("termijn").replace_strict(TE_DOEN, return_dtype=pl.String).alias(TE_DOEN_COLUMNS[0]),
        pl.when(pl.col("wie") == "gemeente")
        .then(_named("gemeentecode", names))
        .otherwise(pl.lit("SDD"))
        .alias(TE_DOEN_COLUMNS[1]),
        pl.col("uiterlijk").alias(TE_DOEN_COLUMNS[2]),
    )


def gemeente_exports(
    routed: pl.DataFrame,
    performed_tonight: pl.DataFrame,
    forwarded: pl.DataFrame,
    te_doen_: pl.DataFrame,
    households_: pl.DataFrame,
    schulden_: pl.DataFrame,
    verstuurd_: pl.DataFrame,
    moves: pl.DataFrame,
    config: Config,
) -> dict[str, pl.DataFrame]:
    """Per configured municipality, its cases opened or changed this run (`GEMEENTE_CSV`).

    Every case shows its address, route, what it was sent, the actions taken tonight and
    what it is owed now, by whom and by when (`te_doen`). Only a forwarded case, which the
    municipality must act on, carries names, contact data and its debts, a row per debt
    beside the case's columns; any other case is one row. A case that moved here tonight
    (`moves`: zaak_id, van, naar) says where from; the municipality it left lists it once
    more, with where it went and what it is owed there, and nothing of its new address,
    its people or its debts.
    """
    actions = config.routing.action_labels()
    names = config.gemeentenamen()
    is_forwarded = pl.col("zaak_id").is_in(forwarded["zaak_id"].implode())
    arrived = moves.select("zaak_id", Verhuisd=pl.format("van {}", _named("van", names)))
    left = moves.join(te_doen_, on="zaak_id", how="left").select(
        pl.col("van").alias("gemeentecode"),
        pl.col("zaak_id").alias("Zaak"),
        pl.format("naar {}", _named("naar", names)).alias("Verhuisd"),
        *TE_DOEN_COLUMNS,
    )
    acties = performed_tonight.group_by("zaak_id").agg(
        acties=_named("actie", actions).sort_by("volgorde").str.join(" + "),
    )
    rows = (
        routed.join(acties, on="zaak_id", how="left")
        .join(te_doen_, on="zaak_id", how="left")
        .join(households_, on="zaak_id", how="left")
        .join(verstuurd_, on="zaak_id", how="left")
        .join(schulden_.filter(is_forwarded), on="zaak_id", how="left")
        .join(arrived, on="zaak_id", how="left")
        .select(
            "gemeentecode",
            pl.col("zaak_id").alias("Zaak"),
            _named("regel", config.routing.rule_labels()).alias("Route"),
            pl.col("acties").fill_null("").alias("Acties vannacht"),
            "Verhuisd",
            ja_nee(is_forwarded).alias("Doorgestuurd"),
            *TE_DOEN_COLUMNS,
            "Al verstuurd",
            ja_nee(pl.col("bekend_bij_sdd")).alias("Bekend bij SDD"),
            ja_nee(pl.col("crisis")).alias("Crisis"),
            straat().alias("Adres"),
            postcode().alias("Postcode"),
            pl.col("woonplaats").alias("Woonplaats"),
            pl.when(is_forwarded).then(_joined("bewoners")).alias("Bewoners"),
            pl.when(is_forwarded).then(_joined("telefoonnummers")).alias("Telefoon"),
            pl.when(is_forwarded).then(_joined("emails")).alias("E-mail"),
            *SCHULD_COLUMNS,
            euros_komma(pl.col("totaal_achterstand")).alias("Totaal achterstand"),
        )
    )
    every = pl.concat([rows, left], how="diagonal_relaxed")
    return {
        g.code: every.filter(pl.col("gemeentecode") == g.code)
        .select(GEMEENTE_CSV)
        .sort("Zaak", "Schuldeiser", "Klantnummer", nulls_last=True)
        for g in config.gemeenten
    }


def huisbezoeken(
    visits: pl.DataFrame, households_: pl.DataFrame, config: Config, today: date
) -> dict[str, pl.DataFrame]:
    """Per municipality, the home visits it owes (`bellijst.open_visits`) as its workers
    read them (`HUISBEZOEKEN_CSV`), in the order a route walks them: postcode, house
    number, then the number without letter or addition, its additions in number order,
    its letters. Late while not tried by its day. Every municipality gets its list, if
    need be an empty one. A visit is recorded on the export's sheet of outcomes, as a
    contactpoging "Huisbezoek"."""
    toevoeging = pl.col("huisnummertoevoeging")
    listed = (
        visits.join(households_, on="zaak_id", how="left")
        .sort(
            "gemeentecode", "postcode", "huisnummer", "huisletter",
            toevoeging.str.to_integer(strict=False), toevoeging, "zaak_id",
            nulls_last=False,
        )
        .select(
            "gemeentecode",
            pl.col("zaak_id").alias("Zaak"),
            straat().alias("Adres"),
            postcode().alias("Postcode"),
            pl.col("woonplaats").alias("Woonplaats"),
            _joined("bewoners").alias("Bewoners"),
            _joined("telefoonnummers").alias("Telefoon"),
            pl.col("uiterlijk").alias("Bezoeken uiterlijk"),
            ja_nee((pl.col("uiterlijk") < today) & (pl.col("pogingen") == 0)).alias("Te laat"),
            pl.col("pogingen").alias("Pogingen"),
            pl.col("laatste_poging").alias("Laatste poging"),
        )
    )  # fmt: skip
    return {
        g.code: listed.filter(pl.col("gemeentecode") == g.code).select(HUISBEZOEKEN_CSV)
        for g in config.gemeenten
    }


def niet_aangekomen(undelivered: pl.DataFrame, households_: pl.DataFrame) -> pl.DataFrame:
    """The SDD's list of messages that did not arrive, or may not have
    (`berichten.undelivered`), as its workers read them (`BERICHTEN_CSV`: a number as
    they dial it), with the household's address and numbers to try another way."""
    kanaal = {"mail": "E-mail", "sms": "SMS"}
    return (
        undelivered.join(households_, on="zaak_id", how="left")
        .sort("zaak_id", "gepland", "bericht_id")
        .select(
            pl.col("zaak_id").alias("Zaak"),
            pl.col("kanaal").replace_strict(kanaal, return_dtype=pl.String).alias("Kanaal"),
            pl.when(pl.col("kanaal") == "sms")
            .then(telefoon(pl.col("adres")))
            .otherwise(pl.col("adres"))
            .alias("Aan"),
            pl.col("status")
            .replace_strict(berichten.IN_WORDS, return_dtype=pl.String)
            .alias("Uitkomst"),
            pl.col("reden").alias("Reden"),
            pl.col("gepland").alias("Verzenden op"),
            pl.col("pogingen").alias("Pogingen"),
            straat().alias("Adres"),
            postcode().alias("Postcode"),
            pl.col("woonplaats").alias("Woonplaats"),
            _joined("bewoners").alias("Bewoners"),
            _joined("telefoonnummers").alias("Telefoon"),
        )
        .select(BERICHTEN_CSV)
    )


def bellijst(
    calls: pl.DataFrame,
    te_doen_: pl.DataFrame,
    households_: pl.DataFrame,
    schulden_: pl.DataFrame,
    verstuurd_: pl.DataFrame,
    config: Config,
    today: date,
) -> pl.DataFrame:
    """The SDD's worklist for today (`BELLIJST_CSV`): every call due or overdue
    (`bellijst.open_calls` with the case's facts), crisis and most overdue first, each with
    what its case is owed now (`te_doen`)."""
    labels = config.routing.action_labels()
    names = config.gemeentenamen()
    owed = schulden_.group_by("zaak_id").agg(
        pl.format("{}: {} € {}", "Schuldeiser", "Soort", "Bedrag")
        .sort()
        .str.join(" / ")
        .alias("Schulden")
    )
    return (
        calls.join(households_, on="zaak_id", how="left")
        .join(te_doen_, on="zaak_id", how="left")
        .join(owed, on="zaak_id", how="left")
        .join(verstuurd_, on="zaak_id", how="left")
        .sort(pl.col("crisis").not_(), "uiterlijk", "zaak_id", "actie")
        .select(
            pl.col("zaak_id").alias("Zaak"),
            _named("gemeentecode", names).alias("Gemeente"),
            ja_nee(pl.col("crisis")).alias("Crisis"),
            _named("actie", labels).alias("Bellen"),
            pl.col("gepland").alias("Bellen vanaf"),
            pl.col("uiterlijk").alias("Uiterlijk"),
            # Late while the promised call was not tried: after an attempt the promise is
            # kept (as `termijnen` says), and the call stays listed to try again.
            ja_nee((pl.col("uiterlijk") < today) & (pl.col("pogingen") == 0)).alias("Te laat"),
            pl.col("pogingen").alias("Pogingen"),
            pl.col("laatste_poging").alias("Laatste poging"),
            *TE_DOEN_COLUMNS,
            _joined("bewoners").alias("Bewoners"),
            adresregel().alias("Adres"),
            _joined("telefoonnummers").alias("Telefoon"),
            _joined("emails").alias("E-mail"),
            "Schulden",
            euros_komma(pl.col("totaal_achterstand")).alias("Totaal achterstand"),
            "Al verstuurd",
        )
        .select(BELLIJST_CSV)
    )


def termijnen(deadlines: pl.DataFrame, config: Config) -> pl.DataFrame:
    """What the open cases owe that is due (`termijnen.deadlines`), for people: the
    municipality by its name, which a spreadsheet keeps as it is (a gemeentecode loses its
    leading zero)."""
    names = config.gemeentenamen()
    return deadlines.with_columns(gemeente=_named("gemeentecode", names)).select(TERMIJNEN_CSV)


def niet_gekoppeld(signals: pl.DataFrame) -> pl.DataFrame:
    """Tonight's signals that no single person fits, as the partner wrote them, with why:
    nobody was told, so a person at the SDD follows them up."""
    unmatched = signals.filter(pl.col("niet_gekoppeld").is_not_null())
    return _as_written(unmatched.with_columns(reden=pl.col("niet_gekoppeld")), NIET_GEKOPPELD_CSV)


def schuldhulpverlening(signals: pl.DataFrame) -> pl.DataFrame:
    """Tonight's signals of residents already in schuldhulpverlening
    (`match.schuldhulpverlening`): no case and no letter, so that their schuldhulpverlener
    at the SDD takes the new debt into the arrangement that runs."""
    in_shv = signals.filter(pl.col("status") == vng.BEKEND_SHV)
    return _as_written(in_shv, SCHULDHULPVERLENING_CSV)


def _as_written(signals: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Signals as their partner wrote them, for a person at the SDD: the amount with a
    decimal comma, the flags ja/nee."""
    return (
        signals.with_columns(
            bedrag=euros_komma(pl.col("bedrag")),
            crisissignaal=ja_nee(pl.col("crisissignaal")),
            warme_overdracht=ja_nee(pl.col("warme_overdracht")),
            huisnummer=pl.col("huisnummer").cast(pl.String),
        )
        .select(columns)
        .sort("signaalpartner", "signaal_id")
    )


def kandidaten_omschreven(matched: pl.DataFrame, brp: pl.DataFrame) -> pl.DataFrame:
    """`signaalpartner, signaal_id, kandidaten_omschrijving`: each candidate of tonight's
    signals that wait for a person, in the order of `kandidaten`, with no more than a
    choice needs (initials and surname, birth year, address), as the register has them
    tonight. The state keeps it with the signal: the sheet "Twijfel" shows it for as long
    as the signal waits, and no later night needs the candidates' register rows for it."""
    described = brp.select(
        kandidaat="bsn",
        omschrijving=pl.format(
            "{}, geboren {}, {}",
            naam(),
            pl.col("geboortedatum").dt.year(),
            pl.format("{}, {} {}", straat(), postcode(), pl.col("woonplaats")),
        )
        + pl.when(pl.col("overleden")).then(pl.lit(" (overleden)")).otherwise(pl.lit("")),
    )
    waiting = matched.filter(
        pl.col("adres_sleutel").is_null() & pl.col("kandidaten").is_not_null()
    ).select(*keuzes.KEY, kandidaat="kandidaten")
    return (
        waiting.with_row_index("_signaal")
        .explode("kandidaat")
        .with_row_index("_plaats")
        .join(described, on="kandidaat", how="left")
        .sort("_plaats")
        .group_by("_signaal", *keuzes.KEY, maintain_order=True)
        .agg(kandidaten_omschrijving=pl.col("omschrijving").fill_null("niet in de BRP"))
        .drop("_signaal")
    )


def twijfel(waiting: pl.DataFrame, config: Config) -> pl.DataFrame:
    """A row per signal waiting for a person (`keuzes.WAITING_COLUMNS`), for the SDD's sheet
    "Twijfel": what the creditor wrote, why vsig could not place it, and each candidate by
    number as described when the signal came in (`kandidaten_omschreven`);
    `aantal_kandidaten` sets the choices' list."""
    partners = pl.DataFrame(
        {
            "signaalpartner": [p.code for p in config.signaalpartners],
            "Schuldeiser": [p.naam for p in config.signaalpartners],
        }
    )
    return (
        waiting.join(partners, on="signaalpartner", how="left")
        .with_columns(
            Kandidaten=pl.col("kandidaten_omschrijving")
            .list.eval(
                pl.format(
                    "{}{}: {}",
                    pl.lit(keuzes.KANDIDAAT),
                    pl.int_range(1, pl.len() + 1),
                    pl.element(),
                )
            )
            .list.join("\n")
        )
        .select(
            pl.format("{}/{}", "signaalpartner", "signaal_id").alias("Signaal"),
            pl.col("Schuldeiser").fill_null(pl.col("signaalpartner")),
            pl.col("soort").alias("Soort"),
            (pl.col("bedrag") / 100).alias("Bedrag"),
            pl.col("signaaldatum").alias("Gesignaleerd"),
            geschreven_naam().alias("Naam zoals gemeld"),
            pl.col("geboortedatum").alias("Geboortedatum zoals gemeld"),
            adres_zoals_gemeld().alias("Adres zoals gemeld"),
            pl.col("niet_gekoppeld").alias("Waarom twijfel"),
            pl.col("Kandidaten").replace("", None).fill_null(pl.lit("geen")),
            aantal_kandidaten=pl.col("kandidaten").list.len().fill_null(0),
        )
        .sort("Signaal")
    )


DECISION_COLUMNS: Final = ("signaalpartner", *TERUGMELDING_CSV[:6])
"""What the feedback says of a signal, besides its decision: where it came from, its ids,
date and status. Of tonight's signals, and of each earlier signal of a case decided
tonight."""


def decisions(earlier: pl.DataFrame, decided: pl.DataFrame) -> pl.DataFrame:
    """Of the `earlier` signals (`status.retold`), those whose case was `decided` tonight
    (`events.outcomes`) or whose status as told changed: what their creditors hear of them
    tonight (`DECISION_COLUMNS`, `beschikking`, `resultaat`)."""
    return (
        earlier.join(decided, on="zaak_id", how="left")
        .filter(pl.col("anders") | pl.col("zaak_id").is_in(decided["zaak_id"].implode()))
        .with_columns(status="teruggemeld")
        .select(*DECISION_COLUMNS, "beschikking", "resultaat")
    )


def terugmeldingen(
    signals: pl.DataFrame,
    decisions: pl.DataFrame,
    refused: pl.DataFrame,
    config: Config,
    processing_date: date,
) -> dict[str, pl.DataFrame]:
    """Per partner, every row it sent tonight, and those of its earlier signals whose case
    got a decision (beschikking) or result tonight, or whose status as told changed
    (`decisions`); nothing of any other partner. A row it sent comes back with its status
    as told (`teruggemeld`, `rules.status`), or with why it was refused (`afwijzing`, in Dutch; see
    `afwijzingen`), so that the partner can account for every row; an unfounded signal
    with why, and when to signal it again (`toelichting`, `match.unfounded_reason`).

    The VNG lists say no more than a partner may know: `Niet opgepakt: andere reden` tells
    that a signal was not picked up, never why. No case id either: two partners that saw the
    same id would learn they share a household.
    """
    unfounded = pl.col("status") == vng.ONTERECHT
    tonight = signals.select(
        *(pl.col("teruggemeld").alias(c) if c == "status" else c for c in DECISION_COLUMNS),
        toelichting=pl.when(unfounded).then(match.unfounded_reason(config)),
        beschikking=pl.lit(None, pl.String),
        resultaat=pl.lit(None, pl.String),
    )
    rows = (
        pl.concat([tonight, decisions], how="diagonal_relaxed")
        .unique(["signaalpartner", "signaal_id", "klantnummer"], keep="last")
        .with_columns(verwerkingsdatum=pl.lit(processing_date), afwijzing=pl.lit(None, pl.String))
    )
    rows = pl.concat(
        [rows, refused.with_columns(verwerkingsdatum=pl.lit(processing_date))],
        how="diagonal_relaxed",
    )
    return {
        str(partner): rows.filter(pl.col("signaalpartner") == partner)
        .select(TERUGMELDING_CSV)
        .sort("bestand", "regelnummer", "signaal_id", "klantnummer", nulls_last=True)
        for partner in sorted(rows["signaalpartner"].unique().to_list())
    }
