"""`vsig uitsluiten`: the exclusion list, kept in the data home.

A resident who objected (by BSN), or an address not to be written to or visited (unsafe),
is on the list with why and since when; a signal about them is `Niet opgepakt: andere
reden` (`match.match`). The list is personal data: it lives in the state, where `vsig
forget` erases it, never in the config (a file under version control, copied into every
archive). A run's archive keeps only the keyed hashes of the entries that could decide one
of its signals (`hashed`), from which its replay finds them again (`found`).
"""

from datetime import date
from typing import TYPE_CHECKING, Final

import polars as pl

from vsig.config import Config
from vsig.io.files import private_files
from vsig.io.home import Home
from vsig.io.state import upkeep
from vsig.io.state.lock import WRITER_WAIT, locked
from vsig.io.state.store import Store
from vsig.io.state.upkeep import clear_leftovers
from vsig.privacy.secret import keyed
from vsig.rules import normalize

if TYPE_CHECKING:  # erasure reaches the archive, and the archive keeps these hashes
    from vsig.privacy.erasure import Subject

KEYED_AS: Final = "uitsluiting"
"""The keyed hashes of the archive's entries are their own: not the purge log's."""


def toevoegen(config: Config, home: Home, subject: "Subject", reden: str, day: date) -> date | None:
    """Put a person or address on the list from `day`; when it is on already, the date it
    was put there (and the list is left as it is)."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        with Store.open(home.state) as db:
            return db.exclude(subject.kind, subject.value, reden, day)


def verwijderen(config: Config, home: Home, subject: "Subject") -> bool:
    """Take a person or address off the list; whether it was on it. The state file is
    compacted after, so that the entry's bytes are gone from the disk too."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        upkeep.erasing(home.state)
        with Store.open(home.state) as db:
            removed = db.delete_exclusions(subject.kind, [subject.value])
        upkeep.erased(home.state, bool(removed))
        return bool(removed)


def lijst(home: Home) -> pl.DataFrame:
    """The list as it stands: `soort`, `sleutel`, `reden`, `datum`, read from a snapshot."""
    with Store.snapshot(home.state) as db:
        return db.exclusions()


def candidates(signals: pl.DataFrame, brp: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Every BSN and address key a night can match these signals to with these register
    rows (each signal's own, and each row's): where to look for the entries on the list
    that could decide one of them."""
    bsns = pl.concat([signals["bsn"], brp["bsn"]])
    addresses = pl.concat(
        [frame.select(normalize.adres_sleutel()).to_series() for frame in (signals, brp)]
    )
    return bsns, addresses


def hashed(
    exclusions: pl.DataFrame, bsns: pl.Series, addresses: pl.Series, secret: bytes
) -> pl.DataFrame:
    """The entries on the list (`soort`, `sleutel`) among these BSNs and address keys, each
    key as its keyed hash: for the archive, which never holds one in plain text."""
    among = exclusions.join(_entries(bsns, addresses), on=["soort", "sleutel"])
    return _keyed(among, secret).select("soort", sleutel="hash").sort("soort", "sleutel")


def pseudonyms(bsns: pl.Series, addresses: pl.Series, secret: bytes) -> pl.DataFrame:
    """These BSNs and address keys as entries (`soort`, `sleutel`) with the keyed `hash`
    an archive would keep of each."""
    return _keyed(_entries(bsns, addresses), secret)


def _entries(bsns: pl.Series, addresses: pl.Series) -> pl.DataFrame:
    return pl.concat(
        pl.DataFrame(
            {"soort": soort, "sleutel": keys.drop_nulls().unique().sort()},
            schema={"soort": pl.String, "sleutel": pl.String},
        )
        for soort, keys in (("persoon", bsns), ("adres", addresses))
    )


def _keyed(entries: pl.DataFrame, secret: bytes) -> pl.DataFrame:
    pairs = entries.select("soort", "sleutel").iter_rows()
    digests = [keyed(secret, f"{KEYED_AS}/{soort}", key) for soort, key in pairs]
    return entries.with_columns(hash=pl.Series(digests, dtype=pl.String))


def found(
    archived: pl.DataFrame, bsns: pl.Series, addresses: pl.Series, secret: bytes
) -> pl.DataFrame:
    """Of these BSNs and address keys, those whose keyed hash the archive keeps (`hashed`):
    the entries a replayed night needs, in plain text again (`soort`, `sleutel`)."""
    return (
        pseudonyms(bsns, addresses, secret)
        .join(archived.select("soort", hash="sleutel"), on=["soort", "hash"], how="semi")
        .select("soort", "sleutel")
        .sort("soort", "sleutel")
    )
