"""Lineage by version: which checkpoint versions exist, what each was made from, and what
changed between two of them.

A checkpoint's version is its training job's hash (the folder it lives in), so retraining on new
data or with a new config is a new version and the old one stays registered beside it. Its
parents are recorded as versions too: a parent model as ``{"model": name, "version": v}`` and a
dataset as its annotation batches, each with its row count and round. That is what answers
"which annotation batches moved this number between round 2 and round 3?".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from safety_assets.storage.warehouse import Warehouse

VERSION_LENGTH = 16


def version_of(data_hash: str | None, path: str) -> str:
    """A checkpoint's version: its job hash, as the job folder is named; a registered folder
    without one (the tokenizer, a base model read from a file) is versioned by its files."""
    if data_hash:
        return data_hash[:VERSION_LENGTH]
    from safety_assets.storage.asset_versions import folder_stamp

    return folder_stamp(path)[:VERSION_LENGTH]


def _model_by_reference(con: duckdb.DuckDBPyConnection, reference: str) -> tuple[str, str] | None:
    """(name, version) of the registered checkpoint a parent string names, by name or path."""
    found = con.execute("SELECT name, version FROM model_registry WHERE name = ? OR path = ? "
                        "ORDER BY name = ? DESC LIMIT 1",
                        [reference, reference, reference]).fetchall()
    if found and found[0][1]:
        return found[0][0], found[0][1]
    return None


def batch_rounds(con: duckdb.DuckDBPyConnection, batches: list[str]) -> dict[str, int]:
    if not batches:
        return {}
    rows = con.execute("SELECT batch_id, round FROM annotation_rounds WHERE batch_id IN "
                       f"({', '.join('?' * len(batches))})", batches).fetchall()
    return {batch: int(round_) for batch, round_ in rows}


def resolve_parents(con: duckdb.DuckDBPyConnection, parents: Mapping[str, Any]
                    ) -> dict[str, Any]:
    """Parents as versions. A string naming a registered checkpoint (by name or folder) becomes
    ``{"model", "version"}``; a mapping of batch id to row count becomes
    ``{"batches": {batch: {"rows", "round"}}}``; anything else (a split name, a row count) is
    kept as it is."""
    resolved: dict[str, Any] = {}
    for key, value in parents.items():
        if isinstance(value, str) and (model := _model_by_reference(con, value)):
            resolved[key] = {"model": model[0], "version": model[1]}
        elif isinstance(value, Mapping) and all(isinstance(n, int) for n in value.values()):
            rounds = batch_rounds(con, list(value))
            resolved[key] = {"batches": {batch: {"rows": rows, "round": rounds.get(batch)}
                                         for batch, rows in sorted(value.items())}}
        else:
            resolved[key] = value
    return resolved


def lineage_round(con: duckdb.DuckDBPyConnection, resolved: Mapping[str, Any]) -> int | None:
    """The newest annotation round in a checkpoint's lineage: of its batches and of the
    versions of its parent models (None when it saw no annotation batch)."""
    rounds: list[int] = []
    for value in resolved.values():
        if not isinstance(value, Mapping):
            continue
        if "batches" in value:
            rounds += [b["round"] for b in value["batches"].values() if b["round"] is not None]
        elif "model" in value:
            found = con.execute("SELECT round FROM model_versions WHERE name = ? AND "
                                "version = ?", [value["model"], value["version"]]).fetchall()
            if found and found[0][0] is not None:
                rounds.append(int(found[0][0]))
    return max(rounds) if rounds else None


def versions(store: Warehouse, name: str) -> pl.DataFrame:
    """Every registered version of ``name``, oldest first."""
    return store.query("SELECT * FROM model_versions WHERE name = ? ORDER BY created_at",
                       [name])


def version_row(store: Warehouse, name: str, version: str) -> dict[str, Any]:
    """One version, given in full or by a prefix, or as ``latest``, ``previous`` or
    ``round:N`` (the latest version whose lineage reaches round N at most)."""
    table = versions(store, name)
    if table.height == 0:
        raise LookupError(f"no version of {name!r} is registered: materialize it first")
    rows = list(table.iter_rows(named=True))
    if version == "latest":
        return rows[-1]
    if version == "previous":
        if len(rows) < 2:
            raise LookupError(f"{name!r} has one version only ({rows[0]['version']})")
        return rows[-2]
    if version.startswith("round:"):
        wanted = int(version.split(":", 1)[1])
        within = [r for r in rows if (r["round"] or 0) <= wanted]
        if not within:
            raise LookupError(f"no version of {name!r} is from round {wanted} or earlier")
        return within[-1]
    matches = [r for r in rows if r["version"].startswith(version)]
    if len(matches) != 1:
        known = ", ".join(r["version"] for r in rows)
        raise LookupError(f"{name!r} has {'no' if not matches else 'several'} version(s) "
                          f"matching {version!r}; known: {known}")
    return matches[0]


@dataclass
class VersionDiff:
    """What changed between two versions of one checkpoint."""

    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    parent_models: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    batches: list[tuple[str, str, int | None, int | None, int | None]] = field(
        default_factory=list)   # (dataset, batch, round, rows before, rows after)
    config: list[tuple[str, Any, Any]] = field(default_factory=list)
    other_parents: list[tuple[str, Any, Any]] = field(default_factory=list)


def _flat(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


# Spec fields that are where a job's files are, not what it computes.
_PATH_FIELDS = frozenset({"output_dir", "train_data", "eval_data"})


def diff_versions(store: Warehouse, name: str, old: str = "previous",
                  new: str = "latest") -> VersionDiff:
    """Parent versions, annotation batches and config keys that differ between two versions."""
    before, after = version_row(store, name, old), version_row(store, name, new)
    diff = VersionDiff(name, before, after)
    parents_a, parents_b = json.loads(before["parents"]), json.loads(after["parents"])
    for key in sorted(set(parents_a) | set(parents_b)):
        a, b = parents_a.get(key), parents_b.get(key)
        if isinstance(a, Mapping) and "model" in a or isinstance(b, Mapping) and "model" in b:
            va = a.get("version") if isinstance(a, Mapping) else None
            vb = b.get("version") if isinstance(b, Mapping) else None
            if va != vb:
                diff.parent_models.append((key, va, vb))
        elif isinstance(a, Mapping) and "batches" in a or isinstance(b, Mapping) and "batches" in b:
            ba = a.get("batches", {}) if isinstance(a, Mapping) else {}
            bb = b.get("batches", {}) if isinstance(b, Mapping) else {}
            for batch in sorted(set(ba) | set(bb)):
                rows_a = ba.get(batch, {}).get("rows")
                rows_b = bb.get(batch, {}).get("rows")
                if rows_a != rows_b:
                    round_ = (bb.get(batch) or ba.get(batch) or {}).get("round")
                    diff.batches.append((key, batch, round_, rows_a, rows_b))
        elif a != b:
            diff.other_parents.append((key, a, b))
    config_a, config_b = _flat(json.loads(before["config"])), _flat(json.loads(after["config"]))
    for key in sorted(set(config_a) | set(config_b)):
        if key.split(".")[-1] in _PATH_FIELDS:
            continue
        if config_a.get(key) != config_b.get(key):
            diff.config.append((key, config_a.get(key), config_b.get(key)))
    return diff


def render_diff(diff: VersionDiff) -> str:
    """The diff as Markdown: a header line per version, then a table per kind of change."""
    def head(row: Mapping[str, Any]) -> str:
        round_ = row["round"] if row["round"] is not None else "-"
        loss = "-" if row["final_loss"] is None else f"{row['final_loss']:.4f}"
        return (f"`{row['version']}` (round {round_}, {row['created_at']:%Y-%m-%d %H:%M}, "
                f"final loss {loss})")

    lines = [f"### `{diff.name}`: {head(diff.old)} → {head(diff.new)}", ""]
    if diff.parent_models:
        lines += ["| parent model | old version | new version |", "|:--|:--|:--|"]
        lines += [f"| {key} | {a or '-'} | {b or '-'} |" for key, a, b in diff.parent_models]
        lines.append("")
    if diff.batches:
        lines += ["| dataset | batch | round | rows before | rows after |",
                  "|:--|:--|--:|--:|--:|"]
        lines += [f"| {key} | {batch} | {r if r is not None else '-'} | "
                  f"{a if a is not None else '-'} | {b if b is not None else '-'} |"
                  for key, batch, r, a, b in diff.batches]
        lines.append("")
    if diff.config or diff.other_parents:
        lines += ["| setting | old | new |", "|:--|:--|:--|"]
        lines += [f"| {key} | {a} | {b} |" for key, a, b in diff.other_parents + diff.config]
        lines.append("")
    if not (diff.parent_models or diff.batches or diff.config or diff.other_parents):
        lines += ["No parent version, batch or setting differs.", ""]
    return "\n".join(lines)


def registered_parents(store: Warehouse, name: str, version: str) -> dict[str, Any]:
    """The parents of one version as the registry resolved them (versions, batches, rounds)."""
    found = store.query("SELECT parents FROM model_versions WHERE name = ? AND version = ?",
                        [name, version])
    return json.loads(found["parents"][0]) if found.height else {}


def checkpoint_version(store: Warehouse, name: str, path: str | Path) -> str:
    """The version of the model at ``path``: the registry's, when ``name`` is a registered
    checkpoint there, else a stamp of the folder's files (a local model from config)."""
    found = store.query("SELECT version FROM model_registry WHERE name = ? AND path = ?",
                        [name, str(path)])
    if found.height and found["version"][0]:
        return str(found["version"][0])
    return version_of(None, str(path))
