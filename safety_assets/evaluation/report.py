"""The benchmark table in the layout of Llama 2's Table 11, as markdown, CSV and a bar chart.

Rows: a model family and size, then the pipeline's stages for it (pretrained, SFT, RLHF,
context distillation, ...), in the order given. Columns: TruthfulQA ↑ (% truthful and
informative), ToxiGen ↓ (% toxic generations), then the judge-free MC1 ↑ and MC2 ↑ (as %), and
the held-out violation rate ↓ by the independent judge. Every measured cell carries its 95%
interval and n (``value [low, high] (n)``); the plot draws the intervals as error bars.
Missing values render as "–" and are empty in the CSV.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl

COLUMNS: tuple[tuple[str, str], ...] = (
    ("truthfulqa_pct", "TruthfulQA ↑"),
    ("toxigen_pct", "ToxiGen ↓"),
    ("mc1_pct", "MC1 ↑"),
    ("mc2_pct", "MC2 ↑"),
    ("violation_pct", "Violations ↓"),
)


@dataclass(frozen=True)
class BenchmarkRow:
    model: str                      # model family, e.g. "Llama 2 (tiny)"
    size: str                       # e.g. "7B", "4M"
    stage: str                      # pipeline stage, e.g. "pretrained", "sft", "rlhf_ppo"
    truthfulqa_pct: float | None = None
    toxigen_pct: float | None = None
    mc1_pct: float | None = None
    mc2_pct: float | None = None
    violation_pct: float | None = None
    # Per column key: (low, high, n) of the 95% interval; absent for figures not measured
    # here (the paper's rows).
    intervals: Mapping[str, tuple[float, float, int]] | None = None


# Table 14 of the paper (fine-tuned Llama 2-Chat), the targets of the safety tuning; see
# design/PAPER_NOTES.md. MC1/MC2 are not reported there.
PAPER_LLAMA2_CHAT: tuple[BenchmarkRow, ...] = (
    BenchmarkRow("Llama 2-Chat (paper)", "7B", "paper", 57.04, 0.00),
    BenchmarkRow("Llama 2-Chat (paper)", "13B", "paper", 62.18, 0.00),
    BenchmarkRow("Llama 2-Chat (paper)", "34B", "paper", 67.20, 0.02),
    BenchmarkRow("Llama 2-Chat (paper)", "70B", "paper", 64.14, 0.01),
)


def _as_row(row: BenchmarkRow | Mapping[str, Any]) -> BenchmarkRow:
    if isinstance(row, BenchmarkRow):
        return row
    fields = {k: row[k] for k in BenchmarkRow.__dataclass_fields__ if k in row}
    return BenchmarkRow(**fields)


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclass
class BenchmarkTable:
    frame: pl.DataFrame
    markdown: str
    csv_path: Path | None = None
    png_path: Path | None = None
    markdown_path: Path | None = None


def _fmt(value: float | None, low: float | None = None, high: float | None = None,
         n: int | None = None) -> str:
    if value is None:
        return "–"
    if low is None or high is None:
        return f"{value:.2f}"
    return f"{value:.1f} [{low:.1f}, {high:.1f}] ({n})"


def to_markdown(frame: pl.DataFrame) -> str:
    """Table 11's layout: the family and size are written once, on the first row of a group."""
    header = ["Model", "Size", "Stage", *(label for _, label in COLUMNS)]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join([":--", ":--", ":--", *(["--:"] * len(COLUMNS))]) + "|"]
    previous: tuple[str, str] | None = None
    for rec in frame.iter_rows(named=True):
        model = rec["model"] if previous is None or previous[0] != rec["model"] else ""
        size = rec["size"] if previous != (rec["model"], rec["size"]) else ""
        previous = (rec["model"], rec["size"])
        cells = [model, size, rec["stage"],
                 *(_fmt(rec[key], rec.get(f"{key}_low"), rec.get(f"{key}_high"),
                        rec.get(f"{key}_n")) for key, _ in COLUMNS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_table(frame: pl.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """Grouped bars (one group per row, one bar per metric) written as a PNG with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = [
        "\n".join([*textwrap.wrap(r["model"], 16), f"{r['size']} · {r['stage']}"])
        for r in frame.iter_rows(named=True)
    ]
    n_rows, n_metrics = len(labels), len(COLUMNS)
    width = 0.8 / n_metrics
    fig = Figure(figsize=(max(6.0, 1.5 * n_rows + 2), 5.0))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for j, (key, label) in enumerate(COLUMNS):
        values = [v if v is not None else 0.0 for v in frame[key].to_list()]
        xs = [i + (j - (n_metrics - 1) / 2) * width for i in range(n_rows)]
        lows, highs = frame[f"{key}_low"].to_list(), frame[f"{key}_high"].to_list()
        errors = [[v - lo if lo is not None else 0.0 for v, lo in zip(values, lows, strict=True)],
                  [hi - v if hi is not None else 0.0 for v, hi in zip(values, highs,
                                                                       strict=True)]]
        bars = ax.bar(xs, values, width=width, label=label, yerr=errors, capsize=2,
                      error_kw={"elinewidth": 0.8})
        for bar, raw in zip(bars, frame[key].to_list(), strict=True):
            if raw is None:
                bar.set_hatch("//")
                bar.set_alpha(0.3)
    ax.set_xticks(list(range(n_rows)))
    ax.set_xticklabels(labels, fontsize=8)
    ax.set_ylabel("%")
    ax.set_title(title or "TruthfulQA and ToxiGen (Llama 2, Table 11 layout), 95% intervals")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def benchmark_table(
    rows: Iterable[BenchmarkRow | Mapping[str, Any]],
    out_dir: str | Path | None = None,
    *,
    stem: str = "benchmark_table",
    title: str | None = None,
) -> BenchmarkTable:
    """Build the table; with ``out_dir`` also write ``{stem}.md``, ``.csv`` and ``.png`` there."""
    records = []
    for row in rows:
        rec = asdict(_as_row(row))
        intervals = rec.pop("intervals") or {}
        for key, _ in COLUMNS:
            rec[key] = _clean(rec[key])
            low, high, n = intervals.get(key, (None, None, None))
            rec[f"{key}_low"], rec[f"{key}_high"], rec[f"{key}_n"] = (
                _clean(low), _clean(high), n)
        records.append(rec)
    if not records:
        raise ValueError("no rows for the benchmark table")
    frame = pl.DataFrame(
        records,
        schema={"model": pl.String, "size": pl.String, "stage": pl.String,
                **{f"{key}{suffix}": dtype for key, _ in COLUMNS
                   for suffix, dtype in (("", pl.Float64), ("_low", pl.Float64),
                                         ("_high", pl.Float64), ("_n", pl.Int64))}},
    )
    table = BenchmarkTable(frame=frame, markdown=to_markdown(frame))
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        table.csv_path = out / f"{stem}.csv"
        frame.write_csv(table.csv_path)
        table.markdown_path = out / f"{stem}.md"
        table.markdown_path.write_text(table.markdown, encoding="utf-8")
        table.png_path = plot_table(frame, out / f"{stem}.png", title=title)
    return table
