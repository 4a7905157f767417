"""What each open case is owed next, and by when (Wgs art. 4, the bylaw and the SDD's
policy): one current obligation per case, from its actions and events.

In order, the first that applies:
- `beschikking`: after the first conversation, the decision is due within the bylaw's term;
- `eerste_gesprek`: after the resident's aanmelding, the first conversation is due within
  four weeks, or three working days in a crisis;
- `eerste_aanbod`: a case forwarded to its municipality is due its first offer by the
  forward's term, met by a recorded contact attempt, aanmelding or first conversation since
  that forward (each forward on its own: a crisis visit booked after an earlier forward is
  owed by its own term);
- `bellen`: a call the SDD booked (and the letter promised) is due by its date, met by a
  recorded attempt or contact since it was booked; a forward booked after it takes it over;
- `contactpoging`: nobody was reached and fewer attempts were made than
  `pogingen_geen_contact` (a letter counts as one, each recorded contactpoging as one): one
  more attempt, or a result, is due `case_close_after_days` after the last attempt, the day
  the case would otherwise close for silence (a creditor's repeats do not move it);
- `afronden`: nothing else is owed; the case closes for inactivity on its date unless a
  result is recorded first.
A case closes for inactivity only when all it is owed is `afronden` (`settled`): a case
with another obligation past its date stays open, on the list of what is overdue. Every
term ends by the Algemene termijnenwet (see `werkdagen`). A deadline is listed while it
runs out within a few working days or has passed.
"""

from datetime import date, timedelta
from typing import Final

import polars as pl

from vsig.config import Termijnen
from vsig.rules import bellijst, werkdagen

OBLIGATION_COLUMNS: Final = (
    "zaak_id", "gemeentecode", "wie", "termijn", "vanaf", "uiterlijk", "pogingen"
)  # fmt: skip
"""A case's current obligation: who owes it (`sdd` or `gemeente`), what, counted from when,
due by when, and the contact attempts made so far."""
DEADLINE_COLUMNS: Final = (
    "wie", "gemeentecode", "zaak_id", "termijn", "vanaf", "uiterlijk", "stand", "dagen_te_laat"
)  # fmt: skip
"""A deadline; `exports.termijnen` names the municipality for the people who read it."""
TE_LAAT: Final = "te laat"
BIJNA: Final = "binnen de komende werkdagen"
AFRONDEN: Final = "afronden"
TE_DOEN: Final = {
    "beschikking": "Beschikking afgeven",
    "eerste_gesprek": "Eerste gesprek voeren",
    "eerste_aanbod": "Eerste aanbod doen",
    "bellen": "Bellen zoals de brief belooft",
    "contactpoging": "Nog een contactpoging, of het resultaat vastleggen",
    AFRONDEN: "Resultaat vastleggen; anders sluit de zaak vanzelf",
}
"""Each obligation in the order it takes precedence, as a case worker reads it."""
OFFERED: Final = ("contactpoging", "aanmelding", "eerste_gesprek")
"""What shows the municipality made its first offer to a forwarded household."""
ASKED: Final = ("aanmelding", "eerste_gesprek", "beschikking")
"""What shows the household took up an offer: at any time, no new first offer is owed."""


def obligations(
    open_cases: pl.DataFrame,
    events: pl.DataFrame,
    actions: pl.DataFrame,
    forwards: pl.DataFrame,
    termijnen: Termijnen,
    close_after_days: int,
    messages: pl.DataFrame,
) -> pl.DataFrame:
    """Each open case's one current obligation (`OBLIGATION_COLUMNS`), by zaak_id.

    `open_cases` has zaak_id, gemeentecode, crisis, laatste_activiteit; `events` zaak_id,
    datum, gebeurtenis, waarde; `actions` the actions of the cases (`ACTION_COLUMNS`);
    `forwards` every forward (`route.forwards`: zaak_id, geboekt, uiterlijk, sinds): the
    municipality handles those cases, the SDD the others, and the SDD's calls in either;
    `messages` the e-mails and SMS sent (`berichten.attempts`: zaak_id, datum)."""
    cases = open_cases.select("zaak_id", "gemeentecode", "crisis", "laatste_activiteit")
    first = _first_events(events)
    steps = cases.join(first, on="zaak_id", how="left")
    pairs = steps.select("crisis", "aanmelding").drop_nulls().unique().rows()
    talk_due = pl.DataFrame(
        [(crisis, day, gesprek_uiterlijk(termijnen, crisis, day)) for crisis, day in pairs],
        schema={"crisis": pl.Boolean, "aanmelding": pl.Date, "uiterlijk": pl.Date},
        orient="row",
    )
    talks = steps["eerste_gesprek"].drop_nulls().unique().to_list()
    decision_due = pl.DataFrame(
        [(day, beschikking_uiterlijk(termijnen, day)) for day in talks],
        schema={"eerste_gesprek": pl.Date, "uiterlijk": pl.Date},
        orient="row",
    )
    decided = pl.col("beschikking").is_not_null()

    def after_silence(column: str) -> pl.Expr:
        return (pl.col(column) + pl.duration(days=close_after_days)).cast(pl.Date)

    attempts = _attempts(events, actions, messages)
    tried = cases.join(attempts, on="zaak_id", how="left").with_columns(
        pl.col("pogingen").fill_null(0), pl.col("bereikt").fill_null(False)
    )
    candidates = [
        _term(
            steps.filter(pl.col("eerste_gesprek").is_not_null() & ~decided).join(
                decision_due, on="eerste_gesprek"
            ),
            "beschikking",
            vanaf="eerste_gesprek",
        ),
        _term(
            steps.filter(
                pl.col("aanmelding").is_not_null() & pl.col("eerste_gesprek").is_null() & ~decided
            ).join(talk_due, on=["crisis", "aanmelding"]),
            "eerste_gesprek",
            vanaf="aanmelding",
        ),
        _first_offer(events, forwards),
        _promised_call(events, actions, forwards),
        _term(
            tried.filter(
                ~pl.col("bereikt") & (pl.col("pogingen") < termijnen.pogingen_geen_contact)
            )
            .with_columns(
                laatste_poging=pl.coalesce("laatste_poging", "laatste_activiteit"),
            )
            .with_columns(uiterlijk=after_silence("laatste_poging")),
            "contactpoging",
            vanaf="laatste_poging",
        ),
        _term(
            cases.with_columns(uiterlijk=after_silence("laatste_activiteit")),
            AFRONDEN,
            vanaf="laatste_activiteit",
        ),
    ]
    order = {name: rank for rank, name in enumerate(TE_DOEN)}
    owed = pl.concat(candidates)
    # An attempt due on a weekend or holiday may be made on the next working day (Atw).
    ends = {day: werkdagen.termijn_einde(day) for day in owed["uiterlijk"].drop_nulls().unique()}
    attempt_due = pl.col("uiterlijk").replace_strict(ends, default=None, return_dtype=pl.Date)
    return (
        owed.with_columns(
            uiterlijk=pl.when(pl.col("termijn") == "contactpoging")
            .then(attempt_due)
            .otherwise("uiterlijk"),
            rang=pl.col("termijn").replace_strict(order, return_dtype=pl.Int32),
        )
        .sort("zaak_id", "rang", "uiterlijk")
        .unique("zaak_id", keep="first", maintain_order=True)
        .join(tried.select("zaak_id", "gemeentecode", "pogingen"), on="zaak_id")
        .with_columns(
            wie=pl.when(pl.col("termijn") == "bellen")
            .then(pl.lit("sdd"))
            .when(pl.col("zaak_id").is_in(forwards["zaak_id"].implode()))
            .then(pl.lit("gemeente"))
            .otherwise(pl.lit("sdd")),
        )
        .select(OBLIGATION_COLUMNS)
        .sort("zaak_id")
    )


def _term(frame: pl.DataFrame, termijn: str, vanaf: str) -> pl.DataFrame:
    """One kind of obligation for the cases of `frame`, counted from its column `vanaf`."""
    return frame.select("zaak_id", termijn=pl.lit(termijn), vanaf=vanaf, uiterlijk="uiterlijk")


def settled(obligations_: pl.DataFrame) -> pl.Series:
    """The cases owed nothing but their result: those that may close for inactivity."""
    return obligations_.filter(pl.col("termijn") == AFRONDEN)["zaak_id"]


def deadlines(obligations_: pl.DataFrame, termijnen: Termijnen, today: date) -> pl.DataFrame:
    """The worklist of `termijnen.csv`: each obligation (`obligations`) due within
    `vooruit_werkdagen` or past its date, the most overdue first. A case owed only its
    result is not listed: it closes by itself."""
    horizon = werkdagen.plus_werkdagen(today, termijnen.vooruit_werkdagen)
    return (
        obligations_.filter((pl.col("termijn") != AFRONDEN) & (pl.col("uiterlijk") <= horizon))
        .with_columns(
            stand=pl.when(pl.col("uiterlijk") < today)
            .then(pl.lit(TE_LAAT))
            .otherwise(pl.lit(BIJNA)),
            dagen_te_laat=pl.max_horizontal(
                (pl.lit(today) - pl.col("uiterlijk")).dt.total_days(), pl.lit(0)
            ),
        )
        .sort(pl.col("stand") != TE_LAAT, "uiterlijk", "zaak_id", "termijn")
        .select(DEADLINE_COLUMNS)
    )


def _first_events(events: pl.DataFrame) -> pl.DataFrame:
    """Per case, the first date of each step of the help: aanmelding, first conversation,
    decision. A step recorded after a refused decision (`afgewezen`) is a new request: the
    steps count from there, so its conversation is owed anew."""
    asked = events.filter(pl.col("gebeurtenis").is_in(ASKED))
    refused = (pl.col("gebeurtenis") == "beschikking") & (pl.col("waarde") == "afgewezen")
    since = (
        asked.filter(refused)
        .group_by("zaak_id")
        .agg(afgewezen=pl.col("datum").max())
        .join(asked, on="zaak_id")
        .filter(pl.col("datum") > pl.col("afgewezen"))
        .group_by("zaak_id")
        .agg(pl.col("afgewezen").first())
    )
    first = (
        asked.join(since, on="zaak_id", how="left")
        .filter(pl.col("afgewezen").is_null() | (pl.col("datum") > pl.col("afgewezen")))
        .group_by("zaak_id", "gebeurtenis")
        .agg(pl.col("datum").min())
        .pivot(on="gebeurtenis", index="zaak_id", values="datum")
    )
    for needed in ("aanmelding", "eerste_gesprek", "beschikking"):
        if needed not in first.columns:
            first = first.with_columns(pl.lit(None, pl.Date).alias(needed))
    return first.select("zaak_id", "aanmelding", "eerste_gesprek", "beschikking")


def _attempts(events: pl.DataFrame, actions: pl.DataFrame, messages: pl.DataFrame) -> pl.DataFrame:
    """Per case, the contact attempts made (`pogingen`: its letters as one, dated by the
    first, each reminder letter, each recorded contactpoging and each e-mail or SMS sent as
    one), the day of the last (`laatste_poging`) and whether anyone was ever reached
    (`bereikt`). The letter after a move repeats the offer at the new address: it is no
    new attempt, and moves no term."""
    attempt = pl.col("gebeurtenis") == "contactpoging"
    reminded = (
        actions.filter(pl.col("actietype") == "herinnering")
        .group_by("zaak_id")
        .agg(herinneringen=pl.len().cast(pl.Int64), herinnerd=pl.col("geboekt").max())
    )
    sent = messages.group_by("zaak_id").agg(
        berichten=pl.len().cast(pl.Int64), bericht=pl.col("datum").max()
    )
    letters = (
        actions.filter(pl.col("actietype") == "brief")
        .group_by("zaak_id")
        .agg(brieven=pl.lit(1, pl.Int64), brief=pl.col("geboekt").min())
    )
    recorded = events.group_by("zaak_id").agg(
        gebeld=attempt.sum().cast(pl.Int64),
        gepoogd=pl.col("datum").filter(attempt).max(),
        bereikt=bellijst.contact().any(),
    )
    return (
        letters.join(recorded, on="zaak_id", how="full", coalesce=True)
        .join(sent, on="zaak_id", how="full", coalesce=True)
        .join(reminded, on="zaak_id", how="full", coalesce=True)
        .select(
            "zaak_id",
            pogingen=pl.col("brieven").fill_null(0)
            + pl.col("gebeld").fill_null(0)
            + pl.col("berichten").fill_null(0)
            + pl.col("herinneringen").fill_null(0),
            laatste_poging=pl.max_horizontal("brief", "gepoogd", "bericht", "herinnerd"),
            bereikt=pl.col("bereikt").fill_null(False),
        )
    )


def _first_offer(events: pl.DataFrame, forwards: pl.DataFrame) -> pl.DataFrame:
    """The forwards on which the municipality has recorded no contact attempt, aanmelding
    or first conversation since: the case's first offer is due by the earliest of their
    terms. A household that asked for help before had its offer: it owes the next step
    instead, unless a refused decision (`afgewezen`) ended that request."""
    forwards = forwards.with_row_index("forward")
    per_forward = events.join(forwards.select("forward", "zaak_id", "geboekt"), on="zaak_id")
    # A refusal ends the request before it: a later forward (a crisis visit) is owed anew.
    refused = (
        per_forward.filter(
            (pl.col("gebeurtenis") == "beschikking")
            & (pl.col("waarde") == "afgewezen")
            & (pl.col("datum") <= pl.col("geboekt"))
        )
        .group_by("forward")
        .agg(afgewezen=pl.col("datum").max())
    )
    made = (
        per_forward.join(refused, on="forward", how="left")
        .filter(
            (pl.col("gebeurtenis").is_in(OFFERED) & (pl.col("datum") >= pl.col("geboekt")))
            | (
                pl.col("gebeurtenis").is_in(ASKED)
                & (pl.col("afgewezen").is_null() | (pl.col("datum") > pl.col("afgewezen")))
            )
        )
        .select("forward")
    )
    return (
        forwards.filter(pl.col("uiterlijk").is_not_null())
        .join(made, on="forward", how="anti")
        .pipe(_term, "eerste_aanbod", vanaf="geboekt")
    )


def _promised_call(
    events: pl.DataFrame, actions: pl.DataFrame, forwards: pl.DataFrame
) -> pl.DataFrame:
    """The SDD's booked calls with no attempt or contact recorded since they were booked:
    each is due by its date, as the letter promised. A forward begun on or after a call
    (its `sinds`: a move's forward carries on the first) takes it over: the municipality
    makes the offer then."""
    calls = actions.filter((pl.col("actietype") == "bellen") & (pl.col("wie") == "sdd")).select(
        "zaak_id", "geboekt", "gepland", "uiterlijk"
    )
    taken_over = (
        calls.join(forwards.select("zaak_id", doorgestuurd="sinds"), on="zaak_id")
        .filter(pl.col("doorgestuurd") >= pl.col("geboekt"))
        .select("zaak_id", "geboekt")
    )
    acted = (
        calls.join(events, on="zaak_id")
        .filter(
            (pl.col("datum") >= pl.col("geboekt"))
            & ((pl.col("gebeurtenis") == "contactpoging") | bellijst.contact())
        )
        .select("zaak_id", "geboekt")
    )
    return calls.join(
        pl.concat([taken_over, acted]).unique(), on=["zaak_id", "geboekt"], how="anti"
    ).pipe(_term, "bellen", vanaf="gepland")


def gesprek_uiterlijk(termijnen: Termijnen, crisis: bool, aanmelding: date) -> date:
    """When the first conversation is due: four weeks on, or three working days in a crisis."""
    if crisis:
        return werkdagen.plus_werkdagen(aanmelding, termijnen.gesprek_crisis_werkdagen)
    return werkdagen.termijn_einde(aanmelding + timedelta(days=termijnen.gesprek_dagen))


def beschikking_uiterlijk(termijnen: Termijnen, eerste_gesprek: date) -> date:
    """When the decision is due: the bylaw's weeks after the first conversation."""
    return werkdagen.termijn_einde(eerste_gesprek + timedelta(weeks=termijnen.beschikking_weken))
