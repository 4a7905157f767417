"""The routing table as the config holds it: ordered rules over case facts, and the actions
they book, validated when the config loads.

The rules are data, never code: each condition is a (fact, operator, value) triple checked
against fixed lists here; `rules.route` evaluates them over the night's cases. The first
rule that matches wins; the last rule has no `when` and catches every case.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Final, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from vsig.models import Strict, euros_to_cents
from vsig.rules import werkdagen
from vsig.rules.vng import SIGNAALPARTNERSOORTEN

NOTICE: Final = "kennisgeving"
"""The letter vsig sends itself, under this name as action and template, when a case is
forwarded and the SDD never sent it a letter (AVG art. 14, `route.notices`): no route
sends it, and no action may take its name."""

LETTER_TYPES: Final = ("brief", "herinnering", NOTICE)
"""The action types written as a letter: an offer, a reminder, vsig's own notice."""

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
    "mobiel_bekend": "ja/nee",
    "email_bekend": "ja/nee",
}
COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
OPERATORS: Final = (*COMPARE, "in")
ALLOWED: Final[dict[FactKind, tuple[str, ...]]] = {
    "ja/nee": ("==", "!="),
    "bedrag": tuple(COMPARE),
    "aantal": OPERATORS,
    "soorten": ("==", "!=", "in"),
    "gemeentecode": ("==", "!=", "in"),
}


class RuleError(ValueError):
    """A problem in the routing, with where it is below the part that raised it."""

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


class _Described(Strict):
    omschrijving: str | None = Field(
        None,
        min_length=1,
        max_length=120,
        description="what a case worker reads for it in exports and reports; else its name",
    )

    def label(self, name: str) -> str:
        return self.omschrijving or name.replace("_", " ")


class BriefActie(_Described):
    """Send a letter to the household, written from a template in `vsig/templates/brieven/`."""

    type: Literal["brief"]
    template: str

    @field_validator("template")
    @classmethod
    def _known_template(cls, name: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("templates", ())
        if name == NOTICE:
            raise ValueError(
                f"{NOTICE!r} is the notice vsig sends itself when a case is forwarded without "
                "a letter; it offers nothing, so no route sends it"
            )
        if name not in known:
            raise ValueError(f"unknown template {name!r}; known: {', '.join(known)}")
        return name


class HerinneringActie(_Described):
    """The household's last letter once more, `na_dagen` days after it, on the night that
    day has come, if by then nobody was reached and nobody asked for help: a further
    contact attempt, opening with the day of that letter, to the people it went to; never
    to a case the municipality handles (forwarded). The rule that names it must send a
    letter too (`route.reminders`)."""

    type: Literal["herinnering"]
    na_dagen: int = Field(ge=1, le=180)


class BelActie(_Described):
    """Phone the household: promised `na_dagen` after the run (or `binnen_werkdagen` later),
    and on the call list from `venster_werkdagen` working days before that promise."""

    type: Literal["bellen"]
    wie: Literal["sdd", "gemeente"] = "sdd"
    na_dagen: int = Field(0, ge=0, le=365)
    binnen_werkdagen: int = Field(0, ge=0, le=60)
    venster_werkdagen: int = Field(
        0,
        ge=0,
        le=20,
        description="on the call list this many working days before the day the letter "
        "promised, so that a call is not late on its first day",
    )

    def gepland(self, processing_date: date) -> date:
        """The day the call is for: from then it is on the SDD's worklist, never before
        the night that booked it."""
        start = processing_date + timedelta(days=self.na_dagen)
        if not self.venster_werkdagen:
            return start
        window = werkdagen.min_werkdagen(self.uiterlijk(processing_date), self.venster_werkdagen)
        return max(processing_date, min(start, window))

    def uiterlijk(self, processing_date: date) -> date:
        """The day the letter promises: the working days count after the day the call is
        for (Atw); a call without a term is due that day, or the next working day."""
        start = processing_date + timedelta(days=self.na_dagen)
        if self.binnen_werkdagen:
            return werkdagen.plus_werkdagen(start, self.binnen_werkdagen)
        return werkdagen.termijn_einde(start)


class DoorstuurActie(_Described):
    """Forward the case to the household's municipality, which acts on it; with
    `binnen_werkdagen` it must act (e.g. visit) within that many working days, and with
    `huisbezoek` it acts by a visit: the case is on its list of visits until then."""

    type: Literal["doorsturen"]
    binnen_werkdagen: int | None = Field(None, ge=1, le=60)
    huisbezoek: bool = False

    def uiterlijk(self, processing_date: date) -> date | None:
        if self.binnen_werkdagen is None:
            return None
        return werkdagen.plus_werkdagen(processing_date, self.binnen_werkdagen)


class BerichtActie(_Described):
    """An e-mail (`mail`) or SMS (`sms`) to the household, `na_werkdagen` working days
    after the night that books it: a further contact attempt beside the letter of the same
    rule, which it points to. It goes only to a case whose signals gave an address or
    mobile number that takes it (`email_bekend`, `mobiel_bekend`), through the channel
    configured under `kanalen`, and says little: no amount, no creditor (template in
    `vsig/templates/brieven/<template>.txt.j2`)."""

    type: Literal["mail", "sms"]
    template: str
    na_werkdagen: int = Field(0, ge=0, le=20)

    @field_validator("template")
    @classmethod
    def _known_message(cls, name: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("berichten", ())
        if name not in known:
            raise ValueError(f"unknown message template {name!r}; known: {', '.join(known)}")
        return name

    @property
    def nodig(self) -> str:
        """The routing fact a case must have for this message to be booked."""
        return MESSAGE_NEEDS[self.type]

    def gepland(self, processing_date: date) -> date:
        """The day the message is sent: its working days after the booking night."""
        if not self.na_werkdagen:
            return processing_date
        return werkdagen.plus_werkdagen(processing_date, self.na_werkdagen)


MESSAGE_NEEDS: Final = {"mail": "email_bekend", "sms": "mobiel_bekend"}
"""What a message needs of its case: an address that takes it."""

Actie = Annotated[
    BriefActie | BelActie | DoorstuurActie | BerichtActie | HerinneringActie,
    Field(discriminator="type"),
]


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Any


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


class Routing(Strict):
    actions: dict[str, Actie] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    verhuizing: str | None = Field(
        None,
        description="the letter (a `brief` action) a case that was sent a letter gets when "
        "its household moves to another municipality of the region: the new municipality's "
        "offer, saying it replaces the earlier letter; none without it",
    )

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if NOTICE in self.actions:
            raise RuleError(
                ("actions", NOTICE),
                f"the name {NOTICE!r} is vsig's own notice on a forward without a letter; "
                "give this action another name",
            )
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
            after = [
                a
                for a in rule.actions
                if isinstance(self.actions[a], BerichtActie | HerinneringActie)
            ]
            lettered = any(isinstance(self.actions[a], BriefActie) for a in rule.actions)
            if after and not lettered:
                raise RuleError(
                    ("rules", index, "actions"),
                    f"follows up a letter ({', '.join(after)}) without one: a message or a "
                    "reminder points to the letter, which holds the offer and its details. "
                    "Add the letter to this rule",
                )
            calls = [a for a in rule.actions if isinstance(self.actions[a], BelActie)]
            when = rule.when or {}
            numbered = {"==": True} in (when.get("telefoon_bekend"), when.get("mobiel_bekend"))
            if calls and not numbered:
                raise RuleError(
                    ("rules", index, "when"),
                    f"books a call ({', '.join(calls)}) without requiring "
                    '`telefoon_bekend: {"==": true}` (or `mobiel_bekend`): its letter would '
                    "promise a call to a "
                    "household whose number nobody has. Require the number here, and let a "
                    "rule below take the same cases without one (a home visit or a forward "
                    "to the municipality)",
                )
        if self.verhuizing is not None and not isinstance(
            self.actions.get(self.verhuizing), BriefActie
        ):
            letters = [n for n, a in self.actions.items() if isinstance(a, BriefActie)]
            raise RuleError(
                ("verhuizing",),
                f"{self.verhuizing!r} is not a letter; the letters defined: {', '.join(letters)}",
            )
        return self

    def rule(self, name: str) -> Rule:
        return next(r for r in self.rules if r.name == name)

    def rule_labels(self) -> dict[str, str]:
        """Each rule's name → what people read for it (`omschrijving`)."""
        return {r.name: r.label(r.name) for r in self.rules}

    def visits(self) -> list[str]:
        """The actions that forward a case for a home visit (`DoorstuurActie.huisbezoek`)."""
        return sorted(
            n for n, a in self.actions.items() if isinstance(a, DoorstuurActie) and a.huisbezoek
        )

    def reminders(self) -> dict[str, HerinneringActie]:
        """The reminder letters, by name."""
        return {n: a for n, a in self.actions.items() if isinstance(a, HerinneringActie)}

    def messages(self) -> dict[str, BerichtActie]:
        """The actions that send an e-mail or SMS, by name."""
        return {n: a for n, a in self.actions.items() if isinstance(a, BerichtActie)}

    def action_labels(self) -> dict[str, str]:
        """Each action's name → what people read for it (`omschrijving`), vsig's own notice
        (`NOTICE`) included."""
        labels = {name: action.label(name) for name, action in self.actions.items()}
        return labels | {NOTICE: "Brief: gegevens doorgegeven aan de gemeente"}
