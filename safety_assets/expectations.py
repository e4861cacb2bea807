"""Great Expectations suites for the warehouse tables, run on a pandas frame.

dagster-ge does not support GX 1.x, so suites run here directly (ephemeral context,
whole-dataframe batch) and the Dagster checks turn the outcome into AssetCheckResults.
Each suite splits into *blocking* expectations (must hold before training) and
*warning* ones (reported, never stop a run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import great_expectations as gx
import pandas as pd
import polars as pl

from safety_assets import taxonomy
from safety_assets.intake_validation import IntakeLimits

DEFAULT_LIMITS = IntakeLimits()


@dataclass
class SuiteOutcome:
    suite: str
    success: bool
    evaluated: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {"suite": self.suite, "expectations": self.evaluated,
                "failed": len(self.failures), "failures": self.failures}


def run_suite(name: str, frame: pl.DataFrame | pd.DataFrame,
              expectations: list[gx.expectations.Expectation]) -> SuiteOutcome:
    """Validate ``frame`` against ``expectations``; an empty frame trivially passes."""
    data = frame.to_pandas() if isinstance(frame, pl.DataFrame) else frame
    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas(f"{name}_source")
             .add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole"))
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite))
    result = validation.run(batch_parameters={"dataframe": data})
    failures = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        detail = item.result or {}
        failures.append({
            "expectation": config.type,
            "column": config.kwargs.get("column") or config.kwargs.get("column_list"),
            "unexpected_count": detail.get("unexpected_count"),
            "observed_value": _plain(detail.get("observed_value")),
            "examples": [_plain(v) for v in (detail.get("partial_unexpected_list") or [])[:5]],
        })
    return SuiteOutcome(name, bool(result.success), len(result.results), failures)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value[:10]]
    return str(value)[:200]


def _lengths(column: str, limits: IntakeLimits) -> gx.expectations.Expectation:
    return gx.expectations.ExpectColumnValueLengthsToBeBetween(
        column=column, min_value=1, max_value=limits.max_text_chars)


def prompt_expectations(limits: IntakeLimits = DEFAULT_LIMITS
                        ) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="text"),
        _lengths("text", limits),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="risk_category", value_set=sorted(taxonomy.RISK_CATEGORY_NAMES)),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="attack_vector", value_set=sorted(taxonomy.ATTACK_VECTOR_NAMES)),
    ]


def demonstration_expectations(limits: IntakeLimits = DEFAULT_LIMITS
                               ) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="prompt_id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="response"),
        _lengths("response", limits),
    ]


def preference_expectations(limits: IntakeLimits = DEFAULT_LIMITS
                            ) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
        _lengths("chosen", limits),
        _lengths("rejected", limits),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="chosen_equals_rejected", value_set=[False]),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="strength", value_set=list(taxonomy.PREFERENCE_STRENGTHS)),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="axis", value_set=list(taxonomy.PREFERENCE_AXES)),
    ]


def preference_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs with the derived columns the suites read."""
    return pairs.with_columns(
        chosen_equals_rejected=pl.col("chosen").str.strip_chars()
        == pl.col("rejected").str.strip_chars(),
        rejected_safe_share=pl.col("rejected_safe").cast(pl.Float64),
    )


def coverage_expectations(categories: tuple[str, ...] = taxonomy.ADVERSARIAL_CATEGORIES
                          ) -> list[gx.expectations.Expectation]:
    """Warning: a batch of adversarial prompts should touch every risk category."""
    return [gx.expectations.ExpectColumnDistinctValuesToContainSet(
        column="risk_category", value_set=list(categories))]


def untagged_expectations() -> list[gx.expectations.Expectation]:
    """Warning: imported prompts still waiting for a risk category (reported, never dropped)."""
    return [gx.expectations.ExpectColumnValuesToNotBeInSet(
        column="risk_category", value_set=[taxonomy.UNTAGGED])]


def label_balance_expectations(low: float = 0.2, high: float = 0.8
                               ) -> list[gx.expectations.Expectation]:
    """Warning: the share of rejected responses labelled safe should be neither ~0 nor ~1
    (the paper's bins put it near 0.47)."""
    return [gx.expectations.ExpectColumnMeanToBeBetween(
        column="rejected_safe_share", min_value=low, max_value=high)]
