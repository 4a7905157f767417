"""The typed config: the default loads, a broken one says exactly what is wrong and where."""

from pathlib import Path

import pytest
import yaml

from vsig.config import ConfigError, load_config, resolve_home

from .conftest import REPO, write_config


def broken(
    tmp_path: Path, change: dict[str, object] | None = None, text: str | None = None
) -> list[str]:
    data = yaml.safe_load((REPO / "config" / "vsig.yaml").read_text(encoding="utf-8"))
    for dotted, value in (change or {}).items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(last) if isinstance(node, list) else last] = value
    path = write_config(
        tmp_path, text if text is not None else yaml.safe_dump(data, sort_keys=False)
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_default_config_sets_up_the_region(config) -> None:
    assert [g.code for g in config.gemeenten] == [
        "0482",
        "0505",
        "0523",
        "0531",
        "0590",
        "0610",
        "0642",
    ]
    assert {p.code: p.soort for p in config.signaalpartners} == {
        "TRIVIRE": "Huur",
        "WOONKRACHT10": "Huur",
        "EVIDES": "Water",
        "OASEN": "Water",
        "ENECO": "Energie",
        "VATTENFALL": "Energie",
        "VGZ": "Zorg",
        "ZILVERENKRUIS": "Zorg",
        "CAK": "CAK Zorgverzekeringen",
    }
    legacy = {p.code for p in config.signaalpartners if not p.layout.is_canonical}
    assert legacy == {"TRIVIRE", "ENECO"}
    assert config.retention.months == 6
    assert config.dagen_achterstand["Zorg"].max_dagen == 100


def test_every_problem_is_one_line_with_file_line_and_key(tmp_path: Path) -> None:
    problems = broken(tmp_path, {"signaalpartners.2.soort": "Gas", "gemeenten.1.code": "505"})
    assert len(problems) == 2
    soort = next(p for p in problems if "soort" in p)
    assert soort.startswith(f"{tmp_path / 'vsig.yaml'}:")
    assert "signaalpartners[2].soort" in soort
    assert "'Water'" in soort
    assert "(got 'Gas')" in soort
    line = int(soort.split(":")[1])
    assert "soort: Gas" in (tmp_path / "vsig.yaml").read_text().splitlines()[line - 1]
    assert any("gemeenten[1].code" in p and "'505'" in p for p in problems)


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    (problem,) = broken(tmp_path, {"retention.maanden": 6})
    assert "retention.maanden: unknown setting" in problem


def test_every_arrears_window_says_where_its_numbers_come_from(tmp_path: Path) -> None:
    """An article, an agreement or SDD policy: the creditor reads it in its feedback."""
    (problem,) = broken(tmp_path, {"dagen_achterstand.Huur": {"min_dagen": 30}})
    assert "dagen_achterstand.Huur.grondslag" in problem


def test_amount_setting_is_parsed_as_cents(tmp_path: Path) -> None:
    (problem,) = broken(tmp_path, {"minimum_bedrag": "tien"})
    assert "minimum_bedrag: expected an amount in euros" in problem


def test_legacy_layout_must_map_required_columns(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "config" / "vsig.yaml").read_text())
    del data["signaalpartners"][0]["layout"]["columns"]["Achterstand"]
    problems = broken(tmp_path, text=yaml.safe_dump(data))
    assert any("signaalpartners[0].layout" in p and "bedrag" in p for p in problems)


def test_duplicate_partner_code_is_refused(tmp_path: Path) -> None:
    problems = broken(tmp_path, {"signaalpartners.1.code": "TRIVIRE"})
    assert any("code used more than once: ['TRIVIRE']" in p for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    (problem,) = broken(tmp_path, text="home: null\ngemeenten: [\n  - code\n")
    assert problem.startswith(f"{tmp_path / 'vsig.yaml'}:")
    assert "not valid YAML" in problem


def test_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_is_never_evaluated(tmp_path: Path) -> None:
    problems = broken(tmp_path, text="home: !!python/object/apply:os.system ['echo pwned']\n")
    assert "not valid YAML" in problems[0]


def test_home_precedence(config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VSIG_HOME", raising=False)
    assert resolve_home(None, config) == Path("var")
    with_home = config.model_copy(update={"home": tmp_path / "cfg"})
    assert resolve_home(None, with_home) == tmp_path / "cfg"
    monkeypatch.setenv("VSIG_HOME", str(tmp_path / "env"))
    assert resolve_home(None, with_home) == tmp_path / "env"
    assert resolve_home(tmp_path / "opt", with_home) == tmp_path / "opt"


def test_a_decision_term_beyond_the_legal_eight_weeks_is_refused(tmp_path: Path) -> None:
    (problem,) = broken(tmp_path, {"termijnen.beschikking_weken": 9})
    assert "termijnen.beschikking_weken" in problem
    assert "less than or equal to 8" in problem


def test_a_kvk_number_is_eight_digits(tmp_path: Path) -> None:
    (problem,) = broken(tmp_path, {"cbs.kvk_nummer": "KvK 1234"})
    assert "cbs.kvk_nummer" in problem


@pytest.mark.parametrize(
    "setting",
    [
        "case_close_after_days",
        "brp_max_age_days",
        "termijnen.gesprek_dagen",
        "termijnen.vooruit_werkdagen",
        "retention.outputs_keep_days",
    ],
)
def test_a_number_no_calendar_can_hold_is_refused(tmp_path: Path, setting: str) -> None:
    """99999999999 days passed `config check` and overflowed a date in the night."""
    (problem,) = broken(tmp_path, {setting: 99_999_999_999})
    assert setting in problem
    assert "less than or equal to" in problem


def test_an_alias_bomb_is_refused_in_one_short_line(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    text = "\n".join([*lines, "home: *a8", ""])
    (problem,) = broken(tmp_path, text=text)
    assert "YAML aliases expand" in problem
    assert len(problem) < 400


def test_a_problem_quoting_a_huge_value_is_cut_short(tmp_path: Path) -> None:
    problems = broken(tmp_path, {"signaalpartners.0.code": "X" * 100_000 + "-"})
    assert problems
    assert all(len(p) <= 400 for p in problems)
