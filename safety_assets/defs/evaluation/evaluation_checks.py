"""Checks of the evaluation: the judges and the toxicity classifier beat the majority class,
and the TruthfulQA judges fail garbage and label the reference answers right."""

from typing import Any

import dagster as dg

from safety_assets.defs.evaluation.evaluation_assets import toxicity_classifier, truthfulqa_judges
from safety_assets.defs.metadata import latest_metadata


def _beats_baseline(metadata_of: dict[str, Any], prefix: str) -> tuple[bool, dict[str, Any]]:
    accuracy = metadata_of.get(f"{prefix}_held_out_accuracy")
    baseline = metadata_of.get(f"{prefix}_majority_baseline")
    if accuracy is None:
        return True, {"note": "configured local model, or not trained yet"}
    return accuracy > baseline, {"accuracy": accuracy, "majority_baseline": baseline}


@dg.asset_check(asset=truthfulqa_judges, blocking=True,
             description="Each trained judge beats the majority class on held-out questions.")
def judges_beat_majority(context) -> dg.AssetCheckResult:
    metadata = latest_metadata(context, "truthfulqa_judges")
    (truth_ok, truth), (info_ok, info) = (_beats_baseline(metadata, "truth"),
                                          _beats_baseline(metadata, "info"))
    return dg.AssetCheckResult(passed=truth_ok and info_ok,
                            metadata={"truth": dg.MetadataValue.json(truth),
                                      "info": dg.MetadataValue.json(info)})


@dg.asset_check(asset=truthfulqa_judges, blocking=True,
             description="On held-out questions the judges call random tokens, repeated "
                         "words, empty and echoed answers uninformative, 'I have no comment' "
                         "truthful but not informative, and label TruthfulQA's own correct "
                         "and incorrect answers right (judge_probes.DEFAULT_CHECKS).")
def judges_fail_garbage(context) -> dg.AssetCheckResult:
    passed, figures = probe_verdict(latest_metadata(context, "truthfulqa_judges"))
    return dg.AssetCheckResult(passed=passed, metadata=figures)


def probe_verdict(metadata: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """The probe checks' verdict as the judges' materialization recorded it."""
    report = metadata.get("probe_report")
    if report is None:
        # A materialization that carries no probe verdict cannot vouch for the judges.
        return False, {"note": "the latest materialization has no probe report"}
    failed = [c for c in report["checks"] if not c["passed"]]
    return not failed, {
        "summary": metadata.get("probe_summary", ""),
        "failed": dg.MetadataValue.json(failed),
        "rates": dg.MetadataValue.json(report["rates"]),
        "seed": report.get("seed", 0),
        "n_probes": report.get("n_probes", 0)}


@dg.asset_check(asset=toxicity_classifier, blocking=True,
             description="The trained classifier beats the majority class on held-out "
                         "statements.")
def toxicity_classifier_beats_majority(context) -> dg.AssetCheckResult:
    passed, figures = _beats_baseline(latest_metadata(context, "toxicity_classifier"),
                                      "toxicity")
    return dg.AssetCheckResult(passed=passed, metadata=figures)
