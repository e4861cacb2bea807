"""The annotation loop (Llama 2 section 3.2.1, collected in rounds): comparison tasks for new
prompts, two responses each from the current models, exported in Label Studio's import format
and as plain JSONL to outbox/comparisons/<version>/. Completed Label Studio exports come back
through the inbox (intake turns each into a preference pair, id = task id)."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.annotation.comparisons import (
    Variant,
    build_tasks,
    export_version,
    shown_tasks,
    tasks_jsonl,
)
from safety_assets.annotation.label_studio import LABEL_CONFIG, import_tasks
from safety_assets.annotation.rounds import latest_round
from safety_assets.datasets.splits import HELD_OUT, TRAIN
from safety_assets.defs.metadata import markdown_table
from safety_assets.defs.resources import (
    AnnotationInboxResource,
    ComputeResource,
    GenerationBackendResource,
    WarehouseResource,
)
from safety_assets.storage.model_store import ModelStore

GROUP = "annotation"
LABEL_STUDIO_TASKS = "label_studio_tasks.json"
LABEL_CONFIG_NAME = "label_config.xml"
JSONL_NAME = "comparison_tasks.jsonl"


class VariantConfig(dg.Config):
    model: str = Field(description="A registered checkpoint (model_registry name).")
    temperature: float = 1.0
    top_p: float = 0.9
    max_new_tokens: int = 96
    seed: int = 0


class ComparisonTasksConfig(dg.Config):
    round: int | None = Field(
        default=None, description="The round the tasks belong to (and the answers with them). "
                                  "Default: the latest round started, or the next one once a "
                                  "reward model has been trained on it.")
    prompt_ids: list[str] = Field(
        default_factory=list, description="Ask about these prompts. Default: train and "
                                          "held-out prompts with no preference pair and no "
                                          "task yet (the annotators' new prompts; a held-out "
                                          "prompt's pair is held out too). Judge-split "
                                          "prompts are never asked about.")
    max_prompts: int = Field(default=64, description="At most this many prompts (seeded).")
    variants: list[VariantConfig] = Field(
        default_factory=lambda: [VariantConfig(model="ppo_model", temperature=1.0),
                                 VariantConfig(model="sft_model", temperature=0.7, seed=1)],
        description="The two ways of answering: the paper samples from different model "
                    "variants or temperatures.")
    seed: int = Field(default=0, description="Which prompts, and which variant is A.")


_NEW_PROMPTS = """
    SELECT p.id, p.text, p.history, p.risk_category FROM prompts p
    JOIN prompt_splits s ON s.prompt_id = p.id AND s.split IN (?, ?)
    WHERE p.id NOT IN (SELECT prompt_id FROM preference_pairs)
      AND p.id NOT IN (SELECT prompt_id FROM comparison_tasks)
    ORDER BY p.id
"""


def _round(con, configured: int | None) -> int:
    if configured is not None:
        return configured
    latest = latest_round(con)
    trained = con.execute("SELECT max(round) FROM model_versions WHERE stage = 'reward'"
                          ).fetchall()[0][0]
    # A round closes when a reward model has learned from it: new tasks open the next one.
    return latest + 1 if trained is not None and trained >= latest else latest


def _write_export(folder: Path, tasks: pl.DataFrame, version: str, round_: int) -> bool:
    """Write the export unless it is there already; under a hidden name, then renamed, so a
    reader never sees half of it."""
    if (folder / "manifest.json").exists():
        return False
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    (partial / LABEL_STUDIO_TASKS).write_text(
        json.dumps(import_tasks(shown_tasks(tasks)), ensure_ascii=False, indent=1),
        encoding="utf-8")
    (partial / LABEL_CONFIG_NAME).write_text(LABEL_CONFIG, encoding="utf-8")
    (partial / JSONL_NAME).write_text(tasks_jsonl(tasks), encoding="utf-8")
    (partial / "manifest.json").write_text(json.dumps({
        "version": version, "round": round_, "tasks": tasks.height,
        "files": [LABEL_STUDIO_TASKS, LABEL_CONFIG_NAME, JSONL_NAME],
        "label_studio": "create a project with label_config.xml as its labelling interface, "
                        "import label_studio_tasks.json, annotate, export as JSON and drop "
                        "the export into the inbox",
        "written_at": datetime.now(UTC).isoformat(timespec="seconds")}, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return True


@dg.asset(group_name=GROUP, kinds={"pytorch", "duckdb"},
          deps=["prompts", "prompt_splits", "sft_model", "ppo_model"],
          description="Comparison tasks for annotators: new prompts, each answered "
                      "by two model variants (or temperatures), exported for Label Studio "
                      "(tasks + labelling config: the better response, the four strengths, "
                      "safe/unsafe per response) and as JSONL under outbox/comparisons/. "
                      "The warehouse's comparison_tasks keeps which model version wrote each "
                      "response.")
def comparison_tasks(context: dg.AssetExecutionContext, config: ComparisonTasksConfig,
                     generation: GenerationBackendResource, compute: ComputeResource,
                     inbox: AnnotationInboxResource, warehouse: WarehouseResource
                     ) -> dg.MaterializeResult:
    store = warehouse.get()
    if len(config.variants) != 2:
        raise dg.Failure(description=f"two variants are compared, got {len(config.variants)}")
    root = inbox.outbox / "comparisons"
    if root.resolve().is_relative_to(inbox.folder.resolve()):
        raise dg.Failure(description=f"the outbox ({root}) is inside the inbox "
                                     f"({inbox.folder}): the tasks would be ingested at once")
    with store.connect() as con:
        round_ = _round(con, config.round)
        if config.prompt_ids:
            wanted = config.prompt_ids
            prompts = con.sql(
                "SELECT id, text, history, risk_category FROM prompts WHERE id IN "
                f"({', '.join('?' * len(wanted))}) ORDER BY id", params=wanted).pl()
            missing = sorted(set(wanted) - set(prompts["id"].to_list()))
            if missing:
                raise dg.Failure(description=f"unknown prompt ids: {', '.join(missing[:10])}")
        else:
            prompts = con.sql(_NEW_PROMPTS, params=[TRAIN, HELD_OUT]).pl()
    if prompts.height > config.max_prompts:
        prompts = prompts.sample(n=config.max_prompts, seed=config.seed).sort("id")
    if prompts.height == 0:
        raise dg.Failure(description="no new prompts to ask about: every train-split prompt "
                                     "has pairs or tasks already (ingest new prompts, or give "
                                     "prompt_ids)")
    variants = [Variant(**v.model_dump()) for v in config.variants]
    answers, model_versions = [], []
    for variant in variants:
        path = ModelStore.path_of(store, variant.model)
        model_versions.append(store.query("SELECT version FROM model_registry WHERE name = ?",
                                          [variant.model])["version"][0] or "unversioned")
        # One generate call over every prompt (one chunk), in the model's own chat format.
        job = compute.run(context, "sample", params={
            "model_path": str(path), "backend": generation.model_dump(), "k": 1,
            "max_new_tokens": variant.max_new_tokens, "temperature": variant.temperature,
            "top_p": variant.top_p, "seed": variant.seed, "progress_every": prompts.height},
            inputs={"prompts": prompts.select("id", "text", "history")})
        answers.append(job.output("samples")["response"].to_list())
        context.log.info(f"{variant.model} ({model_versions[-1]}): {prompts.height} answers")
    tasks = build_tasks(prompts, answers, variants, model_versions, round_, config.seed)
    if tasks.height == 0:
        raise dg.Failure(description="both variants gave the same answer to every prompt: "
                                     "nothing to compare (change a temperature or a model)")
    version = export_version(tasks)
    folder = root / version
    written = _write_export(folder, tasks, version, round_)
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.from_arrow(tasks.select("task_id").to_arrow()).query(
            "_exported", "DELETE FROM comparison_tasks WHERE task_id IN "
                         "(SELECT task_id FROM _exported)")
        store.insert(con, "comparison_tasks", tasks.drop("prompt", "history_text").with_columns(
            export_version=pl.lit(version),
            exported_at=pl.lit(datetime.now(UTC).replace(tzinfo=None))))
        con.execute("COMMIT")
    return dg.MaterializeResult(metadata={
        "round": round_, "version": version, "tasks": tasks.height,
        "skipped_identical_answers": prompts.height - tasks.height,
        "folder": dg.MetadataValue.path(str(folder)),
        "label_studio_tasks": dg.MetadataValue.path(str(folder / LABEL_STUDIO_TASKS)),
        "label_config": dg.MetadataValue.path(str(folder / LABEL_CONFIG_NAME)),
        "jsonl": dg.MetadataValue.path(str(folder / JSONL_NAME)),
        "newly_written": written,
        "variants": dg.MetadataValue.json([{"model": v.model, "version": ver, **v.settings()}
                                           for v, ver in zip(variants, model_versions,
                                                             strict=True)]),
        "by_axis": markdown_table(tasks.group_by("axis", "risk_category").len(name="tasks")
                                  .sort("axis", "risk_category")),
        "what_annotators_see": markdown_table(
            tasks.select("task_id", "prompt", "response_a", "response_b"), 5),
    })
