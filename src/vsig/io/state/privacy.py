"""What retention, erasure and inzage read and remove: the rows about a person or a
household, and the cases and runs past retention."""

from datetime import date
from typing import Final

import polars as pl

from vsig.io.state.connection import Connection, ids

_OWN_ADDRESS: Final = (
    "postcode || '|' || huisnummer || '|' || coalesce(huisletter, '') || '|' "
    "|| coalesce(huisnummertoevoeging, '')"
)
"""A signal's address as its partner wrote it, in the form of an address key."""
_WITH_THE_SIGNALS: Final = tuple(
    f"DELETE FROM {table} WHERE (signaalpartner, signaal_id) NOT IN "
    "(SELECT signaalpartner, signaal_id FROM signalen)"
    for table in ("keuzes", "signaalstanden")
)
"""What goes with a signal: a choice says which of its candidates it was about, and its
standings whom it was about on each night."""
_UNBUNDLED: Final = (
    "zaak_id IS NULL AND run_id IN (SELECT run_id FROM runs_weg) "
    "AND (laatste_activiteit IS NULL OR laatste_activiteit < ?)"
)
"""A signal in no case of a run past retention (`runs_weg`), unless the case it left when
its household parted was active after the cutoff: its six months count from that."""
_ABOUT_PERSON: Final = "bsn = ? OR persoon_bsn = ? OR list_contains(kandidaten, ?)"
"""A signal about a person: as sent, as matched, or as a candidate of the household it was
matched to or of the doubt it waits in (three times the BSN)."""


class PrivacyQueries(Connection):
    """What retention, erasure and inzage read and remove."""

    def close_cases(self, closed: pl.DataFrame) -> None:
        """Close these cases (`zaak_id, gesloten, sluitreden`) as `lifecycle` closed them."""
        closing = {"dicht": closed.select("zaak_id", "gesloten", "sluitreden")}
        with self._transaction(), self._registered(closing):
            self._db.execute(
                "UPDATE zaken SET gesloten = d.gesloten, sluitreden = d.sluitreden "
                "FROM dicht d WHERE zaken.zaak_id = d.zaak_id AND zaken.gesloten IS NULL"
            )

    def delete_cases(self, zaak_ids: list[str]) -> list[str]:
        """Remove cases with everything about them; returns the removed signals' ids."""
        if not zaak_ids:
            return []
        going = {"weg": ids("zaak_id", zaak_ids)}
        signals = self._query(
            "SELECT signaalpartner || '/' || signaal_id AS id FROM signalen "
            "WHERE zaak_id IN (SELECT zaak_id FROM weg)",
            frames=going,
        )["id"].to_list()
        with self._transaction(), self._registered(going):
            for table in (
                "signalen",
                "acties",
                "gebeurtenissen",
                "routeringen",
                "berichten",
                "zaken",
            ):
                self._db.execute(f"DELETE FROM {table} WHERE zaak_id IN (SELECT zaak_id FROM weg)")
            for statement in _WITH_THE_SIGNALS:
                self._db.execute(statement)
        return signals

    def expiring(
        self, zaak_ids: list[str], run_ids: list[str], cutoff: date
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The signals and the events' places (run, file, line) of these cases, and the
        signals of these runs in no case (`_UNBUNDLED`)."""
        signals = self._query(
            "SELECT * FROM signalen WHERE zaak_id IN (SELECT zaak_id FROM zaken_weg) "
            f"OR ({_UNBUNDLED}) ORDER BY run_id, signaalpartner, signaal_id",
            [cutoff],
            frames={"zaken_weg": ids("zaak_id", zaak_ids), "runs_weg": ids("run_id", run_ids)},
        )
        return signals, self.event_places(zaak_ids)

    def signals_outlived(self, cutoff: date) -> pl.DataFrame:
        """The signals about a person in a case kept alive by others: nothing came in about
        them since `cutoff`, nobody had contact with the household since (no event), while
        another person's signal did come in. Their data goes as for a case of their own."""
        return self._query(
            "WITH per_person AS (SELECT s.zaak_id, s.persoon_bsn, "
            "max(r.verwerkingsdatum) AS laatst FROM signalen s JOIN runs r USING (run_id) "
            "WHERE s.zaak_id IS NOT NULL AND s.persoon_bsn IS NOT NULL GROUP BY ALL) "
            "SELECT s.* FROM signalen s JOIN per_person p USING (zaak_id, persoon_bsn) "
            "WHERE p.laatst < ? "
            "AND NOT EXISTS (SELECT 1 FROM gebeurtenissen g "
            "WHERE g.zaak_id = s.zaak_id AND g.datum >= ?) "
            "AND EXISTS (SELECT 1 FROM per_person o "
            "WHERE o.zaak_id = s.zaak_id AND o.laatst >= ?) "
            "ORDER BY s.run_id, s.signaalpartner, s.signaal_id",
            [cutoff, cutoff, cutoff],
        )

    def choices_waited(self, cutoff: date) -> pl.DataFrame:
        """The signals a person decided whose wait would have ended before `cutoff` (six
        months after they came in, or after the case they left was last active), whole,
        with the run that took the choice (`gekozen_in`); not once that run is itself past
        the cutoff, for every night the signal waited went before it."""
        return self._query(
            "SELECT s.*, k.run_id AS gekozen_in FROM signalen s "
            "JOIN keuzes k USING (signaalpartner, signaal_id) JOIN runs r ON r.run_id = s.run_id "
            "JOIN runs d ON d.run_id = k.run_id "
            "WHERE coalesce(s.laatste_activiteit, r.verwerkingsdatum) < ? "
            "AND d.verwerkingsdatum >= ? ORDER BY s.run_id, s.signaalpartner, s.signaal_id",
            [cutoff, cutoff],
        )

    def event_places(self, zaak_ids: list[str]) -> pl.DataFrame:
        """Where these cases' events came from: run, file and line."""
        return self._query(
            "SELECT run_id, bestand, regelnummer FROM gebeurtenissen "
            "WHERE zaak_id IN (SELECT zaak_id FROM deze)",
            frames={"deze": ids("zaak_id", zaak_ids)},
        )

    def runs_before(self, day: date) -> list[str]:
        return list(
            self._query(
                "SELECT run_id FROM runs WHERE verwerkingsdatum < ? ORDER BY run_id", [day]
            )["run_id"]
        )

    def cases_last_active_before(self, day: date) -> list[str]:
        """Open or closed: retention counts from the last activity."""
        return list(
            self._query(
                "SELECT zaak_id FROM zaken WHERE laatste_activiteit < ? ORDER BY zaak_id", [day]
            )["zaak_id"]
        )

    def signals_about(self, bsn: str | None, adres_sleutel: str | None) -> pl.DataFrame:
        """Every signal about a person (as sent or as matched) or an address (as matched or
        as written), and every signal of the cases those joined or of a case there."""
        values: list[str | None]
        if bsn:
            where, values = _ABOUT_PERSON, [bsn] * 3
        else:
            where, values = f"adres_sleutel = ? OR ({_OWN_ADDRESS}) = ?", [adres_sleutel] * 2
        return self._query(
            "WITH own AS (SELECT * FROM signalen WHERE " + where + ") "
            "SELECT * FROM own UNION SELECT * FROM signalen WHERE zaak_id IN "
            "(SELECT zaak_id FROM own UNION SELECT zaak_id FROM zaken WHERE adres_sleutel = ?) "
            "ORDER BY run_id, signaalpartner, signaal_id",
            [*values, adres_sleutel],
        )

    def cases_left(self, signals: pl.DataFrame) -> list[str]:
        """The cases these signals (`signaalpartner, signaal_id`) were in and that hold no
        signal now: emptied when their persons moved in with another household, or parted.
        Their rows (address, letters, routing) are still about those persons."""
        return list(
            self._query(
                "SELECT DISTINCT st.zaak_id FROM signaalstanden st WHERE st.zaak_id IS NOT NULL "
                "AND (st.signaalpartner, st.signaal_id) IN (SELECT signaalpartner, signaal_id "
                "FROM deze) AND st.zaak_id NOT IN (SELECT zaak_id FROM signalen "
                "WHERE zaak_id IS NOT NULL) ORDER BY st.zaak_id",
                frames={"deze": signals.select("signaalpartner", "signaal_id")},
            )["zaak_id"]
        )

    def cases_at(self, zaak_ids: list[str], adres_sleutel: str | None) -> list[str]:
        """These cases, and those at the address."""
        return list(
            self._query(
                "SELECT zaak_id FROM zaken WHERE zaak_id IN (SELECT zaak_id FROM deze) "
                "OR adres_sleutel = ? ORDER BY zaak_id",
                [adres_sleutel],
                frames={"deze": ids("zaak_id", zaak_ids)},
            )["zaak_id"]
        )

    def person_signals(self, bsn: str) -> pl.DataFrame:
        """A person's signals, as sent or as matched, with the date they came in and the
        date their creditor was last told their status (`teruggemeld_op`)."""
        return self._query(
            "SELECT s.*, r.verwerkingsdatum, (SELECT min(t.verwerkingsdatum) FROM "
            "signaalstanden st JOIN runs t USING (run_id) WHERE st.signaalpartner = "
            "s.signaalpartner AND st.signaal_id = s.signaal_id AND st.teruggemeld = "
            "s.teruggemeld) AS teruggemeld_op FROM signalen s JOIN runs r USING (run_id) "
            f"WHERE {_ABOUT_PERSON} ORDER BY s.run_id, s.signaalpartner, s.signaal_id",
            [bsn] * 3,
        )

    def people_held(self, besides: pl.DataFrame | None = None) -> frozenset[str]:
        """Every BSN a kept signal names, as sent or as matched; not counting the signals
        `besides` (`signaalpartner, signaal_id`), which an erasure is about to delete."""
        going = pl.DataFrame(schema={"signaalpartner": pl.String, "signaal_id": pl.String})
        if besides is not None:
            going = pl.concat([going, besides.select(going.columns)])
        rows = self._query(
            "SELECT DISTINCT p FROM (SELECT bsn AS p, signaalpartner, signaal_id FROM signalen "
            "UNION ALL SELECT persoon_bsn, signaalpartner, signaal_id FROM signalen "
            "UNION ALL SELECT unnest(kandidaten), signaalpartner, signaal_id FROM signalen) "
            "ANTI JOIN going USING (signaalpartner, signaal_id) WHERE p IS NOT NULL",
            frames={"going": going},
        )
        return frozenset(rows["p"].to_list())

    def delete_unbundled_signals(self, run_ids: list[str], cutoff: date) -> list[str]:
        """Remove the signals of these runs in no case (`_UNBUNDLED`); returns their ids."""
        if not run_ids:
            return []
        going = {"runs_weg": ids("run_id", run_ids)}
        signals = self._query(
            f"SELECT signaalpartner || '/' || signaal_id AS id FROM signalen WHERE {_UNBUNDLED}",
            [cutoff],
            frames=going,
        )["id"].to_list()
        with self._transaction(), self._registered(going):
            self._db.execute(f"DELETE FROM signalen WHERE {_UNBUNDLED}", [cutoff])
            for statement in _WITH_THE_SIGNALS:
                self._db.execute(statement)
        return signals

    def delete_signals(self, keys: list[tuple[str, str, str]]) -> None:
        """Remove signals by (run_id, signaalpartner, signaal_id)."""
        if not keys:
            return
        frame = pl.DataFrame(keys, schema=["run_id", "signaalpartner", "signaal_id"], orient="row")
        with self._transaction(), self._registered({"weg": frame}):
            self._db.execute(
                "DELETE FROM signalen WHERE (run_id, signaalpartner, signaal_id) IN "
                "(SELECT * FROM weg)"
            )
            for statement in _WITH_THE_SIGNALS:
                self._db.execute(statement)

    def exclusions(self) -> pl.DataFrame:
        """The exclusion list (`soort`: persoon or adres; `sleutel`: a BSN or an address
        key; `reden`, `datum`), in order."""
        return self._query(
            "SELECT soort, sleutel, reden, datum FROM uitsluitingen ORDER BY soort, sleutel"
        )

    def exclude(self, soort: str, sleutel: str, reden: str, datum: date) -> date | None:
        """Put one on the exclusion list; when it is on already, the date it was put there
        (and the list is left as it is)."""
        with self._transaction():
            before = self._db.execute(
                "SELECT datum FROM uitsluitingen WHERE soort = ? AND sleutel = ?", [soort, sleutel]
            ).fetchall()
            if before:
                since: date = before[0][0]
                return since
            self._db.execute(
                "INSERT INTO uitsluitingen VALUES (?, ?, ?, ?)", [soort, sleutel, reden, datum]
            )
        return None

    def delete_exclusions(self, soort: str, sleutels: list[str]) -> list[str]:
        """Take these off the exclusion list; returns those that were on it."""
        if not sleutels:
            return []
        going = {"weg": ids("sleutel", sleutels)}
        where = "soort = ? AND sleutel IN (SELECT sleutel FROM weg)"
        found = self._query(
            f"SELECT sleutel FROM uitsluitingen WHERE {where} ORDER BY sleutel", [soort], going
        )["sleutel"].to_list()
        with self._transaction(), self._registered(going):
            self._db.execute(f"DELETE FROM uitsluitingen WHERE {where}", [soort])
        return found
