"""`vsig samples`: a deterministic inbox in every partner's layout, as messy as real files."""

import hashlib
import re
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from vsig.cli import app
from vsig.config import Config
from vsig.io import ingest, sources
from vsig.rules import normalize as n

from .conftest import PROCESSING_DATE, REPO

runner = CliRunner()
ARGS = ["--config", str(REPO / "config" / "vsig.yaml"), "--date", "2026-11-26"]


def generate(out: Path, seed: int = 7, households: int = 300) -> dict[str, str]:
    result = runner.invoke(
        app,
        ["samples", *ARGS, "--out", str(out), "--seed", str(seed), "--households", str(households)],
    )
    assert result.exit_code == 0, result.output
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*.csv"))
    }


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a")
    assert first == generate(tmp_path / "b")
    assert first != generate(tmp_path / "c", seed=8)


def ingested(out: Path, config: Config) -> list[ingest.Ingested]:
    return [ingest.ingest_file(s, PROCESSING_DATE) for s in sources.discover(out / "inbox", config)]


def test_inbox_covers_every_partner_and_reads_back(tmp_path: Path, config: Config) -> None:
    generate(tmp_path)
    results = ingested(tmp_path, config)
    partners = {r.source.partner.code for r in results if r.source.partner}
    assert partners == {p.code for p in config.signaalpartners}
    assert all(r.file_reason is None for r in results)
    trivire = next((tmp_path / "inbox/signalen/TRIVIRE").glob("*.csv")).read_bytes()
    trivire.decode("cp1252")  # written in the partner's own encoding
    rejected = sum(r.rejected for r in results)
    assert 3 <= rejected <= 10, "a few deliberately invalid rows, not more"


def test_inbox_carries_the_mess_real_deliveries_have(tmp_path: Path, config: Config) -> None:
    generate(tmp_path, households=400)
    results = ingested(tmp_path, config)
    brp = next(r.accepted for r in results if r.source.kind == "brp")
    signals = pl.concat(
        [r.accepted for r in results if r.source.kind == "signalen"], how="diagonal"
    )
    raw = "".join(
        p.read_text(encoding="cp1252" if "TRIVIRE" in str(p) else "utf-8")
        for p in (tmp_path / "inbox/signalen").rglob("*.csv")
    )
    assert set(brp["gemeentecode"]) >= {"0482", "0505", "0523", "0531", "0590", "0610", "0642"}
    assert "0512" in set(brp["gemeentecode"]), "someone registered outside the region"
    assert brp["datum_overlijden"].is_not_null().any()
    assert brp["huisnummertoevoeging"].is_not_null().any()
    flats = brp.unique(["postcode", "huisnummer", "huisletter", "huisnummertoevoeging"])
    assert most(flats, ["postcode", "huisnummer"], pl.len()) > 1, "flats behind one house number"
    assert re.search(r"[;,] ?\d{4} ?[a-z]{2}[;,]", raw), "lowercase postcodes"
    assert re.search(r"[;,]\d{1,3} [a-z][;,]", raw) or re.search(r"[;,]\d{1,3}-\w+[;,]", raw)
    assert ", van" in raw or ", de" in raw, "voorvoegsel written after the surname"
    assert signals.filter(pl.col("bedrag") == 500_00).height > 0, "exactly €500"
    creditors = pl.col("signaalpartner").n_unique()
    assert most(signals, ["postcode", "huisnummer"], creditors) > 1, "creditors share an address"
    assert most(signals, ["signaalpartner", "klantnummer"], pl.len()) > 1, "a repeated signal"
    addresses = brp.select(adres=n.adres_sleutel())["adres"]
    elsewhere = signals.filter(~n.adres_sleutel().is_in(addresses.implode()))
    assert "Onbekend" in elsewhere["achternaam"].to_list(), "someone the BRP does not know"
    assert elsewhere.height >= 3, "people who moved, and a flat without its addition"
    assert signals["bsn"].is_null().any()
    assert signals["bsn"].is_not_null().any()


def most(frame: pl.DataFrame, by: list[str], measure: pl.Expr) -> int:
    largest = frame.group_by(by).agg(measure.alias("n")).select(pl.col("n").max()).item()
    return int(largest)


def test_legacy_files_have_the_headers_of_the_design(tmp_path: Path) -> None:
    generate(tmp_path)
    trivire = next((tmp_path / "inbox/signalen/TRIVIRE").glob("*.csv")).read_bytes()
    eneco = next((tmp_path / "inbox/signalen/ENECO").glob("*.csv")).read_bytes()
    assert trivire.split(b"\r\n")[0] == (
        b"Contractnummer;Meldingnummer;Achternaam;Tussenvoegsel;Voorletters;Geboortedatum;Straat;"
        b"Huisnr;Postcode;Woonplaats;Achterstand;Achterstand sinds;Meldingsdatum;Telefoon;E-mail;"
        b"Spoed"
    )
    assert eneco.split(b"\r\n")[0] == (
        b"signal_id,account_id,amount_due,arrears_start,signal_date,last_name,initials,prefix,"
        b"birth_date,zip,house_no,house_no_suffix,city,phone,email"
    )


def test_the_sample_home_is_its_owners_only(tmp_path: Path) -> None:
    generate(tmp_path / "var", households=20)
    made = [tmp_path / "var", *(tmp_path / "var").rglob("*")]
    assert [str(p) for p in made if p.stat().st_mode & 0o077] == []


def test_the_sample_home_has_every_inbox_folder_init_makes(tmp_path: Path, config: Config) -> None:
    """docs/night.md tells teams to put their workbooks in `inbox/uitkomsten/`."""
    generate(tmp_path / "var", households=20)
    inbox = tmp_path / "var" / "inbox"
    wanted = {"brp", "sdd", "uitkomsten", *(f"signalen/{p.code}" for p in config.signaalpartners)}
    assert {str(p.relative_to(inbox)) for p in inbox.rglob("*") if p.is_dir()} >= wanted
