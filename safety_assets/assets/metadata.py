"""Small helpers that turn frames into metadata a person reads in the UI."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
from dagster import MetadataValue


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
