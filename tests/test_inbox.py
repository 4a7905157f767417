"""Reading the inbox: signals sent before, extracts to run on, files taken after the commit."""

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from vsig.config import Config
from vsig.io import inbox
from vsig.io.files import sha256
from vsig.io.home import Home
from vsig.io.ingest import Ingested
from vsig.io.sources import Source
from vsig.io.state.store import Store
from vsig.night.tonight import RunAbortedError
from vsig.schemas import REJECTS

from .conftest import PROCESSING_DATE

TONIGHT = "20261126-01"


def signal_file(name: str, *ids: str) -> Ingested:
    accepted = pl.DataFrame(
        {
            "signaalpartner": ["VGZ"] * len(ids),
            "signaal_id": list(ids),
            "bestand": [name] * len(ids),
            "regelnummer": list(range(2, 2 + len(ids))),
        },
        schema_overrides={"signaal_id": pl.String, "signaalpartner": pl.String},
    )
    rejects = pl.DataFrame(schema=REJECTS)
    return Ingested(Source(Path(name), "signalen"), name, len(ids), accepted, rejects)


def test_a_signal_sent_before_becomes_a_reject_tonight_or_earlier() -> None:
    seen = pl.DataFrame({"signaalpartner": ["VGZ"], "signaal_id": ["S1"], "eerder": ["R0"]})
    first, second = inbox.without_seen_before(
        (signal_file("a.csv", "S1", "S2"), signal_file("b.csv", "S2", "S3")), seen, TONIGHT
    )
    assert first.accepted["signaal_id"].to_list() == ["S2"]
    assert first.rejects.select("regelnummer", "waarde", "reden").rows() == [
        (2, "S1", "was already received in run R0")
    ]
    assert second.accepted["signaal_id"].to_list() == ["S3"]
    assert second.rejects["reden"].to_list() == [f"was already received in run {TONIGHT}"]


def test_what_was_read_is_left_as_it_was() -> None:
    read = (signal_file("a.csv", "S1"),)
    seen = pl.DataFrame({"signaalpartner": ["VGZ"], "signaal_id": ["S1"], "eerder": ["R0"]})
    (checked,) = inbox.without_seen_before(read, seen, TONIGHT)
    assert checked.accepted.is_empty()
    assert read[0].accepted["signaal_id"].to_list() == ["S1"]  # a new result, not a change


def read_now(path: Path) -> Ingested:
    return Ingested(Source(path, "signalen"), sha256(path), 1, pl.DataFrame(), pl.DataFrame())


def test_a_consumed_file_leaves_the_inbox_unless_it_changed_since_it_was_read(
    tmp_path: Path,
) -> None:
    kept, appended = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (kept, appended):
        path.write_text("signaal_id\nS1\n")
    read = (read_now(kept), read_now(appended))
    with appended.open("a") as handle:
        handle.write("S2\n")
    (notice,) = inbox.changed_since_read(read)
    assert notice.startswith("b.csv: changed while it was read")
    inbox.take_consumed(read)
    assert not kept.exists()
    assert appended.read_text() == "signaal_id\nS1\nS2\n"


def extract_home(tmp_path: Path, *days: date) -> Home:
    home = Home(tmp_path)
    for kind in ("brp", "sdd"):
        for day in days:
            path = home.inbox / kind / f"{kind}-{day:%Y%m%d}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("bsn\n")
    return home


@pytest.mark.parametrize(
    ("days", "reason"),
    [
        ((PROCESSING_DATE + timedelta(days=1),), "no BRP extract in inbox/brp/ dated on or before"),
        ((PROCESSING_DATE - timedelta(days=8),), r"more than brp_max_age_days \(7\)"),
    ],
)
def test_no_run_on_an_extract_from_tomorrow_or_a_stale_one(
    tmp_path: Path, config: Config, days: tuple[date, ...], reason: str
) -> None:
    home = extract_home(tmp_path, *days)
    with Store.open(home.state) as db, pytest.raises(RunAbortedError, match=reason):
        inbox.read(home, config, PROCESSING_DATE, db, TONIGHT, pl.Series([], dtype=pl.String))
