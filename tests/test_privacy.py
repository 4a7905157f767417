"""Privacy: retention, erasure on request, inzage, pseudonymous purge log, private files.

The proof is a search of the whole data home, the state file included (by its own query
and as raw bytes), for the BSNs, surnames and postcodes that had to go.
"""

import hashlib
import json
import os
import re
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from vsig.cli import app
from vsig.contracts import PURGE_LOG_COLUMNS
from vsig.io.home import Home as DataHome
from vsig.privacy import erasure
from vsig.privacy.secret import MIN_SECRET, keyed

from .conftest import PROCESSING_DATE, REPO, TEST_SECRET, bytes_held
from .scenario import Home, Resident, csv_text, make_bsn

runner = CliRunner()
START = date(2026, 1, 5)
GONE = [
    Resident(make_bsn(701), "Vergeetmij", date(1960, 1, 1), "3317XY", 5),
    Resident(make_bsn(702), "Vergeetmij", date(1962, 2, 2), "3317XY", 5),
]
STAYS = Resident(make_bsn(703), "Blijfhier", date(1965, 3, 3), "3318KL", 7)


def found_in_home(home: Path, needles: list[str]) -> list[str]:
    """Where any needle still is: every file's bytes, and every text cell of the state."""
    hits = []
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = bytes_held(path, pdf_text=True)
        hits += [f"{path}: {n}" for n in needles if n.encode() in data]
    state = home / "state" / "vsig.duckdb"
    if state.exists():
        with duckdb.connect(state, read_only=True) as db:
            for (table,) in db.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall():
                text = str(db.execute(f"SELECT * FROM {table}").fetchall())
                hits += [f"state.{table}: {n}" for n in needles if n in text]
    return hits


def needles(people: list[Resident]) -> list[str]:
    return sorted({n for p in people for n in (p.bsn, p.geslachtsnaam, p.postcode)})


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Home:
    """Ten months of nights: a household signalled in January that then moves away,
    and one signalled in the autumn."""
    home = Home.create(tmp_path_factory.mktemp("months"))
    for month in range(11):
        day = START + timedelta(days=30 * month)
        home.registers(day, [STAYS] + (GONE if month == 0 else []))
        if month == 0:
            home.signals("WOONKRACHT10", day, [GONE[0].signal("G-1", "800.00", day)])
        if month == 9:
            home.signals("WOONKRACHT10", day, [STAYS.signal("S-1", "300.00", day)])
        result = home.run(day)
        assert result.exit_code == 0, result.output
    return home


def test_retention_leaves_nothing_of_a_household_gone_for_six_months(months: Home) -> None:
    assert found_in_home(months.path, needles(GONE)) == []


def test_retention_keeps_what_is_still_within_it(months: Home) -> None:
    assert found_in_home(months.path, [STAYS.bsn])  # the autumn signal is kept
    assert (months.path / "out" / "20260105-01" / "manifest.json").is_file()
    assert not (months.path / "out" / "20260105-01" / "cases.csv").exists()
    assert not (months.path / "archive" / "20260105-01").exists()


def test_the_purge_log_names_nothing_without_the_secret(months: Home) -> None:
    log = months.data.purge_log.read_text()
    rows = [line.split(";") for line in log.splitlines()]
    assert rows[0] == list(PURGE_LOG_COLUMNS)
    kinds = {(r[2], r[3]) for r in rows[1:]}
    assert {("retention", "zaak"), ("retention", "signaal"), ("retention", "run")} <= kinds
    zaak = next(r for r in rows[1:] if r[3] == "zaak")
    assert zaak[5] == keyed(TEST_SECRET.encode(), "zaak", "Z20260105-01-0001")
    for person in GONE:
        assert hashlib.sha256(person.bsn.encode()).hexdigest() not in log
        assert person.bsn not in log


def test_a_run_refuses_to_start_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VSIG_SECRET")
    monkeypatch.chdir(tmp_path)
    home = Home.create(tmp_path)
    result = home.run(START)
    assert result.exit_code == 2
    assert "no secret" in result.stderr
    inside = home.path / "secret.txt"
    inside.write_text("x" * 40)
    monkeypatch.setenv("VSIG_SECRET_FILE", str(inside))
    result = home.run(START)
    assert result.exit_code == 2
    assert "inside the data home" in result.stderr


@pytest.mark.parametrize("kind", ["readable by others", "a FIFO"])
def test_a_secret_file_others_can_read_or_a_fifo_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.delenv("VSIG_SECRET")
    secret = tmp_path / "vsig.secret"
    if kind == "a FIFO":
        os.mkfifo(secret, 0o600)
    else:
        secret.write_text("x" * 40)
        secret.chmod(0o644)
    monkeypatch.setenv("VSIG_SECRET_FILE", str(secret))
    home = Home.create(tmp_path / "h")
    result = home.run(START)  # a FIFO would hang here, holding nothing yet
    assert result.exit_code == 2
    doctor = runner.invoke(app, ["doctor", "--home", str(home.path), "-c", str(home.config)])
    assert "secret" in doctor.stdout
    assert doctor.exit_code == 1


def test_samples_makes_a_private_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = str(REPO / "config" / "vsig.yaml")
    result = runner.invoke(app, ["samples", "--out", "var", "--households", "20", "-c", config])
    assert result.exit_code == 0
    secret = tmp_path / "vsig.secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text().strip()) >= MIN_SECRET


def street_night(root: Path) -> Home:
    home = Home.create(root)
    home.registers(START, [*GONE, STAYS])
    home.signals(
        "WOONKRACHT10",
        START,
        [GONE[0].signal("G-1", "800.00", START), STAYS.signal("S-1", "100.00", START)],
    )
    home.signals(
        "VATTENFALL",
        START,
        [
            GONE[1].signal("V-1", "90.00", START, bsn=GONE[1].bsn),
            STAYS.signal("G-1", "50.00", START),  # the same id as GONE's at another partner
        ],
    )
    assert home.run(START).exit_code == 0
    return home


def forget(home: Home, *option: str) -> str:
    result = runner.invoke(
        app, ["forget", *option, "--home", str(home.path), "--config", str(home.config)]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_forgetting_a_household_erases_it_everywhere(tmp_path: Path) -> None:
    home = street_night(tmp_path)
    assert found_in_home(home.path, needles(GONE))
    printed = forget(home, "--address", "3317 xy 5")
    assert found_in_home(home.path, needles(GONE)) == []
    assert found_in_home(home.path, [STAYS.bsn])  # the neighbours are untouched
    assert "deleted 1 request/zaak" in printed
    feedback = home.out("20260105-01", "exports/terugmelding/VATTENFALL.csv")
    assert feedback["signaal_id"].to_list() == ["G-1"]  # Vattenfall's G-1 is not GONE's
    log = home.data.purge_log.read_text()
    assert keyed(TEST_SECRET.encode(), "adres", "3317XY|5||") in log


def test_forgetting_a_person_erases_their_bsn_and_marks_the_run(tmp_path: Path) -> None:
    home = street_night(tmp_path)
    args = ["--home", str(home.path), "--config", str(home.config)]
    report = runner.invoke(app, ["report", "monitor", "--period", "2026-01", *args])
    assert report.exit_code == 0, report.output
    delivery = home.path / "reports" / "monitor-2026-01.json"
    assert GONE[1].bsn in delivery.read_text()  # the CBS delivery names them too
    forget(home, "--bsn", GONE[1].bsn)
    assert found_in_home(home.path, [GONE[1].bsn]) == []
    log = home.data.purge_log.read_text()
    assert keyed(TEST_SECRET.encode(), "persoon", GONE[1].bsn) in log
    assert GONE[1].bsn not in log
    replay = runner.invoke(app, ["replay", "20260105-01", "--home", str(home.path)])
    assert replay.exit_code == 2
    assert "not reproducible: data erased on request" in replay.stderr


@pytest.mark.parametrize("tampered", ["registers/sdd.json", "manifest"])
def test_an_erasure_never_makes_tampering_pass(tmp_path: Path, tampered: str) -> None:
    """`forget` rewrites the run's archive and seals its manifest anew, but a file edited
    before (or a manifest whose seal did not hold) stays caught by replay."""
    home = street_night(tmp_path)
    run = "20260105-01"
    manifest_path = home.path / "out" / run / "manifest.json"
    if tampered == "manifest":
        manifest = json.loads(manifest_path.read_text()) | {"finished_at": "2026-01-05T03:00"}
        manifest_path.write_text(json.dumps(manifest))
    else:
        with (home.path / "archive" / run / tampered).open("a") as handle:
            handle.write(" ")
    forget(home, "--bsn", GONE[1].bsn)
    replay = runner.invoke(app, ["replay", run, "--home", str(home.path)])
    assert replay.exit_code == 1, replay.output
    where = f"out/{run}/manifest.json" if tampered == "manifest" else f"archive/{run}/{tampered}"
    assert f"tampered {where}" in replay.stdout


def test_forgetting_a_housemate_leaves_the_debtor_s_case_and_takes_their_name(
    tmp_path: Path,
) -> None:
    """Someone with no debt of their own is named among the residents in the municipal
    export of their housemate's forwarded case, and kept in the run's BRP rows."""
    debtor = Resident(make_bsn(711), "Schuldenaar", date(1970, 1, 1), "3319AA", 9)
    housemate = replace(debtor, bsn=make_bsn(712), geslachtsnaam="Huisgenoot", voorletters="B.")
    home = Home.create(tmp_path)
    home.registers(START, [debtor, housemate, STAYS])
    home.signals("WOONKRACHT10", START, [debtor.signal("D-1", "900.00", START, bsn=debtor.bsn)])
    assert home.run(START).exit_code == 0
    export = home.out("20260105-01", "exports/gemeente/0505.csv")
    assert export["Bewoners"].to_list() == ["A. Schuldenaar / B. Huisgenoot"]
    assert found_in_home(home.path, [housemate.bsn])

    forget(home, "--bsn", housemate.bsn)
    assert found_in_home(home.path, [housemate.bsn, housemate.geslachtsnaam]) == []
    export = home.out("20260105-01", "exports/gemeente/0505.csv")
    assert export.select("Zaak", "Bewoners").rows() == [("Z20260105-01-0001", "A. Schuldenaar")]
    assert found_in_home(home.path, [debtor.bsn])
    explained = runner.invoke(
        app, ["explain", "D-1", "--home", str(home.path), "--config", str(home.config)]
    )
    assert explained.exit_code == 0, explained.output  # the debtor's case is still there
    replay = runner.invoke(app, ["replay", "20260105-01", "--home", str(home.path)])
    assert "not reproducible: data erased on request" in replay.stderr


def test_forgetting_someone_the_brp_lacks_clears_the_sdd_list(tmp_path: Path) -> None:
    """Signalled at a neighbour's address with a BSN the BRP lacks: on the SDD's list only."""
    left = Resident(make_bsn(704), "Vertrokken", date(1966, 4, 4), STAYS.postcode, 7)
    home = Home.create(tmp_path)
    home.registers(START, [STAYS])
    home.signals("WOONKRACHT10", START, [left.signal("L-1", "90.00", START, bsn=left.bsn)])
    assert home.run(START).exit_code == 0
    listed = home.out("20260105-01", "exports/sdd/niet_gekoppeld.csv")
    assert listed.select("signaal_id", "reden").rows() == [("L-1", "BSN niet in de BRP")]
    forget(home, "--bsn", left.bsn)
    assert found_in_home(home.path, [left.bsn, left.geslachtsnaam]) == []
    assert found_in_home(home.path, [STAYS.bsn])  # the neighbour is untouched


def test_forget_wants_a_valid_subject(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    for option in (["--bsn", "123456789"], ["--address", "nergens"], []):
        result = runner.invoke(app, ["forget", *option, "--home", str(home.path)])
        assert result.exit_code == 2, option


def test_outputs_keep_days_removes_delivered_letters_and_exports(tmp_path: Path) -> None:
    home = Home.create(tmp_path, retention={"months": 6, "outputs_keep_days": 1})
    home.registers(START, [STAYS])
    home.signals("WOONKRACHT10", START, [STAYS.signal("S-1", "100.00", START)])
    assert home.run(START).exit_code == 0
    out = home.path / "out" / "20260105-01"
    assert (out / "letters").is_dir()
    home.registers(START + timedelta(days=2), [STAYS])
    assert home.run(START + timedelta(days=2)).exit_code == 0
    assert not (out / "letters").exists()
    assert not (out / "exports").exists()
    assert (out / "cases.csv").is_file()


def test_a_run_on_the_samples_prints_and_logs_no_person(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    shutil.copytree(REPO / "samples" / "inbox", home.path / "inbox")
    brp = pl.read_csv(
        home.path / "inbox" / "brp" / "brp-20261126.csv", separator=";", infer_schema=False
    )
    result = home.run(PROCESSING_DATE)
    logged = (home.path / "log" / "vsig.jsonl").read_text()
    said = result.stdout + result.stderr + logged
    words = set(re.findall(r"[\w']+", said))
    assert not set(brp["bsn"]) & words
    assert not set(brp["geslachtsnaam"]) & words
    streets = set(brp["straatnaam"])
    assert not [s for s in streets if re.search(rf"\b{re.escape(s)}\b", said)]


def test_everything_vsig_writes_is_its_owners_only(tmp_path: Path) -> None:
    home = street_night(tmp_path)
    created = [p for p in home.path.rglob("*") if "inbox" not in p.relative_to(home.path).parts]
    assert created
    loose = [str(p) for p in created if p.stat().st_mode & 0o077]
    assert loose == []


def test_purge_on_its_own_removes_what_has_aged_since(months: Home, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(months.path, home)
    args = ["purge", "--home", str(home), "--config", str(months.config)]
    assert "nothing to delete" in runner.invoke(app, [*args, "--date", "2026-11-01"]).stdout
    later = runner.invoke(app, [*args, "--date", "2027-12-01"])
    assert later.exit_code == 0, later.output
    assert "deleted 7 retention/run" in later.stdout  # the 4 oldest went in the nights
    assert {p.name for p in (home / "out").glob("*/*")} == {"manifest.json"}
    assert sorted(p.name for p in (home / "inbox" / "brp").iterdir()) == ["brp-20261101.csv"]
    # No night ran since the autumn case's last activity. Its letter was its one attempt, so
    # it never closed for silence: still open and owed an attempt, its data goes all the
    # same six months on, as the letters promise, and the log counts it apart.
    assert "closed" not in later.stdout
    assert "deleted 1 retention/zaak\n" in later.stdout
    assert "deleted 1 retention/zaak_verwijderd_met_plicht (open, still owed a duty)" in (
        later.stdout
    )
    with duckdb.connect(home / "state" / "vsig.duckdb", read_only=True) as db:
        assert db.execute("SELECT count(*) FROM zaken").fetchall() == [(0,)]


@pytest.mark.parametrize("second_attempt", [True, False])
def test_purge_closes_a_quiet_case_only_when_it_owes_nothing_but_its_result(
    tmp_path: Path, second_attempt: bool
) -> None:
    """A case with its letter and a home visit that found nobody may close after 90 quiet
    days on a day without a night; one with its letter alone stays open, still owed an
    attempt."""
    home = Home.create(tmp_path)
    home.registers(START, [STAYS])
    home.signals("WOONKRACHT10", START, [STAYS.signal("S-1", "300.00", START)])
    assert home.run(START).exit_code == 0
    zaak = home.out(f"{START:%Y%m%d}-01", "cases.csv")["zaak_id"].item()
    later = START + timedelta(days=1)
    if second_attempt:
        attempt = {"zaak_id": zaak, "datum": later.isoformat(), "gebeurtenis": "contactpoging"}
        attempt["waarde"] = "Huisbezoek|nee|Ochtend"
        home.write(
            f"uitkomsten/uitkomsten-{later:%Y%m%d}.csv",
            csv_text([attempt], ["zaak_id", "datum", "gebeurtenis", "waarde"]),
        )
    home.registers(later, [STAYS])
    assert home.run(later).exit_code == 0
    args = ["purge", "--home", str(home.path), "--config", str(home.config)]
    purged = runner.invoke(app, [*args, "--date", (later + timedelta(days=91)).isoformat()])
    assert purged.exit_code == 0, purged.output
    closed = "closed 1 retention/zaak_gesloten (no activity)" in purged.stdout
    assert closed == second_attempt
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        state = db.execute("SELECT gesloten IS NOT NULL FROM zaken").fetchall()
    assert state == [(second_attempt,)]


@pytest.mark.parametrize("p_stays", [False, True])
def test_a_person_outlived_in_a_case_kept_for_a_housemate_is_forgotten_alone(
    tmp_path: Path, p_stays: bool
) -> None:
    """P's rent was signalled in January; housemate Q's energy in March and July; nobody
    was in touch. In August, six months after the last signal about P, P's debt is nowhere
    under the home, while the case stays open for Q. If P left the region in February,
    P's name and BSN are gone too; if P still lives with Q, P is named as Q's housemate."""
    p = Resident(make_bsn(731), "Oudmelding", date(1970, 1, 1), "3318KL", 9)
    q = Resident(make_bsn(732), "Huisgenoot", date(1972, 2, 2), "3318KL", 9)
    home = Home.create(tmp_path)
    contact = {"telefoonnummer": "0612345731", "email": "oudmelding@example.nl"}
    nights = [
        (date(2026, 1, 5), "WOONKRACHT10", p.signal("W-1", "700.00", date(2026, 1, 5), **contact)),
        (date(2026, 3, 2), "VATTENFALL", q.signal("V-2", "100.00", date(2026, 3, 2))),
        (date(2026, 7, 6), "VATTENFALL", q.signal("V-3", "110.00", date(2026, 7, 6))),
    ]
    for day, partner, row in nights:
        home.registers(day, [p, q] if p_stays or day.month == 1 else [q])
        home.signals(partner, day, [row])
        assert home.run(day).exit_code == 0
    home.registers(date(2026, 8, 10), [p, q] if p_stays else [q])
    assert home.run(date(2026, 8, 10)).exit_code == 0
    # P's debt, phone and e-mail (listed beside Q's in the kept exports of Q's case)
    gone = ["K-W-1", "700,00", "0612345731", "06 12345731", "oudmelding@example.nl"]
    assert found_in_home(home.path, gone) == []
    assert bool(found_in_home(home.path, [p.bsn, p.geslachtsnaam])) == p_stays
    assert found_in_home(home.path, [q.bsn, q.geslachtsnaam])  # the case stays for Q
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        assert db.execute("SELECT count(*) FROM zaken WHERE gesloten IS NULL").fetchall() == [(1,)]
        assert db.execute(
            "SELECT count(*) FROM signalen WHERE persoon_bsn = ?", [p.bsn]
        ).fetchall() == [(0,)]


def test_an_outlived_persons_namesake_keeps_their_own_debt(tmp_path: Path) -> None:
    """Father and son are both "A. Jansen". The father's rent in January, the son's energy
    in March (the case, now over €500, is forwarded: the export lists both debts), again in
    July. In August the father's debt goes from March's export; the son's row stays."""
    father = Resident(make_bsn(771), "Jansen", date(1950, 1, 1), "3318KL", 9)
    son = Resident(make_bsn(772), "Jansen", date(1980, 2, 2), "3318KL", 9)
    home = Home.create(tmp_path)
    for day, partner, row in [
        (date(2026, 1, 5), "WOONKRACHT10", father.signal("W-1", "300.00", date(2026, 1, 5))),
        (date(2026, 3, 2), "VATTENFALL", son.signal("V-2", "300.00", date(2026, 3, 2))),
        (date(2026, 7, 6), "VATTENFALL", son.signal("V-3", "110.00", date(2026, 7, 6))),
        (date(2026, 8, 10), None, None),
    ]:
        home.registers(day, [father, son])
        if partner and row:
            home.signals(partner, day, [row])
        assert home.run(day).exit_code == 0
    march = (home.path / "out" / "20260302-01" / "exports" / "gemeente" / "0505.csv").read_text()
    assert "K-V-2" in march
    assert "K-W-1" not in march


def test_reports_past_retention_are_purged(tmp_path: Path) -> None:
    home = Home.create(tmp_path)
    report = home.path / "reports" / "monitor-2026-01.json"
    report.parent.mkdir(parents=True)
    report.write_text("{}")
    old = datetime(2026, 2, 1, tzinfo=UTC).timestamp()
    os.utime(report, (old, old))
    home.registers(START + timedelta(days=300), [STAYS])
    assert home.run(START + timedelta(days=300)).exit_code == 0
    assert not report.exists()


@pytest.mark.parametrize("ending", ["\r", "mixed"])
def test_forget_works_on_any_line_endings(tmp_path: Path, ending: str) -> None:
    """An archived file with CR-only or mixed line endings made `forget` fail whole."""
    home = Home.create(tmp_path)
    home.registers(START, [*GONE, STAYS])
    rows = [GONE[0].signal("G-1", "800.00", START), STAYS.signal("S-1", "100.00", START)]
    text = csv_text(rows)
    if ending == "\r":
        text = text.replace("\r\n", "\r")
    else:  # a lone CR, an LF and a CRLF in one file
        text = text.replace("\r\n", "\r", 1).replace("\r\n", "\n", 1)
    home.write(f"signalen/WOONKRACHT10/woonkracht10-{START:%Y%m%d}.csv", text)
    assert home.run(START).exit_code == 0
    result = runner.invoke(
        app,
        ["forget", "--bsn", GONE[0].bsn, "--home", str(home.path), "-c", str(home.config)],
    )
    assert result.exit_code == 0, result.output
    archived = next((home.path / "archive").rglob("woonkracht10-*.csv")).read_bytes()
    assert GONE[0].geslachtsnaam.encode() not in archived
    assert STAYS.geslachtsnaam.encode() in archived


def test_forget_reaches_the_persons_rejected_rows(tmp_path: Path) -> None:
    """A row rejected for its amount never reaches the state, but its archived file and the
    run's rejects file still hold the person."""
    home = Home.create(tmp_path)
    person = GONE[0]
    home.registers(START, [person, STAYS])
    rows = [
        person.signal("G-1", "veel", START, bsn=person.bsn),
        STAYS.signal("S-1", "100.00", START),
    ]
    home.signals("WOONKRACHT10", START, rows)
    assert home.run(START).exit_code == 1
    assert found_in_home(home.path, [person.bsn, person.geslachtsnaam])
    forget(home, "--bsn", person.bsn)
    assert found_in_home(home.path, [person.bsn, person.geslachtsnaam]) == []
    assert found_in_home(home.path, [STAYS.geslachtsnaam])


def test_a_night_shows_no_case_its_own_purge_deletes(tmp_path: Path) -> None:
    """A case still owed an attempt after its letter stays open through its silence, and
    six months after its last activity retention deletes it. The night of that purge lists
    it nowhere (the SDD's sheet, termijnen.csv), so the purge leaves tonight's workbook
    whole; the earlier nights' files no longer name it."""
    quiet = Resident(make_bsn(711), "Stilte", date(1970, 1, 1), "3311AB", 3)
    other = Resident(make_bsn(712), "Anders", date(1980, 1, 1), "3311AB", 5)
    home = Home.create(tmp_path)
    first = date(2027, 1, 4)
    home.registers(first, [quiet, other])
    home.signals("VGZ", first, [quiet.signal("V-1", "300.00", first, bsn=quiet.bsn)])
    assert home.run(first).exit_code == 0
    later = first + timedelta(days=120)  # past the 90 days, open: owed an attempt
    home.registers(later, [quiet, other])
    assert home.run(later).exit_code == 0
    overdue = home.out(f"{later:%Y%m%d}-01", "exports/termijnen.csv")
    assert overdue["zaak_id"].to_list() == [f"Z{first:%Y%m%d}-01-0001"]
    purged = first + timedelta(days=190)
    home.registers(purged, [quiet, other])
    home.signals("VGZ", purged, [other.signal("V-2", "300.00", purged, bsn=other.bsn)])
    assert home.run(purged).exit_code == 0
    tonight = home.path / "out" / f"{purged:%Y%m%d}-01"
    book = openpyxl.load_workbook(tonight / "exports" / "sdd" / "bellijst.xlsx", read_only=True)
    listed = {row[0] for row in book["Uitkomsten"].iter_rows(min_row=2, values_only=True)}
    book.close()
    assert listed == {f"Z{purged:%Y%m%d}-01-0001"}
    assert home.out(tonight.name, "exports/termijnen.csv")["zaak_id"].to_list() == []
    assert home.out(f"{later:%Y%m%d}-01", "exports/termijnen.csv")["zaak_id"].to_list() == []
    held = [p for p in home.path.rglob("*") if p.is_file() and quiet.bsn.encode() in bytes_held(p)]
    assert {p.relative_to(home.path).parts[:2] for p in held} == {("inbox", "brp")}


def test_a_slice_archived_before_candidates_still_tells_whom_it_named(tmp_path: Path) -> None:
    """Runs archived before state migration 8 keep no `kandidaten`: retention reads whom
    their signals named all the same, instead of stopping every night after an upgrade."""
    home = DataHome(tmp_path)
    folder = home.archived("20260101-01") / "state"
    folder.mkdir(parents=True)
    pl.DataFrame(
        {
            "signaalpartner": ["VGZ"],
            "signaal_id": ["S1"],
            "zaak_id": ["Z1"],
            "bsn": [None],
            "persoon_bsn": [STAYS.bsn],
        },
        schema_overrides={"bsn": pl.String},
    ).write_parquet(folder / "signalen.parquet")
    assert erasure.case_persons(home, ["20260101-01"], ["Z1"]) == {STAYS.bsn}
    decided = pl.DataFrame(
        {"signaalpartner": ["VGZ"], "signaal_id": ["S1"], "gekozen_in": ["20260102-01"]}
    )
    assert erasure.runs_waited(home, decided) == ({"20260101-01"}, frozenset({STAYS.bsn}))


def test_a_superseded_extract_goes_once_a_night_read_a_newer_one(tmp_path: Path) -> None:
    """Each extract holds the whole region. The night of 6 January reads the extract of that
    day: the one of the 5th goes, with the only copy of a resident nobody signalled, and
    the purge log says so in keyed hashes; the extract delivered early for the 7th stays,
    as does the one the next night may read."""
    home = Home.create(tmp_path)
    bystander = Resident(make_bsn(741), "Omstander", date(1950, 6, 6), "3318ZZ", 1)
    second = START + timedelta(days=1)
    home.registers(START, [STAYS, bystander])
    home.signals("WOONKRACHT10", START, [STAYS.signal("S-1", "100.00", START)])
    assert home.run(START).exit_code == 0
    inbox = home.path / "inbox"
    assert sorted(p.name for p in (inbox / "brp").iterdir()) == [f"brp-{START:%Y%m%d}.csv"]
    home.registers(second, [STAYS])
    home.registers(second + timedelta(days=1), [STAYS])  # delivered early, for tomorrow
    assert home.run(second).exit_code == 0
    for kind in ("brp", "sdd"):
        left = sorted(p.name for p in (inbox / kind).iterdir())
        assert left == [f"{kind}-{d:%Y%m%d}.csv" for d in (second, second + timedelta(days=1))]
    assert found_in_home(home.path, [bystander.bsn, bystander.geslachtsnaam]) == []
    log = pl.read_csv(home.path / "purge-log.csv", separator=";", infer_schema=False)
    (extracts,) = log.filter(pl.col("soort") == "extract").rows(named=True)
    names = [f"{kind}/{kind}-{START:%Y%m%d}.csv" for kind in ("brp", "sdd")]
    secret = TEST_SECRET.encode()
    assert extracts["kenmerken"].split() == [keyed(secret, "extract", n) for n in names]


def test_the_extract_a_night_read_stays_when_a_later_one_comes_for_the_same_day(
    tmp_path: Path,
) -> None:
    """The night of the 6th read the extract of the 5th: the one of the 6th came late, and
    broken. A purge must not take the 5th's: it is what the night read, and the only one
    the next night could read."""
    home = Home.create(tmp_path)
    second = START + timedelta(days=1)
    home.registers(START, [STAYS])
    assert home.run(second).exit_code == 0  # reads the 5th's: the 6th's is not there yet
    late = home.write(f"brp/brp-{second:%Y%m%d}.csv", "bsn;geslachtsnaam\\n")
    args = ["purge", "--home", str(home.path), "--config", str(home.config)]
    assert runner.invoke(app, [*args, "--date", str(second)]).exit_code == 0
    left = sorted(p.name for p in (home.path / "inbox" / "brp").iterdir())
    assert left == [f"brp-{START:%Y%m%d}.csv", late.name]


def test_a_person_who_moved_in_with_another_household_is_forgotten_with_their_old_case(
    tmp_path: Path,
) -> None:
    """Their signal followed them into their host's case; the case they left behind in
    Zwijndrecht, emptied, still had their address, letter and routing. Forgotten, none of
    it is left."""
    joiner = Resident(make_bsn(961), "Samenwoner", date(1977, 3, 3), "3331AA", 5,
                      gemeentecode="0642", woonplaats="Zwijndrecht")  # fmt: skip
    host = Resident(make_bsn(962), "Gastvrij", date(1978, 4, 4), "3311AB", 7)
    joined = replace(joiner, postcode="3311AB", huisnummer=7, gemeentecode="0505",
                     woonplaats="Dordrecht")  # fmt: skip
    home = Home.create(tmp_path)
    home.registers(START, [joiner, host])
    home.signals("EVIDES", START, [p.signal(f"E-{p.huisnummer}", "120.00", START, bsn=p.bsn)
                                   for p in (joiner, host)])  # fmt: skip
    assert home.run(START).exit_code == 0
    later = START + timedelta(days=7)
    home.registers(later, [joined, host])
    assert home.run(later).exit_code == 0
    args = ["--home", str(home.path), "--config", str(home.config)]
    result = runner.invoke(app, ["forget", "--bsn", joiner.bsn, *args])
    assert result.exit_code == 0, result.output
    assert found_in_home(home.path, [joiner.bsn, joiner.geslachtsnaam, "3331AA", "3331 AA"]) == []
    assert found_in_home(home.path, [host.bsn])  # the host's own case stays


def test_a_run_mentions_a_case_by_its_whole_id(tmp_path: Path) -> None:
    """A night of ten thousand cases numbers them `…-10000`: erasing `…-1000` touches
    only the run whose cases.csv names that case, never one naming a longer id it is the
    start of (whose replay would be marked erased for nothing)."""
    home = DataHome(tmp_path)
    for run_id, zaak in (
        ("20261102-01", "Z20261102-01-10000"),
        ("20261103-01", "Z20261102-01-1000"),
    ):
        folder = home.out / run_id
        folder.mkdir(parents=True)
        (folder / "cases.csv").write_text(
            f"\ufeffzaak_id;postcode\n{zaak};3311AB\n", encoding="utf-8"
        )
    assert erasure.runs_mentioning(home, ["Z20261102-01-1000"]) == {"20261103-01"}
    assert erasure.runs_mentioning(home, ["Z20261102-01-10000"]) == {"20261102-01"}
