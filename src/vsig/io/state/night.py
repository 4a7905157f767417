"""What a night reads of the state: the open cases, their signals, events and actions,
and what was received before."""

from datetime import date

import polars as pl

from vsig.contracts import ACTION_COLUMNS
from vsig.io.state.connection import Connection


class NightQueries(Connection):
    """What a night reads of the state."""

    def next_run_id(self, processing_date: date) -> str:
        done = self._scalar(
            "SELECT count(*) FROM runs WHERE verwerkingsdatum = ?", [processing_date]
        )
        return f"{processing_date:%Y%m%d}-{done + 1:02d}"

    def run_ids(self) -> set[str]:
        return set(self._query("SELECT run_id FROM runs")["run_id"])

    def processed_files(self) -> dict[str, str]:
        """SHA-256 → the run that consumed the file."""
        return dict(self._db.execute("SELECT sha256, run_id FROM bestanden").fetchall())

    def signals_seen(self, keys: pl.DataFrame) -> pl.DataFrame:
        """Of these `signaalpartner, signaal_id`, those received before, with the first run
        (`eerder`) that received them."""
        return self._query(
            "SELECT signaalpartner, signaal_id, min(run_id) AS eerder FROM signalen "
            "WHERE (signaalpartner, signaal_id) IN (SELECT * FROM keys) GROUP BY ALL",
            frames={"keys": keys},
        )

    def open_cases(self) -> pl.DataFrame:
        return self._query("SELECT * FROM zaken WHERE gesloten IS NULL ORDER BY zaak_id")

    def case_signals(self, columns: tuple[str, ...], closed: bool = False) -> pl.DataFrame:
        """The signals of every open case (`closed`: of every closed case still kept)."""
        selected = ", ".join(f"s.{c}" for c in columns)
        state = "NOT NULL" if closed else "NULL"
        return self._query(
            f"SELECT {selected} FROM signalen s JOIN zaken z USING (zaak_id) "
            f"WHERE z.gesloten IS {state} ORDER BY s.zaak_id, s.signaalpartner, s.signaal_id"
        )

    def untold_signals(self, columns: tuple[str, ...]) -> pl.DataFrame:
        """The signals of the closed cases that no night told by `rules.status` yet (a
        state from before migration 11), with their case's `gesloten` and `sluitreden`."""
        selected = ", ".join(f"s.{c}" for c in columns)
        return self._query(
            f"SELECT {selected}, z.gesloten, z.sluitreden FROM signalen s "
            "JOIN zaken z USING (zaak_id) WHERE z.gesloten IS NOT NULL "
            "AND s.teruggemeld IS NULL ORDER BY s.zaak_id, s.signaalpartner, s.signaal_id"
        )

    def unplaced_signals(self, received_from: date) -> pl.DataFrame:
        """Every signal in no case received from that day on (or last active then in the
        case it left, `laatste_activiteit`) that no person was found for, whole: among them
        those that wait for a person (`keuzes.waiting` decides which). A replay's scratch
        state holds no runs, only what its run read: all of it counts."""
        return self._query(
            "SELECT s.* FROM signalen s LEFT JOIN runs r USING (run_id) "
            "WHERE s.zaak_id IS NULL AND s.niet_gekoppeld IS NOT NULL "
            "AND (r.verwerkingsdatum IS NULL "
            "OR coalesce(s.laatste_activiteit, r.verwerkingsdatum) >= ?) "
            "ORDER BY s.signaalpartner, s.signaal_id",
            [received_from],
        )

    def household_signals(self) -> pl.DataFrame:
        """Every signal of an open case matched to a household, whole: should the household
        part, it waits for a person on the sheet "Twijfel" as its creditor wrote it."""
        return self._query(
            "SELECT * FROM signalen WHERE persoon_bsn IS NULL AND kandidaten IS NOT NULL "
            "AND zaak_id IN (SELECT zaak_id FROM zaken WHERE gesloten IS NULL) "
            "ORDER BY signaalpartner, signaal_id"
        )

    def performed_actions(self) -> pl.DataFrame:
        """Every action taken (`ACTION_COLUMNS`): what a case has had, and what is open."""
        columns = ", ".join(ACTION_COLUMNS)
        return self._query(f"SELECT {columns} FROM acties ORDER BY zaak_id, actie")

    def event_history(self) -> pl.DataFrame:
        """Every event kept: `zaak_id, datum, gebeurtenis, waarde`, for the legal terms and
        the calls still to make."""
        return self._query("SELECT zaak_id, datum, gebeurtenis, waarde FROM gebeurtenissen")
