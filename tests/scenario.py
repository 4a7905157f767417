"""Small, hand-made data homes for driving `vsig run` night after night in tests.

Every resident, extract and signal is written out in the input contracts' own layouts, so a
test reads as the story it tells: who lives where, who is known, who is signalled when.
"""

import csv
import io
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner, Result

from vsig.cli import app
from vsig.io.home import Home as DataHome

from .conftest import REPO


def make_bsn(seed: int) -> str:
    """A valid BSN (11-check) derived from a number, different for different seeds."""
    for candidate in range(seed * 10, seed * 10 + 10):
        digits = [int(d) for d in f"{10_000_000 + candidate:08d}"[-8:]]
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(check)
    raise AssertionError("no valid BSN near this seed")


@dataclass
class Resident:
    bsn: str
    geslachtsnaam: str
    geboortedatum: date
    postcode: str
    huisnummer: int
    huisletter: str = ""
    toevoeging: str = ""
    gemeentecode: str = "0505"
    voorvoegsel: str = ""
    datum_overlijden: date | None = None
    voorletters: str = "A."
    woonplaats: str = "Dordrecht"

    def brp_row(self) -> dict[str, str]:
        return {
            "bsn": self.bsn,
            "voorletters": self.voorletters,
            "voornamen": "Anna",
            "voorvoegsel": self.voorvoegsel,
            "geslachtsnaam": self.geslachtsnaam,
            "geboortedatum": self.geboortedatum.isoformat(),
            "datum_overlijden": self.datum_overlijden.isoformat() if self.datum_overlijden else "",
            "straatnaam": "Voorstraat",
            "postcode": self.postcode,
            "huisnummer": str(self.huisnummer),
            "huisletter": self.huisletter,
            "huisnummertoevoeging": self.toevoeging,
            "woonplaats": self.woonplaats,
            "gemeentecode": self.gemeentecode,
            "datum_aanvang_adreshouding": "2020-01-01",
        }

    def signal(
        self, signaal_id: str, bedrag: str, signaaldatum: date, **changes: str
    ) -> dict[str, str]:
        """A canonical signal row for this resident at the BRP address, 60 days in arrears."""
        row = {
            "signaal_id": signaal_id,
            "klantnummer": f"K-{signaal_id}",
            "bedrag": bedrag,
            "ontstaansdatum": (signaaldatum - timedelta(days=60)).isoformat(),
            "signaaldatum": signaaldatum.isoformat(),
            "crisissignaal": "nee",
            "bsn": "",
            "voorvoegsel": self.voorvoegsel,
            "achternaam": self.geslachtsnaam,
            "geboortedatum": self.geboortedatum.isoformat(),
            "postcode": self.postcode,
            "huisnummer": str(self.huisnummer),
            "huisletter": self.huisletter,
            "huisnummertoevoeging": self.toevoeging,
            "telefoonnummer": "",
            "email": "",
        }
        return row | changes


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header or list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@dataclass
class Home:
    """A data home with its own config (copied from the default, then changed)."""

    path: Path
    config: Path
    runner: CliRunner = field(default_factory=CliRunner)

    @staticmethod
    def default_config() -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(
            (REPO / "config" / "vsig.yaml").read_text(encoding="utf-8")
        )
        return loaded

    @classmethod
    def create(cls, root: Path, **changes: Any) -> "Home":
        config_dir = root / "config"
        config_dir.mkdir(parents=True)
        data = cls.default_config() | changes
        (config_dir / "vsig.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        shutil.copy(REPO / "config" / "routing.yaml", config_dir / "routing.yaml")
        (root / "home").mkdir()  # as `vsig init` makes it
        return cls(root / "home", config_dir / "vsig.yaml")

    @property
    def data(self) -> DataHome:
        """The data home as vsig names its places."""
        return DataHome(self.path)

    def write(self, relative: str, text: str) -> Path:
        path = self.path / "inbox" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def registers(
        self, day: date, residents: list[Resident], known: list[str] | tuple[str, ...] = ()
    ) -> None:
        """Deliver the BRP and SDD extracts of `day`; `known` BSNs have a running bijstand."""
        self.write(f"brp/brp-{day:%Y%m%d}.csv", csv_text([r.brp_row() for r in residents]))
        sdd = [
            {"bsn": bsn, "regeling": "bijstand", "startdatum": "2024-01-01", "einddatum": ""}
            for bsn in known
        ]
        self.write(
            f"sdd/sdd-{day:%Y%m%d}.csv",
            csv_text(sdd, ["bsn", "regeling", "startdatum", "einddatum"]),
        )

    def signals(self, partner: str, day: date, rows: list[dict[str, str]]) -> Path:
        return self.write(f"signalen/{partner}/{partner.lower()}-{day:%Y%m%d}.csv", csv_text(rows))

    def vsig(self, *args: str) -> Result:
        """Any command on this home, with its config."""
        return self.runner.invoke(
            app, [*args, "--home", str(self.path), "--config", str(self.config)]
        )

    def run(self, day: date, *options: str) -> Result:
        return self.runner.invoke(
            app,
            [
                "run",
                *("--home", str(self.path), "--config", str(self.config), "--date", str(day)),
                *options,
            ],
        )

    def out(self, run_id: str, name: str) -> pl.DataFrame:
        return pl.read_csv(
            self.path / "out" / run_id / name, separator=";", infer_schema=False
        ).rename(lambda c: c.lstrip("\ufeff"))

    def letter(self, run_id: str, bestand: str) -> str:
        """A letter's text as a resident reads it, its white space made single."""
        pdf = PdfReader(self.path / "out" / run_id / "letters" / bestand)
        return " ".join("".join(page.extract_text() for page in pdf.pages).split())
