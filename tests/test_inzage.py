"""Inzage (AVG art. 15): all that is held, in words, with who got it and when it goes.

A household of two at one address: the debtor is signalled twice (once in a row that is
rejected), the housemate never; a stranger is asked about too.
"""

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from vsig.cli import app
from vsig.rules import formats

from .golden import assert_golden
from .scenario import Home, Resident, make_bsn

runner = CliRunner()
START = date(2026, 1, 5)
DEBTOR = Resident(make_bsn(801), "Inzicht", date(1970, 4, 4), "3317XY", 5)
HOUSEMATE = Resident(make_bsn(802), "Inzicht", date(1972, 5, 5), "3317XY", 5)
STRANGER = make_bsn(803)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    return make_home(tmp_path_factory.mktemp("inzage"))


def make_home(root: Path) -> Home:
    home = Home.create(root)
    home.registers(START, [DEBTOR, HOUSEMATE])
    home.signals(
        "VATTENFALL",
        START,
        [
            DEBTOR.signal("V-1", "650.00", START, bsn=DEBTOR.bsn, telefoonnummer="0612345678"),
            DEBTOR.signal("V-2", "-5", START, bsn=DEBTOR.bsn),  # rejected: no amount
        ],
    )
    assert home.run(START).exit_code == 1  # the rejected row
    return home


def ask(home: Home, bsn: str, *options: str) -> tuple[dict[str, Any], str]:
    result = runner.invoke(
        app,
        ["inzage", "--bsn", bsn, "--home", str(home.path), "--config", str(home.config),
         "--date", str(START + timedelta(days=1)), *options],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = re.search(r"wrote (\S+\.pdf) and", result.stdout.replace("\n", " "))
    assert written, result.stdout
    pdf = Path(written[1])
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert bsn not in result.stdout
    return json.loads(pdf.with_suffix(".json").read_text()), " ".join(text.split())


def test_the_debtor_sees_what_the_creditor_wrote_and_what_was_done(home: Home) -> None:
    found, text = ask(home, DEBTOR.bsn)
    (melding,) = found["meldingen"]
    assert melding["melding"] == "V-1"
    assert melding["klantnummer"] == "K-V-1"
    assert melding["zoals_gemeld"]["telefoon"] == "0612345678"
    assert melding["zoals_gemeld"]["naam"] == "Inzicht"
    assert melding["zoals_gemeld"]["adres"] == "5, 3317XY"  # no street or town was sent
    (zaak,) = found["zaken"]
    assert zaak["adres"] == "Voorstraat 5, 3317 XY Dordrecht"  # as the run's register row had it
    assert zaak["gemeente"] == "Dordrecht"
    forwarded = "Wij gaven uw gegevens door aan de gemeente Dordrecht"  # over 500, not known
    offer_by = formats.datum(date(2026, 1, 19))  # 10 working days after 5 January
    promised = f"{forwarded}, die uiterlijk {offer_by} contact met u zou opnemen"
    told = "Wij schreven u dat wij uw gegevens aan de gemeente doorgaven"  # AVG art. 14
    assert [a["wat"] for a in zaak["acties"]] == [told, promised]
    for shown in ("K-V-1", "0612345678", "Voorstraat 5, 3317 XY Dordrecht", forwarded):
        assert shown in text
    assert "Verwijderd uiterlijk 5 juli 2026" in text  # six months after the last activity
    assert "privacy@sddrechtsteden.nl" in text
    assert "Autoriteit Persoonsgegevens" in text
    # AVG art. 15: the sources, every recipient, the decision and the privacy officer.
    for said in (
        "Basisregistratie Personen",
        "onze eigen administratie",
        "Centraal Bureau voor de Statistiek (CBS) krijgt uw burgerservicenummer",
        "De gemeente Dordrecht kreeg uw naam",
        "Wat wij besloten",
        "functionaris gegevensbescherming",
        "Wat wij uw schuldeiser terugmeldden",
    ):
        assert said in text, said  # fmt: skip
    for jargon in ("|", "vanaf_500", "informatiebrief", "2026-01-05", "out/"):
        assert jargon not in text, jargon


def test_a_rejected_row_is_held_too_and_says_why(home: Home) -> None:
    found, text = ask(home, DEBTOR.bsn)
    (afgewezen,) = found["afgewezen"]
    assert afgewezen["schuldeiser"] == "Vattenfall"
    assert any(r.startswith("bedrag:") for r in afgewezen["redenen"])
    assert "Meldingen die wij niet konden verwerken" in text


def test_a_housemate_learns_their_register_row_was_kept(home: Home) -> None:
    found, text = ask(home, HOUSEMATE.bsn)
    assert not found["niets"]
    assert found["meldingen"] == []
    assert len(found["als_huisgenoot"]) == 1
    assert "geen gegevens" not in text
    assert "Gegevens van u als bewoner" in text
    # No creditor signalled them, nor was anything of theirs sent to CBS or forwarded.
    assert "schuldeiser die u meldde" not in text
    assert "CBS" not in text
    assert "lijst van bewoners" in text


def test_nothing_held_is_said_only_when_nothing_is(home: Home) -> None:
    found, text = ask(home, STRANGER)
    assert found["niets"]
    assert "Wij hebben geen gegevens over u" in text


def command(home: Home, *words: str) -> None:
    result = runner.invoke(app, [*words, "--home", str(home.path), "--config", str(home.config)])
    assert result.exit_code == 0, result.output


def test_the_inzage_stays_in_the_home_and_goes_with_the_person(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    ask(home, DEBTOR.bsn)
    ask(home, HOUSEMATE.bsn)
    folder = home.path / "inzage"
    assert len(list(folder.glob("*.pdf"))) == 2
    command(home, "forget", "--bsn", DEBTOR.bsn)
    left = sorted(folder.glob("*"))
    assert [p.suffix for p in left] == [".json", ".pdf"]  # the housemate's, whole
    assert all(DEBTOR.bsn.encode() not in p.read_bytes() for p in left)
    command(home, "purge", "--date", "2027-12-01")  # retention, long after
    assert not list(folder.glob("*"))


def test_an_inzage_on_a_home_that_is_not_there_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inzage", "--bsn", DEBTOR.bsn, "--home", str(tmp_path / "typo")])
    assert result.exit_code == 2
    assert "no data home" in result.stderr
    assert not (tmp_path / "typo").exists()


def test_the_inzage_is_pinned_page_by_page(home: Home, tmp_path: Path) -> None:
    """Its text and its pages, as the golden file holds them: a change is read by eye."""
    target = tmp_path / "inzage.pdf"
    result = runner.invoke(
        app,
        ["inzage", "--bsn", DEBTOR.bsn, "--home", str(home.path), "--config", str(home.config),
         "--date", str(START + timedelta(days=1)), "--out", str(target)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pages = PdfReader(target).pages
    text = "".join(f"--- pagina {n} ---\n{p.extract_text()}\n" for n, p in enumerate(pages, 1))
    assert_golden("inzage/debiteur.txt", text.replace(DEBTOR.bsn, "<BSN>"))
