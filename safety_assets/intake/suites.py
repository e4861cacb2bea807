"""The GX suites of one intake batch, run over its staged tables chunk by chunk.

The tables are those :func:`safety_assets.intake.staging.resolve` writes (accepted records of
each kind, the quarantine), in a DuckDB database of the batch's own. Row-level expectations
see each chunk; the batch-wide ones (unique ids, category coverage, label balance) see a small
SQL aggregate of the whole batch, so memory does not grow with the batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import great_expectations as gx
import polars as pl

from safety_assets.intake import expectations as ex
from safety_assets.intake import staging
from safety_assets.intake.records import DEMONSTRATION, PREFERENCE, PROMPT, RATING
from safety_assets.intake.validation import QUARANTINE_SCHEMA
from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, BENIGN, UNTAGGED

PROMPTS = staging.ACCEPTED_TABLES[PROMPT]
DEMONSTRATIONS = staging.ACCEPTED_TABLES[DEMONSTRATION]
PAIRS = staging.ACCEPTED_TABLES[PREFERENCE]
RATINGS = staging.ACCEPTED_TABLES[RATING]
QUARANTINE = staging.QUARANTINE_TABLE
# Rows of duplicated ids handed to GX: enough for its examples, never the whole batch.
_DUPLICATE_SAMPLE = 20
# The most rows one chunk holds, however short they are: pandas keeps an object per cell.
MAX_CHUNK_ROWS = 100_000


@dataclass
class BatchSuites:
    prompts: ex.SuiteOutcome
    coverage: ex.SuiteOutcome | None        # None: no adversarial prompts in the batch
    untagged: ex.SuiteOutcome
    demonstrations: ex.SuiteOutcome
    preference_pairs: ex.SuiteOutcome
    label_balance: ex.SuiteOutcome | None   # None: no pair has a safe/unsafe label
    n_pairs: int
    n_quarantined: int
    quarantine_reasons: pl.DataFrame        # reason, rows: the first ``max_reasons`` reasons
    n_reasons: int
    safety_ratings: ex.SuiteOutcome | None = None   # None: made by hand without ratings


def stage_frames(con: duckdb.DuckDBPyConnection, prompts: pl.DataFrame,
                 demonstrations: pl.DataFrame, pairs: pl.DataFrame,
                 quarantine: pl.DataFrame, ratings: pl.DataFrame | None = None) -> None:
    """Small in-memory frames as the staged tables the suites read (tests, small batches);
    no ``ratings``: a batch without any."""
    if quarantine.width == 0:
        quarantine = pl.DataFrame(schema=QUARANTINE_SCHEMA)
    if ratings is None:
        ratings = pl.DataFrame(schema={"id": pl.String, "task_id": pl.String,
                                       "rating": pl.Int64})
    for table, frame in ((PROMPTS, prompts), (DEMONSTRATIONS, demonstrations),
                         (PAIRS, pairs), (QUARANTINE, quarantine), (RATINGS, ratings)):
        con.register("_frame", frame)
        try:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frame")
        finally:
            con.unregister("_frame")


def rows_per_chunk(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
                   chunk_rows: int) -> int:
    """How many rows of ``table`` one chunk holds. ``chunk_rows`` rows whose texts are as long
    as the limits allow bound a chunk's memory; a batch whose longest row (its ``columns``'
    bytes together) is shorter fits proportionally more rows in the same bound, up to
    :data:`MAX_CHUNK_ROWS`. GX costs about a tenth of a second per chunk and suite on top of
    its work on the rows, so fewer chunks are faster."""
    width = " + ".join(f"coalesce(strlen({c}), 0)" for c in columns)
    longest = con.sql(f"SELECT max({width}) FROM {table}").fetchall()[0][0] or 0
    fits = chunk_rows * ex.DEFAULT_LIMITS.max_text_chars // max(int(longest), 1)
    return max(chunk_rows, min(fits, MAX_CHUNK_ROWS))


def _length(column: str) -> str:
    """A text's length as the suites' expectations read it (expectations.length_column)."""
    return f"length({column}) AS {ex.length_column(column)}"


def _chunks(con: duckdb.DuckDBPyConnection, table: str, columns: list[str],
            texts: list[str], chunk_rows: int | None) -> Iterator[pl.DataFrame]:
    """``columns`` (SQL select items) of ``table`` in chunks of ``chunk_rows`` rows; None: as
    many as :func:`rows_per_chunk` finds room for, measured over ``texts`` (the text columns
    the chunks carry)."""
    rows = chunk_rows or rows_per_chunk(con, table, texts, staging.DEFAULT_CHUNK_ROWS)
    return staging.frames(con, f"SELECT {', '.join(columns)} FROM {table}", rows)


def run_batch_suites(con: duckdb.DuckDBPyConnection, chunk_rows: int | None = None,
                     max_reasons: int = 20) -> BatchSuites:
    """Every intake suite of the batch staged in ``con``, ``chunk_rows`` rows at a time;
    None (the default): chunks sized by the rows' length (:func:`rows_per_chunk`)."""
    prompts = ex.ChunkedSuite("prompts", ex.prompt_expectations())
    untagged = ex.ChunkedSuite("untagged", ex.untagged_expectations())
    for chunk in _chunks(con, PROMPTS, ["id", _length("text"), "risk_category",
                                        "attack_vector"], ["id"], chunk_rows):
        prompts.validate_chunk(chunk)
        untagged.validate_chunk(chunk)
    _validate_unique_ids(con, prompts, PROMPTS)

    coverage = None
    excluded = f"('{BENIGN}', '{UNTAGGED}')"
    if staging.count(con, f"{PROMPTS} WHERE risk_category NOT IN {excluded}"):
        coverage = ex.ChunkedSuite("coverage", ex.coverage_expectations(ADVERSARIAL_CATEGORIES))
        categories = con.sql(f"SELECT DISTINCT risk_category FROM {PROMPTS} "
                             f"WHERE risk_category NOT IN {excluded} ORDER BY 1").pl()
        for expectation in coverage.batch_wide():
            coverage.validate_whole(expectation, categories)

    demonstrations = ex.ChunkedSuite("demonstrations", ex.demonstration_expectations())
    for chunk in _chunks(con, DEMONSTRATIONS, ["id", "prompt_id", _length("response")],
                         ["id", "prompt_id"], chunk_rows):
        demonstrations.validate_chunk(chunk)
    _validate_unique_ids(con, demonstrations, DEMONSTRATIONS)

    pairs = ex.ChunkedSuite("preference_pairs", ex.preference_expectations())
    for chunk in _chunks(con, PAIRS, ["id", "chosen", "rejected", "strength", "axis",
                                      "rejected_safe"], ["id", "chosen", "rejected"],
                         chunk_rows):
        pairs.validate_chunk(ex.preference_frame(chunk))
    _validate_unique_ids(con, pairs, PAIRS)

    ratings = ex.ChunkedSuite("safety_ratings", ex.rating_expectations())
    for chunk in _chunks(con, RATINGS, ["id", "task_id", "rating"], ["id", "task_id"],
                         chunk_rows):
        ratings.validate_chunk(chunk)
    _validate_unique_ids(con, ratings, RATINGS)

    balance = None
    n_labelled, n_safe = con.sql(
        f"SELECT count(rejected_safe), count_if(rejected_safe) FROM {PAIRS}").fetchall()[0]
    if n_labelled:
        balance = ex.ChunkedSuite("balance", ex.label_balance_expectations())
        # The mean of the 0/1 shares, as GX would compute it over every labelled pair.
        share = pl.DataFrame({"rejected_safe_share": [n_safe / n_labelled]})
        for expectation in balance.batch_wide():
            balance.validate_whole(expectation, share)

    reasons = con.sql(f"SELECT reason, count(*) AS rows FROM {QUARANTINE} GROUP BY reason "
                      f"ORDER BY reason LIMIT {int(max_reasons)}").pl()
    return BatchSuites(
        prompts=prompts.outcome(), coverage=None if coverage is None else coverage.outcome(),
        untagged=untagged.outcome(), demonstrations=demonstrations.outcome(),
        preference_pairs=pairs.outcome(),
        label_balance=None if balance is None else balance.outcome(),
        n_pairs=staging.count(con, PAIRS), n_quarantined=staging.count(con, QUARANTINE),
        quarantine_reasons=reasons,
        n_reasons=staging.count(con, f"(SELECT DISTINCT reason FROM {QUARANTINE})"),
        safety_ratings=ratings.outcome())


def _validate_unique_ids(con: duckdb.DuckDBPyConnection, suite: ex.ChunkedSuite,
                         table: str) -> None:
    """GX's uniqueness on the first rows of duplicated ids (in table order, each id shown at
    least twice so GX flags it), with the batch's count of such rows from SQL."""
    for expectation in suite.batch_wide():
        if not isinstance(expectation, gx.expectations.ExpectColumnValuesToBeUnique):
            continue
        column = staging.quote_identifier(expectation.configuration.kwargs["column"])
        duplicated = (f"{column} IN (SELECT {column} FROM {table} WHERE {column} IS NOT NULL "
                      f"GROUP BY {column} HAVING count(*) > 1)")
        n_unexpected = staging.count(con, f"{table} WHERE {duplicated}")
        sample = [row[0] for row in con.sql(
            f"SELECT {column} FROM {table} WHERE {duplicated} ORDER BY rowid "
            f"LIMIT {_DUPLICATE_SAMPLE}").fetchall()]
        seen = Counter(sample)
        sample += [value for value, n in seen.items() if n == 1]
        name = expectation.configuration.kwargs["column"]
        suite.validate_whole(expectation, pl.DataFrame({name: sample}, schema={name: pl.String}),
                             unexpected_count=n_unexpected)
