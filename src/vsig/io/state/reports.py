"""What the reports read: a period's signals, cases, actions and events."""

from datetime import date

import polars as pl

from vsig.io.state.connection import Connection


class ReportQueries(Connection):
    """What the reports read of a period."""

    def delivery_rows(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """For the CBS delivery of a period, as the state stood after the last night of it:
        every signal received in it (with its case's `gesloten` and `sluitreden` by then),
        the cases opened, acted on, with an event recorded or closed in it, and of those
        cases the signals received by its end (`leden`); of both, the events recorded by a
        night of the period or before (`gebeurtenissen`) and the letters sent by then
        (`brieven`). An event a later night records, whatever its date, is in the period
        that recorded it: a later night adds nothing to a past period."""
        period = {"start": start, "end": end}
        recorded = "SELECT g.* FROM gebeurtenissen g JOIN runs r USING (run_id) WHERE "
        cases = self._query(
            "SELECT * FROM zaken WHERE geopend <= $end AND ("
            "geopend >= $start OR gesloten BETWEEN $start AND $end "
            f"OR zaak_id IN (SELECT zaak_id FROM ({recorded} "
            "r.verwerkingsdatum BETWEEN $start AND $end)) "
            "OR zaak_id IN (SELECT zaak_id FROM acties WHERE geboekt BETWEEN $start AND $end)) "
            "ORDER BY zaak_id",
            period,
        )
        signals = self._query(
            "SELECT s.*, r.verwerkingsdatum, "
            "CASE WHEN z.gesloten <= $end THEN z.gesloten END AS gesloten, z.sluitreden "
            "FROM signalen s JOIN runs r USING (run_id) LEFT JOIN zaken z USING (zaak_id) "
            "WHERE r.verwerkingsdatum BETWEEN $start AND $end "
            "ORDER BY s.signaalpartner, s.signaal_id, s.run_id",
            period,
        )
        frames = {
            "cases": pl.concat([cases.select("zaak_id"), signals.select("zaak_id").drop_nulls()])
        }
        return {
            "signalen": signals,
            "zaken": cases,
            "leden": self._query(
                "SELECT s.zaak_id, s.signaalpartner, s.signaal_id FROM signalen s JOIN runs r "
                "USING (run_id) WHERE s.zaak_id IN (SELECT zaak_id FROM cases) "
                "AND r.verwerkingsdatum <= ? ORDER BY s.signaalpartner, s.signaal_id",
                [end],
                frames=frames,
            ),
            "gebeurtenissen": self._query(
                f"{recorded} g.zaak_id IN (SELECT zaak_id FROM cases) "
                "AND r.verwerkingsdatum <= ? AND g.datum <= ? "
                "ORDER BY g.zaak_id, g.datum, g.run_id, g.regelnummer",
                [end, end],
                frames=frames,
            ),
            "brieven": self._query(
                "SELECT zaak_id, geboekt AS datum FROM acties WHERE actietype = 'brief' "
                "AND zaak_id IN (SELECT zaak_id FROM cases) AND geboekt <= ? "
                "ORDER BY zaak_id, geboekt, actie",
                [end],
                frames=frames,
            ),
        }

    def period_counts(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """Totals of a period, no person in them: signals per month and creditor type, cases
        opened per municipality and rule, results, and each first conversation with its
        aanmelding (for the term)."""
        period = [start, end]
        return {
            "signalen": self._query(
                "SELECT strftime(r.verwerkingsdatum, '%Y-%m') AS maand, s.soort, count(*) AS n "
                "FROM signalen s JOIN runs r USING (run_id) "
                "WHERE r.verwerkingsdatum BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "zaken": self._query(
                "SELECT gemeentecode, regel, count(*) AS n FROM zaken "
                "WHERE geopend BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "resultaten": self._query(
                "SELECT waarde AS resultaat, count(*) AS n FROM gebeurtenissen "
                "WHERE gebeurtenis = 'resultaat' AND datum BETWEEN ? AND ? "
                "GROUP BY ALL ORDER BY ALL",
                period,
            ),
            "gesprekken": self._query(
                "SELECT z.crisis, a.datum AS aanmelding, g.datum AS gesprek FROM zaken z "
                "JOIN (SELECT zaak_id, min(datum) AS datum FROM gebeurtenissen "
                "      WHERE gebeurtenis = 'aanmelding' GROUP BY zaak_id) a USING (zaak_id) "
                "JOIN (SELECT zaak_id, min(datum) AS datum FROM gebeurtenissen "
                "      WHERE gebeurtenis = 'eerste_gesprek' GROUP BY zaak_id) g USING (zaak_id) "
                "WHERE g.datum BETWEEN ? AND ?",
                period,
            ),
        }
