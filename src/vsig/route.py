"""Routing: ordered YAML rules over case facts decide which actions a case gets.

The rules are data, never code: each condition is a (fact, operator, value) triple checked
against fixed lists when the config loads, and evaluated as a polars expression. The first
rule that matches wins; the last rule has no `when` and catches every case.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Final, Literal, Self

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from vsig import werkdagen
from vsig.normalize import euros_to_cents
from vsig.vng import SIGNAALPARTNERSOORTEN

FactKind = Literal["ja/nee", "bedrag", "aantal", "soorten", "gemeentecode"]
FACTS: Final[dict[str, FactKind]] = {
    "bekend_bij_sdd": "ja/nee",
    "totaal_achterstand": "bedrag",
    "aantal_signalen": "aantal",
    "soorten": "soorten",
    "crisis": "ja/nee",
    "warme_overdracht": "ja/nee",
    "gemeentecode": "gemeentecode",
    "meervoudig": "ja/nee",
    "telefoon_bekend": "ja/nee",
}
_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OPERATORS: Final = (*_COMPARE, "in")
ALLOWED: Final[dict[FactKind, tuple[str, ...]]] = {
    "ja/nee": ("==", "!="),
    "bedrag": tuple(_COMPARE),
    "aantal": OPERATORS,
    "soorten": ("==", "!=", "in"),
    "gemeentecode": ("==", "!=", "in"),
}


class RuleError(ValueError):
    """A problem in the routing, with where it is below the part that raised it."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Described(_Strict):
    omschrijving: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="what a case worker reads for it in exports and reports; else its name",
    )

    def label(self, name: str) -> str:
        return self.omschrijving or name.replace("_", " ")


class BriefActie(_Described):
    """Send a letter to the household, written from a template in `vsig/letters/`."""

    type: Literal["brief"]
    template: str

    @field_validator("template")
    @classmethod
    def _known_template(cls, name: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("templates", ())
        if name not in known:
            raise ValueError(f"unknown template {name!r}; known: {', '.join(known)}")
        return name


class BelActie(_Described):
    """Phone the household: scheduled `na_dagen` after the run, due `binnen_werkdagen` later."""

    type: Literal["bellen"]
    wie: Literal["sdd", "gemeente"] = "sdd"
    na_dagen: int = Field(0, ge=0, le=365)
    binnen_werkdagen: int = Field(0, ge=0, le=60)

    def gepland(self, processing_date: date) -> date:
        """The day the call is for: from then it is on the SDD's worklist."""
        return processing_date + timedelta(days=self.na_dagen)

    def uiterlijk(self, processing_date: date) -> date:
        """The working days count after the day the call is scheduled for (Atw); a call
        without a term is due that day, or the next working day."""
        start = self.gepland(processing_date)
        if self.binnen_werkdagen:
            return werkdagen.plus_werkdagen(start, self.binnen_werkdagen)
        return werkdagen.termijn_einde(start)


class DoorstuurActie(_Described):
    """Forward the case to the household's municipality, which acts on it; with
    `binnen_werkdagen` it must act (e.g. visit) within that many working days."""

    type: Literal["doorsturen"]
    binnen_werkdagen: int | None = Field(None, ge=1, le=60)

    def uiterlijk(self, processing_date: date) -> date | None:
        if self.binnen_werkdagen is None:
            return None
        return werkdagen.plus_werkdagen(processing_date, self.binnen_werkdagen)


Actie = Annotated[BriefActie | BelActie | DoorstuurActie, Field(discriminator="type")]


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Any

    def expr(self) -> pl.Expr:
        column = pl.col(self.fact)
        if self.fact == "soorten":
            wanted = sorted(self.value)
            if self.op == "in":
                return column.list.eval(pl.element().is_in(wanted)).list.any()
            compared: pl.Expr = _COMPARE[self.op](column.list.join("+"), "+".join(wanted))
            return compared
        if self.op == "in":
            return column.is_in(list(self.value))
        result: pl.Expr = _COMPARE[self.op](column, self.value)
        return result


class Rule(_Described):
    name: str = Field(min_length=1)
    when: dict[str, dict[str, Any]] | None = None
    actions: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_facts(self, info: ValidationInfo) -> Self:
        for fact, tests in (self.when or {}).items():
            for op, value in tests.items():
                _check_condition(fact, op, value, info)
        return self

    def conditions(self) -> list[Condition]:
        return [
            Condition(fact, op, _typed(FACTS[fact], value))
            for fact, tests in (self.when or {}).items()
            for op, value in tests.items()
        ]

    def expr(self) -> pl.Expr:
        return pl.all_horizontal(pl.lit(True), *(c.expr() for c in self.conditions()))


def _check_condition(fact: str, op: str, value: Any, info: ValidationInfo) -> None:
    if fact not in FACTS:
        raise RuleError(("when", fact), f"unknown fact; facts are {', '.join(FACTS)}")
    kind = FACTS[fact]
    where = ("when", fact, op)
    if op not in OPERATORS:
        raise RuleError(where, f"unknown operator {op!r}; operators are {' '.join(OPERATORS)}")
    if op not in ALLOWED[kind]:
        raise RuleError(where, f"operator {op!r} does not apply to {fact}")
    values = value if op == "in" or kind == "soorten" else [value]
    if not isinstance(values, list) or not values:
        raise RuleError(where, "expected a list of values")
    allowed = _allowed_values(kind, info)
    for item in values:
        if not _fits(kind, item, allowed):
            raise RuleError(where, f"{item!r} is not {_describe_kind(kind, allowed)}")


def _allowed_values(kind: FactKind, info: ValidationInfo) -> tuple[str, ...]:
    if kind == "soorten":
        return SIGNAALPARTNERSOORTEN
    if kind == "gemeentecode":
        return tuple((info.context or {}).get("gemeentecodes", ()))
    return ()


def _fits(kind: FactKind, value: Any, allowed: tuple[str, ...]) -> bool:
    if kind == "ja/nee":
        return isinstance(value, bool)
    if kind == "aantal":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "bedrag":
        try:
            return euros_to_cents(value) >= 0 and not isinstance(value, bool)
        except ValueError:
            return False
    return value in allowed


def _describe_kind(kind: FactKind, allowed: tuple[str, ...]) -> str:
    return {
        "ja/nee": "true or false",
        "aantal": "a whole number",
        "bedrag": "an amount in euros such as 500 or 500.00",
    }.get(kind, f"one of {', '.join(allowed)}")


def _typed(kind: FactKind, value: Any) -> Any:
    if kind == "bedrag":
        return euros_to_cents(value)
    if kind == "soorten" and not isinstance(value, list):
        return [value]
    return value


class Routing(_Strict):
    actions: dict[str, Actie] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        names = [r.name for r in self.rules]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise RuleError(("rules",), f"name used more than once: {doubles}")
        for index, rule in enumerate(self.rules):
            unknown = [a for a in rule.actions if a not in self.actions]
            if unknown:
                raise RuleError(
                    ("rules", index, "actions"),
                    f"unknown action(s) {unknown}; defined: {', '.join(self.actions)}",
                )
            last = index == len(self.rules) - 1
            if last and rule.when is not None:
                raise RuleError(
                    ("rules", index, "when"), "the last rule is the default and has no `when`"
                )
            if not last and rule.when is None:
                raise RuleError(
                    ("rules", index),
                    "only the last rule may go without `when`; "
                    "the rules after it could never match",
                )
        return self

    def rule(self, name: str) -> Rule:
        return next(r for r in self.rules if r.name == name)

    def rule_labels(self) -> dict[str, str]:
        """Each rule's name → what people read for it (`omschrijving`)."""
        return {r.name: r.label(r.name) for r in self.rules}

    def action_labels(self) -> dict[str, str]:
        """Each action's name → what people read for it (`omschrijving`)."""
        return {name: action.label(name) for name, action in self.actions.items()}


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
                "holds": bool(case.select(c.expr()).item()),
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
    chosen = pl.coalesce(pl.when(r.expr()).then(pl.lit(r.name)) for r in routing.rules)
    return cases.with_columns(chosen.alias("regel"))


def new_actions(routed: pl.DataFrame, routing: Routing, performed: pl.DataFrame) -> pl.DataFrame:
    """The actions of each case's rule that the case has not had yet, in rule order.

    Actions are idempotent per case, and a case gets at most one letter, never after it was
    forwarded: one first offer. A case whose route changes, because its total rose or fell
    or the SDD got to know the household, gains only what the new rule adds (the call, the
    forward).
    """
    planned = pl.DataFrame(
        [
            {"regel": rule.name, "actie": action, "volgorde": order}
            for rule in routing.rules
            for order, action in enumerate(rule.actions)
        ],
        schema={"regel": pl.String, "actie": pl.String, "volgorde": pl.Int32},
    )
    # The first offer is a letter, or the forward after which the municipality makes it.
    offered = performed.filter(pl.col("actietype").is_in(["brief", "doorsturen"])).select("zaak_id")
    letter = pl.col("actie").is_in([n for n, a in routing.actions.items() if a.type == "brief"])
    return (
        routed.select("zaak_id", "regel")
        .join(planned, on="regel")
        .join(performed.select("zaak_id", "actie"), on=["zaak_id", "actie"], how="anti")
        .filter(~(letter & pl.col("zaak_id").is_in(offered["zaak_id"].implode())))
        .select(*ACTION_SCHEMA)
        .sort("zaak_id", "volgorde")
    )


def action_details(actions: pl.DataFrame, routing: Routing, processing_date: date) -> pl.DataFrame:
    """Type, template, the day it is for and due date per action, from its one definition
    in the routing; booked tonight."""
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
    return (
        actions.join(details, on="actie", how="left")
        .with_columns(geboekt=pl.lit(processing_date))
        .sort("zaak_id", "volgorde")
    )


def forwarded(performed: pl.DataFrame, actions: pl.DataFrame) -> pl.DataFrame:
    """The cases forwarded to their municipality, before or tonight (zaak_id): the
    municipality handles them (their deadlines), and its export names the household."""
    return (
        pl.concat(
            [performed.select("zaak_id", "actietype"), actions.select("zaak_id", "actietype")]
        )
        .filter(pl.col("actietype") == "doorsturen")
        .select("zaak_id")
        .unique()
    )


def _detail(
    name: str, action: BriefActie | BelActie | DoorstuurActie, processing_date: date
) -> dict[str, Any]:
    gepland = action.gepland(processing_date) if isinstance(action, BelActie) else processing_date
    return {
        "actie": name,
        "actietype": action.type,
        "template": action.template if isinstance(action, BriefActie) else None,
        "wie": action.wie if isinstance(action, BelActie) else None,
        "gepland": gepland,
        "uiterlijk": None if isinstance(action, BriefActie) else action.uiterlijk(processing_date),
    }


MATRIX_AMOUNTS: Final = (("below €500", 499_99), ("€500.00 and above", 500_00))


def decision_matrix(
    routing: Routing, gemeentecode: str
) -> tuple[list[tuple[str, dict[bool, str]]], dict[bool, str]]:
    """The routing in the shape of the SDD table: amount band × known to the SDD.

    Each cell evaluates the rules on a single, non-crisis Huur signal with a phone number at
    the band's edge (€499.99 and exactly €500.00), so the €500 choice shows; the crisis row,
    with and without a phone number, is separate.
    """
    rows: list[tuple[str, dict[bool, str]]] = []
    for label, cents in MATRIX_AMOUNTS:
        cells = {
            known: _cell(routing, gemeentecode, cents, known, False) for known in (True, False)
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
        }
    )
    name = route(case, routing)["regel"].item()
    return f"{name}: {' + '.join(routing.rule(name).actions)}"
