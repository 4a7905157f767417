"""Generate a data home at any scale, up to the whole country, fast and from a seed.

    .venv/bin/python bench/generate.py --residents 18000000 --out /tmp/vsig-national

Vectorised polars throughout (no per-row Python): residents in households at unique
addresses spread over many municipalities, SDD arrangements, and signals from every
configured partner in its own layout, with the usual mess (old addresses, shouting names,
flats without their addition, a few broken rows). Per row "randomness" is a seeded hash of
the row number, so the same seed and polars version give the same files.
"""

import argparse
import time
from datetime import date
from pathlib import Path

import polars as pl
import yaml

from vsig import DEFAULT_CONFIG
from vsig.config import load_config
from vsig.ops.samples import FIRST_NAMES, SURNAMES

DAY = date(2026, 11, 26)
PAIRS = [a + b for a in "ABCDEGHJKLMNPRTVWXZ" for b in "ABCDEGHJKLMNPRTVWXZ"]


def rand(seed: int, salt: int, modulo: int, column: str = "i") -> pl.Expr:
    return (pl.col(column).hash(seed * 1000 + salt) % modulo).cast(pl.Int64)


def pick(values: list[str], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values)).gather(index)


def addresses(count: int, gemeenten: int, seed: int) -> pl.DataFrame:
    """Unique addresses by construction: number, letter pair and postcode from the index."""
    frame = pl.DataFrame({"i": pl.int_range(count, eager=True)})
    rest = pl.col("i") // 60
    return frame.with_columns(
        postcode=pl.format(
            "{}{}", (1000 + rest // len(PAIRS)).cast(pl.String), pick(PAIRS, rest % len(PAIRS))
        ),
        huisnummer=(pl.col("i") % 60 + 1).cast(pl.String),
        huisnummertoevoeging=pl.when(rand(seed, 1, 10) == 0)
        .then((rand(seed, 2, 3) + 1).cast(pl.String))
        .otherwise(pl.lit("")),
        gemeentecode=((1000 + rest // len(PAIRS)) % gemeenten + 1).cast(pl.String).str.zfill(4),
        straatnaam=pick(["Voorstraat", "Kerkstraat", "Dorpsstraat", "Molenweg"], rand(seed, 3, 4)),
        size=pick(["1", "1", "1", "2", "2", "2", "3", "3", "4", "5"], rand(seed, 4, 10)).cast(
            pl.Int64
        ),
    )


def bsns(count: int) -> pl.Series:
    """`count` distinct valid BSNs (11-check), vectorised."""
    base = pl.DataFrame({"b": pl.int_range(10_000_000, 10_000_000 + count * 12 // 10, eager=True)})
    digits = [(pl.col("b") // 10**k) % 10 for k in range(7, -1, -1)]
    total = pl.sum_horizontal(w * d for w, d in zip(range(9, 1, -1), digits, strict=True))
    valid = base.with_columns(check=total % 11).filter(pl.col("check") < 10)
    return valid.select(pl.format("{}{}", pl.col("b"), pl.col("check")).alias("bsn"))["bsn"][:count]


# Surnames as the country has them: some hundred thousand spellings, a few very common
# (de Jong, Jansen) and most rare, some with letters beyond ASCII. Matching by name and birth
# date depends on how many residents share both, so the spread matters at scale.
STEMS = [s for _, s in SURNAMES] + [
    "Öztürk", "Eijk", "Hoek", "Brouwer", "Koç", "Dekker", "Meijer", "Bos", "Vos", "Peters",
    "Hendriks", "Wijn", "Schouten", "Kuipers", "Ruiter", "Verbeek", "Postma", "Yılmaz",
    "Sánchez", "Lambrecht", "Koster", "Prins", "Willems", "Maas", "Doğan", "Zwart", "Groen",
    "Veenstra", "Hermans", "Kok", "Huisman", "Boer", "Wouters", "Peeters", "Nguyễn", "Çelik",
    "Blom", "Graaf", "Mol", "Jonker",
]  # fmt: skip
TAILS = ["", "s", "ma", "stra", "inga", "huis", "man", "berg", "hof", "kamp", "veld", "sen",
         "ink", "ing", "er", "el", "ens", "haar", "horst", "wijk", "dam", "lo", "kes", "es",
         "aert", "mans", "ers", "mond", "stein", "rooij", "beek", "burg", "land", "meer",
         "bosch", "hout", "laar", "schot", "werf", "zijl"]  # fmt: skip
PREFIXES = ["", "", "", "", "de", "van", "van der", "van den", "van de", "ter", "'t"]


def surnames(seed: int, household: str) -> dict[str, pl.Expr]:
    """Voorvoegsel and surname per household, skewed towards the common spellings."""
    uniform = rand(seed, 30, 1_000_000, household) / 1_000_000
    rank = (uniform**2.2 * (len(STEMS) * len(TAILS) ** 2)).cast(pl.Int64)
    tails = pl.lit(pl.Series(TAILS))
    return {
        "voorvoegsel": pick(PREFIXES, rand(seed, 31, len(PREFIXES), household)),
        "geslachtsnaam": pl.concat_str(
            pick(STEMS, rank % len(STEMS)),
            tails.gather(rank // len(STEMS) % len(TAILS)),
            tails.gather(rank // (len(STEMS) * len(TAILS)) % len(TAILS)),
        ),
    }


def residents(homes: pl.DataFrame, seed: int) -> pl.DataFrame:
    people = (
        homes.with_columns(huishouden="i", member=pl.int_ranges(0, "size"))
        .explode("member")
        .with_row_index("j")
        .with_columns(pl.col("j").cast(pl.Int64).alias("i"))
    )
    people = people.with_columns(bsn=bsns(people.height))
    born = pl.lit(date(1940, 1, 1)) + pl.duration(days=rand(seed, 5, 30000))
    return people.select(
        "bsn",
        voorletters=pick([f"{n[0]}." for n in FIRST_NAMES], rand(seed, 6, len(FIRST_NAMES))),
        voornamen=pick(list(FIRST_NAMES), rand(seed, 6, len(FIRST_NAMES))),
        **surnames(seed, "huishouden"),
        geboortedatum=born.dt.to_string("%Y-%m-%d"),
        datum_overlijden=pl.when(rand(seed, 8, 200) == 0)
        .then(pl.lit("2026-06-01"))
        .otherwise(pl.lit("")),
        straatnaam="straatnaam",
        postcode="postcode",
        huisnummer="huisnummer",
        huisletter=pl.lit(""),
        huisnummertoevoeging="huisnummertoevoeging",
        woonplaats=pl.lit("Plaats"),
        gemeentecode="gemeentecode",
        datum_aanvang_adreshouding=pl.lit("2015-01-01"),
    )


def sdd(people: pl.DataFrame, seed: int) -> pl.DataFrame:
    picked = people.with_row_index("i").filter(rand(seed, 9, 12) == 0)
    return picked.select(
        "bsn",
        regeling=pick(["bijstand", "schuldhulpverlening", "beschermingsbewind"], rand(seed, 10, 3)),
        startdatum=pl.lit("2024-01-01"),
        einddatum=pl.when(rand(seed, 11, 7) == 0).then(pl.lit("2026-01-01")).otherwise(pl.lit("")),
    )


def signals(people: pl.DataFrame, every: int, seed: int) -> pl.DataFrame:
    """One signal per `every` residents, with the mess of real deliveries."""
    picked = people.with_row_index("i").filter(rand(seed, 12, every) == 0)
    arrears = rand(seed, 14, 180) + 31
    return picked.with_columns(
        partner=rand(seed, 13, 9),
        signaal_id=pl.format("S{}", pl.col("i")),
        klantnummer=pl.format("K{}", pl.col("i")),
        bedrag=rand(seed, 15, 400_000) + 2_000,
        signaaldatum=pl.lit(DAY) - pl.duration(days=rand(seed, 16, 5)),
        arrears=arrears,
        crisissignaal=pl.when(rand(seed, 17, 20) == 0).then(pl.lit("ja")).otherwise(pl.lit("nee")),
        bsn=pl.when(rand(seed, 18, 3) == 0).then("bsn").otherwise(pl.lit("")),
        achternaam=pl.when(rand(seed, 19, 10) == 0)
        .then(pl.col("geslachtsnaam").str.to_uppercase())
        .otherwise("geslachtsnaam"),
        # Some movers are signalled at a number that is not theirs; some flats lose their
        # addition; a few postcodes are broken.
        huisnummer=pl.when(rand(seed, 20, 40) == 0)
        .then((pl.col("huisnummer").cast(pl.Int64) + 1).cast(pl.String))
        .otherwise("huisnummer"),
        huisnummertoevoeging=pl.when(rand(seed, 21, 5) == 0)
        .then(pl.lit(""))
        .otherwise("huisnummertoevoeging"),
        postcode=pl.when(rand(seed, 22, 1000) == 0).then(pl.lit("0000XX")).otherwise("postcode"),
    ).with_columns(ontstaansdatum=pl.col("signaaldatum") - pl.duration(days="arrears"))


def write_partner(frame: pl.DataFrame, partner: object, folder: Path) -> None:
    layout = partner.layout  # type: ignore[attr-defined]
    fmt = layout.date_format
    euros = pl.format(
        "{}{}{}",
        (pl.col("bedrag") // 100).cast(pl.String),
        pl.lit("," if layout.decimal == "comma" else "."),
        (pl.col("bedrag") % 100).cast(pl.String).str.zfill(2),
    )
    canonical = frame.select(
        "signaal_id",
        "klantnummer",
        bedrag=euros,
        ontstaansdatum=pl.col("ontstaansdatum").dt.to_string(fmt),
        signaaldatum=pl.col("signaaldatum").dt.to_string(fmt),
        crisissignaal=pl.col("crisissignaal")
        if layout.is_canonical
        else pl.when(pl.col("crisissignaal") == "ja").then(pl.lit("J")).otherwise(pl.lit("N")),
        bsn="bsn",
        voorletters="voorletters",
        voorvoegsel="voorvoegsel",
        achternaam="achternaam",
        geboortedatum=pl.col("geboortedatum").str.to_date().dt.to_string(fmt),
        straatnaam="straatnaam",
        postcode="postcode",
        huisnummer="huisnummer",
        huisletter="huisletter",
        huisnummertoevoeging="huisnummertoevoeging",
        plaatsnaam="woonplaats",
        telefoonnummer=pl.lit(""),
        email=pl.lit(""),
    )
    if not layout.is_canonical:
        theirs = {canonical_name: own for own, canonical_name in layout.columns.items()}
        combined = pl.concat_str(
            [pl.col("huisnummer"), pl.col("huisnummertoevoeging")], separator="-"
        ).str.strip_suffix("-")
        parts = (
            {layout.huisnummer_from[0]: combined}
            if len(layout.huisnummer_from) == 1
            else dict(
                zip(
                    layout.huisnummer_from,
                    [pl.col("huisnummer"), pl.col("huisnummertoevoeging")],
                    strict=True,
                )
            )
        )
        canonical = canonical.select(
            *(pl.col(c).alias(theirs[c]) for c in canonical.columns if c in theirs),
            **parts,
        )
    text = canonical.write_csv(separator=layout.separator)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{partner.code.lower()}-{DAY:%Y%m%d}.csv"  # type: ignore[attr-defined]
    path.write_bytes(text.encode(layout.encoding, errors="replace"))


def config_for(gemeenten: int, out: Path) -> Path:
    """The default config with `gemeenten` municipalities, all live."""
    data = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    template = data["gemeenten"][0]
    data["gemeenten"] = [
        template | {"code": f"{n:04d}", "naam": f"Gemeente {n}"} for n in range(1, gemeenten + 1)
    ]
    data["cbs"]["centrumgemeente"] = data["gemeenten"][0]["code"]
    target = out / "config"
    target.mkdir(parents=True, exist_ok=True)
    (target / "vsig.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (target / "routing.yaml").write_text(
        (DEFAULT_CONFIG.parent / "routing.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return target / "vsig.yaml"


def generate(out: Path, residents_wanted: int, seed: int, gemeenten: int) -> dict[str, int]:
    config_path = config_for(gemeenten, out)
    config = load_config(config_path)
    inbox = out / "home" / "inbox"
    homes = addresses(residents_wanted * 10 // 22, gemeenten, seed)
    people = residents(homes, seed)
    (inbox / "brp").mkdir(parents=True, exist_ok=True)
    people.write_csv(inbox / "brp" / f"brp-{DAY:%Y%m%d}.csv", separator=";")
    arrangements = sdd(people, seed)
    (inbox / "sdd").mkdir(parents=True, exist_ok=True)
    arrangements.write_csv(inbox / "sdd" / f"sdd-{DAY:%Y%m%d}.csv", separator=";")
    signalled = signals(people, 18, seed)
    for number, partner in enumerate(config.signaalpartners):
        own = signalled.filter(pl.col("partner") == number)
        write_partner(own, partner, inbox / "signalen" / partner.code)
    return {
        "addresses": homes.height,
        "residents": people.height,
        "arrangements": arrangements.height,
        "signals": signalled.height,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=180_000)
    parser.add_argument("--gemeenten", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    start = time.perf_counter()
    counts = generate(args.out, args.residents, args.seed, args.gemeenten)
    print(counts, f"{time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
