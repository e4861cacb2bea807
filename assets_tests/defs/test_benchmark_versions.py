"""Which settings enter a benchmark partition's version: only those the benchmark reads, so
that a larger TruthfulQA run leaves the stored ToxiGen and violation results in place."""

from __future__ import annotations

import pytest

from safety_assets.defs.evaluation.evaluation_assets import BenchmarkConfig, benchmark_settings
from safety_assets.evaluation.benchmark_runs import BENCHMARKS


@pytest.mark.parametrize(("field", "value", "changes"), [
    ("max_questions", 817, {"truthfulqa"}),
    ("toxigen_per_file", 9, {"toxigen"}),
    ("safety_prompt_round", 2, {"safety"}),
    ("max_new_tokens", 64, {"truthfulqa", "toxigen", "safety"}),
    ("seed", 3, {"truthfulqa", "toxigen", "safety"}),
])
def test_a_setting_changes_the_version_of_only_the_benchmarks_that_read_it(
        field: str, value: int, changes: set[str]) -> None:
    base, other = BenchmarkConfig(), BenchmarkConfig(**{field: value})
    changed = {benchmark for benchmark in BENCHMARKS
               if benchmark_settings(benchmark, base) != benchmark_settings(benchmark, other)}
    assert changed == changes


def test_every_benchmark_setting_enters_some_benchmarks_version() -> None:
    read = set()
    for benchmark in BENCHMARKS:
        read |= set(benchmark_settings(benchmark, BenchmarkConfig()))
    assert read == set(BenchmarkConfig.model_fields)
