"""The connection the query modules work through: SQL with parameters only, frames by
name."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import duckdb
import polars as pl


class Connection:
    """A DuckDB connection to the state, and the few ways vsig talks to it."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, generation: int = 0) -> None:
        self._db = connection
        self.generation = generation
        """For a snapshot, the erasure generation it was copied at (to `publish` with)."""

    def _scalar(self, sql: str, parameters: Sequence[object] | None = None) -> Any:
        # fetchall, not fetchone: an unfinished result would block the next statement.
        return self._db.execute(sql, parameters or []).fetchall()[0][0]

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.begin()
        try:
            yield
        except BaseException:
            self._db.rollback()
            raise
        self._db.commit()

    def _query(
        self,
        sql: str,
        parameters: Sequence[object] | Mapping[str, object] | None = None,
        frames: Mapping[str, pl.DataFrame] | None = None,
    ) -> pl.DataFrame:
        """Rows as a polars frame; `frames` are readable in the SQL under their names."""
        with self._registered(frames or {}):
            result: pl.DataFrame = self._db.sql(sql, params=parameters).pl()
        return result

    @contextmanager
    def _registered(self, frames: Mapping[str, pl.DataFrame]) -> Iterator[None]:
        """`frames` readable in the SQL under their names while inside: a list of ids is
        a table to join, never a value spliced into the text."""
        for name, frame in frames.items():
            self._db.register(name, frame.to_arrow())
        try:
            yield
        finally:
            for name in frames:
                # A failed statement aborts its transaction, and DuckDB refuses even to
                # drop a view until the rollback, which drops it: the error that failed
                # the statement is the one to tell.
                with suppress(duckdb.TransactionException):
                    self._db.unregister(name)

    def _insert(self, table: str, frame: pl.DataFrame, verb: str = "INSERT") -> None:
        if not frame.height:
            return
        with self._registered({"nieuw": frame}):
            self._db.execute(f"{verb} INTO {table} BY NAME SELECT * FROM nieuw")


def ids(column: str, values: list[str]) -> pl.DataFrame:
    """Identifiers as a one-column table, for a semi-join in SQL."""
    return pl.DataFrame({column: values}, schema={column: pl.String})
