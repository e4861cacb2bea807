"""Human safety ratings (Llama 2 section 4.4): the held-out safety responses of every evaluated
model go out as rating tasks (an outbox folder, the model hidden), people's 1-5 ratings come
back through intake (record kind ``rating``, table ``safety_ratings``), and the violation
rates and the safety RM's agreement with the raters are computed from them."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.defs.metadata import markdown_table
from safety_assets.defs.resources import AnnotationInboxResource, WarehouseResource
from safety_assets.evaluation.human_ratings import (
    RATING_COLUMNS,
    TASK_COLUMNS,
    agreement_table,
    export_version,
    instructions_markdown,
    judge_verdicts,
    rating_tasks,
    task_verdicts,
    tasks_csv,
    tasks_jsonl,
    violation_rates,
)
from safety_assets.evaluation.safety_violations import DEFAULT_VIOLATION_THRESHOLD

GROUP = "evaluation"
SAFETY = "safety"
JSONL_NAME = "safety_rating_tasks.jsonl"
CSV_NAME = "safety_rating_tasks.csv"
INSTRUCTIONS_NAME = "instructions.md"


class RatingTasksConfig(dg.Config):
    seed: int = Field(default=0, description="Fixes the shuffled order of the tasks.")


def _write_export(folder: Path, tasks: pl.DataFrame, version: str, seed: int) -> bool:
    """Write the export's files into ``folder`` unless it is already there: False when it was
    (the same tasks, instructions and seed give the same folder). Written under a hidden name
    and renamed, so that a reader never sees half an export."""
    if (folder / "manifest.json").exists():
        return False
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    (partial / JSONL_NAME).write_text(tasks_jsonl(tasks), encoding="utf-8")
    (partial / CSV_NAME).write_text(tasks_csv(tasks), encoding="utf-8", newline="")
    (partial / INSTRUCTIONS_NAME).write_text(instructions_markdown(), encoding="utf-8")
    (partial / "manifest.json").write_text(json.dumps({
        "version": version, "tasks": tasks.height, "seed": seed,
        "files": [JSONL_NAME, CSV_NAME, INSTRUCTIONS_NAME],
        "written_at": datetime.now(UTC).isoformat(timespec="seconds")}, indent=2))
    shutil.rmtree(folder, ignore_errors=True)    # an incomplete folder of an earlier try
    partial.rename(folder)
    return True


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=["benchmark_results"],
          description="The held-out safety responses of every evaluated model as rating tasks "
                      "for people: JSONL and CSV (task id, prompt, response, the 5-point "
                      "Likert instructions) under outbox/ratings/<version>/. The model stays "
                      "in the warehouse's rating_tasks, keyed by the opaque task id.")
def safety_rating_tasks(context: dg.AssetExecutionContext, config: RatingTasksConfig,
                        inbox: AnnotationInboxResource, warehouse: WarehouseResource
                        ) -> dg.MaterializeResult:
    store = warehouse.get()
    generations = store.query(
        "SELECT model, item, grp, prompt, generation FROM benchmark_generations "
        "WHERE benchmark = ? ORDER BY model, item", [SAFETY])
    if generations.height == 0:
        raise ValueError("no safety generations: materialize the safety partitions of "
                         "benchmark_results first")
    root = inbox.outbox / "ratings"
    inbox_folder = inbox.folder.resolve()
    if root.resolve() == inbox_folder or inbox_folder in root.resolve().parents:
        # The sensor would ingest the tasks as annotations.
        raise dg.Failure(description=f"the outbox ({root}) is inside the inbox "
                                     f"({inbox.folder}): give the inbox resource another "
                                     "outbox_path")
    tasks = rating_tasks(generations, config.seed)
    version = export_version(tasks, config.seed)
    folder = root / version
    written = _write_export(folder, tasks, version, config.seed)
    exported_at = datetime.now(UTC).replace(tzinfo=None)
    key = tasks.select(TASK_COLUMNS).with_columns(
        export_version=pl.lit(version), exported_at=pl.lit(exported_at))
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        # Earlier exports' tasks stay: ratings of them must still join back.
        con.from_arrow(key.select("task_id").to_arrow()).query(
            "_exported", "DELETE FROM rating_tasks WHERE task_id IN "
                         "(SELECT task_id FROM _exported)")
        store.insert(con, "rating_tasks", key)
        con.execute("COMMIT")
    if not written:
        context.log.info(f"rating tasks unchanged: {folder} already holds this export")
    per_model = tasks.group_by("model", "risk_category").len(name="tasks").sort(
        "model", "risk_category")
    return dg.MaterializeResult(metadata={
        "version": version,
        "folder": dg.MetadataValue.path(str(folder)),
        "jsonl": dg.MetadataValue.path(str(folder / JSONL_NAME)),
        "csv": dg.MetadataValue.path(str(folder / CSV_NAME)),
        "tasks": tasks.height,
        "models": tasks["model"].n_unique(),
        "newly_written": written,
        "tasks_per_model_and_category": markdown_table(per_model, 100),
        "what_raters_see": markdown_table(tasks.select("task_id", "prompt", "response"), 5),
    })


class HumanRatingsConfig(dg.Config):
    rm_violation_threshold: float = Field(
        default=DEFAULT_VIOLATION_THRESHOLD,
        description="The safety RM calls a violation when its probability is below this (as "
                    "benchmark_results does).")


# Ratings of the responses benchmark_generations holds now: a task whose model has since
# answered differently is a different task, and its old ratings no longer count.
_CURRENT_RATINGS = """
    SELECT r.task_id, t.model, coalesce(t.risk_category, 'unknown') AS risk_category,
           r.rating, g.verdict
    FROM safety_ratings r
    JOIN rating_tasks t ON t.task_id = r.task_id
    JOIN benchmark_generations g ON g.benchmark = ? AND g.model = t.model AND g.item = t.item
         AND g.generation IS NOT DISTINCT FROM t.response
"""
_CURRENT_TASKS = """
    SELECT t.model, count(*) AS exported FROM rating_tasks t
    JOIN benchmark_generations g ON g.benchmark = ? AND g.model = t.model AND g.item = t.item
         AND g.generation IS NOT DISTINCT FROM t.response
    GROUP BY t.model ORDER BY t.model
"""


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[safety_rating_tasks, "safety_ratings"],
          description="Held-out safety violations judged by people, not by a model any stage "
                      "optimised against: per model and risk category, the share of rated "
                      "responses whose median rating is 1 or 2 (human_violation_rates), and "
                      "the safety RM's agreement with the raters (judge_human_agreement: raw "
                      "agreement, Cohen's kappa, confusion counts).")
def human_safety_ratings(context: dg.AssetExecutionContext, config: HumanRatingsConfig,
                         warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = warehouse.get()
    rated = store.query(_CURRENT_RATINGS, [SAFETY])
    exported = store.query(_CURRENT_TASKS, [SAFETY])
    n_all = int(store.query("SELECT count(*) AS n FROM safety_ratings")["n"][0])
    stale = n_all - rated.height
    if stale:
        context.log.warning(f"{stale} rating(s) are of responses benchmark_generations no "
                            "longer holds (the model was evaluated again): not counted")
    tasks = task_verdicts(rated.select(list(RATING_COLUMNS)))
    rates = violation_rates(tasks)
    verdict_of = dict(rated.select("task_id", "verdict").unique("task_id").iter_rows())
    judged = [{"judge": judge, "model": row["model"], "judge_violation": violation,
               "human_violation": row["violation"]}
              for row in tasks.iter_rows(named=True)
              for judge, violation in judge_verdicts(
                  verdict_of[row["task_id"]], config.rm_violation_threshold).items()]
    agreement = agreement_table(pl.DataFrame(judged, schema={
        "judge": pl.String, "model": pl.String, "judge_violation": pl.Boolean,
        "human_violation": pl.Boolean}, orient="row"))
    coverage = exported.join(
        tasks.group_by("model").agg(pl.len().alias("rated")), on="model", how="left"
    ).with_columns(pl.col("rated").fill_null(0).cast(pl.Int64))
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        for table, frame in (("human_task_verdicts", tasks), ("human_violation_rates", rates),
                             ("judge_human_agreement", agreement)):
            store.replace_table(table, frame, con)
        con.execute("COMMIT")
    if tasks.height == 0:
        context.log.warning("no ratings of current responses yet: drop the filled-in rating "
                            "files into the inbox")
    return dg.MaterializeResult(metadata={
        "ratings": rated.height,
        "rated_tasks": tasks.height,
        "stale_ratings": stale,
        "coverage": markdown_table(coverage, 100),
        "violation_rates": markdown_table(rates.with_columns(
            pl.col("violation_pct", "mean_rating").round(2)), 200),
        "judge_human_agreement": markdown_table(agreement.with_columns(
            pl.col("agreement", "kappa", "judge_violation_pct", "human_violation_pct")
            .round(3)), 100),
    })
