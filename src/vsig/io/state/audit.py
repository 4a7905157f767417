"""What the archive, `explain` and `inzage` read: one case's story, and the earlier rows
a night decided by."""

import polars as pl

from vsig.io.state.connection import Connection, ids


class AuditQueries(Connection):
    """What the archive, `explain` and `inzage` read."""

    def cases_holding(self, debts: pl.DataFrame) -> pl.DataFrame:
        """The cases, open or closed, holding one of these debts (`signaalpartner,
        klantnummer`)."""
        return self._query(
            "SELECT DISTINCT zaak_id FROM signalen WHERE zaak_id IS NOT NULL "
            "AND (signaalpartner, klantnummer) IN (SELECT * FROM debts)",
            frames={"debts": debts},
        )

    def closed_cases(self, zaak_ids: pl.DataFrame) -> pl.DataFrame:
        """The rows of those of these cases (a `zaak_id` column) that are closed."""
        return self._query(
            "SELECT * FROM zaken WHERE gesloten IS NOT NULL AND zaak_id IN "
            "(SELECT zaak_id FROM wanted) ORDER BY zaak_id",
            frames={"wanted": zaak_ids},
        )

    def state_slice(
        self, zaak_ids: pl.DataFrame, sent: pl.DataFrame, files: pl.DataFrame
    ) -> dict[str, pl.DataFrame]:
        """The rows of these cases (a `zaak_id` column) besides the cases themselves: their
        signals with the signals `sent` (`signaalpartner, signaal_id`), their actions,
        events and messages; and the rows of these processed `files` (a `sha256` column)."""
        frames = {"ids": zaak_ids, "sent": sent, "shas": files}
        return {
            "signalen": self._query(
                "SELECT * FROM signalen WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "OR (signaalpartner, signaal_id) IN (SELECT signaalpartner, signaal_id FROM sent) "
                "ORDER BY run_id, signaalpartner, signaal_id",
                frames=frames,
            ),
            "acties": self._query(
                "SELECT * FROM acties WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "ORDER BY zaak_id, actie",
                frames=frames,
            ),
            "gebeurtenissen": self._query(
                "SELECT * FROM gebeurtenissen WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "ORDER BY zaak_id, datum, run_id, regelnummer",
                frames=frames,
            ),
            "berichten": self._query(
                "SELECT * FROM berichten WHERE zaak_id IN (SELECT zaak_id FROM ids) "
                "ORDER BY bericht_id",
                frames=frames,
            ),
            "bestanden": self._query(
                "SELECT * FROM bestanden WHERE sha256 IN (SELECT sha256 FROM shas) ORDER BY sha256",
                frames=frames,
            ),
        }

    def cases(self, zaak_ids: list[str]) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM zaken WHERE zaak_id IN (SELECT zaak_id FROM deze) ORDER BY zaak_id",
            frames={"deze": ids("zaak_id", zaak_ids)},
        )

    def signals_named(self, signaal_id: str, run: str | None) -> pl.DataFrame:
        """The signals with this id (partners may share one), of one run or of all."""
        return self._query(
            "SELECT * FROM signalen WHERE signaal_id = ? AND (? IS NULL OR run_id = ?) "
            "ORDER BY run_id, signaalpartner",
            [signaal_id, run, run],
        )

    def choices_for(self, signaal_id: str) -> pl.DataFrame:
        """The choices a person made for the signals with this id (sheet "Twijfel")."""
        return self._query(
            "SELECT * FROM keuzes WHERE signaal_id = ? ORDER BY run_id, signaalpartner",
            [signaal_id],
        )

    def signals_of_case(self, zaak_id: str) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM signalen WHERE zaak_id = ? ORDER BY run_id, signaalpartner, signaal_id",
            [zaak_id],
        )

    def routes_of(self, zaak_id: str, until_run: str | None = None) -> pl.DataFrame:
        """Every routing of the case, night by night, up to a run."""
        return self._query(
            "SELECT * FROM routeringen WHERE zaak_id = ? AND (? IS NULL OR run_id <= ?) "
            "ORDER BY run_id",
            [zaak_id, until_run, until_run],
        )

    def actions_of(self, zaak_ids: list[str]) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM acties WHERE zaak_id IN (SELECT zaak_id FROM deze) "
            "ORDER BY zaak_id, run_id, volgorde",
            frames={"deze": ids("zaak_id", zaak_ids)},
        )

    def events_of(self, zaak_ids: list[str]) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM gebeurtenissen WHERE zaak_id IN (SELECT zaak_id FROM deze) "
            "ORDER BY zaak_id, datum, run_id, regelnummer",
            frames={"deze": ids("zaak_id", zaak_ids)},
        )
