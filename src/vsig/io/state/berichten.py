"""The outbox of e-mails and SMS, and the residents who want none: what a night reads and
decides of them, and what the sending records, a message at a time."""

from datetime import date
from typing import Any, Final

import polars as pl

from vsig.contracts import STATE_COLUMNS
from vsig.io.state.connection import Connection, ids
from vsig.rules import berichten

_RECORDED: Final = ("status", "reden", "pogingen", "volgende", "referentie", "verzonden")
"""What sending a message may change of its row."""


class OutboxQueries(Connection):
    """The outbox (`berichten`) and the list of residents who want no messages."""

    def outbox(self) -> pl.DataFrame:
        """Every message kept, as booked and as it stands."""
        columns = ", ".join(STATE_COLUMNS["berichten"])
        return self._query(f"SELECT {columns} FROM berichten ORDER BY bericht_id")

    def messages_of(self, zaak_ids: list[str]) -> pl.DataFrame:
        """The messages of these cases, as booked and as they stand."""
        return self._query(
            "SELECT * FROM berichten WHERE zaak_id IN (SELECT zaak_id FROM deze) "
            "ORDER BY zaak_id, gepland, bericht_id",
            frames={"deze": ids("zaak_id", zaak_ids)},
        )

    def held_back(self, bericht_id: str) -> str | None:
        """Why a message the night sent on its way must not go now after all, or None:
        since the night, its case closed (or went), its address went on the list of those
        who want no messages, or its address or one of its debtors on the exclusion list
        (any one: the night, which weighs them all, decides again tomorrow)."""
        found = self._query(
            "SELECT CASE WHEN z.zaak_id IS NULL OR z.gesloten IS NOT NULL THEN $closed "
            "WHEN EXISTS (SELECT 1 FROM geen_berichten g WHERE g.kanaal = b.kanaal "
            "AND lower(g.adres) = lower(b.adres)) THEN $unwanted "
            "WHEN EXISTS (SELECT 1 FROM uitsluitingen u WHERE (u.soort = 'adres' "
            "AND u.sleutel = z.adres_sleutel) OR (u.soort = 'persoon' AND u.sleutel IN "
            "(SELECT persoon_bsn FROM signalen s WHERE s.zaak_id = b.zaak_id))) "
            "THEN $excluded END FROM berichten b LEFT JOIN zaken z USING (zaak_id) "
            "WHERE b.bericht_id = $id",
            {
                "id": bericht_id,
                "closed": berichten.CLOSED,
                "unwanted": berichten.UNWANTED,
                "excluded": berichten.EXCLUDED,
            },
        )
        why: str | None = found.item() if found.height else berichten.CLOSED
        return why

    def _decide_messages(self, decided: pl.DataFrame) -> None:
        """Tonight's word on the messages due: out tonight, or lapsed and why; and where."""
        if not decided.height:
            return
        with self._registered({"besloten": decided}):
            self._db.execute(
                "UPDATE berichten SET status = b.status, reden = b.reden, adres = b.adres "
                "FROM besloten b "
                "WHERE berichten.bericht_id = b.bericht_id"
            )

    def record_message(self, bericht_id: str, **changes: Any) -> None:
        """What became of one message (`_RECORDED` columns), at once and on its own: a
        run killed after it never forgets it."""
        unknown = set(changes) - set(_RECORDED)
        if unknown:
            raise ValueError(f"not a column sending records: {sorted(unknown)}")
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._transaction():
            self._db.execute(
                f"UPDATE berichten SET {assignments} WHERE bericht_id = ?",
                [*changes.values(), bericht_id],
            )

    def blank_addresses(self, outlived: pl.DataFrame) -> None:
        """Take from the messages of the cases of these signals (retention's persons
        outlived in a case kept for others, already deleted) the addresses and numbers
        only they gave: the message stays, as the attempt it was, without where it went."""
        if not outlived.height:
            return
        frames = {"weg": outlived.select("zaak_id", "email", "telefoonnummer")}
        staying = self._query(
            "SELECT zaak_id, email, telefoonnummer FROM signalen "
            "WHERE zaak_id IN (SELECT zaak_id FROM weg)",
            frames=frames,
        )
        gone = berichten.contact(outlived) - berichten.contact(staying)
        going = pl.DataFrame(
            sorted(gone), schema={"kanaal": pl.String, "sleutel": pl.String}, orient="row"
        )
        with (
            self._transaction(),
            self._registered({"weg": outlived.select("zaak_id"), "adressen": going}),
        ):
            self._db.execute(
                "UPDATE berichten SET adres = '' WHERE zaak_id IN (SELECT zaak_id FROM weg) "
                "AND (kanaal, lower(adres)) IN (SELECT kanaal, sleutel FROM adressen)"
            )

    def unwanted(self) -> pl.DataFrame:
        """The addresses and numbers that get no messages: kanaal, adres, reden, datum."""
        return self._query("SELECT * FROM geen_berichten ORDER BY kanaal, adres")

    def refuse_messages(self, kanaal: str, adres: str, reden: str, datum: date) -> date | None:
        """Put an address on the list; returns the day it was put there before, if so."""
        before = self._query(
            "SELECT datum FROM geen_berichten WHERE kanaal = ? AND adres = ?", [kanaal, adres]
        )
        if before.height:
            value: date | None = before["datum"].item()
            return value
        with self._transaction():
            self._db.execute(
                "INSERT INTO geen_berichten VALUES (?, ?, ?, ?)", [kanaal, adres, reden, datum]
            )
        return None

    def allow_messages(self, kanaal: str, adressen: list[str]) -> list[str]:
        """Take these addresses off the list; returns those that were on it."""
        found = self._query(
            "SELECT adres FROM geen_berichten WHERE kanaal = ? AND list_contains(?, adres)",
            [kanaal, adressen],
        )["adres"].to_list()
        if found:
            with self._transaction():
                self._db.execute(
                    "DELETE FROM geen_berichten WHERE kanaal = ? AND list_contains(?, adres)",
                    [kanaal, found],
                )
        return sorted(found)
