"""Ingest: every layout reads into canonical frames; every bad row and file gets its reason."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from vsig.config import Config
from vsig.contracts import SIGNAL_COLUMNS
from vsig.io import ingest, sources
from vsig.schemas import REJECTS

from .conftest import PROCESSING_DATE, WriteFile
from .test_normalize import HOUSE_NUMBER_EXAMPLES

CANONICAL_HEADER = ";".join(SIGNAL_COLUMNS)
GOOD = {
    "signaal_id": "S1",
    "klantnummer": "K1",
    "bedrag": "612,50",
    "ontstaansdatum": "2026-09-01",
    "signaaldatum": "2026-11-20",
    "crisissignaal": "ja",
    "warme_overdracht": "",
    "bsn": "111222333",
    "voorletters": "J.",
    "voorvoegsel": "van",
    "achternaam": "Dijk",
    "geboortedatum": "1980-02-29",
    "straatnaam": "Voorstraat",
    "postcode": "3311 ab",
    "huisnummer": "12",
    "huisletter": "a",
    "huisnummertoevoeging": "bis",
    "plaatsnaam": "Dordrecht",
    "telefoonnummer": "0612345678",
    "email": "j@example.nl",
}


def canonical(*rows: dict[str, str]) -> str:
    lines = [CANONICAL_HEADER] + [";".join(row.get(c, "") for c in SIGNAL_COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def signal(**changes: str) -> dict[str, str]:
    return GOOD | changes


def ingest_at(path: Path, config: Config) -> ingest.Ingested:
    source = sources.source_for(path, config)
    return ingest.ingest_file(source, PROCESSING_DATE)


def test_canonical_signal_is_normalised(write_file: WriteFile, config: Config) -> None:
    result = ingest_at(write_file("signalen/VGZ/a.csv", canonical(GOOD)), config)
    assert (result.read, result.rejected) == (1, 0)
    row = result.accepted.row(0, named=True)
    assert row | {"regelnummer": 2} == row
    assert {
        k: row[k]
        for k in (
            "signaalpartner",
            "soort",
            "bedrag",
            "postcode",
            "huisnummer",
            "huisletter",
            "huisnummertoevoeging",
            "crisissignaal",
            "warme_overdracht",
            "bsn",
            "geboortedatum",
        )
    } == {
        "signaalpartner": "VGZ",
        "soort": "Zorg",
        "bedrag": 61250,
        "postcode": "3311AB",
        "huisnummer": 12,
        "huisletter": "A",
        "huisnummertoevoeging": "BIS",
        "crisissignaal": True,
        "warme_overdracht": False,
        "bsn": "111222333",
        "geboortedatum": date(1980, 2, 29),
    }


TRIVIRE_HEADER = (
    "Contractnummer;Meldingnummer;Achternaam;Tussenvoegsel;Voorletters;Geboortedatum;Straat;"
    "Huisnr;Postcode;Woonplaats;Achterstand;Achterstand sinds;Meldingsdatum;Telefoon;E-mail;Spoed"
)


@pytest.mark.parametrize(("huisnr", "parts"), HOUSE_NUMBER_EXAMPLES)
def test_trivire_legacy_layout(
    write_file: WriteFile, config: Config, huisnr: str, parts: tuple[object, ...]
) -> None:
    row = (
        f"C-77;M-1;Çelik;;A.;01-02-1970;Kerkbuurt;{huisnr};3361 ab;Sliedrecht;1.234,56;"
        "01-08-2026;20-11-2026;078-1234567;;J"
    )
    path = write_file("signalen/TRIVIRE/t.csv", f"{TRIVIRE_HEADER}\r\n{row}\r\n".encode("cp1252"))
    result = ingest_at(path, config)
    assert result.rejected == 0, result.rejects.to_dicts()
    got = result.accepted.row(0, named=True)
    assert (got["huisnummer"], got["huisletter"], got["huisnummertoevoeging"]) == parts
    assert (got["achternaam"], got["bedrag"], got["crisissignaal"]) == ("Çelik", 123456, True)
    assert (got["signaal_id"], got["klantnummer"]) == ("M-1", "C-77")
    assert got["signaaldatum"] == date(2026, 11, 20)


def test_trivire_reject_names_the_partners_own_column(
    write_file: WriteFile, config: Config
) -> None:
    row = (
        "C-77;M-1;Jansen;;A.;01-02-1970;Kerkbuurt;12 abcdef;3361AB;Sliedrecht;12,00;"
        "01-08-2026;20-11-2026;;;N"
    )
    result = ingest_at(write_file("signalen/TRIVIRE/t.csv", f"{TRIVIRE_HEADER}\n{row}\n"), config)
    assert result.rejects.select("regelnummer", "kolom").row(0) == (2, "Huisnr")


def test_eneco_legacy_layout(write_file: WriteFile, config: Config) -> None:
    header = (
        "signal_id,account_id,amount_due,arrears_start,signal_date,last_name,initials,"
        "prefix,birth_date,zip,house_no,house_no_suffix,city,phone,email"
    )
    row = "E1,A9,1234.56,20260801,20261120,Vries,P.,de,19700201,3331AB,7,B-3,Zwijndrecht,,"
    result = ingest_at(write_file("signalen/ENECO/e.csv", f"{header}\n{row}\n"), config)
    assert result.rejected == 0, result.rejects.to_dicts()
    got = result.accepted.row(0, named=True)
    assert (got["bedrag"], got["huisnummer"], got["huisletter"], got["huisnummertoevoeging"]) == (
        123456,
        7,
        "B",
        "3",
    )
    assert (got["voorvoegsel"], got["ontstaansdatum"]) == ("de", date(2026, 8, 1))


BRP_HEADER = (
    "bsn;voorletters;voornamen;voorvoegsel;geslachtsnaam;geboortedatum;datum_overlijden;"
    "straatnaam;postcode;huisnummer;huisletter;huisnummertoevoeging;woonplaats;"
    "gemeentecode;datum_aanvang_adreshouding"
)


def test_brp_extract(write_file: WriteFile, config: Config) -> None:
    rows = [
        "111222333;J.;Jan;van;Dijk;1980-01-01;;Voorstraat;3311AB;12;A;;Dordrecht;0505;2010-01-01",
        "111222333;K.;Kees;;Dubbel;1980-01-01;;Voorstraat;3311AB;12;A;;Dordrecht;0505;2010-01-01",
        "123456782;M.;Mo;;Code;1980-01-01;;Voorstraat;3311AB;12;A;;Dordrecht;505;2010-01-01",
    ]
    result = ingest_at(write_file("brp/brp.csv", "\n".join([BRP_HEADER, *rows])), config)
    assert result.accepted["bsn"].to_list() == ["111222333"]
    assert result.rejects.select("regelnummer", "kolom", "reden").rows() == [
        (3, "bsn", "appears earlier in this file"),
        (4, "gemeentecode", "is not a 4-digit CBS municipality code"),
    ]


def test_sdd_extract(write_file: WriteFile, config: Config) -> None:
    text = (
        "bsn;regeling;startdatum;einddatum\n111222333;bijstand;2024-01-01;\n"
        "123456782;wsnp;2024-01-01;\n123456782;bijstand;2024-01-01;2023-12-31\n"
    )
    result = ingest_at(write_file("sdd/sdd.csv", text), config)
    assert result.accepted.row(0, named=True)["einddatum"] is None
    assert result.rejects.select("regelnummer", "kolom", "reden").rows() == [
        (3, "regeling", "is not one of bijstand, schuldhulpverlening, beschermingsbewind"),
        (4, "einddatum", "is before the startdatum"),
    ]


@pytest.mark.parametrize(
    ("gebeurtenis", "waarde", "ok"),
    [
        ("contactpoging", "Telefoon|ja|Ochtend", True),
        ("contactpoging", "Brief|nee|", True),
        ("contactpoging", "Duif|ja|Ochtend", False),
        ("contactpoging", "Telefoon|ja", False),
        ("aanmelding", "", True),
        ("eerste_gesprek", "iets", False),
        ("beschikking", "toegelaten", True),
        ("beschikking", "misschien", False),
        ("resultaat", "Verwijzing zonder contact", True),
        ("resultaat", "Klaar", False),
    ],
)
def test_case_events(
    write_file: WriteFile, config: Config, gebeurtenis: str, waarde: str, ok: bool
) -> None:
    text = f"zaak_id;datum;gebeurtenis;waarde\nZ-1;2026-11-20;{gebeurtenis};{waarde}\n"
    result = ingest_at(write_file("uitkomsten/u.csv", text), config)
    assert result.accepted.height == int(ok)
    if not ok:
        assert result.rejects["kolom"].to_list() == ["waarde"]


ROW_REASONS = [
    ({"signaal_id": ""}, "signaal_id", "is required but empty"),
    ({"klantnummer": "  "}, "klantnummer", "is required but empty"),
    ({"bedrag": "twintig"}, "bedrag", "is not an amount (such as 1234.56, 1234,56 or 1.234,56)"),
    ({"bedrag": "0,00"}, "bedrag", "must be more than 0"),
    ({"bedrag": "-12,50"}, "bedrag", "must be more than 0"),
    ({"bedrag": "2000000"}, "bedrag", "is more than €1,000,000"),
    ({"ontstaansdatum": "2026-11-21"}, "ontstaansdatum", "is after the signaaldatum"),
    ({"ontstaansdatum": "2026-02-30"}, "ontstaansdatum", "is not a date (yyyy-mm-dd)"),
    ({"signaaldatum": "2026-11-27"}, "signaaldatum", "is after the processing date"),
    ({"crisissignaal": "soms"}, "crisissignaal", "is not ja/nee, true/false or 1/0"),
    ({"warme_overdracht": "x"}, "warme_overdracht", "is not ja/nee, true/false or 1/0"),
    ({"bsn": "123456789"}, "bsn", "is not a valid BSN (9 digits, 11-check)"),
    ({"achternaam": ""}, "achternaam", "is required but empty"),
    ({"achternaam": "x" * 201}, "achternaam", "is longer than 200 characters"),
    ({"geboortedatum": "2030-01-01"}, "geboortedatum", "is after the processing date"),
    ({"postcode": "3311SS"}, "postcode", "is not a Dutch postcode (1234AB)"),
    ({"postcode": ""}, "postcode", "is required but empty"),
    ({"huisnummer": "0"}, "huisnummer", "is not a house number from 1 to 99999"),
    ({"huisnummer": "100000"}, "huisnummer", "is not a house number from 1 to 99999"),
    ({"huisletter": "AB"}, "huisletter", "is not a single letter"),
    (
        {"huisnummertoevoeging": "ABCDE"},
        "huisnummertoevoeging",
        "is not an addition of up to 4 letters or digits",
    ),
]


@pytest.mark.parametrize(("change", "column", "reason"), ROW_REASONS)
def test_every_row_rejection_reason(
    write_file: WriteFile, config: Config, change: dict[str, str], column: str, reason: str
) -> None:
    text = canonical(signal(signaal_id="S0"), signal(**{"signaal_id": "S1"} | change))
    result = ingest_at(write_file("signalen/VGZ/a.csv", text), config)
    assert (result.read, result.accepted.height, result.rejected) == (2, 1, 1)
    assert result.rejects.select("bestand", "regelnummer", "kolom", "reden").rows() == [
        ("a.csv", 3, column, reason)
    ]


def test_duplicate_signal_id_rejects_the_later_row(write_file: WriteFile, config: Config) -> None:
    result = ingest_at(write_file("signalen/VGZ/a.csv", canonical(GOOD, GOOD)), config)
    assert result.rejects.select("regelnummer", "kolom", "reden").rows() == [
        (3, "signaal_id", "appears earlier in this file")
    ]


def test_line_numbers_count_quoted_newlines_and_blank_lines(
    write_file: WriteFile, config: Config
) -> None:
    first = ";".join(f'"{GOOD[c]}\nmore"' if c == "straatnaam" else GOOD[c] for c in SIGNAL_COLUMNS)
    text = (
        canonical() + first + "\n\n" + canonical(signal(signaal_id="S2", bsn="1")).split("\n", 1)[1]
    )
    result = ingest_at(write_file("signalen/VGZ/a.csv", text), config)
    assert result.accepted["regelnummer"].to_list() == [2]
    assert result.rejects.select("regelnummer", "kolom").rows() == [(5, "bsn")]
    assert result.read == 2


def test_row_with_too_many_fields_is_rejected_alone(write_file: WriteFile, config: Config) -> None:
    extra = canonical(signal(signaal_id="S2")).split("\n")[1] + ";surplus"
    text = canonical(GOOD) + extra + "\n" + canonical(signal(signaal_id="S3")).split("\n")[1] + "\n"
    result = ingest_at(write_file("signalen/VGZ/a.csv", text), config)
    assert result.accepted["signaal_id"].to_list() == ["S1", "S3"]
    assert result.rejects.select("regelnummer", "reden").rows() == [
        (3, f"has {len(SIGNAL_COLUMNS) + 1} fields where the header has {len(SIGNAL_COLUMNS)}")
    ]


def test_utf8_bom_and_unknown_columns(write_file: WriteFile, config: Config) -> None:
    text = "\ufeff" + canonical(GOOD).replace("\n", ";opmerking\n", 1).replace(
        "j@example.nl\n", "j@example.nl;hallo\n"
    )
    result = ingest_at(write_file("signalen/VGZ/a.csv", text), config)
    assert (result.accepted.height, result.rejected) == (1, 0)
    assert result.notices == (
        "column(s) ['opmerking'] are not part of the layout and were ignored",
    )


def test_complete_last_line_without_newline_is_fine(write_file: WriteFile, config: Config) -> None:
    text = canonical(GOOD).rstrip("\n")
    assert ingest_at(write_file("signalen/VGZ/a.csv", text), config).accepted.height == 1


def test_header_only_file_reads_no_rows(write_file: WriteFile, config: Config) -> None:
    result = ingest_at(write_file("signalen/VGZ/a.csv", canonical()), config)
    assert (result.read, result.rejected, result.file_reason) == (0, 0, None)


FILE_REASONS = [
    ("signalen/VGZ/a.csv", b"", "the file is empty"),
    ("signalen/VGZ/a.csv", b"  \n\n", "the file is empty"),
    (
        "signalen/VGZ/a.csv",
        canonical(GOOD).encode("utf-16"),
        "the file is UTF-16; deliver it as UTF-8",
    ),
    (
        "signalen/VGZ/a.csv",
        canonical(GOOD).encode() + b"\x00\x00",
        "the file holds NUL bytes: it is binary, or UTF-16 without a BOM",
    ),
    (
        "signalen/VGZ/a.csv",
        canonical(signal(achternaam="Müller")).encode("cp1252"),
        "line 2 is not valid utf-8",
    ),
    ("signalen/VGZ/a.csv", canonical(GOOD).replace(";", ",").encode(), "wrong layout: column(s)"),
    (
        "signalen/VGZ/a.csv",
        canonical(GOOD).replace("voorletters", "signaal_id", 1).encode(),
        "the header names column(s) ['signaal_id'] more than once",
    ),
    (
        "signalen/VGZ/a.csv",
        (canonical() + 'S1;"K1;open quote\n').encode(),
        "line 2 cannot be read as CSV",
    ),
    ("signalen/NUON/a.csv", canonical(GOOD).encode(), "unknown partner folder 'NUON'"),
    (
        "signalen/VGZ/a.csv",
        canonical(GOOD, signal(signaal_id="S2")).rstrip("\n").rsplit(";", 5)[0].encode(),
        "the file ends in the middle of line 3 (15 of 20 fields)",
    ),
    ("signalen/ENECO/a.csv", canonical(GOOD).encode(), "wrong layout: column(s) ['signal_id'"),
]


@pytest.mark.parametrize("keep", [False, True], ids=["mapped", "read"])
@pytest.mark.parametrize(("where", "content", "reason"), FILE_REASONS)
def test_every_file_rejection_reason(
    write_file: WriteFile, config: Config, where: str, content: bytes, reason: str, keep: bool
) -> None:
    source = sources.source_for(write_file(where, content), config)
    result = ingest.ingest_file(source, PROCESSING_DATE, keep=keep)
    assert result.file_reason is not None
    assert result.file_reason.startswith(reason)
    assert result.accepted.height == 0
    assert result.rejected == result.read
    assert result.rejects["reden"].to_list() == [result.file_reason]


@pytest.mark.parametrize(
    "text",
    [
        canonical(GOOD, signal(signaal_id="S2", bsn="1")),
        "\ufeff" + canonical(GOOD).rstrip("\n"),
        canonical(GOOD).replace("Voorstraat", '"Voor\nstraat"'),
    ],
    ids=["plain", "bom-no-last-newline", "field-over-lines"],
)
def test_a_mapped_file_reads_as_the_same_file_read(
    text: str, write_file: WriteFile, config: Config
) -> None:
    source = sources.source_for(write_file("signalen/VGZ/a.csv", text), config)
    mapped = ingest.ingest_file(source, PROCESSING_DATE)
    read = ingest.ingest_file(source, PROCESSING_DATE, keep=True)
    assert mapped.accepted.equals(read.accepted)
    assert mapped.rejects.equals(read.rejects)
    assert (mapped.sha256, mapped.read, mapped.content) == (read.sha256, read.read, b"")
    assert read.content == text.encode()


def test_a_register_replaced_while_it_is_read_is_rejected_whole(
    write_file: WriteFile, config: Config
) -> None:
    """A mapped file is read again by polars from its path: were the path to name another
    file by then, the rows would not be those of the file that was hashed and checked."""
    path = write_file("signalen/VGZ/a.csv", canonical(GOOD))

    def replace_then_pick(text: pl.DataFrame) -> pl.Series:
        write_file("signalen/VGZ/a.tmp", canonical(signal(signaal_id="S9"))).replace(path)
        return text["signaal_id"].is_not_null()

    needed = ingest.Needed(("signaal_id",), replace_then_pick)
    result = ingest.ingest_file(sources.source_for(path, config), PROCESSING_DATE, needed=needed)
    assert result.file_reason is not None
    assert result.file_reason.startswith("the file changed while it was read")
    assert result.accepted.height == 0


def test_discover_orders_files_and_flags_unknown_partners(
    write_file: WriteFile, config: Config
) -> None:
    paths = [
        write_file(p, "x")
        for p in (
            "uitkomsten/u.csv",
            "sdd/s.csv",
            "brp/b.csv",
            "signalen/VGZ/b.csv",
            "signalen/VGZ/a.csv",
            "signalen/NUON/n.csv",
        )
    ]
    found = sources.discover(paths[0].parents[1], config)
    assert [s.path.relative_to(paths[0].parents[1]).as_posix() for s in found] == [
        "signalen/NUON/n.csv",
        "signalen/VGZ/a.csv",
        "signalen/VGZ/b.csv",
        "brp/b.csv",
        "sdd/s.csv",
        "uitkomsten/u.csv",
    ]
    assert found[0].unknown_partner == "NUON"


def test_source_needs_to_know_what_a_file_is(tmp_path: Path, config: Config) -> None:
    with pytest.raises(ValueError, match="cannot tell what"):
        sources.source_for(tmp_path / "x.csv", config)
    with pytest.raises(ValueError, match="unknown partner 'NUON'"):
        sources.source_for(tmp_path / "x.csv", config, partner="NUON")
    assert sources.source_for(tmp_path / "x.csv", config, kind="brp").kind == "brp"


def test_rejects_frame_has_the_contract_columns(write_file: WriteFile, config: Config) -> None:
    result = ingest_at(write_file("signalen/VGZ/a.csv", canonical(signal(bsn="1"))), config)
    assert result.rejects.schema == pl.Schema(REJECTS)


def test_rows_not_needed_are_counted_unused_not_validated(
    write_file: WriteFile, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [signal(signaal_id=f"S{n}", bsn="" if n % 2 else "1") for n in range(1, 7)]
    path = write_file("signalen/VGZ/a.csv", canonical(*rows))
    source = sources.source_for(path, config)
    monkeypatch.setattr(ingest, "ALWAYS_VALIDATED", 2)
    wanted = ["S3", "S4"]
    result = ingest.ingest_file(
        source,
        PROCESSING_DATE,
        needed=ingest.Needed(("signaal_id",), lambda text: text["signaal_id"].is_in(wanted)),
    )
    # The first two rows are always looked at; S2 and S4 have a broken BSN.
    assert result.accepted["signaal_id"].to_list() == ["S1", "S3"]
    assert result.rejects["regelnummer"].to_list() == [3, 5]
    assert (result.read, result.rejected, result.unused) == (6, 2, 2)
    assert result.summary("a.csv")["unused"] == 2


@pytest.mark.parametrize("street", ["Voorstraat", "Voorstraat\nachterom"])
def test_needed_rows_keep_their_line_numbers(
    street: str, write_file: WriteFile, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [signal(signaal_id=f"S{n}", straatnaam=street) for n in range(1, 5)]
    text = canonical(*rows).replace(street, f'"{street}"')
    path = write_file("signalen/VGZ/a.csv", text)
    monkeypatch.setattr(ingest, "ALWAYS_VALIDATED", 0)
    needed = ingest.Needed(("signaal_id",), lambda text: text["signaal_id"].is_in(["S3"]))
    result = ingest.ingest_file(sources.source_for(path, config), PROCESSING_DATE, needed=needed)
    lines_per_row = street.count("\n") + 1
    assert result.accepted["regelnummer"].to_list() == [2 + 2 * lines_per_row]
    assert result.accepted["straatnaam"].to_list() == [street.replace("\n", " ")]
    assert (result.read, result.unused) == (4, 3)
