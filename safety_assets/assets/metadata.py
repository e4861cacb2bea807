"""Small helpers that turn frames into metadata a person reads in the UI."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetRecordsFilter,
    DataVersion,
    MaterializeResult,
    MetadataValue,
)


def markdown_table(frame: pl.DataFrame, max_rows: int = 50) -> MetadataValue:
    if frame.height == 0:
        return MetadataValue.md("_(no rows)_")
    shown = frame.head(max_rows)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    lines = [header, rule]
    for row in shown.iter_rows():
        cells = [str(value).replace("|", "\\|").replace("\n", " ")[:120] for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    if frame.height > max_rows:
        lines.append(f"\n_{frame.height - max_rows} more rows_")
    return MetadataValue.md("\n".join(lines))


def counts(frame: pl.DataFrame, by: Iterable[str]) -> pl.DataFrame:
    columns = list(by)
    if frame.height == 0:
        return pl.DataFrame(schema={**{c: pl.String for c in columns}, "rows": pl.UInt32})
    return frame.group_by(columns).len(name="rows").sort(columns)


def reused_materialization(context: AssetExecutionContext, version: str
                           ) -> MaterializeResult:
    """The materialization of a partition whose inputs did not change: nothing recomputed,
    the previous metadata shown again and marked ``reused``, the same data version (so
    nothing downstream becomes stale)."""
    partitions = [context.partition_key] if context.has_partition_key else None
    found = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=context.asset_key, asset_partitions=partitions),
        limit=1).records
    previous: dict[str, Any] = {}
    if found and found[0].asset_materialization is not None:
        previous = {key: value for key, value in found[0].asset_materialization.metadata.items()
                    if not key.startswith("dagster/")}
    context.log.info(f"{context.asset_key.to_user_string()}"
                     f"{'[' + context.partition_key + ']' if partitions else ''}: inputs "
                     f"unchanged (version {version}); stored result reused, nothing recomputed")
    return MaterializeResult(metadata={**previous, "reused": True, "input_version": version},
                             data_version=DataVersion(version))
