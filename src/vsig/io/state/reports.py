"""What the reports read: a period's signals, cases, actions and events."""

from datetime import date

import polars as pl

from vsig.io.state.connection import Connection


class ReportQueries(Connection):
    """What the reports read of a period."""

    def delivery_rows(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """For the CBS delivery of a period, as the state stood at its end: every signal
        received in it (`opgepakt`: when its case was first acted on), the cases opened,
        acted on, with an event or closed in it (`opgepakt` too), and of those cases the
        signals received by its end (`leden`), the events dated in it or before and the
        letters sent by then (`brieven`). A later night adds nothing to a past period."""
        period = {"start": start, "end": end}
        acted = (
            "LEFT JOIN (SELECT zaak_id, min(geboekt) AS opgepakt FROM acties "
            "WHERE geboekt <= $end GROUP BY zaak_id) a USING (zaak_id)"
        )
        cases = self._query(
            f"SELECT z.*, a.opgepakt FROM zaken z {acted} WHERE z.geopend <= $end AND ("
            "z.geopend >= $start OR z.gesloten BETWEEN $start AND $end "
            "OR zaak_id IN (SELECT zaak_id FROM gebeurtenissen "
            "WHERE datum BETWEEN $start AND $end) "
            "OR zaak_id IN (SELECT zaak_id FROM acties WHERE geboekt BETWEEN $start AND $end)) "
            "ORDER BY zaak_id",
            period,
        )
        frames = {"cases": cases.select("zaak_id")}
        return {
            "signalen": self._query(
                f"SELECT s.*, r.verwerkingsdatum, a.opgepakt FROM signalen s JOIN runs r "
                f"USING (run_id) {acted} WHERE r.verwerkingsdatum BETWEEN $start AND $end "
                "ORDER BY s.signaalpartner, s.signaal_id, s.run_id",
                period,
            ),
            "zaken": cases,
            "leden": self._query(
                "SELECT s.zaak_id, s.signaalpartner, s.signaal_id FROM signalen s JOIN runs r "
                "USING (run_id) WHERE s.zaak_id IN (SELECT zaak_id FROM cases) "
                "AND r.verwerkingsdatum <= ? ORDER BY s.signaalpartner, s.signaal_id",
                [end],
                frames=frames,
            ),
            "gebeurtenissen": self._query(
                "SELECT * FROM gebeurtenissen WHERE zaak_id IN (SELECT zaak_id FROM cases) "
                "AND datum <= ? ORDER BY zaak_id, datum, run_id, regelnummer",
                [end],
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
