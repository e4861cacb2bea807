"""Evaluation logic of the pipeline (Table 11 of Llama 2), with no knowledge of Dagster.

- :mod:`.truthfulqa`: the question file, the 6-shot QA prompt, generation, MC1/MC2 exactly as
  lm-evaluation-harness, and % truthful / informative / both from judge verdicts.
- :mod:`.judges`: local replacements for GPT-judge and GPT-info (MiniLM embeddings + a small
  head, or a configured local Hugging Face judge).
- :mod:`.toxigen`: prompt files, sampling, continuations, a toxicity classifier, % toxic.
- :mod:`.safety_violations`: % violations per risk category / attack vector from safety-RM
  probabilities.
- :mod:`.report`: the Table 11-style benchmark table (markdown, CSV, PNG).
"""

from safety_assets.evaluation.data_paths import EvalDataPaths
from safety_assets.evaluation.embedding import HeadConfig, HeldOutMetrics, TextEncoder
from safety_assets.evaluation.judges import (
    Judge,
    JudgeConfig,
    load_judge,
    train_judge,
)
from safety_assets.evaluation.report import BenchmarkRow, BenchmarkTable, benchmark_table
from safety_assets.evaluation.safety_violations import (
    ViolationConfig,
    ViolationReport,
    violation_rates,
    violations_frame,
)
from safety_assets.evaluation.toxigen import (
    ToxicityClassifier,
    ToxicityConfig,
    continuation_text,
    load_toxicity_classifier,
    sample_prompts,
    toxigen_scores,
    train_toxicity_classifier,
)
from safety_assets.evaluation.truthfulqa import (
    MCResult,
    TruthfulQAItem,
    TruthfulQAScores,
    generate_answers,
    load_truthfulqa,
    option_logliks,
    qa_prompt,
    truthfulqa_mc,
    truthfulqa_scores,
)

__all__ = [
    "BenchmarkRow",
    "BenchmarkTable",
    "EvalDataPaths",
    "HeadConfig",
    "HeldOutMetrics",
    "Judge",
    "JudgeConfig",
    "MCResult",
    "TextEncoder",
    "ToxicityClassifier",
    "ToxicityConfig",
    "TruthfulQAItem",
    "TruthfulQAScores",
    "ViolationConfig",
    "ViolationReport",
    "benchmark_table",
    "continuation_text",
    "generate_answers",
    "load_judge",
    "load_toxicity_classifier",
    "load_truthfulqa",
    "option_logliks",
    "qa_prompt",
    "sample_prompts",
    "toxigen_scores",
    "train_judge",
    "train_toxicity_classifier",
    "truthfulqa_mc",
    "truthfulqa_scores",
    "violation_rates",
    "violations_frame",
]
