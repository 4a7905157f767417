"""What the reports read: a period's signals, cases, actions and events."""

from datetime import date

import polars as pl

from vsig.contracts import STANDING_COLUMNS
from vsig.io.state.connection import Connection


class ReportQueries(Connection):
    """What the reports read of a period."""

    def delivery_rows(self, start: date, end: date) -> dict[str, pl.DataFrame]:
        """For the CBS delivery of a period, as the state stood after its last night (a
        later night adds nothing to it and changes nothing in it; only retention takes
        out): every signal received in it, standing as then (`signaalstanden`: its case,
        status as told, person and municipality) with its case's municipality
        (`zaak_gemeente`); the cases opened, acted on, with an event recorded or closed in
        it, in the municipality they had then and closed if that was known then; of those cases the
        signals they held then (`leden`: a case emptied by then, merged into another or
        left by a household that parted, the signals it held before); and of both, the
        events recorded by a night of the period or before (`gebeurtenissen`, whatever
        their date), the letters (reminders too) sent by then (`brieven`) and the e-mails and SMS a
        service took by then (`berichten`: zaak_id, datum, kanaal)."""
        period = {"start": start, "end": end}
        sent = "status IN ('verzonden', 'afgeleverd')"  # `rules.berichten.SENT`
        # A case closed by a result is closed in a period once a night of it recorded the
        # result, whatever the result's date; any other closing is dated by its night.
        closed = (
            "CASE WHEN z.gesloten <= $end AND (z.sluitreden IS DISTINCT FROM 'resultaat' OR "
            "EXISTS (SELECT 1 FROM gebeurtenissen e JOIN runs r USING (run_id) WHERE "
            "e.zaak_id = z.zaak_id AND e.gebeurtenis = 'resultaat' "
            "AND r.verwerkingsdatum <= $end)) THEN z.gesloten END"
        )
        then = (
            "WITH stand AS (SELECT st.* FROM signaalstanden st JOIN runs r USING (run_id) "
            "WHERE r.verwerkingsdatum <= $end QUALIFY row_number() OVER (PARTITION BY "
            "signaalpartner, signaal_id ORDER BY r.verwerkingsdatum DESC, run_id DESC) = 1), "
            "gemeente AS (SELECT ro.zaak_id, ro.gemeentecode FROM routeringen ro JOIN runs r "
            "USING (run_id) WHERE r.verwerkingsdatum <= $end QUALIFY row_number() OVER "
            "(PARTITION BY zaak_id ORDER BY r.verwerkingsdatum DESC, run_id DESC) = 1) "
        )
        recorded = "SELECT g.* FROM gebeurtenissen g JOIN runs r USING (run_id) WHERE "
        cases = self._query(
            f"{then} SELECT * FROM (SELECT z.* REPLACE (coalesce(g.gemeentecode, "
            f"z.gemeentecode) AS gemeentecode, {closed} AS gesloten) FROM zaken z "
            "LEFT JOIN gemeente g USING (zaak_id)) "
            "WHERE geopend <= $end AND (geopend >= $start "
            "OR gesloten BETWEEN $start AND $end "
            f"OR zaak_id IN (SELECT zaak_id FROM ({recorded} "
            "r.verwerkingsdatum BETWEEN $start AND $end)) "
            "OR zaak_id IN (SELECT zaak_id FROM acties WHERE geboekt BETWEEN $start AND $end) "
            f"OR zaak_id IN (SELECT zaak_id FROM berichten WHERE {sent} "
            "AND verzonden BETWEEN $start AND $end)) "
            "ORDER BY zaak_id",
            period,
        )
        signals = self._query(
            f"{then} SELECT s.* REPLACE ({', '.join(f'st.{c} AS {c}' for c in STANDING_COLUMNS)}), "
            "r.verwerkingsdatum, coalesce(g.gemeentecode, z.gemeentecode) AS zaak_gemeente "
            "FROM signalen s JOIN runs r USING (run_id) "
            "JOIN stand st ON st.signaalpartner = s.signaalpartner "
            "AND st.signaal_id = s.signaal_id "
            "LEFT JOIN zaken z ON z.zaak_id = st.zaak_id LEFT JOIN gemeente g "
            "ON g.zaak_id = st.zaak_id WHERE r.verwerkingsdatum BETWEEN $start AND $end "
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
                f"{then}, held AS (SELECT zaak_id, signaalpartner, signaal_id FROM stand "
                "WHERE zaak_id IN (SELECT zaak_id FROM cases)) "
                "SELECT * FROM held UNION SELECT DISTINCT st.zaak_id, st.signaalpartner, "
                "st.signaal_id FROM signaalstanden st JOIN runs r USING (run_id) "
                "WHERE r.verwerkingsdatum <= $end AND st.zaak_id IN (SELECT zaak_id FROM cases) "
                "AND st.zaak_id NOT IN (SELECT zaak_id FROM held) "
                "ORDER BY signaalpartner, signaal_id, zaak_id",
                {"end": end},
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
                "SELECT zaak_id, geboekt AS datum FROM acties "
                "WHERE actietype IN ('brief', 'herinnering') "
                "AND zaak_id IN (SELECT zaak_id FROM cases) AND geboekt <= ? "
                "ORDER BY zaak_id, geboekt, actie",
                [end],
                frames=frames,
            ),
            "berichten": self._query(
                f"SELECT zaak_id, verzonden AS datum, kanaal FROM berichten WHERE {sent} "
                "AND zaak_id IN (SELECT zaak_id FROM cases) AND verzonden <= ? "
                "ORDER BY zaak_id, verzonden, bericht_id",
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
