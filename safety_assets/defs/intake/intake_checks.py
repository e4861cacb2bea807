"""Intake's checks: the GX suites of each batch, reported as the asset checks of the
validated records (they run inside the intake step, on the staged batch)."""

import dagster as dg
import duckdb
import polars as pl

from safety_assets.defs.metadata import markdown_table
from safety_assets.intake import expectations as ex
from safety_assets.intake.suites import BatchSuites, run_batch_suites, stage_frames

BATCH_CHECKS = [
    dg.AssetCheckSpec("prompts_suite", asset="prompts", blocking=True,
                   description="GX: ids unique and present, text non-empty within length bounds, "
                               "risk category and attack vector in the taxonomy."),
    dg.AssetCheckSpec("prompts_category_coverage", asset="prompts",
                   description="GX (warning): the batch's adversarial prompts cover every risk "
                               "category."),
    dg.AssetCheckSpec("prompts_untagged", asset="prompts",
                   description="GX (warning): imported prompts still without a risk category."),
    dg.AssetCheckSpec("demonstrations_suite", asset="demonstrations", blocking=True,
                   description="GX: ids unique, prompt id and response present, length bounds."),
    dg.AssetCheckSpec("preference_pairs_suite", asset="preference_pairs", blocking=True,
                   description="GX: ids unique, chosen != rejected, strength and axis domains, "
                               "length bounds."),
    dg.AssetCheckSpec("preference_label_balance", asset="preference_pairs",
                   description="GX (warning): safe/unsafe labels are neither all one way nor "
                               "absent."),
    dg.AssetCheckSpec("safety_ratings_suite", asset="safety_ratings", blocking=True,
                   description="GX: one rating per task and rater, task id present, rating "
                               "on the 1-5 Likert scale."),
    dg.AssetCheckSpec("quarantine_empty", asset="quarantined_records",
                   description="Warning when any row of the batch was quarantined."),
]


def _suite_result(check: str, asset_key: str, outcome: ex.SuiteOutcome, warn: bool = False,
                  ) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=check, passed=outcome.success,
        severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
        metadata=outcome.metadata())


def check_results(suites: BatchSuites) -> list[dg.AssetCheckResult]:
    results = [_suite_result("prompts_suite", "prompts", suites.prompts)]
    if suites.coverage is not None:
        results.append(_suite_result("prompts_category_coverage", "prompts", suites.coverage,
                                     warn=True))
    else:
        results.append(dg.AssetCheckResult(
            asset_key="prompts", check_name="prompts_category_coverage", passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"note": "no adversarial prompts in this batch"}))
    results.append(_suite_result("prompts_untagged", "prompts", suites.untagged, warn=True))
    results.append(_suite_result("demonstrations_suite", "demonstrations",
                                 suites.demonstrations))
    results.append(_suite_result("preference_pairs_suite", "preference_pairs",
                                 suites.preference_pairs))
    if suites.label_balance is not None:
        results.append(_suite_result("preference_label_balance", "preference_pairs",
                                     suites.label_balance, warn=True))
    else:
        results.append(dg.AssetCheckResult(
            asset_key="preference_pairs", check_name="preference_label_balance",
            passed=suites.n_pairs == 0, severity=dg.AssetCheckSeverity.WARN,
            metadata={"note": "no safe/unsafe labels in this batch"}))
    if suites.safety_ratings is not None:
        results.append(_suite_result("safety_ratings_suite", "safety_ratings",
                                     suites.safety_ratings))
    results.append(dg.AssetCheckResult(
        asset_key="quarantined_records", check_name="quarantine_empty",
        passed=suites.n_quarantined == 0, severity=dg.AssetCheckSeverity.WARN,
        metadata={"quarantined": suites.n_quarantined,
                  "reasons": head_table(suites.quarantine_reasons, suites.n_reasons)}))
    return results


def batch_checks(prompts: pl.DataFrame, demonstrations: pl.DataFrame,
                 pairs: pl.DataFrame, quarantine: pl.DataFrame,
                 chunk_rows: int | None = None,
                 ratings: pl.DataFrame | None = None) -> list[dg.AssetCheckResult]:
    """The GX suites of one batch given as frames, as check results (tests on bad data): the
    same chunked suites the asset runs on a staged batch."""
    with duckdb.connect() as con:
        stage_frames(con, prompts, demonstrations, pairs, quarantine, ratings)
        return check_results(run_batch_suites(con, chunk_rows=chunk_rows))


def head_table(head: pl.DataFrame, total: int) -> dg.MetadataValue:
    """A markdown table of the first rows of a result that has ``total`` rows."""
    table = markdown_table(head, max(head.height, 1))
    if total > head.height:
        return dg.MetadataValue.md(f"{table.value}\n\n_{total - head.height} more rows_")
    return table
