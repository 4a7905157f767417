"""Routing rules: checked when loaded, evaluated first-match-wins, actions never repeated."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from vsig import routing
from vsig.cli import app
from vsig.config import ConfigError, load_config
from vsig.rules import route
from vsig.rules.vng import SIGNAALPARTNERSOORTEN

from .conftest import REPO, write_config

DEFAULT_ROUTING = (REPO / "config" / "routing.yaml").read_text(encoding="utf-8")
MATRIX_CASE = {
    "zaak_id": "Z",
    "bekend_bij_sdd": False,
    "totaal_achterstand": 100_00,
    "aantal_signalen": 1,
    "soorten": ["Huur"],
    "crisis": False,
    "warme_overdracht": False,
    "gemeentecode": "0505",
    "meervoudig": False,
    "telefoon_bekend": True,
}
PERFORMED = {"zaak_id": pl.String, "actie": pl.String, "actietype": pl.String}
NONE_BEFORE = pl.DataFrame(schema=PERFORMED | {"gemeentecode": pl.String})
NONE_SILENCED = pl.DataFrame(schema={"zaak_id": pl.String})


def problems_with(tmp_path: Path, routing: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, routing=routing))
    return caught.value.problems


def changed(edit: str, into: str) -> str:
    assert edit in DEFAULT_ROUTING
    return DEFAULT_ROUTING.replace(edit, into, 1)


@pytest.mark.parametrize(
    ("edit", "into", "rule", "key", "message"),
    [
        (
            'totaal_achterstand: {"<": 500.00}\n      bekend_bij_sdd: {"==": true}',
            'totaal: {"<": 500.00}\n      bekend_bij_sdd: {"==": true}',
            "onder_500_bekend",
            "rules[2].when.totaal",
            "unknown fact",
        ),
        (
            'crisis: {"==": true}',
            'crisis: {"=>": true}',
            "crisis",
            "rules[0].when.crisis.=>",
            "unknown operator '=>'",
        ),
        (
            'crisis: {"==": true}',
            'crisis: {"<": true}',
            "crisis",
            "rules[0].when.crisis.<",
            "operator '<' does not apply to crisis",
        ),
        (
            'crisis: {"==": true}',
            'crisis: {"==": "ja"}',
            "crisis",
            "rules[0].when.crisis.==",
            "'ja' is not true or false",
        ),
        (
            "actions: [informatiebrief, sdd_belt_direct]",
            "actions: [informatiebrief, sdd_belt_meteen]",
            "crisis",
            "rules[0].actions",
            "unknown action(s) ['sdd_belt_meteen']",
        ),
        (
            "template: informatiebrief",
            "template: aanmaning",
            None,
            "actions.informatiebrief.brief.template",
            "unknown template 'aanmaning'",
        ),
        (
            "  - name: vangnet\n",
            '  - name: vangnet\n    when: {crisis: {"==": false}}\n',
            "vangnet",
            "rules[7].when",
            "the last rule is the default and has no `when`",
        ),
    ],
)
def test_a_broken_rule_is_named_by_file_rule_and_key(
    tmp_path: Path, edit, into, rule, key, message
) -> None:
    (problem,) = problems_with(tmp_path, changed(edit, into))
    named = f" (rule {rule!r})" if rule else ""
    assert problem.startswith(f"{tmp_path / 'routing.yaml'}:")
    assert f": {key}{named}: {message}" in problem


def test_the_problem_points_at_the_line_of_the_rule(tmp_path: Path) -> None:
    routing = changed('crisis: {"==": true}', 'crisis: {"=>": true}')
    (problem,) = problems_with(tmp_path, routing)
    line = int(problem.split(":")[1])
    assert '"=>": true' in routing.splitlines()[line - 1]


def test_a_rule_without_when_before_the_last_is_refused(tmp_path: Path) -> None:
    routing = changed(
        '    when:\n      crisis: {"==": true}\n      telefoon_bekend: {"==": true}\n', ""
    )
    (problem,) = problems_with(tmp_path, routing)
    assert "only the last rule may go without `when`" in problem


def test_gemeentecode_must_be_a_configured_municipality(tmp_path: Path) -> None:
    routing = changed('crisis: {"==": true}', 'gemeentecode: {in: ["0505", "0512"]}')
    (problem,) = problems_with(tmp_path, routing)
    assert "'0512' is not one of 0482, 0505" in problem


def test_yaml_routing_is_never_evaluated(tmp_path: Path) -> None:
    routing = changed('crisis: {"==": true}', 'crisis: {"==": !!python/name:os.system }')
    (problem,) = problems_with(tmp_path, routing)
    assert "not valid YAML" in problem


FACTS = st.fixed_dictionaries(
    {
        "zaak_id": st.just("Z"),
        "bekend_bij_sdd": st.booleans(),
        "totaal_achterstand": st.one_of(
            st.integers(1, 2_000_000_00), st.sampled_from([499_99, 500_00, 500_01])
        ),
        "aantal_signalen": st.integers(1, 9),
        "soorten": st.lists(st.sampled_from(SIGNAALPARTNERSOORTEN), min_size=1, unique=True),
        "crisis": st.booleans(),
        "warme_overdracht": st.booleans(),
        "gemeentecode": st.sampled_from(["0482", "0505", "0642"]),
        "meervoudig": st.booleans(),
        "telefoon_bekend": st.booleans(),
        "mobiel_bekend": st.booleans(),
        "email_bekend": st.booleans(),
    }
)


def sdd_table(facts: dict[str, object]) -> str:
    """The SDD's table of DESIGN.md, written out by hand, plus the crisis rule."""
    if facts["crisis"]:
        return "crisis" if facts["telefoon_bekend"] else "crisis_huisbezoek"
    band = "onder_500" if int(facts["totaal_achterstand"]) < 500_00 else "vanaf_500"  # type: ignore[call-overload]
    route = f"{band}_{'bekend' if facts['bekend_bij_sdd'] else 'niet_bekend'}"
    # The known household's call needs a number; without one the municipality makes contact.
    return (
        route
        if route != "vanaf_500_bekend" or facts["telefoon_bekend"]
        else f"{route}_geen_telefoon"
    )


@given(st.lists(FACTS, min_size=1, max_size=20))
def test_default_routing_is_the_sdd_table(config, cases: list[dict[str, object]]) -> None:
    frame = pl.DataFrame(cases, schema_overrides={"soorten": pl.List(pl.String)})
    routed = route.route(frame, config.routing)["regel"].to_list()
    assert routed == [sdd_table(case) for case in cases]


def routing_with(when: dict[str, object]) -> routing.Routing:
    data = {
        "actions": {"brief": {"type": "brief", "template": "informatiebrief"}},
        "rules": [
            {"name": "test", "when": when, "actions": ["brief"]},
            {"name": "rest", "actions": ["brief"]},
        ],
    }
    return routing.Routing.model_validate(
        data, context={"templates": ("informatiebrief",), "gemeentecodes": ("0505", "0642")}
    )


@given(FACTS, st.sampled_from(routing.OPERATORS[:6]), st.integers(0, 3_000_00))
def test_amount_operators_compare_cents(facts, op, threshold) -> None:
    rule = routing_with({"totaal_achterstand": {op: f"{threshold // 100}.{threshold % 100:02d}"}})
    routed = route.route(pl.DataFrame([facts]), rule)["regel"].item()
    total = int(facts["totaal_achterstand"])
    expected = {
        "==": total == threshold,
        "!=": total != threshold,
        "<": total < threshold,
        "<=": total <= threshold,
        ">": total > threshold,
        ">=": total >= threshold,
    }[op]
    assert routed == ("test" if expected else "rest")


@given(FACTS, st.sampled_from(["mobiel_bekend", "email_bekend"]), st.booleans())
def test_a_rule_can_ask_for_a_mobile_number_or_an_e_mail_address(facts, fact, wanted) -> None:
    """The facts a message needs (issue 35): a rule on them takes the cases that have it."""
    rule = routing_with({fact: {"==": wanted}})
    routed = route.route(pl.DataFrame([facts]), rule)["regel"].item()
    assert routed == ("test" if facts[fact] == wanted else "rest")


@given(FACTS, st.lists(st.sampled_from(SIGNAALPARTNERSOORTEN), min_size=1, unique=True))
def test_soorten_in_means_any_of_them(facts, wanted) -> None:
    rule = routing_with({"soorten": {"in": wanted}})
    frame = pl.DataFrame([facts], schema_overrides={"soorten": pl.List(pl.String)})
    routed = route.route(frame, rule)["regel"].item()
    assert routed == ("test" if set(facts["soorten"]) & set(wanted) else "rest")


def test_new_actions_are_only_those_the_case_has_not_had(config) -> None:
    routed = pl.DataFrame({"zaak_id": ["Z1", "Z2"], "regel": ["vanaf_500_bekend"] * 2})
    performed = pl.DataFrame(
        {"zaak_id": ["Z1"], "actie": ["brief_lokaal_aanbod"], "actietype": "brief"}
    )
    new = route.new_actions(routed, config.routing, performed)
    assert new.select("zaak_id", "actie").rows() == [
        ("Z1", "sdd_belt_na_2_weken"),
        ("Z2", "brief_lokaal_aanbod"),
        ("Z2", "sdd_belt_na_2_weken"),
    ]


def test_a_case_gets_one_letter_whatever_its_route_becomes(config) -> None:
    """The SDD got to know the household the next day: the route changes from the letter
    for strangers to the one for known households, but a second letter would repeat the
    first offer. Only the call the new route adds is new."""
    routed = pl.DataFrame({"zaak_id": ["Z1"], "regel": ["vanaf_500_bekend"]})
    performed = pl.DataFrame(
        {"zaak_id": ["Z1"], "actie": ["informatiebrief"], "actietype": "brief"}
    )
    new = route.new_actions(routed, config.routing, performed)
    assert new["actie"].to_list() == ["sdd_belt_na_2_weken"]


def test_no_letter_follows_a_forward(config) -> None:
    """The forwarded case's total fell below €500: the municipality made the offer already."""
    routed = pl.DataFrame({"zaak_id": ["Z1"], "regel": ["onder_500_niet_bekend"]})
    performed = pl.DataFrame(
        {"zaak_id": ["Z1"], "actie": ["doorsturen_naar_gemeente"], "actietype": "doorsturen"}
    )
    assert route.new_actions(routed, config.routing, performed).is_empty()


def test_a_move_brings_the_new_municipalitys_letter_and_forward_once(config) -> None:
    """Four cases move tonight. Z1 had two letters: one letter, replacing the later. Z2
    was forwarded twice (a crisis visit last): that visit again, to the new municipality.
    Z3 had a letter and its household was reached since: the forward only, no letter.
    Z4 had a letter and asked for help: nothing. Z5 had a letter and did not move."""
    moves = pl.DataFrame({"zaak_id": ["Z1", "Z2", "Z3", "Z4"], "van": "0505", "naar": "0642"})
    performed = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z1", "Z2", "Z2", "Z3", "Z3", "Z4", "Z5"],
            "actie": [
                "informatiebrief", "brief_na_verhuizing", "doorsturen_naar_gemeente",
                "huisbezoek_gemeente", "brief_lokaal_aanbod", "doorsturen_naar_gemeente",
                "brief_lokaal_aanbod", "brief_lokaal_aanbod",
            ],
            "actietype": [
                "brief", "brief", "doorsturen", "doorsturen", "brief", "doorsturen", "brief",
                "brief",
            ],
            "geboekt": [date(2026, 11, d) for d in (2, 20, 2, 9, 2, 2, 2, 2)],
        }
    )  # fmt: skip
    events = pl.DataFrame(
        {
            "zaak_id": ["Z3", "Z4"],
            "gebeurtenis": ["contactpoging", "aanmelding"],
            "waarde": ["Telefoon|ja|ochtend", None],
        }
    )
    moved = route.after_move(moves, performed, events, config.routing)
    assert moved.rows() == [
        ("Z1", "brief_na_verhuizing", -2, date(2026, 11, 20)),
        ("Z2", "huisbezoek_gemeente", -1, None),
        ("Z3", "doorsturen_naar_gemeente", -1, None),
    ]
    without = config.routing.model_copy(update={"verhuizing": None})
    assert route.after_move(moves, performed, events, without)["zaak_id"].to_list() == [
        "Z2",
        "Z3",
    ]


def test_the_letter_on_a_move_must_be_a_letter(tmp_path: Path) -> None:
    wrong = DEFAULT_ROUTING.replace(
        "verhuizing: brief_na_verhuizing", "verhuizing: sdd_belt_direct"
    )
    assert any(
        "'sdd_belt_direct' is not a letter" in p and "brief_na_verhuizing" in p
        for p in problems_with(tmp_path, wrong)
    )


def test_a_crisis_without_a_phone_number_gets_a_letter_and_a_home_visit(config) -> None:
    facts = {**MATRIX_CASE, "crisis": True, "telefoon_bekend": False}
    routed = route.route(pl.DataFrame([facts]), config.routing)
    new = route.new_actions(routed, config.routing, pl.DataFrame(schema=PERFORMED))
    planned = route.action_details(
        new, config.routing, date(2026, 11, 28), routed, {"0505": 10}, NONE_BEFORE, NONE_SILENCED
    )
    assert planned.select("actietype", "uiterlijk").rows() == [
        ("brief", None),
        ("doorsturen", date(2026, 12, 2)),  # the visit's own term wins
    ]


def test_a_forward_is_due_by_its_municipalitys_term_for_the_first_offer(config) -> None:
    """Forwarded on Monday 14 December 2026: Dordrecht agreed 10 working days for its first
    offer, which skip both Christmas days (29 December); Zwijndrecht 5 (21 December)."""
    actions = pl.DataFrame(
        {"zaak_id": ["Z1", "Z2"], "actie": ["doorsturen_naar_gemeente"] * 2, "volgorde": [0, 0]},
        schema_overrides={"volgorde": pl.Int32},
    )
    cases = pl.DataFrame({"zaak_id": ["Z1", "Z2"], "gemeentecode": ["0505", "0590"]})
    planned = route.action_details(
        actions,
        config.routing,
        date(2026, 12, 14),
        cases,
        {"0505": 10, "0590": 5},
        NONE_BEFORE,
        NONE_SILENCED,
    ).filter(pl.col("actietype") == "doorsturen")
    assert planned.select("zaak_id", "uiterlijk").rows() == [
        ("Z1", date(2026, 12, 29)),
        ("Z2", date(2026, 12, 21)),
    ]


def test_a_forward_without_a_letter_brings_the_notice(config) -> None:
    """AVG art. 14: the resident hears from the SDD itself that the municipality has their
    data. Z1 is forwarded tonight with nothing before: the notice. Z2 had a letter before,
    Z3 gets a letter tonight with its forward: they were told already. Z4 is forwarded again
    after a move, and never had a letter: a notice naming the new municipality. Z5 was
    told of its forward to Dordrecht and gets a crisis visit from Dordrecht: nothing new.
    Z6 is silenced by the exclusion list: neither its letter nor a notice."""
    actions = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z3", "Z3", "Z4", "Z5", "Z6", "Z6"],
            "actie": [
                "doorsturen_naar_gemeente", "doorsturen_naar_gemeente", "informatiebrief",
                "huisbezoek_gemeente", "doorsturen_naar_gemeente", "huisbezoek_gemeente",
                "informatiebrief", "huisbezoek_gemeente",
            ],
            "volgorde": [0, 0, 0, 1, -1, 1, 0, 1],
        },
        schema_overrides={"volgorde": pl.Int32},
    )  # fmt: skip
    places = {"Z1": "0505", "Z2": "0505", "Z3": "0505", "Z4": "0642", "Z5": "0505", "Z6": "0505"}
    cases = pl.DataFrame({"zaak_id": list(places), "gemeentecode": list(places.values())})
    before = pl.DataFrame(
        {
            "zaak_id": ["Z2", "Z4", "Z4", "Z5", "Z5"],
            "actie": [
                "informatiebrief", "doorsturen_naar_gemeente", "kennisgeving",
                "doorsturen_naar_gemeente", "kennisgeving",
            ],
            "actietype": ["brief", "doorsturen", "kennisgeving", "doorsturen", "kennisgeving"],
            "gemeentecode": ["0505", "0505", "0505", "0505", "0505"],
        }
    )  # fmt: skip
    silenced = pl.DataFrame({"zaak_id": ["Z6"]})
    planned = route.action_details(
        actions,
        config.routing,
        date(2026, 12, 14),
        cases,
        {"0505": 10, "0642": 10},
        before,
        silenced,
    )
    notices = planned.filter(pl.col("actietype") == "kennisgeving")
    assert notices.select("zaak_id", "actie", "template", "gemeentecode", "uiterlijk").rows() == [
        ("Z1", "kennisgeving", "kennisgeving", "0505", None),
        ("Z4", "kennisgeving", "kennisgeving", "0642", None),
    ]
    # Before the forward in each case's letters and exports.
    assert planned.filter(pl.col("zaak_id") == "Z1")["actie"].to_list() == [
        "kennisgeving",
        "doorsturen_naar_gemeente",
    ]
    assert planned.filter(pl.col("zaak_id") == "Z6")["actie"].to_list() == ["huisbezoek_gemeente"]


@pytest.mark.parametrize(
    ("edit", "into", "problem"),
    [
        ("template: informatiebrief", "template: kennisgeving", "no route sends it"),
        ("  informatiebrief:\n", "  kennisgeving:\n", "give this action another name"),
    ],
)
def test_the_notice_is_vsigs_own(tmp_path: Path, edit: str, into: str, problem: str) -> None:
    assert any(problem in p for p in problems_with(tmp_path, changed(edit, into)))


def test_call_after_two_weeks_lands_on_a_working_day(config) -> None:
    actions = pl.DataFrame(
        {"zaak_id": ["Z"], "actie": ["sdd_belt_na_2_weken"], "volgorde": [0]},
        schema_overrides={"volgorde": pl.Int32},
    )
    # 14 days after Saturday 12 December 2026 is Saturday 26 December (Boxing Day).
    cases = pl.DataFrame({"zaak_id": ["Z"], "gemeentecode": ["0505"]})
    planned = route.action_details(
        actions, config.routing, date(2026, 12, 12), cases, {}, NONE_BEFORE, NONE_SILENCED
    )
    assert planned.select("actietype", "wie", "uiterlijk").row(0) == (
        "bellen",
        "sdd",
        date(2026, 12, 28),
    )


def test_config_check_prints_the_decision_matrix() -> None:
    result = CliRunner().invoke(
        app,
        ["config", "check", "--config", str(REPO / "config" / "vsig.yaml")],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    rows = {
        line.split("│")[1].strip(): line
        for line in result.output.splitlines()
        if line.count("│") == 4
    }
    assert "onder_500_bekend: brief_lokaal_aanbod" in rows["below €500"]
    assert "onder_500_niet_bekend: informatiebrief" in rows["below €500"]
    assert (
        "vanaf_500_bekend: brief_lokaal_aanbod + sdd_belt_na_2_weken" in rows["€500.00 and above"]
    )
    assert "vanaf_500_niet_bekend: doorsturen_naar_gemeente" in rows["€500.00 and above"]
    assert "crisis: informatiebrief + sdd_belt_direct" in rows["crisis, phone number known"]
    assert (
        "crisis_huisbezoek: informatiebrief + huisbezoek_gemeente"
        in rows["crisis, no phone number"]
    )


def test_exactly_500_follows_the_yaml(tmp_path: Path) -> None:
    """Moving the €500.00 boundary is a YAML choice: `<=` puts exactly €500 below the line."""
    routing = DEFAULT_ROUTING.replace('{"<": 500.00}', '{"<=": 500.00}').replace(
        '{">=": 500.00}', '{">": 500.00}'
    )
    config = load_config(write_config(tmp_path, routing=routing))
    rows, _ = route.decision_matrix(config.routing, "0505")
    assert dict(rows)["€500.00 and above"][False].startswith("onder_500_niet_bekend")
    assert yaml.safe_load(routing)["rules"][2]["when"]["totaal_achterstand"] == {"<=": 500.0}


def test_a_case_counts_as_forwarded_once_it_was_forwarded_before_or_tonight() -> None:
    """With its first forward's day and the day the municipality's first offer is due."""
    before, today = date(2026, 11, 2), date(2026, 11, 26)
    performed = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2"],
            "actie": ["doorsturen", "brief"],
            "actietype": ["doorsturen", "brief"],
            "geboekt": [before] * 2,
            "uiterlijk": [date(2026, 11, 16), None],
            "gemeentecode": [None, "0505"],  # Z1's forward from before state migration 7
        },
        schema_overrides={**PERFORMED, "gemeentecode": pl.String},
    )
    tonight = pl.DataFrame(
        {
            "zaak_id": ["Z3", "Z3", "Z4", "Z1"],
            "actie": ["doorsturen", "bellen", "bellen", "huisbezoek"],
            "actietype": ["doorsturen", "bellen", "bellen", "doorsturen"],
            "geboekt": [today] * 4,
            "uiterlijk": [date(2026, 12, 10), None, None, date(2026, 12, 1)],
            "gemeentecode": "0505",
        }
    )
    cases = pl.DataFrame({"zaak_id": ["Z1", "Z2", "Z3", "Z4"], "gemeentecode": "0505"})
    every = route.forwards(performed, tonight, cases, {})
    assert route.forwarded(every).rows() == [
        ("Z1", before, date(2026, 11, 16), today),
        ("Z3", today, date(2026, 12, 10), today),
    ]


def test_a_forward_to_the_municipality_a_case_left_is_owed_no_more() -> None:
    """Z1 was forwarded to Dordrecht and moved to Zwijndrecht: Dordrecht's forward is no
    longer owed, and until the move's forward is booked the case is forwarded to nobody;
    Z2, forwarded to Dordrecht where it lives, is. Z3 moved to Zwijndrecht (forwarded
    there on the 9th) and back (forwarded on the 23rd): only the last forward is owed, and
    it carries on the first (`sinds`), so a call booked since then stays the SDD's."""
    rows = [
        ("Z1", "0505", 2), ("Z2", "0505", 2),
        ("Z3", "0505", 2), ("Z3", "0642", 9), ("Z3", "0505", 23),
    ]  # fmt: skip
    performed = pl.DataFrame(
        [(zaak, "doorsturen", "doorsturen", date(2026, 11, d), code) for zaak, code, d in rows],
        schema=["zaak_id", "actie", "actietype", "geboekt", "gemeentecode"],
        orient="row",
    ).with_columns(uiterlijk=pl.col("geboekt") + pl.duration(days=14))
    cases = pl.DataFrame({"zaak_id": ["Z1", "Z2", "Z3"], "gemeentecode": ["0642", "0505", "0505"]})
    owed = route.forwards(performed, performed.clear(), cases, {})
    assert owed.select("zaak_id", "geboekt", "sinds").rows() == [
        ("Z2", date(2026, 11, 2), date(2026, 11, 2)),
        ("Z3", date(2026, 11, 23), date(2026, 11, 2)),
    ]
    assert route.forwarded(owed)["laatst"].to_list() == [date(2026, 11, 2)] * 2


def test_a_rule_that_books_a_call_must_require_a_number_to_call() -> None:
    """Its letter promises the call: `vsig config check` refuses the rule that could book
    it for a household without a number, and names the way out."""
    data = {
        "actions": {
            "brief": {"type": "brief", "template": "informatiebrief"},
            "bellen": {"type": "bellen", "na_dagen": 14},
        },
        "rules": [
            {
                "name": "groot",
                "when": {"totaal_achterstand": {">=": 500}},
                "actions": ["brief", "bellen"],
            },
            {"name": "rest", "actions": ["brief"]},
        ],
    }
    context = {"templates": ("informatiebrief",), "gemeentecodes": ("0505",)}
    with pytest.raises(ValueError, match=r"books a call \(bellen\) without requiring"):
        routing.Routing.model_validate(data, context=context)
    for number in ("telefoon_bekend", "mobiel_bekend"):  # a mobile number is a number
        data["rules"][0]["when"] = {"totaal_achterstand": {">=": 500}, number: {"==": True}}  # type: ignore[index]
        assert routing.Routing.model_validate(data, context=context).rules[0].name == "groot"
    data["rules"][0]["when"] = {"email_bekend": {"==": True}}  # type: ignore[index]
    with pytest.raises(ValueError, match="without requiring"):
        routing.Routing.model_validate(data, context=context)


def test_a_call_is_on_the_list_from_its_window_and_due_on_the_day_the_letter_promised() -> None:
    """Booked on Thursday 26 November: the letter promises the call by Thursday 10 December;
    the SDD may call from Monday 7 December, three working days before."""
    call = routing.BelActie(type="bellen", na_dagen=14, venster_werkdagen=3)
    assert call.uiterlijk(date(2026, 11, 26)) == date(2026, 12, 10)
    assert call.gepland(date(2026, 11, 26)) == date(2026, 12, 7)
    # Over Christmas the window counts working days: 28 December (Monday) back to 22 December.
    assert call.uiterlijk(date(2026, 12, 14)) == date(2026, 12, 28)
    assert call.gepland(date(2026, 12, 14)) == date(2026, 12, 22)
    crisis = routing.BelActie(type="bellen", binnen_werkdagen=3, venster_werkdagen=3)
    assert crisis.gepland(date(2026, 11, 26)) == date(2026, 11, 26)  # never before the booking


def test_a_forward_booked_before_forwards_had_a_term_gets_its_municipalitys() -> None:
    """Forwarded on 2 November 2026 by a vsig without terms: Dordrecht's 10 working days
    count from that booking."""
    before = pl.DataFrame(
        {
            "zaak_id": ["Z5"],
            "actie": ["doorsturen"],
            "actietype": ["doorsturen"],
            "geboekt": [date(2026, 11, 2)],
            "uiterlijk": [None],
            "gemeentecode": [None],
        },
        schema_overrides={"uiterlijk": pl.Date, "gemeentecode": pl.String},
    )
    cases = pl.DataFrame({"zaak_id": ["Z5"], "gemeentecode": ["0505"]})
    forwards = route.forwards(before, before.clear(), cases, {"0505": 10})
    assert forwards.select("zaak_id", "geboekt", "uiterlijk").rows() == [
        ("Z5", date(2026, 11, 2), date(2026, 11, 16))
    ]
