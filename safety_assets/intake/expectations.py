"""Great Expectations suites for the warehouse tables, run on pandas frames.

dagster-ge does not support GX 1.x, so suites run here directly (ephemeral context,
whole-dataframe batches: one frame, or a batch's chunks one after the other with the outcomes
merged) and the Dagster checks turn the outcome into AssetCheckResults.
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
from safety_assets.intake.records import RATING_SCALE
from safety_assets.intake.validation import IntakeLimits

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


# Expectations whose outcome depends on the whole batch, not on each row: chunked runs
# validate them on a small aggregate that stands for the batch (see ChunkedSuite.validate_whole).
BATCH_WIDE: tuple[type[gx.expectations.Expectation], ...] = (
    gx.expectations.ExpectColumnValuesToBeUnique,
    gx.expectations.ExpectColumnDistinctValuesToContainSet,
    gx.expectations.ExpectColumnMeanToBeBetween,
)
MAX_EXAMPLES = 5


@dataclass
class _Tally:
    """One expectation's outcome, merged over the frames it was validated on."""

    expectation: str
    column: Any
    success: bool = True
    unexpected_count: int | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)

    def merge(self, success: bool, detail: dict[str, Any]) -> None:
        self.success = self.success and success
        count = detail.get("unexpected_count")
        if count is not None:
            self.unexpected_count = (self.unexpected_count or 0) + int(count)
        if "observed_value" in detail:
            self.observed_value = _plain(detail.get("observed_value"))
        room = MAX_EXAMPLES - len(self.examples)
        if room > 0:
            self.examples += [_plain(v) for v in (detail.get("partial_unexpected_list")
                                                  or [])[:room]]

    def failure(self) -> dict[str, Any]:
        return {"expectation": self.expectation, "column": self.column,
                "unexpected_count": self.unexpected_count,
                "observed_value": self.observed_value, "examples": self.examples}


class ChunkedSuite:
    """A suite validated frame by frame on one GX validation definition, its outcomes merged.

    Row-level expectations (not null, lengths, in set) run on each chunk of a batch
    (:meth:`validate_chunk`); the batch-wide ones (:data:`BATCH_WIDE`) run once, on a small
    aggregate that stands for the whole batch (:meth:`validate_whole`). Unexpected counts add
    up, the first examples are kept, failures are listed in the suite's order.
    """

    def __init__(self, name: str, expectations: list[gx.expectations.Expectation]) -> None:
        self.name = name
        self._expectations = list(expectations)
        self._context = gx.get_context(mode="ephemeral")
        self._source = self._context.data_sources.add_pandas(f"{name}_source")
        self._order = [id(e) for e in expectations]
        self._tallies = {id(e): _Tally(e.expectation_type, _column(e)) for e in expectations}
        self._row_level = self._definition(
            "rows", [e for e in expectations if not isinstance(e, BATCH_WIDE)])
        self._whole: dict[int, gx.ValidationDefinition] = {}

    def _definition(self, part: str, expectations: list[gx.expectations.Expectation]
                    ) -> tuple[gx.ValidationDefinition, dict[str, int], list[str]] | None:
        if not expectations:
            return None
        name = f"{self.name}_{part}"
        batch = self._source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(
            "whole")
        suite = self._context.suites.add(gx.ExpectationSuite(name=name))
        # GX reports results in its own order: they are matched back by expectation id.
        ids = {suite.add_expectation(e.copy()).id: id(e) for e in expectations}
        validation = self._context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{name}_validation", data=batch, suite=suite))
        named = [_column(e) for e in expectations]
        columns = list(dict.fromkeys(c for n in named for c in (n if isinstance(n, list)
                                                                else [n])))
        return validation, ids, columns

    def _run(self, part: tuple[gx.ValidationDefinition, dict[str, int], list[str]],
             frame: pl.DataFrame | pd.DataFrame,
             unexpected_count: int | None = None) -> None:
        validation, ids, columns = part
        # Only the columns the expectations read: GX fingerprints every cell it is handed.
        data = (frame.select(columns).to_pandas() if isinstance(frame, pl.DataFrame)
                else frame[columns])
        result = validation.run(batch_parameters={"dataframe": data})
        for item in result.results:
            detail = dict(item.result or {})
            if unexpected_count is not None:
                detail["unexpected_count"] = unexpected_count
            self._tallies[ids[item.expectation_config.id]].merge(bool(item.success), detail)

    def validate_chunk(self, frame: pl.DataFrame | pd.DataFrame) -> None:
        """Validate the row-level expectations on one chunk of the batch."""
        if self._row_level is not None:
            self._run(self._row_level, frame)

    def batch_wide(self) -> list[gx.expectations.Expectation]:
        return [e for e in self._expectations if isinstance(e, BATCH_WIDE)]

    def validate_whole(self, expectation: gx.expectations.Expectation,
                       frame: pl.DataFrame | pd.DataFrame,
                       unexpected_count: int | None = None) -> None:
        """Validate one batch-wide expectation on ``frame``, an aggregate standing for the
        whole batch; ``unexpected_count``, when given, is the batch's own count (the aggregate
        may hold only a sample of the unexpected rows)."""
        key = id(expectation)
        if key not in self._whole:
            self._whole[key] = self._definition(f"whole{len(self._whole)}", [expectation])
        part = self._whole[key]
        if part is not None:
            self._run(part, frame, unexpected_count)

    def outcome(self) -> SuiteOutcome:
        tallies = [self._tallies[key] for key in self._order]
        return SuiteOutcome(self.name, all(t.success for t in tallies), len(tallies),
                            [t.failure() for t in tallies if not t.success])


def _column(expectation: gx.expectations.Expectation) -> Any:
    kwargs = expectation.configuration.kwargs
    return kwargs.get("column") or kwargs.get("column_list")


def run_suite(name: str, frame: pl.DataFrame | pd.DataFrame,
              expectations: list[gx.expectations.Expectation]) -> SuiteOutcome:
    """Validate ``frame`` against ``expectations``; an empty frame trivially passes."""
    suite = ChunkedSuite(name, expectations)
    suite.validate_chunk(frame)
    for expectation in expectations:
        if isinstance(expectation, BATCH_WIDE):
            suite.validate_whole(expectation, frame)
    return suite.outcome()


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value[:10]]
    return str(value)[:200]


def length_column(column: str) -> str:
    """The column holding ``column``'s length in characters (code points, as Python's len()
    and DuckDB's length() count them; NULL where the text is NULL). The suites hand GX these
    lengths instead of the texts: GX copies and fingerprints every cell it is given, and a
    text's only row-level rules are that it is there and within the limit."""
    return f"{column}_length"


def with_lengths(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``frame`` with the length column of each of ``columns`` added."""
    return frame.with_columns(pl.col(column).str.len_chars().alias(length_column(column))
                              for column in columns)


def _present(column: str) -> gx.expectations.Expectation:
    return gx.expectations.ExpectColumnValuesToNotBeNull(column=length_column(column))


def _lengths(column: str, limits: IntakeLimits) -> gx.expectations.Expectation:
    return gx.expectations.ExpectColumnValuesToBeBetween(
        column=length_column(column), min_value=1, max_value=limits.max_text_chars)


def prompt_expectations(limits: IntakeLimits = DEFAULT_LIMITS
                        ) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
        _present("text"),
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
        _present("response"),
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


def rating_expectations() -> list[gx.expectations.Expectation]:
    """Human safety ratings: one per task and rater, a task named, a rating on the scale."""
    low, high = RATING_SCALE
    return [
        gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
        gx.expectations.ExpectColumnValuesToBeUnique(column="id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="task_id"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="rating"),
        gx.expectations.ExpectColumnValuesToBeBetween(column="rating", min_value=low,
                                                      max_value=high),
    ]


def preference_frame(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs with the derived columns the suites read."""
    return with_lengths(pairs, ["chosen", "rejected"]).with_columns(
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
