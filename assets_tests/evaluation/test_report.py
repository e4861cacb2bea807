"""The Table 11-style benchmark table: markdown, CSV and PNG."""

from __future__ import annotations

import math

import polars as pl

from safety_assets.evaluation.report import (
    PAPER_LLAMA2_CHAT,
    BenchmarkRow,
    benchmark_table,
)

ROWS = [
    BenchmarkRow("Llama 2 (tiny)", "4M", "pretrained", 10.0, 30.5, 20.0, 40.0),
    BenchmarkRow("Llama 2 (tiny)", "4M", "sft", 20.0, 10.25, 22.0, 41.0),
    {"model": "Llama 2 (tiny)", "size": "4M", "stage": "rlhf_ppo", "truthfulqa_pct": 25.0,
     "toxigen_pct": 0.0, "mc1_pct": None, "mc2_pct": math.nan},
]


def test_markdown_follows_table_11_layout():
    table = benchmark_table(ROWS)
    lines = table.markdown.strip().splitlines()
    assert lines[0] == ("| Model | Size | Stage | TruthfulQA ↑ | ToxiGen ↓ | MC1 ↑ | MC2 ↑ "
                        "| Violations ↓ |")
    assert len(lines) == 2 + 3
    assert lines[2] == ("| Llama 2 (tiny) | 4M | pretrained | 10.00 | 30.50 | 20.00 | 40.00 "
                        "| – |")
    # Family and size are written once per group, as in the paper.
    assert lines[3].startswith("|  |  | sft |")
    assert lines[4].endswith("| 25.00 | 0.00 | – | – | – |")


def test_measured_cells_carry_their_interval_and_n(tmp_path):
    row = BenchmarkRow("tiny", "1M", "sft", 26.6, violation_pct=12.0,
                       intervals={"truthfulqa_pct": (19.6, 35.0, 124),
                                  "violation_pct": (6.5, 21.0, 50)})
    table = benchmark_table([row], tmp_path, stem="t")
    assert "| 26.6 [19.6, 35.0] (124) |" in table.markdown
    assert "| 12.0 [6.5, 21.0] (50) |" in table.markdown
    back = pl.read_csv(table.csv_path)
    assert back["truthfulqa_pct_low"][0] == 19.6 and back["violation_pct_n"][0] == 50


def test_csv_and_png_are_written(tmp_path):
    table = benchmark_table([*ROWS, *PAPER_LLAMA2_CHAT], tmp_path / "report", stem="table11")
    assert table.csv_path == tmp_path / "report" / "table11.csv"
    back = pl.read_csv(table.csv_path)
    assert back.columns[:4] == ["model", "size", "stage", "truthfulqa_pct"]
    assert {"toxigen_pct", "mc1_pct", "mc2_pct", "violation_pct", "toxigen_pct_low",
            "toxigen_pct_high", "toxigen_pct_n"} <= set(back.columns)
    assert back.height == 3 + 4
    assert back["truthfulqa_pct"].to_list()[-1] == 64.14
    assert back["mc2_pct"].to_list()[2] is None
    assert table.png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert table.png_path.stat().st_size > 5_000
    assert table.markdown_path.read_text(encoding="utf-8") == table.markdown
    assert "Llama 2-Chat (paper)" in table.markdown


def test_an_empty_table_is_an_error():
    import pytest

    with pytest.raises(ValueError):
        benchmark_table([])
