"""A deterministic, realistic Drechtsteden inbox: BRP and SDD extracts and creditor files.

The data is invented, but shaped like real deliveries: every partner writes its own layout,
and the mess real files carry is there on purpose (see `write_inbox`).
"""

import csv
import io
import random
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from vsig.config import Config, Layout, Signaalpartner
from vsig.contracts import SIGNAL_COLUMNS

# CBS code → (postcode ranges, streets). Postcodes and streets are real for each town.
TOWNS: Final[dict[str, tuple[range, tuple[str, ...]]]] = {
    "0482": (
        range(2951, 2955),
        ("Dam", "Kerkstraat", "Cortgene", "Haven", "Ruys de Beerenbroucklaan"),
    ),
    "0505": (
        range(3311, 3330),
        (
            "Voorstraat",
            "Wijnstraat",
            "Johan de Wittstraat",
            "Noordendijk",
            "Krispijnseweg",
            "Bankastraat",
            "Brouwersdijk",
            "Sterrenburglaan",
            "Vrieseweg",
            "Dubbeldamseweg",
        ),
    ),
    "0523": (range(3371, 3374), ("Peulenstraat", "Rivierdijk", "Buitendams", "Nieuweweg")),
    "0531": (range(3341, 3345), ("Weteringsingel", "Dierenriem", "Sophiastraat", "Ambachtsezoom")),
    "0590": (range(3351, 3357), ("Markt", "Westeind", "Oosteind", "Burgemeester Keijzerweg")),
    "0610": (range(3361, 3365), ("Kerkbuurt", "Rivierdijk", "Stationsweg", "Thorbeckelaan")),
    "0642": (
        range(3331, 3337),
        ("Burgemeester Jansenlaan", "Kerkhoek", "Veerweg", "Rotterdamseweg"),
    ),
}
# Gorinchem is a neighbour outside the region: residents registered there are not ours.
OUTSIDE: Final = ("0512", range(4201, 4208), ("Langendijk", "Gasthuisstraat"))
WOONPLAATS: Final = {
    "0482": "Alblasserdam",
    "0505": "Dordrecht",
    "0523": "Hardinxveld-Giessendam",
    "0531": "Hendrik-Ido-Ambacht",
    "0590": "Papendrecht",
    "0610": "Sliedrecht",
    "0642": "Zwijndrecht",
    "0512": "Gorinchem",
}
SURNAMES: Final = (
    ("", "Jansen"),
    ("de", "Vries"),
    ("van", "Dijk"),
    ("van der", "Berg"),
    ("", "Bakker"),
    ("", "Visser"),
    ("", "Smit"),
    ("van den", "Heuvel"),
    ("de", "Groot"),
    ("", "Mulder"),
    ("", "Öztürk"),
    ("", "Çelik"),
    ("", "Şahin"),
    ("", "El Idrissi"),
    ("", "Groß"),
    ("de", "Ruijter"),
    ("", "Kloosterboer"),
    ("", "Nguyễn"),
    ("van 't", "Hof"),
    ("", "Benali"),
)
FIRST_NAMES: Final = (
    "Anna",
    "Johannes",
    "Fatima",
    "Mohamed",
    "Sophie",
    "Pieter",
    "Emma",
    "Daan",
    "Noor",
    "Ahmet",
    "Zeynep",
    "Joost",
    "Linda",
    "Kevin",
    "Priya",
    "Gerrit",
    "Chantal",
    "Youssef",
)
LETTERS_NOT_USED = ("SA", "SD", "SS")


@dataclass
class Person:
    bsn: str
    voornamen: str
    voorvoegsel: str
    geslachtsnaam: str
    geboortedatum: date
    datum_overlijden: date | None = None

    @property
    def voorletters(self) -> str:
        return "".join(f"{name[0]}." for name in self.voornamen.split())


@dataclass
class Address:
    gemeentecode: str
    straatnaam: str
    postcode: str
    huisnummer: int
    huisletter: str = ""
    toevoeging: str = ""


@dataclass
class Household:
    address: Address
    residents: list[Person]
    since: date
    previous: Address | None = None  # moved within the region recently


@dataclass
class Signal:
    """One creditor signal before it is written in the partner's layout."""

    partner: Signaalpartner
    signaal_id: str
    klantnummer: str
    bedrag_cents: int
    ontstaansdatum: date
    signaaldatum: date
    person: Person
    address: Address
    bsn: str = ""
    crisis: bool = False
    warme_overdracht: bool = False
    telefoon: str = ""
    email: str = ""
    overrides: dict[str, str] = field(default_factory=dict)  # deliberate mess, by column


class World:
    """Everything generated from one seed, in generation order."""

    def __init__(self, rng: random.Random, processing_date: date) -> None:
        self.rng = rng
        self.today = processing_date
        self.households: list[Household] = []
        self.used_bsns: set[str] = set()
        self.used_addresses: set[tuple[str, int, str, str]] = set()

    def bsn(self) -> str:
        while True:
            digits = [self.rng.randint(1, 9)] + [self.rng.randint(0, 9) for _ in range(7)]
            check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
            number = "".join(map(str, digits)) + str(check)
            if check < 10 and number not in self.used_bsns:
                self.used_bsns.add(number)
                return number

    def address(self, code: str, postcodes: range, streets: tuple[str, ...]) -> Address:
        while True:
            letters = "".join(self.rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
            flat = self.rng.random() < 0.15
            address = Address(
                code,
                self.rng.choice(streets),
                f"{self.rng.choice(postcodes)}{letters}",
                self.rng.randint(1, 250),
                self.rng.choice("ABC") if self.rng.random() < 0.08 else "",
                self.rng.choice(("1", "2", "3", "BIS", "3HG")) if flat else "",
            )
            if letters not in LETTERS_NOT_USED and self.claim(address):
                return address

    def claim(self, address: Address) -> bool:
        """Take an address for one household; False when another household has it."""
        key = (address.postcode, address.huisnummer, address.huisletter, address.toevoeging)
        free = key not in self.used_addresses
        self.used_addresses.add(key)
        return free

    def person(self, surname: tuple[str, str], adult: bool) -> Person:
        age = self.rng.randint(19, 88) if adult else self.rng.randint(0, 17)
        born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
        names = " ".join(self.rng.sample(FIRST_NAMES, self.rng.choice((1, 1, 2))))
        return Person(self.bsn(), names, surname[0], surname[1], born)

    def household(self, address: Address) -> Household:
        surname = self.rng.choice(SURNAMES)
        size = self.rng.choices((1, 2, 3, 4, 5, 6), weights=(35, 30, 14, 13, 5, 3))[0]
        adults = 1 if size == 1 else self.rng.choice((1, 2, 2))
        residents = [self.person(surname, adult=i < adults) for i in range(size)]
        since = self.today - timedelta(days=self.rng.randint(60, 9000))
        return Household(address, residents, since)


def build_world(rng: random.Random, households: int, processing_date: date) -> World:
    world = World(rng, processing_date)
    codes = sorted(TOWNS)
    # Dordrecht is about half the region's population.
    weights = [5 if code == "0505" else 1 for code in codes]
    for _ in range(households):
        code = rng.choices(codes, weights=weights)[0]
        world.households.append(world.household(world.address(code, *TOWNS[code])))
    _add_flats(world)
    for _ in range(max(households // 100, 1)):
        world.households.append(world.household(world.address(*OUTSIDE)))
    for household in rng.sample(world.households, max(households // 50, 1)):
        household.residents[0].datum_overlijden = processing_date - timedelta(rng.randint(3, 200))
    regional = [h for h in world.households if h.address.gemeentecode in TOWNS]
    for household in rng.sample(regional, max(households // 40, 1)):
        household.previous = world.address(
            household.address.gemeentecode, *TOWNS[household.address.gemeentecode]
        )
        household.since = processing_date - timedelta(rng.randint(10, 50))
    return world


def _add_flats(world: World) -> None:
    """A few buildings with several flats behind one postcode and house number."""
    for household in world.rng.sample(world.households, max(len(world.households) // 30, 1)):
        for addition in ("1", "2", "3"):
            flat = replace(household.address, huisletter="", toevoeging=addition)
            if world.claim(flat):
                world.households.append(world.household(flat))


def build_signals(world: World, config: Config) -> list[Signal]:
    """Signals for about three in ten households, with the special cases real nights bring."""
    rng = world.rng
    living = [h for h in world.households if h.address.gemeentecode in TOWNS]
    signals: list[Signal] = []
    chosen = rng.sample(living, len(living) * 3 // 10)
    # Everyone who moved recently is signalled at the old address: that is the case to show.
    chosen += [h for h in living if h.previous is not None and h not in chosen]
    for household in chosen:
        adults = [p for p in household.residents if _age(p, world.today) >= 18]
        debtor = rng.choice(adults)
        creditors = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        for partner in rng.sample(config.signaalpartners, creditors):
            address = household.previous or household.address
            signals.append(_signal(world, partner, debtor, address, len(signals)))
    signals += _special_cases(world, config, signals)
    return signals


def _age(person: Person, today: date) -> int:
    return (today - person.geboortedatum).days // 365


def _signal(
    world: World, partner: Signaalpartner, person: Person, address: Address, number: int
) -> Signal:
    rng, today = world.rng, world.today
    signaaldatum = today - timedelta(days=rng.randint(0, 6))
    return Signal(
        partner=partner,
        signaal_id=f"{partner.code[:3]}-{today:%y%m}-{number:05d}",
        klantnummer=f"{rng.randint(10**7, 10**8 - 1)}",
        bedrag_cents=_amount(rng),
        ontstaansdatum=signaaldatum - timedelta(days=_days_in_arrears(rng, partner.soort)),
        signaaldatum=signaaldatum,
        person=person,
        address=address,
        bsn=person.bsn
        if partner.soort in ("Zorg", "CAK Zorgverzekeringen") or rng.random() < 0.3
        else "",
        crisis=rng.random() < 0.05,
        warme_overdracht=rng.random() < 0.03,
        telefoon=f"06{rng.randint(10**7, 10**8 - 1)}" if rng.random() < 0.7 else "",
        email=f"{person.voornamen.split()[0].lower()}{rng.randint(1, 99)}@example.nl"
        if rng.random() < 0.4
        else "",
    )


def _amount(rng: random.Random) -> int:
    """Arrears cluster around the €500 line that decides the route."""
    band = rng.random()
    if band < 0.1:
        return 500_00
    if band < 0.25:
        return rng.randint(480_00, 520_00)
    if band < 0.6:
        return rng.randint(50_00, 499_99)
    return rng.randint(500_01, 4_000_00)


def _days_in_arrears(rng: random.Random, soort: str) -> int:
    if soort == "Zorg":
        return rng.choice((rng.randint(30, 100),) * 9 + (rng.randint(101, 160),))
    if soort == "CAK Zorgverzekeringen":
        return rng.randint(185, 420)
    return rng.choice((rng.randint(30, 240),) * 19 + (rng.randint(10, 29),))


def _special_cases(world: World, config: Config, signals: list[Signal]) -> list[Signal]:
    rng = world.rng
    extra: list[Signal] = []
    # The same arrears signalled again, once with the same amount and once higher.
    for signal, more in zip(rng.sample(signals, 2), (0, 150_00), strict=True):
        extra.append(
            replace(
                signal, signaal_id=signal.signaal_id + "-R", bedrag_cents=signal.bedrag_cents + more
            )
        )
    # A person the BRP does not know, at an address that does not exist in the region.
    stranger = Person(world.bsn(), "Kees", "", "Onbekend", date(1970, 5, 17))
    nowhere = Address("0505", "Voorstraat", "3311AA", 999, "", "")
    extra.append(_signal(world, rng.choice(config.signaalpartners), stranger, nowhere, 90001))
    # A flat where the partner left out the addition.
    flats = [h for h in world.households if h.address.toevoeging and not h.address.huisletter]
    if flats:
        flat = rng.choice(flats)
        bare = replace(flat.address, toevoeging="")
        extra.append(
            _signal(world, rng.choice(config.signaalpartners), flat.residents[0], bare, 90002)
        )
    # Rows no partner should send, each with one mistake.
    mistakes = (
        {"bsn": "123456789"},
        {"postcode": "33111AB"},
        {"bedrag": "twintig euro"},
        {"achternaam": ""},
        {"signaaldatum": (world.today + timedelta(days=3)).isoformat()},
    )
    for number, mistake in enumerate(mistakes, start=90010):
        host = rng.choice(world.households)
        partner = rng.choice([p for p in config.signaalpartners if p.layout.is_canonical])
        bad = _signal(world, partner, host.residents[0], host.address, number)
        bad.overrides.update(mistake)
        extra.append(bad)
    return extra


def _canonical_text(signal: Signal, rng: random.Random) -> dict[str, str]:
    """The signal as canonical columns, written the many ways partners write them."""
    person, address = signal.person, signal.address
    voorvoegsel, achternaam = person.voorvoegsel, person.geslachtsnaam
    style = rng.random()
    if voorvoegsel and style < 0.3:
        voorvoegsel, achternaam = "", f"{achternaam}, {voorvoegsel}"
    elif style < 0.4:
        achternaam = achternaam.upper()
    elif style < 0.5:
        achternaam = _plain(achternaam).replace("ij", "y").replace("ß", "ss")
    postcode = rng.choice(
        (
            address.postcode,
            f"{address.postcode[:4]} {address.postcode[4:]}",
            address.postcode.lower(),
            f" {address.postcode[:4]} {address.postcode[4:].lower()}",
        )
    )
    return {
        "signaal_id": signal.signaal_id,
        "klantnummer": signal.klantnummer,
        "bsn": signal.bsn,
        "voorletters": person.voorletters,
        "voorvoegsel": voorvoegsel,
        "achternaam": achternaam,
        "straatnaam": address.straatnaam,
        "postcode": postcode,
        "huisnummer": str(address.huisnummer),
        "huisletter": rng.choice((address.huisletter, address.huisletter.lower())),
        "huisnummertoevoeging": rng.choice((address.toevoeging, address.toevoeging.lower())),
        "plaatsnaam": WOONPLAATS[address.gemeentecode],
        "telefoonnummer": signal.telefoon,
        "email": signal.email,
    }


def _plain(text: str) -> str:
    """Diacritics dropped, as systems without full Unicode write names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _amount_text(cents: int, layout: Layout, rng: random.Random) -> str:
    euros, rest = divmod(cents, 100)
    if layout.decimal == "comma":
        return f"{euros:,}".replace(",", ".") + f",{rest:02d}"
    if layout.decimal == "point":
        return f"{euros}.{rest:02d}"
    return rng.choice(
        (
            f"{euros}.{rest:02d}",
            f"{euros},{rest:02d}",
            f"{euros:,}".replace(",", ".") + f",{rest:02d}",
        )
    )


def _flag(value: bool, layout: Layout) -> str:
    if layout.is_canonical:
        return "ja" if value else "nee"
    return "J" if value else "N"


def _combined_huisnummer(address: Address, rng: random.Random) -> list[str]:
    """House number, letter and addition the way legacy systems glue them together."""
    letter, addition = address.huisletter, address.toevoeging
    number = str(address.huisnummer)
    if letter and addition:
        return [
            rng.choice((f"{number}{letter}-{addition}", f"{number} {letter.lower()} {addition}"))
        ]
    if letter:
        return [rng.choice((f"{number}{letter}", f"{number} {letter.lower()}"))]
    if addition:
        return [rng.choice((f"{number}-{addition}", f"{number} {addition.lower()}"))]
    return [number]


def partner_row(signal: Signal, rng: random.Random) -> dict[str, str]:
    """One row in the partner's own layout, with the signal's deliberate mistakes."""
    layout = signal.partner.layout
    row = _canonical_text(signal, rng)
    row |= {
        "bedrag": _amount_text(signal.bedrag_cents, layout, rng),
        "ontstaansdatum": signal.ontstaansdatum.strftime(layout.date_format),
        "signaaldatum": signal.signaaldatum.strftime(layout.date_format),
        "geboortedatum": signal.person.geboortedatum.strftime(layout.date_format),
        "crisissignaal": _flag(signal.crisis, layout),
        "warme_overdracht": _flag(signal.warme_overdracht, layout),
    } | signal.overrides
    if layout.is_canonical:
        return row
    theirs = {their: row.get(canonical, "") for their, canonical in layout.columns.items()}
    parts = _combined_huisnummer(signal.address, rng)
    if len(layout.huisnummer_from) == 2:  # number and the rest apart, as ENECO does
        number, _, rest = parts[0].partition(" ") if " " in parts[0] else _split_digits(parts[0])
        parts = [number, rest]
    return theirs | dict(zip(layout.huisnummer_from, parts, strict=True))


def _split_digits(text: str) -> tuple[str, str, str]:
    digits = len(text) - len(text.lstrip("0123456789"))
    return text[:digits], "", text[digits:]


def _csv(rows: list[dict[str, str]], header: list[str], layout: Layout) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, header, delimiter=layout.separator, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    if layout.encoding != "utf-8":
        text = "".join(c if _encodable(c, layout.encoding) else _plain(c) for c in text)
    return text.encode(layout.encoding)


def _encodable(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


BRP_HEADER: Final = [
    "bsn",
    "voorletters",
    "voornamen",
    "voorvoegsel",
    "geslachtsnaam",
    "geboortedatum",
    "datum_overlijden",
    "straatnaam",
    "postcode",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "woonplaats",
    "gemeentecode",
    "datum_aanvang_adreshouding",
]


def brp_rows(world: World) -> list[dict[str, str]]:
    return [
        {
            "bsn": p.bsn,
            "voorletters": p.voorletters,
            "voornamen": p.voornamen,
            "voorvoegsel": p.voorvoegsel,
            "geslachtsnaam": p.geslachtsnaam,
            "geboortedatum": p.geboortedatum.isoformat(),
            "datum_overlijden": p.datum_overlijden.isoformat() if p.datum_overlijden else "",
            "straatnaam": h.address.straatnaam,
            "postcode": h.address.postcode,
            "huisnummer": str(h.address.huisnummer),
            "huisletter": h.address.huisletter,
            "huisnummertoevoeging": h.address.toevoeging,
            "woonplaats": WOONPLAATS[h.address.gemeentecode],
            "gemeentecode": h.address.gemeentecode,
            "datum_aanvang_adreshouding": h.since.isoformat(),
        }
        for h in world.households
        for p in h.residents
    ]


def sdd_rows(world: World, signalled: set[str]) -> list[dict[str, str]]:
    """About half of the signalled households known to the SDD, and some others."""
    rng, today = world.rng, world.today
    rows = []
    for household in world.households:
        debtor_signalled = any(p.bsn in signalled for p in household.residents)
        if rng.random() >= (0.5 if debtor_signalled else 0.08):
            continue
        person = rng.choice([p for p in household.residents if _age(p, today) >= 18])
        start = today - timedelta(days=rng.randint(30, 2000))
        ended = rng.random() < 0.15
        rows.append(
            {
                "bsn": person.bsn,
                "regeling": rng.choices(
                    ("bijstand", "schuldhulpverlening", "beschermingsbewind"), weights=(6, 3, 1)
                )[0],
                "startdatum": start.isoformat(),
                "einddatum": (today - timedelta(days=rng.randint(1, 25))).isoformat()
                if ended
                else "",
            }
        )
    return rows


def _header(layout: Layout) -> list[str]:
    """The partner's header; a combined house number follows the street, else the postcode."""
    if layout.is_canonical:
        return list(SIGNAL_COLUMNS)
    header = list(layout.columns)
    anchor = "straatnaam" if "straatnaam" in layout.columns.values() else "postcode"
    after = 1 + next(i for i, c in enumerate(header) if layout.columns[c] == anchor)
    return header[:after] + layout.huisnummer_from + header[after:]


def write_inbox(
    out_dir: Path, config: Config, households: int, seed: int, processing_date: date
) -> list[Path]:
    """Write `out_dir/inbox/...` as a data home's inbox; returns the files written."""
    rng = random.Random(seed)
    world = build_world(rng, households, processing_date)
    signals = build_signals(world, config)
    stamp = f"{processing_date:%Y%m%d}"
    inbox = out_dir / "inbox"
    files: dict[Path, bytes] = {
        inbox / "brp" / f"brp-{stamp}.csv": _csv(brp_rows(world), BRP_HEADER, Layout()),
        inbox / "sdd" / f"sdd-{stamp}.csv": _csv(
            sdd_rows(world, {s.person.bsn for s in signals}),
            ["bsn", "regeling", "startdatum", "einddatum"],
            Layout(),
        ),
    }
    for partner in config.signaalpartners:
        own = [s for s in signals if s.partner.code == partner.code]
        header = _header(partner.layout)
        rows = [partner_row(s, rng) for s in own]
        path = inbox / "signalen" / partner.code / f"{partner.code.lower()}-{stamp}.csv"
        files[path] = _csv(rows, header, partner.layout)
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    # Every inbox folder `vsig init` makes: outcomes come back into this one.
    (inbox / "uitkomsten").mkdir(exist_ok=True)
    return list(files)
