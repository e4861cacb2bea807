"""Small helpers that turn frames into metadata a person reads in the UI."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl


def markdown_table(frame: pl.DataFrame, max_rows: int = 50) -> dg.MetadataValue:
    if frame.height == 0:
        return dg.MetadataValue.md("_(no rows)_")
    shown = frame.head(max_rows)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    lines = [header, rule]
    for row in shown.iter_rows():
        cells = [str(value).replace("|", "\\|").replace("\n", " ")[:120] for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    if frame.height > max_rows:
        lines.append(f"\n_{frame.height - max_rows} more rows_")
    return dg.MetadataValue.md("\n".join(lines))


def counts(frame: pl.DataFrame, by: Iterable[str]) -> pl.DataFrame:
    columns = list(by)
    if frame.height == 0:
        return pl.DataFrame(schema={**{c: pl.String for c in columns}, "rows": pl.UInt32})
    return frame.group_by(columns).len(name="rows").sort(columns)


def reused_materialization(context: dg.AssetExecutionContext, version: str
                           ) -> dg.MaterializeResult:
    """The materialization of a partition whose inputs did not change: nothing recomputed,
    the previous metadata shown again and marked ``reused``, the same data version (so
    nothing downstream becomes stale)."""
    partitions = [context.partition_key] if context.has_partition_key else None
    found = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=context.asset_key, asset_partitions=partitions),
        limit=1).records
    previous: dict[str, Any] = {}
    if found and found[0].asset_materialization is not None:
        previous = {key: value for key, value in found[0].asset_materialization.metadata.items()
                    if not key.startswith("dagster/")}
    context.log.info(f"{context.asset_key.to_user_string()}"
                     f"{'[' + context.partition_key + ']' if partitions else ''}: inputs "
                     f"unchanged (version {version}); stored result reused, nothing recomputed")
    return dg.MaterializeResult(metadata={**previous, "reused": True, "input_version": version},
                             data_version=dg.DataVersion(version))


def checkpoint_materialization(name: str, job: Path, metrics: dict[str, Any], data_hash: str,
                               *, reported: dict[str, Any], parents: dict[str, Any],
                               train_examples: int, eval_examples: int,
                               version: str | None = None) -> dg.MaterializeResult:
    """What a trained checkpoint shows: its folder, parents, data sizes, the trainer's figures
    and loss curve. The job hash is its data version: it covers the training data and the
    whole spec, the parent checkpoint's folder included."""
    from safety_assets.plots import markdown_image
    from safety_assets.storage.model_store import ModelStore

    metadata: dict[str, Any] = {
        **reported,
        "model_dir": dg.MetadataValue.path(str(ModelStore.model_dir(job))),
        "parents": dg.MetadataValue.json(parents),
        "data_hash": data_hash,
        **({"version": version} if version else {}),
        "train_examples": train_examples,
        "eval_examples": eval_examples,
        "num_parameters": metrics.get("num_parameters"),
        "tokens_seen": metrics.get("tokens_seen"),
        "tokens_per_s": round(float(metrics.get("tokens_per_s") or 0.0), 1),
        "steps": metrics.get("steps"),
        "final_train_loss": metrics.get("final_train_loss"),
        "wall_time_s": round(float(metrics.get("wall_time_s") or 0.0), 1),
    }
    for key in ("eval_loss", "eval_accuracy"):
        if metrics.get(key) is not None:
            metadata[key] = metrics[key]
    curve = job / "loss_curve.png"
    if curve.exists():
        metadata["loss_curve"] = dg.MetadataValue.md(markdown_image(curve, f"{name} loss"))
    return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(data_hash[:24]))


def latest_metadata(context: Any, asset_key: str) -> dict[str, Any]:
    """The plain metadata values of ``asset_key``'s latest materialization (checks read the
    figures their asset reported, and the config it ran with)."""
    event = context.instance.get_latest_materialization_event(dg.AssetKey(asset_key))
    if event is None or event.asset_materialization is None:
        return {}
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}
