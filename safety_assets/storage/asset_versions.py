"""Input fingerprints of derived partitions: a re-run whose inputs did not change reuses the
stored rows instead of recomputing them, so re-running a backfill is a no-op.

A fingerprint covers everything the result depends on: the code version of the step, its
config, the identity of each model it reads (the registry's data hash, or the files of a
folder), and a digest of each table slice it reads. It is also the Dagster data version of
the materialization, so the UI's staleness follows the same rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from safety_assets.storage.warehouse import Warehouse


def fingerprint(**parts: Any) -> str:
    """A stable digest of ``parts`` (JSON with sorted keys)."""
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def query_digest(store: Warehouse, sql: str, params: Sequence[Any] | None = None) -> str:
    """Row count and digest of a query's result, independent of row order. Each row is
    hashed as DuckDB's text form of the whole row, so every column counts."""
    digest_sql = (
        "SELECT count(*) AS n, md5(coalesce(string_agg(CAST(q AS VARCHAR), chr(1) "
        f"ORDER BY CAST(q AS VARCHAR)), '')) AS d FROM ({sql}) q")
    with store.connect() as con:
        n, digest = con.sql(digest_sql, params=list(params) if params else None).fetchall()[0]
    return f"{n}:{digest}"


def folder_stamp(path: str | Path) -> str:
    """Names, sizes and modification times of the files under ``path`` (or of the file):
    cheap to take, and it changes when anything there is rewritten."""
    root = Path(path)
    if not root.exists():
        return "missing"
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    entries = [(str(p.relative_to(root)) if p != root else p.name, p.stat().st_size,
                p.stat().st_mtime_ns) for p in files]
    return fingerprint(path=str(root.resolve()), files=entries)


def model_identity(store: Warehouse, name: str) -> dict[str, Any]:
    """What identifies a registered checkpoint: its training job's data hash and folder."""
    found = store.query("SELECT path, data_hash FROM model_registry WHERE name = ?", [name])
    if found.height == 0:
        raise LookupError(f"no checkpoint registered as {name!r}: materialize it first")
    return {"name": name, "path": found["path"][0], "data_hash": found["data_hash"][0]}


def recorded(store: Warehouse, asset: str, partition: str) -> tuple[str, int] | None:
    """The (fingerprint, row count) recorded for a partition, if any."""
    found = store.query("SELECT version, rows FROM asset_versions WHERE asset = ? AND "
                        "partition = ?", [asset, partition])
    return None if found.height == 0 else (found["version"][0], int(found["rows"][0]))


def is_current(store: Warehouse, asset: str, partition: str, version: str,
               count_sql: str, params: Sequence[Any]) -> bool:
    """True when the partition was last computed from exactly ``version`` and its rows are
    all still there (``count_sql`` counts them now)."""
    previous = recorded(store, asset, partition)
    if previous is None or previous[0] != version:
        return False
    try:
        with store.connect() as con:
            now = con.sql(count_sql, params=list(params)).fetchall()[0][0]
    except duckdb.CatalogException:   # a derived table dropped by hand: compute it again
        return False
    return int(now) == previous[1]


def record(con: duckdb.DuckDBPyConnection, asset: str, partition: str, version: str,
           rows: int, run_id: str | None = None) -> None:
    """Record the fingerprint beside the rows, inside the caller's transaction."""
    con.execute("DELETE FROM asset_versions WHERE asset = ? AND partition = ?",
                [asset, partition])
    con.execute("INSERT INTO asset_versions VALUES (?, ?, ?, ?, ?, ?)",
                [asset, partition, version, rows, run_id,
                 datetime.now(UTC).replace(tzinfo=None)])


_FOLDER_VERSION = ".input_version"


def folder_is_current(folder: str | Path, version: str) -> bool:
    """For outputs that are files, not rows: true when ``folder`` was last completed from
    exactly ``version`` (see :func:`mark_folder`)."""
    marker = Path(folder) / _FOLDER_VERSION
    return marker.is_file() and marker.read_text().strip() == version


def mark_folder(folder: str | Path, version: str) -> None:
    """Record ``version`` once everything in ``folder`` is written: a run that dies before
    this leaves the old marker (or none), so it is never mistaken for complete."""
    marker = Path(folder) / _FOLDER_VERSION
    marker.parent.mkdir(parents=True, exist_ok=True)
    tmp = marker.with_name(f"{_FOLDER_VERSION}.tmp")
    tmp.write_text(version)
    tmp.replace(marker)
