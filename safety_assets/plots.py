"""Plots as PNG bytes and as markdown images a Dagster materialization can show."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")   # no display here; set before pyplot is first imported


@contextmanager
def figure_to(path: str | os.PathLike[str], dpi: int = 90, **subplots: Any
              ) -> Iterator[tuple[Any, Any]]:
    """``(figure, axes)`` from ``plt.subplots(**subplots)``; on leaving the block the
    figure is laid out and written to ``path`` atomically (a reader never sees half a PNG),
    and always closed."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(**subplots)
    try:
        yield figure, axes
        figure.tight_layout()
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}.png")
        figure.savefig(tmp, dpi=dpi)
        os.replace(tmp, out)
    finally:
        plt.close(figure)


def markdown_image(png: Path, alt: str) -> str:
    """A markdown image with the PNG inlined, so the UI shows it without a file server."""
    data = base64.b64encode(png.read_bytes()).decode()
    return f"![{alt}](data:image/png;base64,{data})"


def grouped_bars(table: dict[str, dict[str, float]], path: Path, title: str,
                 ylabel: str, reference: float | None = None) -> Path:
    """Bars per group (outer key) and series (inner key): e.g. RM accuracy by strength."""
    groups = list(table)
    series = sorted({name for values in table.values() for name in values})
    width = 0.8 / max(1, len(series))
    with figure_to(path, figsize=(max(6, 1.2 * len(groups) + 2), 4)) as (_, axis):
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
    return path


def reliability_diagram(curves: dict[str, Any], path: Path, title: str,
                        thresholds: dict[str, float] | None = None) -> Path:
    """Observed share of safe responses against the predicted probability, per score (each a
    reliability table with mean_predicted, observed_safe and n); the diagonal is calibration.
    Marker area follows the bin's count; ``thresholds`` draw the rules that read the level."""
    with figure_to(path, figsize=(5.5, 5)) as (_, axis):
        axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1,
                  label="calibrated")
        for name, table in curves.items():
            if table.height == 0:
                continue
            sizes = [20 + 200 * n / max(table["n"]) for n in table["n"]]
            axis.plot(table["mean_predicted"], table["observed_safe"], marker="o",
                      markersize=3, label=name)
            axis.scatter(table["mean_predicted"], table["observed_safe"], s=sizes, alpha=0.3)
        for label, value in (thresholds or {}).items():
            axis.axvline(value, color="black", linewidth=0.8, linestyle=":")
            axis.annotate(label, (value, 0.02), rotation=90, fontsize=8)
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.set_xlabel("predicted P(safe) = sigmoid(safety score)")
        axis.set_ylabel("observed share safe (held-out labels)")
        axis.set_title(title)
        axis.legend(loc="upper left")
    return path
