"""The conductor: one night through every stage, in the order of DESIGN.md, committed whole."""

from datetime import date
from pathlib import Path

import pytest

from vsig.config import load_config
from vsig.io.state.store import Store
from vsig.night import nightly

from .scenario import Home, Resident, make_bsn

DAY = date(2026, 11, 26)
DEBTOR = Resident(make_bsn(501), "Schuld", date(1975, 5, 5), "3311AB", 3)
SECRET = b"s" * 40


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home.create(tmp_path)
    home.registers(DAY, [DEBTOR])
    home.signals("VGZ", DAY, [DEBTOR.signal("N-1", "300.00", DAY, bsn=DEBTOR.bsn)])
    return home


def test_the_stages_run_in_the_pipelines_order_and_the_letters_count_up(home: Home) -> None:
    seen: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        seen.append((stage, done, total))

    nightly.run_night(load_config(home.config), home.data, DAY, SECRET, progress=progress)
    assert [stage for stage, done, _ in seen if not done] == list(nightly.STAGES)
    counted = [(done, total) for stage, done, total in seen if done]
    assert counted == [(1, 1)]  # one letter: its print file is laid out with it, not counted
    assert {stage for stage, done, _ in seen if done} == {"brieven"}


def test_a_dry_run_computes_the_night_and_writes_nothing(home: Home) -> None:
    summary = nightly.run_night(load_config(home.config), home.data, DAY, SECRET, dry_run=True)
    assert summary.zaken["geopend"] == 1
    assert summary.out is None
    assert not home.data.outputs(summary.run_id).exists()
    assert list((home.data.inbox / "signalen" / "VGZ").iterdir())  # still waiting
    with Store.open(home.data.state) as db:
        assert db.run_ids() == set()


def test_a_night_commits_its_run_and_takes_what_it_consumed(home: Home) -> None:
    summary = nightly.run_night(load_config(home.config), home.data, DAY, SECRET)
    assert summary.out == str(home.data.outputs("20261126-01"))
    assert home.data.manifest_path("20261126-01").is_file()
    assert home.data.archived("20261126-01").is_dir()
    assert not list((home.data.inbox / "signalen" / "VGZ").iterdir())
    with Store.open(home.data.state) as db:
        assert db.run_ids() == {"20261126-01"}
        assert db.open_cases().height == 1
