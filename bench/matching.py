"""Measure matching against ground truth: who does a night of messy signals reach?

    .venv/bin/python bench/matching.py [--residents 60000] [--signals 5000] [--seed 1]
        [--thresholds 0.7 0.75 0.8 0.85 0.9] [--json bench/matching.json]

A seeded generator writes a region (households, buildings with flats, common and rare
surnames with voorvoegsels and accents, movers within the region, people who left it, the
deceased) and one night of signals written the ways partners write them, each with the
person it is really about. Then `vsig run` processes the night, and its state and outputs
are held against the truth, per kind of mess:

- wrong household: the signal joined a case (letter, call or forward) at an address where
  the person it is about does not live, or was laid to another person;
- recall: of the signals about a living resident, the share that reached that resident;
- status: the VNG status is the one the truth calls for (picked up, deceased, not a
  resident).

Targets: 0 on a wrong household, recall at least 99.5%, every `overleden` and `geen
inwoner` right. With `--thresholds`, the same night is also matched in-process at each
surname-similarity threshold, which is how the default `naam_gelijkenis` was chosen.
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import openpyxl
import polars as pl

from vsig import DEFAULT_CONFIG
from vsig.config import load_config
from vsig.io import ingest, sources
from vsig.rules import match, vng

VSIG = str(Path(sys.executable).parent / "vsig")
DAY = date(2026, 11, 26)
GEMEENTEN = ["0482", "0505", "0523", "0531", "0590", "0610", "0642"]
PARTNERS = ["WOONKRACHT10", "EVIDES", "OASEN", "VATTENFALL", "VGZ", "ZILVERENKRUIS"]
COMMON = [
    "Jansen", "de Jong", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
    "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "de Bruijn",
    "van der Heijden", "Schouten", "van Beek", "Willems", "Hoekstra", "Maas", "Prins",
    "Öztürk", "Yılmaz", "Çelik", "Şahin", "Nguyễn", "Groß", "Müller", "El Amrani", "Bouzid",
]  # fmt: skip
STEMS = [
    "Hoek", "Wijn", "Kuip", "Ruit", "Post", "Kost", "Lam", "Zwart", "Groen", "Veen", "Herm",
    "Huis", "Wout", "Blom", "Graaf", "Mol", "Jonk", "Stee", "Brink", "Dijk",
]  # fmt: skip
TAILS = [
    "", "s", "ma", "stra", "inga", "man", "berg", "hof", "kamp", "veld", "sen", "ink", "er",
    "el", "ens", "horst", "wijk", "dam", "kes", "aert", "mans", "beek", "land",
]  # fmt: skip
PREFIXES = ["", "", "", "", "", "de", "van", "van der", "van den", "ter"]
INITIALS = "ABCDEGHIJKLMNPRSTWY"
TURKISH = {"Öztürk", "Yılmaz", "Çelik", "Şahin"}
TURKISH_INITIALS = str.maketrans("CSIG", "ÇŞİĞ")
"""The initials of a resident with a Turkish surname are written as the BRP holds them
(`Ç.`, `Ş.`, `İ.`, `Ğ.`): common in the Drechtsteden, and once dropped by matching."""
CSV_HEADER = [
    "signaal_id", "klantnummer", "bedrag", "ontstaansdatum", "signaaldatum", "crisissignaal",
    "bsn", "voorletters", "voorvoegsel", "achternaam", "geboortedatum", "straatnaam",
    "postcode", "huisnummer", "huisletter", "huisnummertoevoeging", "plaatsnaam",
    "telefoonnummer", "email",
]  # fmt: skip


@dataclass
class Person:
    bsn: str
    voorletters: str
    voorvoegsel: str
    geslachtsnaam: str
    geboortedatum: date
    address: tuple[str, int, str, str, str]  # postcode, number, letter, addition, gemeente
    overleden: date | None = None
    old_address: tuple[str, int, str, str, str] | None = None


@dataclass
class Signal:
    row: dict[str, str]
    truth: str  # resident | overleden | vertrokken
    person: Person
    mess: list[str] = field(default_factory=list)


def key(address: tuple[str, int, str, str, str]) -> str:
    return f"{address[0]}|{address[1]}|{address[2]}|{address[3]}"


class Region:
    """Households at addresses; about 3% of residents moved within the region, 1% died,
    and as many people as signals will need left it (their BSN is in no register)."""

    def __init__(self, rng: random.Random, residents: int) -> None:
        self.rng = rng
        self.bsns = self._bsns(residents * 2)
        self.people: list[Person] = []
        self.left: list[Person] = []
        self.addresses = self._addresses(residents // 2)
        free = iter(self.addresses)
        while len(self.people) < residents:
            self._household(next(free))
        occupied = [p.address for p in self.people]
        for person in rng.sample(self.people, residents // 33):
            person.old_address = rng.choice(occupied)
        for person in rng.sample(self.people, residents // 100):
            person.overleden = DAY - timedelta(days=rng.randint(1, 300))
        for _ in range(residents // 30):
            gone = self._person(self._surnames(), adult=True, home=rng.choice(occupied))
            gone.old_address = gone.address
            self.left.append(gone)

    def _bsns(self, count: int) -> list[str]:
        found, number = [], 10_000_000
        while len(found) < count:
            number += self.rng.randint(1, 40)
            digits = [int(d) for d in str(number)]
            check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
            if check < 10:
                found.append("".join(map(str, digits)) + str(check))
        self.rng.shuffle(found)
        return found

    def _addresses(self, count: int) -> list[tuple[str, int, str, str, str]]:
        out: list[tuple[str, int, str, str, str]] = []
        letters = [a + b for a in "ABCEGHJKLMNPRTVWXZ" for b in "ABCEGHJKLMNPRTVWXZ"]
        for serial in range(count):
            postcode = f"{3300 + serial // 2000}{letters[(serial // 40) % len(letters)]}"
            gemeente = GEMEENTEN[(serial // 2000) % len(GEMEENTEN)]
            number = serial % 40 + 1
            if self.rng.random() < 0.15:  # a building of flats behind one number
                for flat in range(1, self.rng.randint(2, 4) + 1):
                    out.append((postcode, number, "", str(flat), gemeente))
            elif self.rng.random() < 0.05:
                out += [(postcode, number, letter, "", gemeente) for letter in "AB"]
            else:
                out.append((postcode, number, "", "", gemeente))
        return out

    def _surnames(self) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(COMMON)
        prefix = self.rng.choice(PREFIXES)
        name = self.rng.choice(STEMS) + self.rng.choice(TAILS)
        return f"{prefix} {name}".strip()

    def _person(self, surname: str, adult: bool, home: tuple[str, int, str, str, str]) -> Person:
        prefix, _, name = surname.rpartition(" ") if surname[0].islower() else ("", "", surname)
        age = self.rng.randint(19, 88) if adult else self.rng.randint(0, 17)
        born = DAY - timedelta(days=age * 365 + self.rng.randint(0, 364))
        initials = "".join(f"{c}." for c in self.rng.sample(INITIALS, self.rng.randint(1, 3)))
        if name in TURKISH:  # no draw of its own: the region stays the seed's
            initials = initials.translate(TURKISH_INITIALS)
        return Person(self.bsns.pop(), initials, prefix, name, born, home)

    def _household(self, home: tuple[str, int, str, str, str]) -> None:
        """One or two adults and their children, some of whom are of age themselves. The BRP
        holds everyone under their own birth surname, so partners rarely share one."""
        size = self.rng.choice([1, 1, 1, 2, 2, 2, 3, 3, 4, 5])
        first = self._surnames()
        adults = 1 if size == 1 else self.rng.choice([1, 2, 2])
        for index in range(size):
            own = self._surnames() if index == 1 and self.rng.random() < 0.9 else first
            self.people.append(self._person(own, adult=index < adults, home=home))

    def brp_rows(self) -> list[dict[str, str]]:
        return [
            {
                "bsn": p.bsn,
                "voorletters": p.voorletters,
                "voornamen": "",
                "voorvoegsel": p.voorvoegsel,
                "geslachtsnaam": p.geslachtsnaam,
                "geboortedatum": p.geboortedatum.isoformat(),
                "datum_overlijden": p.overleden.isoformat() if p.overleden else "",
                "straatnaam": "Voorstraat",
                "postcode": p.address[0],
                "huisnummer": str(p.address[1]),
                "huisletter": p.address[2],
                "huisnummertoevoeging": p.address[3],
                "woonplaats": "Dordrecht",
                "gemeentecode": p.address[4],
                "datum_aanvang_adreshouding": "2020-01-01",
            }
            for p in self.people
        ]


def misspelt(rng: random.Random, person: Person) -> tuple[str, str, str]:
    """`(voorvoegsel, achternaam, mess)` as a partner system might write the surname."""
    prefix, name = person.voorvoegsel, person.geslachtsnaam
    plain = name.translate(str.maketrans("öüçşıễéß", "oucsieeß")).replace("ß", "ss")
    ways = [
        ("exact", prefix, name),
        ("exact", prefix, name),
        ("exact", prefix, name),
        ("hoofdletters", prefix.upper(), name.upper()),
        ("zonder accenten", prefix, plain),
        ("voorvoegsel achter", "", f"{name}, {prefix}" if prefix else name),
        ("ij als y", prefix, name.replace("ij", "y")),
        ("voorvoegsel in de naam", "", f"{prefix} {name}".strip()),
    ]
    if len(name) >= 5:
        i = rng.randrange(1, len(name) - 1)
        typos = [name[:i] + name[i + 1 :], name[:i] + name[i] + name[i:]]
        if "ij" not in name[i - 1 : i + 2]:
            typos.append(name[:i] + name[i + 1] + name[i] + name[i + 2 :])
        ways.append(("tikfout", prefix, rng.choice(typos)))
    mess, written_prefix, written = rng.choice(ways)
    return written_prefix, written, mess


def namesakes_at_home(region: Region) -> set[str]:
    """The adults who share their address and surname with another adult (a parent and a
    grown child): without a BSN or birth date, the household is certain, the person not."""
    adult = [p for p in region.people if (DAY - p.geboortedatum).days >= 18 * 365]
    homes: dict[tuple[tuple[str, int, str, str, str], str, str], list[str]] = {}
    for p in adult:
        homes.setdefault((p.address, p.voorvoegsel, p.geslachtsnaam), []).append(p.bsn)
    return {bsn for bsns in homes.values() if len(bsns) > 1 for bsn in bsns}


def signal_for(
    rng: random.Random, number: int, person: Person, truth: str, namesakes: set[str]
) -> Signal:
    mess: list[str] = []
    if person.bsn in namesakes:
        mess.append("naamgenoot in het huishouden")
    address = person.old_address if truth != "overleden" and person.old_address else person.address
    if address != person.address:
        mess.append("oud adres")
    bsn = person.bsn if rng.random() < 0.35 else ""
    mess.append("bsn" if bsn else "geen bsn")
    prefix, name, spelling = misspelt(rng, person)
    if spelling != "exact":
        mess.append(spelling)
    born = person.geboortedatum.isoformat() if rng.random() < 0.8 else ""
    if not born:
        mess.append("geen geboortedatum")
    initials = person.voorletters if rng.random() < 0.85 else ""
    if not initials.isascii():
        mess.append("Turkse voorletters")
    toevoeging = address[3]
    if toevoeging and rng.random() < 0.5:
        toevoeging = ""
        mess.append("toevoeging ontbreekt")
    if "toevoeging ontbreekt" in mess and not (bsn or born):
        mess.append("flat zonder toevoeging, bsn of geboortedatum")
    postcode = address[0]
    if rng.random() < 0.3:
        postcode = f"{postcode[:4]} {postcode[4:].lower()}"
        mess.append("postcode slordig")
    row = {
        "signaal_id": f"B-{number:06d}",
        "klantnummer": f"K-{number:06d}",
        "bedrag": f"{rng.randint(50, 2500)},{rng.randint(0, 99):02d}",
        "ontstaansdatum": (DAY - timedelta(days=60)).isoformat(),
        "signaaldatum": DAY.isoformat(),
        "crisissignaal": "nee",
        "bsn": bsn,
        "voorletters": initials,
        "voorvoegsel": prefix,
        "achternaam": name,
        "geboortedatum": born,
        "straatnaam": "Voorstraat",
        "postcode": postcode,
        "huisnummer": str(address[1]),
        "huisletter": address[2],
        "huisnummertoevoeging": toevoeging,
        "plaatsnaam": "Dordrecht",
        "telefoonnummer": "0612345678",
        "email": "",
    }
    return Signal(row, truth, person, mess)


def night(rng: random.Random, region: Region, count: int) -> list[Signal]:
    """Signals about adults: most about living residents, some about the deceased and
    people who left; movers are signalled at their old address."""
    adults = [p for p in region.people if (DAY - p.geboortedatum).days >= 19 * 365]
    namesakes = namesakes_at_home(region)
    signals = []
    for number in range(count):
        draw = rng.random()
        if draw < 0.03:
            person, truth = rng.choice(region.left), "vertrokken"
        else:
            person = rng.choice(adults)
            truth = "overleden" if person.overleden else "resident"
        signals.append(signal_for(rng, number, person, truth, namesakes))
    return signals


def write_home(home: Path, region: Region, signals: list[Signal]) -> None:
    def write(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header, delimiter=";")
            writer.writeheader()
            writer.writerows(rows)

    brp = region.brp_rows()
    write(home / "inbox" / "brp" / f"brp-{DAY:%Y%m%d}.csv", brp, list(brp[0]))
    write(
        home / "inbox" / "sdd" / f"sdd-{DAY:%Y%m%d}.csv",
        [],
        ["bsn", "regeling", "startdatum", "einddatum"],
    )
    for index, partner in enumerate(PARTNERS):
        rows = [s.row for s in signals[index :: len(PARTNERS)]]
        folder = home / "inbox" / "signalen" / partner
        write(folder / f"{partner.lower()}-{DAY:%Y%m%d}.csv", rows, CSV_HEADER)


def partner_of(number: int) -> str:
    return PARTNERS[number % len(PARTNERS)]


FINAL = (vng.GEEN_INWONER, vng.OVERLEDEN)
"""The statuses that tell the creditor and CBS a fact about the resident."""


def judge(signals: list[Signal], outcome: dict[tuple[str, str], tuple[str | None, ...]]) -> dict:
    """Per kind of mess: signals, wrong household, reached, recall, statuses right, signals
    waiting for a person (`op_controle`) and final statuses that are untrue
    (`fout_definitief`: a resident told `geen inwoner` or `overleden`)."""
    rows = []
    for number, signal in enumerate(signals):
        persoon, adres, status, zaak, kandidaten = outcome[
            (partner_of(number), signal.row["signaal_id"])
        ]
        truth, person = signal.truth, signal.person
        told = zaak is not None
        # A household matched holds the person among its candidates.
        meant = persoon == person.bsn if persoon else person.bsn in (kandidaten or [])
        wrong = told and (truth != "resident" or adres != key(person.address) or not meant)
        household = told and not persoon
        reached = told and not wrong
        expected = {"resident": vng.NOG_NIET_OPGEPAKT, "overleden": vng.OVERLEDEN}.get(
            truth, vng.GEEN_INWONER
        )
        # Doubt waits for a person at the SDD: picked up by nobody, yet no final status.
        review = not told and status == vng.NOG_NIET_OPGEPAKT
        false_final = status in FINAL and status != expected
        right = status == expected and not review
        for kind in ["alle", *signal.mess]:
            rows.append((kind, truth, wrong, reached, household, right, review, false_final))
    frame = pl.DataFrame(
        rows,
        schema=[
            "soort",
            "waarheid",
            "fout",
            "bereikt",
            "huishouden",
            "status",
            "controle",
            "onwaar",
        ],
        orient="row",
    )
    table = (
        frame.group_by("soort")
        .agg(
            signalen=pl.len(),
            fout_huishouden=pl.col("fout").sum(),
            over_inwoners=(pl.col("waarheid") == "resident").sum(),
            bereikt=pl.col("bereikt").sum(),
            als_huishouden=(pl.col("bereikt") & pl.col("huishouden")).sum(),
            status_goed=pl.col("status").sum(),
            op_controle=pl.col("controle").sum(),
            fout_definitief=pl.col("onwaar").sum(),
        )
        .with_columns(recall=pl.col("bereikt") / pl.col("over_inwoners"))
        .sort(pl.col("soort") != "alle", "soort")
    )
    # Once per signal: every other row of `frame` repeats it under one of its kinds of mess.
    special = frame.filter((pl.col("soort") == "alle") & (pl.col("waarheid") != "resident"))
    return {
        "per_soort": table.to_dicts(),
        "overleden_en_geen_inwoner_goed": int(special["status"].sum()),
        "overleden_en_geen_inwoner": special.height,
    }


def run_vsig(home: Path) -> dict[tuple[str, str], tuple[str | None, ...]]:
    env = dict(os.environ, VSIG_SECRET=os.environ.get("VSIG_SECRET", "bench-" + "0" * 40))
    done = subprocess.run(
        [VSIG, "run", "--home", str(home), "--config", str(DEFAULT_CONFIG), "--date", str(DAY)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"vsig run failed ({done.returncode}): {done.stderr[-2000:]}")
    with duckdb.connect(str(home / "state" / "vsig.duckdb"), read_only=True) as db:
        found = db.execute(
            "SELECT s.signaalpartner, s.signaal_id, s.persoon_bsn, z.adres_sleutel, s.status, "
            "s.zaak_id, s.kandidaten FROM signalen s LEFT JOIN zaken z USING (zaak_id)"
        ).fetchall()
    return {(p, i): rest for p, i, *rest in found}


def sheet_rows(home: Path) -> int:
    """The signals the SDD's sheet "Twijfel" lists for a person to decide: every signal
    waiting (`op_controle`) should be one of them."""
    (workbook,) = (home / "out").glob("*/exports/sdd/bellijst.xlsx")
    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        return sum(1 for _ in book["Twijfel"].iter_rows(min_row=2))
    finally:
        book.close()


def sweep(home: Path, thresholds: list[float]) -> list[dict]:
    """The same night matched in-process at each threshold (no outputs written)."""
    config = load_config(DEFAULT_CONFIG)
    brp_path = next((home / "archive").rglob("brp-*.csv"), None) or next(
        (home / "inbox" / "brp").glob("*.csv")
    )
    brp = match.prepare_brp(ingest.ingest_file(sources.Source(brp_path, "brp"), DAY).accepted, DAY)
    frames = []
    for path in sorted((home / "archive").rglob("signalen/*/*.csv")):
        source = sources.Source(path, "signalen", config.partner(path.parent.name))
        frames.append(ingest.ingest_file(source, DAY).accepted)
    signals = pl.concat(frames)
    empty = pl.DataFrame(
        schema={"signaalpartner": pl.String, "klantnummer": pl.String, "bedrag": pl.Int64}
    )
    nobody = pl.DataFrame(schema={"soort": pl.String, "sleutel": pl.String})
    results = []
    for threshold in thresholds:
        tuned = config.model_copy(update={"naam_gelijkenis": threshold})
        matched = match.match(signals, brp, tuned, DAY, empty, nobody)
        results.append({"drempel": threshold, "matched": matched})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=60_000)
    parser.add_argument("--signals", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--thresholds", type=float, nargs="*", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    region = Region(rng, args.residents)
    signals = night(rng, region, args.signals)
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        write_home(home, region, signals)
        report = {"residents": len(region.people), "signals": len(signals), "seed": args.seed}
        report["vsig_run"] = judge(signals, run_vsig(home))
        report["vsig_run"]["op_het_blad_twijfel"] = sheet_rows(home)
        report["drempels"] = []
        for result in sweep(home, args.thresholds):
            matched = result["matched"]
            placed = pl.col("adres_sleutel").is_not_null() & (
                pl.col("status") == vng.NOG_NIET_OPGEPAKT
            )
            outcome = {
                (p, i): (b, a, s, z, k)
                for p, i, b, a, s, z, k in matched.select(
                    "signaalpartner",
                    "signaal_id",
                    "persoon_bsn",
                    "adres_sleutel",
                    "status",
                    pl.when(placed).then(pl.lit("Z")),
                    "kandidaten",
                ).iter_rows()
            }
            overall = judge(signals, outcome)["per_soort"]
            alle = next(r for r in overall if r["soort"] == "alle")
            typo = next((r for r in overall if r["soort"] == "tikfout"), {})
            report["drempels"].append(
                {
                    "drempel": result["drempel"],
                    "fout_huishouden": alle["fout_huishouden"],
                    "recall": alle["recall"],
                    "recall_tikfout": typo.get("recall"),
                }
            )
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
