"""Where checkpoints live and how they are registered.

A training job writes into ``<root>/<asset>/<job hash>/`` where the hash covers the training
data and the spec: the same job retried (after a crash) finds its own saved state and
resumes, while new data or a new config starts a fresh folder. The trainer writes the final
``model/`` folder atomically, and only then is the checkpoint registered in the warehouse,
so a half-written checkpoint is never listed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from safety_assets.storage.file_hashes import hash_files
from safety_assets.storage.warehouse import Warehouse

__all__ = ["ModelStore", "hash_files"]


class ModelStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def job_dir(self, asset_name: str, job_hash: str) -> Path:
        path = self.root / asset_name / job_hash[:16]
        path.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def model_dir(job_dir: Path) -> Path:
        return job_dir / "model"

    def register(self, warehouse: Warehouse, *, name: str, stage: str, path: Path,
                 parents: Mapping[str, Any], config: Mapping[str, Any], data_hash: str,
                 metrics: Mapping[str, Any]) -> str:
        """Register ``path`` as the current ``name`` and keep it among its versions; returns
        the version (see :mod:`safety_assets.storage.lineage`)."""
        # A model folder has config.json; a registered tokenizer has tokenizer.json.
        if not any((path / marker).exists() for marker in ("config.json", "tokenizer.json")):
            raise FileNotFoundError(f"{path} holds no saved model or tokenizer: refusing to "
                                    "register it")
        from safety_assets.storage.lineage import lineage_round, resolve_parents, version_of

        version = version_of(data_hash, str(path))
        created = datetime.now(UTC).replace(tzinfo=None)
        with warehouse.connect() as con:
            con.execute("BEGIN TRANSACTION")
            resolved = resolve_parents(con, parents)
            round_ = lineage_round(con, resolved)
            record = [stage, str(path), json.dumps(resolved, default=str),
                      json.dumps(config, default=str), data_hash,
                      metrics.get("num_parameters"), metrics.get("tokens_seen"),
                      metrics.get("final_train_loss")]
            # The current version per name, and every version ever. The same job registered
            # again (a reverted config) becomes the latest again, as it is the current one.
            con.execute("DELETE FROM model_registry WHERE name = ?", [name])
            con.execute("INSERT INTO model_registry (name, stage, path, parents, config, "
                        "data_hash, n_parameters, tokens_seen, final_loss, created_at, version) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [name, *record, created, version])
            con.execute(
                "INSERT INTO model_versions (name, version, stage, path, parents, config, "
                "data_hash, n_parameters, tokens_seen, final_loss, round, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, version) DO "
                "UPDATE SET parents = excluded.parents, round = excluded.round, "
                "created_at = excluded.created_at",
                [name, version, *record, round_, created])
            con.execute("COMMIT")
        return version

    @staticmethod
    def registered(warehouse: Warehouse) -> pl.DataFrame:
        return warehouse.query("SELECT * FROM model_registry ORDER BY created_at")

    @staticmethod
    def path_of(warehouse: Warehouse, name: str) -> Path:
        found = warehouse.query("SELECT path FROM model_registry WHERE name = ?", [name])
        if found.height == 0:
            raise LookupError(f"no checkpoint registered as {name!r}: materialize it first")
        return Path(found["path"][0])
