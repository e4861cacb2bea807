"""The DuckDB warehouse: schema from ``sql/``, one writer at a time, polars in and out."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


class WarehouseBusy(RuntimeError):
    """The warehouse is held by another connection (only from ``connect(wait=False)``)."""


class Warehouse:
    """A DuckDB file shared by every asset.

    DuckDB allows one writing process per file, and Dagster runs each step in its own
    process, so every connection here holds an exclusive file lock for its lifetime:
    concurrent runs (a sensor's batch beside a backfill) queue instead of failing.
    """

    def __init__(self, path: str | os.PathLike[str], sql_dir: Path = SQL_DIR) -> None:
        self.path = Path(path)
        self.sql_dir = sql_dir

    @contextmanager
    def connect(self, wait: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection holding the warehouse's lock; ``wait=False`` raises
        :class:`WarehouseBusy` at once instead of queueing behind another writer (a sensor
        tick must not block for the length of a run)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.path}.lock", "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise WarehouseBusy(f"{self.path} is in use by another run") from error
            try:
                con = duckdb.connect(str(self.path))
                try:
                    self._apply_schema(con)
                    yield con
                finally:
                    con.close()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _apply_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        for sql_file in sorted(self.sql_dir.glob("*.sql")):
            con.execute(sql_file.read_text())

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pl.DataFrame:
        with self.connect() as con:
            return con.sql(sql, params=list(params) if params else None).pl()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        with self.connect() as con:
            con.execute(sql, list(params) if params else [])

    def replace_partition(
        self, con: duckdb.DuckDBPyConnection, table: str, batch_id: str, frame: pl.DataFrame
    ) -> int:
        """Delete the batch's rows, then insert ``frame``: re-running a batch is idempotent."""
        con.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
        return self.insert(con, table, frame)

    @staticmethod
    def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        columns = ", ".join(frame.columns)
        # A relation, not con.register(): a registered view is a catalog entry, which DuckDB
        # keeps (with the frame it holds) until the transaction ends, so a chunked insert in
        # one transaction would hold every chunk in memory.
        con.from_arrow(frame.to_arrow()).query(
            "_incoming", f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _incoming")
        return frame.height

    def replace_table(self, table: str, frame: pl.DataFrame,
                      con: duckdb.DuckDBPyConnection | None = None) -> int:
        """Replace a whole derived table with ``frame`` (its schema comes from the frame), on
        ``con`` inside the caller's transaction if given, else on a connection of its own."""
        if con is None:
            with self.connect() as own:
                return self.replace_table(table, frame, own)
        con.register("_incoming", frame)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _incoming")
        finally:
            con.unregister("_incoming")
        return frame.height

    def table(self, table: str, where: str = "", params: Sequence[Any] | None = None
              ) -> pl.DataFrame:
        return self.query(f"SELECT * FROM {table} {where}", params)
