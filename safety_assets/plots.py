"""Plots as PNG bytes and as markdown images a Dagster materialization can show."""

from __future__ import annotations

import base64
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


def markdown_image(png: Path, alt: str) -> str:
    """A markdown image with the PNG inlined, so the UI shows it without a file server."""
    data = base64.b64encode(png.read_bytes()).decode()
    return f"![{alt}](data:image/png;base64,{data})"


def grouped_bars(table: dict[str, dict[str, float]], path: Path, title: str,
                 ylabel: str, reference: float | None = None) -> Path:
    """Bars per group (outer key) and series (inner key): e.g. RM accuracy by strength."""
    import matplotlib.pyplot as plt

    groups = list(table)
    series = sorted({name for values in table.values() for name in values})
    width = 0.8 / max(1, len(series))
    figure, axis = plt.subplots(figsize=(max(6, 1.2 * len(groups) + 2), 4))
    for index, name in enumerate(series):
        xs = [g + index * width for g in range(len(groups))]
        axis.bar(xs, [table[g].get(name, float("nan")) for g in groups], width, label=name)
    axis.set_xticks([g + width * (len(series) - 1) / 2 for g in range(len(groups))])
    axis.set_xticklabels(groups, rotation=20, ha="right")
    if reference is not None:
        axis.axhline(reference, color="grey", linestyle="--", linewidth=1)
    axis.set_title(title)
    axis.set_ylabel(ylabel)
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path
