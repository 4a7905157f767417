"""Routing: the rules of the routing table (`vsig.routing`) evaluated over the night's cases.

Each condition becomes a polars expression; the first rule whose conditions a case's facts
meet names its actions, and the actions a case has not had yet are booked.
"""

from datetime import date
from typing import Any, Final

import polars as pl

from vsig.routing import (
    COMPARE,
    LETTER_TYPES,
    MESSAGE_NEEDS,
    NOTICE,
    Actie,
    BelActie,
    BerichtActie,
    BriefActie,
    Condition,
    DoorstuurActie,
    Routing,
    Rule,
)
from vsig.rules import bellijst, werkdagen
from vsig.rules.termijnen import ASKED


def condition_expr(condition: Condition) -> pl.Expr:
    """Whether a case's fact meets one condition."""
    column = pl.col(condition.fact)
    if condition.fact == "soorten":
        wanted = sorted(condition.value)
        if condition.op == "in":
            return column.list.eval(pl.element().is_in(wanted)).list.any()
        compared: pl.Expr = COMPARE[condition.op](column.list.join("+"), "+".join(wanted))
        return compared
    if condition.op == "in":
        return column.is_in(list(condition.value))
    result: pl.Expr = COMPARE[condition.op](column, condition.value)
    return result


def rule_expr(rule: Rule) -> pl.Expr:
    """Whether a case's facts meet every condition of a rule."""
    return pl.all_horizontal(pl.lit(True), *(condition_expr(c) for c in rule.conditions()))


def trace(facts: dict[str, Any], routing: Routing) -> list[dict[str, Any]]:
    """Each rule tried in order for one case's facts, with every condition's outcome,
    up to the rule that matched: the routing decision in words an auditor can check."""
    case = pl.DataFrame([facts], schema_overrides={"soorten": pl.List(pl.String)})
    tried = []
    for rule in routing.rules:
        conditions = [
            {
                "fact": c.fact,
                "op": c.op,
                "value": c.value,
                "actual": facts[c.fact],
                "holds": bool(case.select(condition_expr(c)).item()),
            }
            for c in rule.conditions()
        ]
        matched = all(c["holds"] for c in conditions)
        tried.append({"regel": rule.name, "matched": matched, "conditions": conditions})
        if matched:
            break
    return tried


ACTION_SCHEMA: Final = {"zaak_id": pl.String, "actie": pl.String, "volgorde": pl.Int32}


def route(cases: pl.DataFrame, routing: Routing) -> pl.DataFrame:
    """Add `regel`: the name of the first rule whose conditions the case's facts meet."""
    chosen = pl.coalesce(pl.when(rule_expr(r)).then(pl.lit(r.name)) for r in routing.rules)
    return cases.with_columns(chosen.alias("regel"))


def new_actions(routed: pl.DataFrame, routing: Routing, performed: pl.DataFrame) -> pl.DataFrame:
    """The actions of each case's rule that the case has not had yet, in rule order.

    Actions are idempotent per case, and a case gets at most one letter, never after it was
    forwarded: one first offer. A case whose route changes, because its total rose or fell
    or the SDD got to know the household, gains only what the new rule adds (the call, the
    forward). An e-mail or SMS goes only to a case whose signals gave an address that takes
    it (`BerichtActie.nodig`), and only beside a letter, had or booked now: it points to
    the letter.
    """
    # A reminder is booked on the night its day comes (`reminders`), not with its route.
    planned = pl.DataFrame(
        [
            {"regel": rule.name, "actie": action, "volgorde": order}
            for rule in routing.rules
            for order, action in enumerate(rule.actions)
            if action not in routing.reminders()
        ],
        schema={"regel": pl.String, "actie": pl.String, "volgorde": pl.Int32},
    )
    # The first offer is a letter, or the forward after which the municipality makes it.
    offered = performed.filter(pl.col("actietype").is_in(["brief", "doorsturen"])).select("zaak_id")
    letter = pl.col("actie").is_in([n for n, a in routing.actions.items() if a.type == "brief"])
    booked = (
        routed.join(planned, on="regel")
        .join(performed.select("zaak_id", "actie"), on=["zaak_id", "actie"], how="anti")
        .filter(~(letter & pl.col("zaak_id").is_in(offered["zaak_id"].implode())))
    )
    lettered = pl.concat(
        [
            performed.filter(pl.col("actietype") == "brief").select("zaak_id"),
            booked.filter(letter).select("zaak_id"),
        ]
    )
    reachable = pl.lit(False)
    for name, action in routing.messages().items():
        reachable = reachable | ((pl.col("actie") == name) & pl.col(action.nodig))
    message = pl.col("actie").is_in(list(routing.messages()))
    return (
        booked.filter(
            ~message | (reachable & pl.col("zaak_id").is_in(lettered["zaak_id"].implode()))
        )
        .select(*ACTION_SCHEMA)
        .sort("zaak_id", "volgorde")
    )


def reminders(
    rules: pl.DataFrame,
    performed: pl.DataFrame,
    booked: pl.DataFrame,
    history: pl.DataFrame,
    routing: Routing,
    today: date,
) -> pl.DataFrame:
    """The reminders due tonight (`ACTION_SCHEMA` with `eerdere_brief` and
    `brief_template`: the day and template of the case's last letter, which the reminder
    repeats): of each open case's current rule (`rules`: zaak_id, regel), each
    `herinnering` it has not had, `na_dagen` after its last letter (a move's letter, which
    replaced the first, counts from its own day) or later, while nobody was reached and
    nobody asked for help (`history`), and the municipality does not handle the case. None
    on a night that books the case a letter or a forward (`booked`: zaak_id, actie: a
    move's or a route's), nor after a forward (`performed`)."""
    planned = pl.DataFrame(
        [
            (rule.name, name, order, routing.reminders()[name].na_dagen)
            for rule in routing.rules
            for order, name in enumerate(rule.actions)
            if name in routing.reminders()
        ],
        schema={"regel": pl.String, "actie": pl.String, "volgorde": pl.Int32, "na": pl.Int32},
        orient="row",
    )
    written = [n for n, a in routing.actions.items() if isinstance(a, BriefActie | DoorstuurActie)]
    handled = pl.concat(
        [
            performed.filter(pl.col("actietype") == "doorsturen").select("zaak_id"),
            booked.filter(pl.col("actie").is_in(written)).select("zaak_id"),
            history.filter(bellijst.contact() | pl.col("gebeurtenis").is_in(ASKED)).select(
                "zaak_id"
            ),
        ]
    )
    last = (
        performed.filter(pl.col("actietype") == "brief")
        .sort("geboekt", "actie")
        .group_by("zaak_id")
        .agg(eerdere_brief=pl.col("geboekt").last(), brief_template=pl.col("template").last())
    )
    due = (pl.col("eerdere_brief") + pl.duration(days=pl.col("na"))).cast(pl.Date) <= today
    return (
        rules.join(planned, on="regel")
        .join(last, on="zaak_id")
        .filter(due)
        .join(performed.select("zaak_id", "actie"), on=["zaak_id", "actie"], how="anti")
        .join(handled, on="zaak_id", how="anti")
        .select(*ACTION_SCHEMA, "eerdere_brief", "brief_template")
        .sort("zaak_id", "volgorde")
    )


def after_move(
    moves: pl.DataFrame, performed: pl.DataFrame, events: pl.DataFrame, routing: Routing
) -> pl.DataFrame:
    """What a case gets from the municipality it moved to tonight (`moves`: zaak_id, van,
    naar): the routing's `verhuizing` letter if it was sent a letter, with the day of the
    latest (`vervangt`), which it replaces; and its latest forward again, now to the new
    municipality with its term. A household that was reached or asked for help (`events`)
    is in touch with the SDD, which is the same in every municipality: it gets no letter
    repeating the offer. Ordered before the actions its route adds tonight."""
    in_touch = events.filter(bellijst.contact()).select("zaak_id")
    latest = (
        performed.join(moves, on="zaak_id", how="semi")
        .sort("geboekt", "actie")
        .group_by("zaak_id", "actietype")
        .agg(pl.col("actie").last(), vervangt=pl.col("geboekt").last())
    )
    letter = (
        latest.filter(pl.col("actietype") == "brief")
        .join(in_touch, on="zaak_id", how="anti")
        .select(
            "zaak_id",
            actie=pl.lit(routing.verhuizing),
            volgorde=pl.lit(-2, pl.Int32),
            vervangt="vervangt",
        )
    )
    forward = latest.filter(pl.col("actietype") == "doorsturen").select(
        "zaak_id", "actie", volgorde=pl.lit(-1, pl.Int32), vervangt=pl.lit(None, pl.Date)
    )
    again = [forward] if routing.verhuizing is None else [letter, forward]
    return pl.concat(again).sort("zaak_id", "volgorde")


def action_details(
    actions: pl.DataFrame,
    routing: Routing,
    processing_date: date,
    cases: pl.DataFrame,
    offer_terms: dict[str, int],
    performed: pl.DataFrame,
    silenced: pl.DataFrame,
) -> pl.DataFrame:
    """Type, template, the day it is for and due date per action, from its one definition
    in the routing; booked tonight for the case's municipality (`cases`: zaak_id,
    gemeentecode). A forward without a term of its own is due when that municipality must
    have made its first offer: `offer_terms` working days on. With them, the notice of a
    forward to a case never sent a letter (`notices`; `performed`: the actions before).
    A case `silenced` by the exclusion list (`match.silenced`) gets neither letter nor
    notice: its route offers the letter again each night, for when it is off the list."""
    details = pl.DataFrame(
        [_detail(name, action, processing_date) for name, action in routing.actions.items()],
        schema={
            "actie": pl.String,
            "actietype": pl.String,
            "template": pl.String,
            "wie": pl.String,
            "gepland": pl.Date,
            "uiterlijk": pl.Date,
        },
    )
    forward = pl.col("actietype") == "doorsturen"
    booked = (
        actions.join(details, on="actie", how="left")
        .join(cases.select("zaak_id", "gemeentecode"), on="zaak_id", how="left")
        .with_columns(geboekt=pl.lit(processing_date))
    )
    if "brief_template" in booked.columns:  # a reminder repeats its case's last letter
        booked = booked.with_columns(template=pl.coalesce("brief_template", "template"))
    detailed = pl.concat([booked.filter(~forward), _offer_due(booked.filter(forward), offer_terms)])
    written = pl.col("actietype").is_in([*LETTER_TYPES, *MESSAGE_NEEDS])
    unwritten = written & pl.col("zaak_id").is_in(silenced["zaak_id"].implode())
    return (
        pl.concat([detailed, notices(detailed, performed)])
        .filter(~unwritten)
        .sort("zaak_id", "volgorde")
    )


def notices(actions: pl.DataFrame, performed: pl.DataFrame) -> pl.DataFrame:
    """The notice (`NOTICE`) for each case forwarded tonight that the SDD never sent a
    letter, in the shape of `action_details`: the resident hears from the SDD itself where
    its data came from and that the municipality has it now (AVG art. 14); a forward
    after a move names the new municipality (a later forward to the same one, a crisis
    visit, tells nothing new). It offers nothing, so it is no letter to
    the status (`status.letters`), no contact attempt and no term: the municipality's
    offer is still owed."""
    kinds = pl.concat([frame.select("zaak_id", "actietype") for frame in (performed, actions)])
    lettered = kinds.filter(pl.col("actietype") == "brief")
    told = performed.filter(pl.col("actietype") == NOTICE).select("zaak_id", "gemeentecode")
    return (
        actions.filter(pl.col("actietype") == "doorsturen")
        .join(lettered, on="zaak_id", how="anti")
        .join(told, on=["zaak_id", "gemeentecode"], how="anti")
        .unique("zaak_id", keep="first", maintain_order=True)
        .with_columns(
            actie=pl.lit(NOTICE),
            volgorde=pl.lit(-3, actions.schema["volgorde"]),
            actietype=pl.lit(NOTICE),
            template=pl.lit(NOTICE),
            wie=pl.lit(None, pl.String),
            gepland="geboekt",
            uiterlijk=pl.lit(None, pl.Date),
        )
    )


def forwards(
    performed: pl.DataFrame,
    actions: pl.DataFrame,
    cases: pl.DataFrame,
    offer_terms: dict[str, int],
) -> pl.DataFrame:
    """Every forward to the municipality a case is in (`cases`: zaak_id, gemeentecode),
    booked since it came there, before or tonight (`zaak_id, geboekt, uiterlijk, sinds`),
    each by when the municipality must have acted on it. A forward to a municipality the
    case has left, or booked before the case last left it, is owed no more: the move
    forwarded it to the new one (`after_move`). `sinds` is when the case was first
    forwarded so, under that action: a forward booked again by a move carries on the first
    (and a call the SDD booked in between stays the SDD's). An action booked before actions
    recorded their municipality (state migration 7) is the case's own. A forward without a
    term of its own gets its municipality's (`offer_terms`), counted from its booking."""
    columns = ("zaak_id", "actie", "actietype", "geboekt", "uiterlijk", "gemeentecode")
    every = (
        pl.concat([performed.select(columns), actions.select(columns)])
        .join(cases.select("zaak_id", hier="gemeentecode"), on="zaak_id")
        .with_columns(gemeentecode=pl.coalesce("gemeentecode", "hier"))
    )
    # The case came to where it is after its last action for another municipality.
    arrived = (
        every.filter(pl.col("gemeentecode") != pl.col("hier"))
        .group_by("zaak_id")
        .agg(aangekomen=pl.col("geboekt").max())
    )
    here = (pl.col("gemeentecode") == pl.col("hier")) & (
        pl.col("aangekomen").is_null() | (pl.col("geboekt") >= pl.col("aangekomen"))
    )
    booked = (
        every.filter(pl.col("actietype") == "doorsturen")
        .with_columns(sinds=pl.col("geboekt").min().over("zaak_id", "actie"))
        .join(arrived, on="zaak_id", how="left")
        .filter(here)
    )
    return (
        _offer_due(booked, offer_terms)
        .select("zaak_id", "geboekt", "uiterlijk", "sinds")
        .sort("zaak_id", "geboekt", "uiterlijk")
    )


def forwarded(forwards_: pl.DataFrame) -> pl.DataFrame:
    """The cases forwarded to their municipality (`forwards`), one row each: the first
    forward's `geboekt`, the earliest `uiterlijk` (a crisis visit booked later shortens
    it) and when the last forward began (`laatst`: its `sinds`, so a forward booked again
    by a move takes over no call booked before it). The municipality handles them, and its
    export names the household."""
    return (
        forwards_.group_by("zaak_id")
        .agg(
            pl.col("geboekt").min(),
            pl.col("uiterlijk").min(),
            laatst=pl.col("sinds").max(),
        )
        .sort("zaak_id")
    )


def _offer_due(forwards: pl.DataFrame, offer_terms: dict[str, int]) -> pl.DataFrame:
    """`forwards` (`geboekt`, `gemeentecode`, `uiterlijk`) with a missing `uiterlijk` set
    to when the municipality must have made its first offer: `offer_terms` working days
    after the booking. The one home of that term."""
    due = pl.DataFrame(
        [
            (booked, code, werkdagen.plus_werkdagen(booked, offer_terms[code]))
            for booked, code in forwards.select("geboekt", "gemeentecode").unique().rows()
            if code in offer_terms
        ],
        schema={"geboekt": pl.Date, "gemeentecode": pl.String, "aanbod": pl.Date},
        orient="row",
    )
    return (
        forwards.join(due, on=["geboekt", "gemeentecode"], how="left")
        .with_columns(uiterlijk=pl.coalesce("uiterlijk", "aanbod"))
        .drop("aanbod")
    )


def _detail(name: str, action: Actie, processing_date: date) -> dict[str, Any]:
    gepland = processing_date
    if isinstance(action, BelActie | BerichtActie):
        gepland = action.gepland(processing_date)
    written = action if isinstance(action, BriefActie | BerichtActie) else None
    return {
        "actie": name,
        "actietype": action.type,
        "template": written.template if written else None,
        "wie": action.wie if isinstance(action, BelActie) else None,
        "gepland": gepland,
        "uiterlijk": action.uiterlijk(processing_date)
        if isinstance(action, BelActie | DoorstuurActie)
        else None,
    }


MATRIX_AMOUNTS: Final = (
    ("below €500", 499_99, True),
    ("€500.00 and above", 500_00, True),
    ("€500.00 and above, no phone number", 500_00, False),
)


def decision_matrix(
    routing: Routing, gemeentecode: str
) -> tuple[list[tuple[str, dict[bool, str]]], dict[bool, str]]:
    """The routing in the shape of the SDD table: amount band × known to the SDD.

    Each cell evaluates the rules on a single, non-crisis Huur signal at the band's edge
    (€499.99 and exactly €500.00), so the €500 choice shows, with a phone number and, where
    a call would be booked, without one (the fallback); the crisis row, with and without a
    phone number, is separate.
    """
    rows: list[tuple[str, dict[bool, str]]] = []
    for label, cents, phone in MATRIX_AMOUNTS:
        cells = {
            known: _cell(routing, gemeentecode, cents, known, False, phone)
            for known in (True, False)
        }
        rows.append((label, cells))
    crisis = {
        phone: _cell(routing, gemeentecode, 500_00, known=False, crisis=True, phone=phone)
        for phone in (True, False)
    }
    return rows, crisis


def _cell(
    routing: Routing,
    gemeentecode: str,
    cents: int,
    known: bool,
    crisis: bool = False,
    phone: bool = True,
) -> str:
    case = pl.DataFrame(
        {
            "zaak_id": ["matrix"],
            "bekend_bij_sdd": [known],
            "totaal_achterstand": [cents],
            "aantal_signalen": [1],
            "soorten": [["Huur"]],
            "crisis": [crisis],
            "warme_overdracht": [False],
            "gemeentecode": [gemeentecode],
            "meervoudig": [False],
            "telefoon_bekend": [phone],
            "mobiel_bekend": [phone],
            "email_bekend": [False],
        }
    )
    name = route(case, routing)["regel"].item()
    return f"{name}: {' + '.join(routing.rule(name).actions)}"
