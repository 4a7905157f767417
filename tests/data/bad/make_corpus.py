# ruff: noqa: E501 - the cases read best one per line
"""Writes the hostile-input corpus beside this file; run it to regenerate, then review.

Each case is one file in an inbox layout, and one line in expected.csv: the file, the exit
code a run on it alone ends with, and a phrase its reject reason or notice must contain.
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
HEADER = [
    "signaal_id", "klantnummer", "bedrag", "ontstaansdatum", "signaaldatum", "crisissignaal",
    "bsn", "voorletters", "achternaam", "geboortedatum", "postcode", "huisnummer", "huisletter",
    "huisnummertoevoeging",
]  # fmt: skip
GOOD = {
    "klantnummer": "K1", "bedrag": "120,00", "ontstaansdatum": "2026-09-01",
    "signaaldatum": "2026-11-02", "crisissignaal": "nee", "bsn": "", "voorletters": "A.",
    "achternaam": "Jansen", "geboortedatum": "1980-01-01", "postcode": "3311AB",
    "huisnummer": "1", "huisletter": "", "huisnummertoevoeging": "",
}  # fmt: skip


def rows(case: str, changes: list[dict[str, str]]) -> list[dict[str, str]]:
    return [GOOD | {"signaal_id": f"{case}-{n}"} | change for n, change in enumerate(changes)]


def text(records: list[dict[str, str]], header: list[str] = HEADER, sep: str = ";") -> str:
    lines = [sep.join(header)] + [sep.join(r.get(h, "") for h in header) for r in records]
    return "\r\n".join(lines) + "\r\n"


def one(case: str, **change: str) -> str:
    """A good row and a row with one mistake."""
    return text(rows(case, [{}, change]))


SIGNALS = "signalen/WOONKRACHT10"
CASES: list[tuple[str, bytes | str, int, str]] = [
    (f"{SIGNALS}/01-comma-separated.csv", text(rows("c1", [{}]), sep=","), 1, "wrong layout"),
    (
        f"{SIGNALS}/02-missing-column.csv",
        text(rows("c2", [{}]), [h for h in HEADER if h != "bedrag"]),
        1,
        "['bedrag'] missing",
    ),
    (
        f"{SIGNALS}/03-double-column.csv",
        text(rows("c3", [{}]), [*HEADER, "bedrag"]),
        1,
        "more than once",
    ),
    (
        f"{SIGNALS}/04-extra-column.csv",
        text(rows("c4", [{}]), [*HEADER, "opmerking"]),
        0,
        "not part of the layout",
    ),
    (f"{SIGNALS}/05-bom.csv", "\ufeff" + text(rows("c5", [{}])), 0, ""),
    (f"{SIGNALS}/06-utf16.csv", text(rows("c6", [{}])).encode("utf-16"), 1, "UTF-16"),
    (
        f"{SIGNALS}/07-cp1252-as-utf8.csv",
        text(rows("c7", [{"achternaam": "Müller"}])).encode("cp1252"),
        1,
        "not valid utf-8",
    ),
    (f"{SIGNALS}/08-nul-bytes.csv", text(rows("c8", [{}])).encode() + b"\x00\x00", 1, "NUL bytes"),
    (f"{SIGNALS}/09-truncated.csv", text(rows("c9", [{}, {}]))[:-30], 1, "truncated"),
    (
        f"{SIGNALS}/10-quoted-newline.csv",
        text(rows("c10", [{"achternaam": '"Jan\nsen"'}, {"bedrag": "x"}])),
        1,
        "is not an amount",
    ),
    (
        f"{SIGNALS}/11-10000-characters.csv",
        one("c11", achternaam="J" * 10000),
        1,
        "longer than 200",
    ),
    (
        f"{SIGNALS}/12-formula-name.csv",
        text(rows("c12", [{"achternaam": '=HYPERLINK("http://x")'}])),
        0,
        "",
    ),
    (
        f"{SIGNALS}/13-markup-name.csv",
        text(rows("c13", [{"achternaam": '#read("/etc/passwd") <b>'}])),
        0,
        "",
    ),
    (f"{SIGNALS}/14-negative-amount.csv", one("c14", bedrag="-12,00"), 1, "more than 0"),
    (f"{SIGNALS}/15-zero-amount.csv", one("c15", bedrag="0"), 1, "more than 0"),
    (
        f"{SIGNALS}/16-absurd-amount.csv",
        one("c16", bedrag="12.345.678,00"),
        1,
        "more than €1,000,000",
    ),
    (f"{SIGNALS}/17-amount-in-words.csv", one("c17", bedrag="twintig"), 1, "is not an amount"),
    (
        f"{SIGNALS}/18-impossible-date.csv",
        one("c18", ontstaansdatum="2026-02-30"),
        1,
        "is not a date",
    ),
    (
        f"{SIGNALS}/19-future-date.csv",
        one("c19", signaaldatum="2027-01-01"),
        1,
        "after the processing date",
    ),
    (
        f"{SIGNALS}/20-arrears-after-signal.csv",
        one("c20", ontstaansdatum="2026-11-03", signaaldatum="2026-11-02"),
        1,
        "after the signaaldatum",
    ),
    (f"{SIGNALS}/21-invalid-bsn.csv", one("c21", bsn="123456789"), 1, "not a valid BSN"),
    (
        f"{SIGNALS}/22-postcode-format.csv",
        one("c22", postcode="33111AB"),
        1,
        "not a Dutch postcode",
    ),
    (
        f"{SIGNALS}/23-postcode-nonexistent.csv",
        one("c23", postcode="3311SS"),
        1,
        "not a Dutch postcode",
    ),
    (f"{SIGNALS}/24-empty.csv", b"", 1, "the file is empty"),
    (f"{SIGNALS}/25-header-only.csv", text([]), 0, ""),
    (
        f"{SIGNALS}/26-duplicate-signal-id.csv",
        text(rows("c26", [{}]) * 2),
        1,
        "appears earlier in this file",
    ),
    (
        f"{SIGNALS}/27-unclosed-quote.csv",
        text(rows("c27", [{"achternaam": '"Jansen'}, {}])),
        1,
        "cannot be read as CSV",
    ),
    (
        f"{SIGNALS}/28-too-many-fields.csv",
        text(rows("c28", [{}])) + "x;" * 20 + "\r\n",
        1,
        "fields where the header has",
    ),
    (
        f"{SIGNALS}/29-blank-lines.csv",
        text(rows("c29", [{}])) + "\r\n\r\n" + text(rows("c29b", [{}])).split("\r\n", 1)[1],
        0,
        "",
    ),
    (f"{SIGNALS}/30-house-number-zero.csv", one("c30", huisnummer="0"), 1, "not a house number"),
    (
        f"{SIGNALS}/31-two-letter-huisletter.csv",
        one("c31", huisletter="AB"),
        1,
        "not a single letter",
    ),
    (
        f"{SIGNALS}/32-long-addition.csv",
        one("c32", huisnummertoevoeging="ABCDEF"),
        1,
        "up to 4 letters",
    ),
    (f"{SIGNALS}/33-crisis-maybe.csv", one("c33", crisissignaal="misschien"), 1, "not ja/nee"),
    (f"{SIGNALS}/34-no-surname.csv", one("c34", achternaam=""), 1, "required but empty"),
    (
        f"{SIGNALS}/35-only-spaces-row.csv",
        text(rows("c35", [{}])) + "   ;  ;" + "\r\n",
        0,
        "",
    ),
    (
        "signalen/ONBEKEND/36-unknown-partner.csv",
        text(rows("c36", [{}])),
        1,
        "unknown partner folder",
    ),
    (
        "signalen/TRIVIRE/37-bad-huisnr.csv",
        "Contractnummer;Meldingnummer;Achternaam;Tussenvoegsel;Voorletters;Geboortedatum;Straat;Huisnr;Postcode;Woonplaats;Achterstand;Achterstand sinds;Meldingsdatum;Telefoon;E-mail;Spoed\r\nK1;c37-1;Jansen;;A.;01-01-1980;Voorstraat;twaalf;3311AB;Dordrecht;1.234,56;01-09-2026;02-11-2026;;;N\r\n".encode(
            "cp1252"
        ),
        1,
        "not a house number",
    ),
    (
        "signalen/ENECO/38-iso-date.csv",
        "signal_id,account_id,amount_due,arrears_start,signal_date,last_name,initials,prefix,birth_date,zip,house_no,house_no_suffix,city,phone,email\r\nc38-1,A1,120.00,2026-09-01,20261102,Jansen,A.,,19800101,3311AB,1,,Dordrecht,,\r\n",
        1,
        "is not a date (yyyymmdd)",
    ),
    (
        "signalen/ENECO/39-comma-decimal.csv",
        'signal_id,account_id,amount_due,arrears_start,signal_date,last_name,initials,prefix,birth_date,zip,house_no,house_no_suffix,city,phone,email\r\nc39-1,A1,"120,00",20260901,20261102,Jansen,A.,,19800101,3311AB,1,,Dordrecht,,\r\n',
        1,
        "is not an amount",
    ),
    (
        "uitkomsten/40-unknown-event.csv",
        "zaak_id;datum;gebeurtenis;waarde\r\nZ1;2026-11-01;telefoontje;\r\n",
        1,
        "is not one of contactpoging",
    ),
    (
        "uitkomsten/41-contact-outside-lists.csv",
        "zaak_id;datum;gebeurtenis;waarde\r\nZ1;2026-11-01;contactpoging;Fax|ja|Nacht\r\n",
        1,
        "does not fit the gebeurtenis",
    ),
    (
        "uitkomsten/42-unknown-case.csv",
        "zaak_id;datum;gebeurtenis;waarde\r\nZ-NIET;2026-11-01;aanmelding;\r\n",
        1,
        "not the zaak_id of an open case",
    ),
    (f"{SIGNALS}/43-random-bytes.csv", random.Random(43).randbytes(600), 1, ""),
    (f"{SIGNALS}/44-one-line-of-text.csv", "Geen achterstanden deze week.\r\n", 1, "wrong layout"),
    (
        f"{SIGNALS}/45-headerless-bsn-twice.csv",
        "W-1;K1;120,00;2026-09-01;2026-11-02;nee;111222333;A.;Jansen;1980-01-01;3311AB;1;;111222333\r\n",
        1,
        "wrong layout",
    ),
    ("brp/brp-20261102.csv", b"", 3, "the file is empty"),
    ("brp/brp-20261102.csv", "bsn;naam\r\n123;x\r\n", 3, "wrong layout"),
    (
        "sdd/sdd-20261102.csv",
        "bsn;regeling;startdatum;einddatum\r\n111222334;bijstand;2026-01-01;\r\n",
        3,
        "no row could be accepted",
    ),
    (
        "sdd/sdd-20261102.csv",
        "bsn;regeling;startdatum;einddatum\r\n111222333;bijstand;2026-01-01;\r\n"
        "111222334;bijstand;2026-01-01;\r\n",
        1,
        "not a valid BSN",
    ),
]


def main() -> None:
    with (HERE / "expected.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["case", "file", "exit", "phrase"])
        for number, (relative, content, code, phrase) in enumerate(CASES, start=1):
            case = f"case{number:02d}"
            path = HERE / case / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
            writer.writerow([case, relative, code, phrase])


if __name__ == "__main__":
    main()
