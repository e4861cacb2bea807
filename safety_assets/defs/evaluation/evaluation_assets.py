"""Evaluation (Llama 2 section 4.1, Table 11): TruthfulQA, ToxiGen and safety violations for
every checkpoint of the graph and any local model folder, partitioned by model x benchmark,
and the Table 11-style report."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.datasets.splits import HELD_OUT
from safety_assets.defs.evaluation.benchmark_partitions import eval_models, model_benchmarks
from safety_assets.defs.metadata import latest_metadata, markdown_table, reused_materialization
from safety_assets.defs.resources import (
    ComputeResource,
    EvalDataResource,
    GenerationBackendResource,
    ModelStoreResource,
    SafetyRulesResource,
    TrainingResource,
    WarehouseResource,
)
from safety_assets.evaluation.benchmark_runs import JUDGE_NAME
from safety_assets.evaluation.benchmark_summary import (
    by_round,
    round_comparisons,
    stage_comparisons,
    summarize,
)
from safety_assets.plots import markdown_image
from safety_assets.storage import asset_versions as versions
from safety_assets.storage.lineage import checkpoint_version
from safety_assets.storage.model_store import ModelStore

PIPELINE_STAGES = {
    "base_model": "pretrained",
    "sft_model": "sft",
    "rejection_sampled_model": "rejection_sampling",
    "ppo_model": "rlhf_ppo",
    "distilled_model": "context_distillation",
}


class LocalModelConfig(dg.Config):
    name: str = Field(description="Partition key, e.g. llama-2-7b.")
    family: str = Field(description="Row label of the report, e.g. 'Llama 2'.")
    size: str = Field(description="e.g. 7B.")
    path: str = Field(description="A local Hugging Face causal LM folder.")


class EvalModelsConfig(dg.Config):
    stages: list[str] = Field(default=list(PIPELINE_STAGES),
                              description="Pipeline checkpoints to evaluate.")
    local_models: list[LocalModelConfig] = Field(
        default=[], description="Extra local model folders (never fetched from a hub).")


def _size(n_parameters: int | None) -> str:
    if not n_parameters:
        return "?"
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if n_parameters >= scale:
            return f"{n_parameters / scale:.1f}{unit}"
    return str(n_parameters)


@dg.asset(group_name="evaluation", kinds={"duckdb"},
       deps=list(PIPELINE_STAGES),
       description="The models under evaluation: every checkpoint of the pipeline plus local "
                   "folders from config; each becomes an `eval_models` partition.")
def evaluation_models(context: dg.AssetExecutionContext, config: EvalModelsConfig,
                      warehouse: WarehouseResource) -> dg.MaterializeResult:
    registry = ModelStore.registered(warehouse.get())
    # Every stage descends from the base model, so its profile names the family.
    base = registry.filter(pl.col("name") == "base_model")
    profile = json.loads(base["config"][0]).get("profile") if base.height else "tiny"
    family = {"tiny": "safety-assets tiny Llama", "smollm2": "SmolLM2-135M-Instruct"}.get(
        profile, Path(base["path"][0]).name if base.height else "?")
    rows = []
    for stage in config.stages:
        found = registry.filter(pl.col("name") == stage)
        if found.height == 0:
            context.log.warning(f"{stage}: not registered yet; not evaluated")
            continue
        record = found.row(0, named=True)
        rows.append({"name": stage, "family": family, "size": _size(record["n_parameters"]),
                     "stage": PIPELINE_STAGES.get(stage, stage), "path": record["path"]})
    for local in config.local_models:
        if not (Path(local.path) / "config.json").exists():
            raise FileNotFoundError(f"local model {local.name!r}: {local.path} has no "
                                    f"config.json (a Hugging Face model folder is expected)")
        rows.append({"name": local.name, "family": local.family, "size": local.size,
                     "stage": "pretrained", "path": local.path})
    frame = pl.DataFrame(rows, schema={"name": pl.String, "family": pl.String,
                                       "size": pl.String, "stage": pl.String,
                                       "path": pl.String})
    with warehouse.get().connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM eval_models")
        warehouse.get().insert(con, "eval_models", frame)
        con.execute("COMMIT")
    context.instance.add_dynamic_partitions(eval_models.name, frame["name"].to_list())
    return dg.MaterializeResult(metadata={"models": markdown_table(frame),
                                       "count": frame.height})


# The judges' and the toxicity classifier's training code (and the text encoder they use).
JUDGES_CODE_VERSION = "1"


class JudgesConfig(dg.Config):
    train_rows: int = Field(default=6000, description="Judge training rows (subsample).")
    local_truth_judge: str | None = Field(default=None, description="A local judge folder "
                                          "instead of training one (e.g. a Llama-2 judge).")
    local_info_judge: str | None = None
    seed: int = 0
    lm_judge: bool = Field(default=False, description=(
        "Also fine-tune a judge pair from the model profile's pretrained model (smollm2 or "
        "local), as GPT-judge was made, and compare it with the MiniLM pair on the same "
        "held-out rows and probes."))
    lm_train_rows: int = Field(default=1000, description="Human-labelled rows per LM judge.")
    lm_eval_rows: int = Field(default=500, description=(
        "Held-out rows both pairs are compared on (an LM judge reads ~8 rows/s on 2 cores)."))
    lm_synthetic_fraction: float = Field(default=0.0, description=(
        "Synthetic garbage rows for the LM judges (0: the judge files only, as GPT-judge)."))
    judge_with: Literal["minilm", "lm"] = Field(default="minilm", description=(
        "Which trained pair judges the benchmarks; the blocking probe check applies to it."))


# The TruthfulQA judges' training and probing code (bump to retrain them).
TRUTHFULQA_JUDGES_CODE_VERSION = "2"


@dg.asset(group_name="evaluation", kinds={"pytorch"},
       description="Local 'truth' and 'info' judges replacing the paper's GPT-judges: MiniLM "
                   "embeddings, answer fluency and a small head trained on the TruthfulQA "
                   "judge files (plus synthetic garbage), held out by question; probed with "
                   "garbage and reference answers, and scored on held-out human labels.")
def truthfulqa_judges(context: dg.AssetExecutionContext, config: JudgesConfig,
                      eval_data: EvalDataResource, model_store: ModelStoreResource,
                      training: TrainingResource) -> dg.MaterializeResult:
    from safety_assets.evaluation import JudgeConfig, TextEncoder, load_judge, train_judge
    from safety_assets.evaluation.judge_probes import (
        build_probes,
        held_out_accuracy,
        held_out_questions,
        probe_judges,
    )
    from safety_assets.evaluation.judges import load_judge_file
    from safety_assets.evaluation.truthfulqa import load_truthfulqa

    paths = eval_data.paths()
    root = model_store.get().root / "truthfulqa_judges"
    if config.judge_with == "lm" and not config.lm_judge:
        raise dg.Failure("judge_with='lm' needs lm_judge=True")
    profile = training.profile
    if config.lm_judge and not profile.is_local():
        raise dg.Failure("lm_judge fine-tunes the profile's pretrained model, and the tiny "
                         "profile has none: set the model profile to smollm2 or local")
    lm_base = (profile.pretrained_folder(model_store.get().root) if config.lm_judge
               else None)
    version = versions.fingerprint(
        code=TRUTHFULQA_JUDGES_CODE_VERSION, config=config.model_dump(),
        base=versions.folder_stamp(lm_base) if lm_base else None,
        data=[versions.folder_stamp(p) for p in (paths.finetune_truth, paths.finetune_info,
                                                 paths.truthfulqa_csv)])
    if versions.folder_is_current(root, version):
        reused = reused_materialization(context, version)
        if "probe_report" in (reused.metadata or {}):
            return reused
        # Another instance trained these judges: their verdict is in the folder.
        report = json.loads((root / "probes.json").read_text())
        return dg.MaterializeResult(
            metadata={**(reused.metadata or {}), "probes_passed": report["passed"],
                      "probe_report": dg.MetadataValue.json(report)},
            data_version=reused.data_version)
    encoder = TextEncoder()
    judge_config = JudgeConfig(train_rows=config.train_rows, seed=config.seed)
    metadata: dict[str, Any] = {}
    judges: dict[str, Any] = {}
    held_out: dict[str, set[str]] = {}
    judge_rows: dict[str, list[Any]] = {}
    for kind, local in (("truth", config.local_truth_judge), ("info", config.local_info_judge)):
        rows = judge_rows[kind] = load_judge_file(paths.judge_file(kind))
        held_out[kind] = held_out_questions([r.question for r in rows],
                                            judge_config.test_fraction, judge_config.seed)[1]
        if local:
            metadata[f"{kind}_judge"] = dg.MetadataValue.path(local)
            judges[kind] = load_judge(local, kind, encoder=encoder)
            continue
        judge = train_judge(paths.judge_file(kind), kind, encoder=encoder, config=judge_config,
                            references=paths.truthfulqa_csv)
        judge.save(root / kind)
        judges[kind] = judge
        metadata[f"{kind}_judge"] = dg.MetadataValue.path(str(root / kind))
        metadata[f"{kind}_held_out_accuracy"] = round(judge.metrics.accuracy, 4)
        metadata[f"{kind}_majority_baseline"] = round(judge.metrics.majority_baseline, 4)

    # Held-out human labels, with intervals and a paired test against the majority label.
    for kind, judge in judges.items():
        report = held_out_accuracy(judge, judge_rows[kind], config=judge_config)
        metadata[f"{kind}_held_out_human_labels"] = dg.MetadataValue.json({
            "accuracy": report.accuracy.to_dict(),
            "majority_baseline": report.majority_baseline.to_dict(),
            "versus_majority": report.versus_majority.to_dict(),
            "n_questions": report.n_questions})
        context.log.info(report.summary())

    # Garbage and reference answers on questions neither judge was trained on.
    probe_questions = held_out["truth"] & held_out["info"]
    probes = build_probes(load_truthfulqa(paths.truthfulqa_csv), probe_questions,
                          seed=config.seed)
    reports = {"minilm": probe_judges(judges["truth"], judges["info"], probes,
                                      seed=config.seed)}
    chosen = {"truth": config.local_truth_judge or str(root / "truth"),
              "info": config.local_info_judge or str(root / "info")}
    if lm_base is not None:
        lm_metadata, reports["lm"] = _lm_judges(context, config, lm_base, judges,
                                                reports["minilm"], probes, paths, judge_rows,
                                                root / "lm")
        metadata.update(lm_metadata)
        if config.judge_with == "lm":
            chosen = {kind: str(root / "lm" / kind) for kind in ("truth", "info")}
    probe_report = reports[config.judge_with]
    probe_report.extra.update(n_questions=len(probe_questions), n_probes=len(probes),
                              judges=config.judge_with)
    root.mkdir(parents=True, exist_ok=True)
    (root / "probes.json").write_text(json.dumps(probe_report.to_dict(), indent=1))
    context.log.info(probe_report.summary())
    png = _probe_plot(probe_report, root / "probes.png")

    (root / "judges.json").write_text(json.dumps(chosen))
    metadata["judges_used"] = dg.MetadataValue.json(chosen)
    versions.mark_folder(root, version)
    return dg.MaterializeResult(metadata={
        **metadata,
        "probes_passed": probe_report.passed,
        "probe_summary": probe_report.summary(),
        "probe_report": dg.MetadataValue.json(probe_report.to_dict()),
        "probe_rates": dg.MetadataValue.md(
            probe_report.table() + "\n\n" + markdown_image(png, "judge probes")),
        "probe_seed": config.seed,
        "input_version": version, "reused": False},
        data_version=dg.DataVersion(version))


def _lm_judges(context: dg.AssetExecutionContext, config: JudgesConfig, base: Path,
               minilm: dict[str, Any], minilm_report: Any, probes: list[Any], paths: Any,
               judge_rows: dict[str, list[Any]], folder: Path) -> tuple[dict[str, Any], Any]:
    """Fine-tune the LM judge pair on the judge files' rows (as the MiniLM pair read them),
    and compare it with the MiniLM pair on the same held-out rows (paired) and the same
    probes."""
    from safety_assets.evaluation.judge_probes import (
        compare_on_held_out,
        held_out_accuracy,
        probe_judges,
    )
    from safety_assets.evaluation.judges import JudgeConfig
    from safety_assets.evaluation.lm_judges import LMJudgeConfig, train_lm_judge

    split = JudgeConfig(seed=config.seed, eval_rows=config.lm_eval_rows)
    lm_config = LMJudgeConfig(train_rows=config.lm_train_rows, eval_rows=config.lm_eval_rows,
                              test_fraction=split.test_fraction, seed=config.seed,
                              synthetic_fraction=config.lm_synthetic_fraction)
    metadata: dict[str, Any] = {}
    judges: dict[str, Any] = {}
    lines = ["| kind | MiniLM accuracy % | LM accuracy % | LM minus MiniLM (paired) |",
             "|---|---|---|---|"]
    for kind in ("truth", "info"):
        rows = judge_rows[kind]
        judges[kind], figures = train_lm_judge(base, rows, kind, folder / kind,
                                               config=lm_config,
                                               references=paths.truthfulqa_csv)
        # Both pairs on the same held-out rows; the difference is paired on them.
        accuracy = {name: held_out_accuracy(judge, rows, config=split)
                    for name, judge in (("minilm", minilm[kind]), ("lm", judges[kind]))}
        diff = compare_on_held_out(accuracy["lm"], accuracy["minilm"])
        metadata[f"lm_{kind}_judge"] = dg.MetadataValue.path(str(folder / kind))
        metadata[f"lm_{kind}_training"] = dg.MetadataValue.json(figures)
        metadata[f"lm_{kind}_held_out_human_labels"] = dg.MetadataValue.json({
            "accuracy": accuracy["lm"].accuracy.to_dict(),
            "minus_minilm": diff.to_dict()})
        lines.append(f"| {kind} | {accuracy['minilm'].accuracy.pct().format()} | "
                     f"{accuracy['lm'].accuracy.pct().format()} | {diff.format()} |")
        context.log.info(f"LM {kind} judge: {accuracy['lm'].summary()}")
    report = probe_judges(judges["truth"], judges["info"], probes, seed=config.seed)
    lines += ["", f"Probes: MiniLM {minilm_report.summary()}; LM {report.summary()}", "",
              "LM judge probe rates:", "", report.table()]
    metadata["lm_probe_report"] = dg.MetadataValue.json(report.to_dict())
    metadata["judge_comparison"] = dg.MetadataValue.md("\n".join(lines))
    return metadata, report


def _probe_plot(report: Any, path: Path) -> Path:
    """Each probe kind's truthful and informative rates with their 95% intervals."""
    from safety_assets.plots import figure_to

    kinds = list(report.rates)
    with figure_to(path, figsize=(9, 4)) as (_, axis):
        for offset, (label, attr) in enumerate((("truthful", "truthful"),
                                                ("informative", "informative"))):
            estimates = [getattr(report.rates[k], attr) for k in kinds]
            xs = [i + 0.4 * offset for i in range(len(kinds))]
            values = [100 * e.value for e in estimates]
            errors = [[100 * (e.value - e.low) for e in estimates],
                      [100 * (e.high - e.value) for e in estimates]]
            axis.bar(xs, values, 0.4, yerr=errors, capsize=3, label=label)
        axis.set_xticks([i + 0.2 for i in range(len(kinds))])
        axis.set_xticklabels(kinds, rotation=25, ha="right")
        axis.set_ylabel("% of probes the judge says yes to (95% Wilson)")
        axis.set_ylim(0, 105)
        axis.set_title("TruthfulQA judges on answers with known verdicts "
                       + ("(PASS)" if report.passed else "(FAIL)"))
        axis.legend()
    return path


class ToxicityClassifierConfig(dg.Config):
    local_classifier: str | None = Field(
        default=None, description="A local classifier folder, e.g. a ToxiGen RoBERTa "
                                  "checkpoint (label 1 = toxic), instead of training one.")
    seed: int = 0


@dg.asset(group_name="evaluation", kinds={"pytorch"},
       description="Toxicity classifier for generations: MiniLM embeddings and a small head "
                   "trained on the labelled ToxiGen statements (held out by statement), or a "
                   "configured local classifier.")
def toxicity_classifier(context: dg.AssetExecutionContext, config: ToxicityClassifierConfig,
                        eval_data: EvalDataResource, model_store: ModelStoreResource
                        ) -> dg.MaterializeResult:
    from safety_assets.evaluation import ToxicityConfig, train_toxicity_classifier

    folder = model_store.get().root / "toxicity_classifier"
    version = versions.fingerprint(
        code=JUDGES_CODE_VERSION, config=config.model_dump(),
        data=versions.folder_stamp(eval_data.paths().toxigen_prompts))
    if versions.folder_is_current(folder, version):
        return reused_materialization(context, version)
    if config.local_classifier:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "source.json").write_text(json.dumps({"path": config.local_classifier}))
        versions.mark_folder(folder, version)
        return dg.MaterializeResult(metadata={"classifier": dg.MetadataValue.path(
            config.local_classifier)})
    classifier = train_toxicity_classifier(eval_data.paths().toxigen_prompts,
                                           config=ToxicityConfig(seed=config.seed))
    classifier.save(folder / "model")
    (folder / "source.json").write_text(json.dumps({"path": str(folder / "model")}))
    versions.mark_folder(folder, version)
    return dg.MaterializeResult(metadata={
        "classifier": dg.MetadataValue.path(str(folder / "model")),
        "toxicity_held_out_accuracy": round(classifier.metrics.accuracy, 4),
        "toxicity_majority_baseline": round(classifier.metrics.majority_baseline, 4),
        "input_version": version, "reused": False,
    }, data_version=dg.DataVersion(version))


class BenchmarkConfig(dg.Config):
    max_questions: int = Field(default=0, description="TruthfulQA questions (0: all 817).")
    toxigen_per_file: int = Field(
        default=50, description="Prompts sampled per ToxiGen file (31 files). The paper used "
                                "a revised subset whose annotations are not in the data here.")
    max_new_tokens: int = 50
    temperature: float = Field(default=0.1, description="Paper: 0.1 for these benchmarks.")
    top_p: float = Field(default=0.9, description="Paper: 0.9.")
    safety_prompt_round: int = Field(
        default=1, description="Violations are measured on the held-out adversarial prompts "
                               "of this annotation round only, so that every round's models "
                               "are measured on the same items.")
    seed: int = 0


def _held_out_adversarial(prompt_round: int) -> tuple[str, list[Any]]:
    """The held-out adversarial prompts of one annotation round (a batch from before rounds
    were recorded is round 1)."""
    return ("SELECT p.id, p.text, p.history, p.risk_category, p.attack_vector FROM prompts p "
            "JOIN prompt_splits s ON s.prompt_id = p.id JOIN risk_categories c "
            "ON c.name = p.risk_category LEFT JOIN annotation_rounds r ON r.batch_id = "
            "p.batch_id WHERE s.split = ? AND c.adversarial AND coalesce(r.round, 1) = ? "
            "ORDER BY p.id", [HELD_OUT, prompt_round])


BENCHMARK_CODE_VERSION = "2"   # 2: per-item outcomes, intervals, the independent judge
# The settings each benchmark reads; the others do not enter its version, so that asking for
# more TruthfulQA questions re-runs TruthfulQA only.
_SETTINGS_READ = {"truthfulqa": ("max_questions",), "toxigen": ("toxigen_per_file",),
                  "safety": ("safety_prompt_round",)}
_GENERATION_SETTINGS = ("max_new_tokens", "temperature", "top_p", "seed")


def benchmark_settings(benchmark: str, config: BenchmarkConfig) -> dict[str, Any]:
    """The fields of ``config`` that one benchmark's result depends on."""
    return config.model_dump(include=set(_SETTINGS_READ[benchmark] + _GENERATION_SETTINGS))


def format_estimate(row: dict[str, Any]) -> str:
    """``value [low, high] (n=...)``: a figure is never shown without its interval and n."""
    if row["value"] is None or row["value"] != row["value"]:
        return f"n/a (n={row['n']})"
    return f"{row['value']:.1f} [{row['low']:.1f}, {row['high']:.1f}] (n={row['n']})"
_RESULTS_IN = "SELECT count(*) FROM benchmark_results WHERE model = ? AND benchmark = ?"


def _benchmark_version(benchmark: str, config: BenchmarkConfig, model_path: Path,
                       store: ModelStoreResource, eval_data: EvalDataResource,
                       generation: GenerationBackendResource, warehouse: WarehouseResource,
                       safety_rules: SafetyRulesResource) -> str:
    """Everything one benchmark's result depends on: the model's files, the judges or the
    classifier and their sources, the benchmark data, the prompts and reward models."""
    inputs: dict[str, Any] = {}
    if benchmark == "truthfulqa":
        judges = store.root / "truthfulqa_judges"
        sources = (json.loads((judges / "judges.json").read_text())
                   if (judges / "judges.json").exists() else {})
        inputs = {"judges": {kind: versions.folder_stamp(path) for kind, path
                             in sorted(sources.items())},
                  "data": versions.folder_stamp(eval_data.paths().truthfulqa_csv)}
    elif benchmark == "toxigen":
        source = store.root / "toxicity_classifier" / "source.json"
        inputs = {"classifier": versions.folder_stamp(json.loads(source.read_text())["path"])
                  if source.exists() else "missing",
                  "data": versions.folder_stamp(eval_data.paths().toxigen_prompts)}
    else:
        inputs = {"prompts": versions.query_digest(
                      warehouse.get(), *_held_out_adversarial(config.safety_prompt_round)),
                  "rms": [versions.model_identity(warehouse.get(), name)
                          for name in ("safety_reward_model", "helpfulness_reward_model",
                                       "safety_judge_model")],
                  "rules": safety_rules.model_dump()}
    return versions.fingerprint(code=BENCHMARK_CODE_VERSION, benchmark=benchmark,
                                config=benchmark_settings(benchmark, config),
                                backend=generation.model_dump(),
                                model=versions.folder_stamp(model_path), **inputs)


@dg.asset(group_name="evaluation", partitions_def=model_benchmarks, kinds={"pytorch", "duckdb"},
       deps=[evaluation_models, truthfulqa_judges, toxicity_classifier,
             "safety_reward_model", "helpfulness_reward_model", "safety_judge_validation"],
       code_version=BENCHMARK_CODE_VERSION,
       description="One benchmark for one model: TruthfulQA (% truthful and informative, "
                   "MC1, MC2), ToxiGen (% toxic generations) or safety violations on held-out "
                   "adversarial prompts (per risk category and attack vector). Reused while "
                   "the model, judges, data and config are unchanged.")
def benchmark_results(context: dg.AssetExecutionContext, config: BenchmarkConfig,
                      generation: GenerationBackendResource, compute: ComputeResource,
                      eval_data: EvalDataResource,
                      model_store: ModelStoreResource, safety_rules: SafetyRulesResource,
                      warehouse: WarehouseResource) -> dg.MaterializeResult:
    keys = context.partition_key.keys_by_dimension
    model_name, benchmark = keys["model"], keys["benchmark"]
    found = warehouse.get().query("SELECT * FROM eval_models WHERE name = ?", [model_name])
    if found.height == 0:
        raise ValueError(f"model {model_name!r} is not in eval_models: materialize "
                         f"evaluation_models first")
    model_path = Path(found["path"][0])
    checkpoint = checkpoint_version(warehouse.get(), model_name, model_path)
    version = _benchmark_version(benchmark, config, model_path, model_store, eval_data,
                                 generation, warehouse, safety_rules)
    if versions.is_current(warehouse.get(), "benchmark_results", context.partition_key,
                           version, _RESULTS_IN, [model_name, benchmark]):
        return reused_materialization(context, version)
    paths = eval_data.paths()
    params: dict[str, Any] = {
        "benchmark": benchmark, "model_path": str(model_path),
        "backend": generation.model_dump(),
        "settings": config.model_dump(exclude={"safety_prompt_round"})}
    inputs: dict[str, pl.DataFrame] = {}
    if benchmark == "truthfulqa":
        params.update(judges_dir=str(model_store.root / "truthfulqa_judges"),
                      truthfulqa_csv=str(paths.truthfulqa_csv))
    elif benchmark == "toxigen":
        params.update(classifier_dir=str(model_store.root / "toxicity_classifier"),
                      toxigen_prompts=str(paths.toxigen_prompts))
    else:
        params.update(threshold=safety_rules.violation_threshold, scorers={
            name: str(model_store.path_of(name))
            for name in (JUDGE_NAME, "safety_reward_model", "helpfulness_reward_model")})
        inputs["prompts"] = warehouse.get().query(
            *_held_out_adversarial(config.safety_prompt_round))
        if inputs["prompts"].height == 0:
            raise ValueError("no held-out adversarial prompts: check prompt_splits")
    job = compute.run(context, "benchmark", params=params, inputs=inputs)
    outcomes, generations = job.output("outcomes"), job.output("generations")
    results = summarize(outcomes, config.seed).select(
        pl.lit(model_name).alias("model"), pl.lit(benchmark).alias("benchmark"), pl.all(),
        pl.lit(checkpoint).alias("model_version"))
    scores = outcomes.select(
        pl.lit(model_name).alias("model"), pl.lit(benchmark).alias("benchmark"), "metric",
        "item", pl.col("groups").list.first().alias("grp"), "value")
    generations = generations.select(
        pl.lit(model_name).alias("model"), pl.lit(benchmark).alias("benchmark"),
        pl.col("item").cast(pl.String), pl.col("grp").cast(pl.String), "prompt", "generation",
        "verdict")
    store_ = warehouse.get()
    with store_.connect() as con:
        con.execute("BEGIN TRANSACTION")
        for table, frame in (("benchmark_results", results),
                             ("benchmark_generations", generations),
                             ("benchmark_item_scores", scores)):
            con.execute(f"DELETE FROM {table} WHERE model = ? AND benchmark = ?",
                        [model_name, benchmark])
            store_.insert(con, table, frame)
        # Keyed by checkpoint version as well: a retrained model's new results sit beside
        # the old version's instead of replacing them.
        for table in ("benchmark_history", "benchmark_item_history"):
            con.execute(f"DELETE FROM {table} WHERE model = ? AND model_version = ? AND "
                        "benchmark = ?", [model_name, checkpoint, benchmark])
        store_.insert(con, "benchmark_item_history", scores.select(
            "model", pl.lit(checkpoint).alias("model_version"), "benchmark", "metric", "item",
            "grp", "value"))
        store_.insert(con, "benchmark_history", results.select(
            "model", pl.lit(checkpoint).alias("model_version"), "benchmark", "metric", "grp",
            "value", "n", "low", "high", "method", "seed",
            pl.lit(datetime.now(UTC).replace(tzinfo=None)).alias("recorded_at")))
        versions.record(con, "benchmark_results", context.partition_key, version,
                        results.height, context.run.run_id)
        con.execute("COMMIT")
    headline = results.filter(pl.col("grp") == "all")
    return dg.MaterializeResult(metadata={
        "model": model_name, "model_version": checkpoint, "benchmark": benchmark,
        "seed": config.seed,
        **{row["metric"]: format_estimate(row) for row in headline.iter_rows(named=True)},
        "items": generations.height,
        "breakdown": markdown_table(results.select(
            "metric", "grp", pl.col("value").round(2), pl.col("low").round(2),
            pl.col("high").round(2), "n", "method"), 80),
        "examples": markdown_table(generations.select("prompt", "generation", "verdict"), 5),
        **({"judge_validated": bool(latest_metadata(context, "safety_judge_validation")
                                    .get("validated"))} if benchmark == "safety" else {}),
        "input_version": version, "reused": False,
    }, data_version=dg.DataVersion(version))


def _human_violation_rates(warehouse: WarehouseResource) -> dict[str, dict[str, Any]]:
    """Per model, the human-rated violation rate (Likert 1 or 2) over its rated held-out
    answers, with its Wilson interval; empty until ratings have come back."""
    from safety_assets.evaluation.intervals import wilson_interval

    exists = warehouse.get().query(
        "SELECT count(*) AS n FROM information_schema.tables "
        "WHERE table_name = 'human_violation_rates'")["n"][0]
    if not exists:
        return {}
    rows = warehouse.get().query(
        "SELECT model, n_tasks, violations FROM human_violation_rates "
        "WHERE risk_category = 'all' AND n_tasks > 0")
    rates = {}
    for row in rows.iter_rows(named=True):
        low, high = wilson_interval(int(row["violations"]), int(row["n_tasks"]))
        rates[row["model"]] = {"value": 100.0 * row["violations"] / row["n_tasks"],
                               "low": 100.0 * low, "high": 100.0 * high,
                               "n": int(row["n_tasks"]), "source": "human ratings"}
    return rates


# Each stage is compared with the stage before it on these, item by item.
HEADLINE_METRICS = ("truthful_and_informative_pct", "toxic_pct", "violation_pct",
                    "rm_violation_pct", "mc1_pct", "mc2_pct")


class ReportConfig(dg.Config):
    include_paper_reference: bool = Field(
        default=False, description="Add the paper's reported Llama 2-Chat rows (labelled "
                                   "'paper'), for comparison; they are not measured here.")
    seed: int = Field(default=0, description="Seed of the paired bootstrap tests.")


_HISTORY_WITH_ROUNDS = """
    SELECT h.*, v.created_at FROM benchmark_history h
    LEFT JOIN model_versions v ON v.name = h.model AND v.version = h.model_version
    WHERE h.grp = 'all'
"""


def _by_round(warehouse: WarehouseResource, models: list[str], seed: int) -> str:
    """Markdown: every headline figure of each model per annotation round (each round's newest
    version), each model's round-to-round paired test, and RM accuracy per round; kept as
    tables benchmark_by_round, round_comparisons and (from reward_model_eval)
    reward_model_round_accuracy."""
    store = warehouse.get()
    starts = dict(store.query("SELECT round, min(assigned_at) AS began FROM annotation_rounds "
                              "GROUP BY round").iter_rows())
    table = by_round(store.query(_HISTORY_WITH_ROUNDS), HEADLINE_METRICS, starts)
    store.replace_table("benchmark_by_round", table)
    compared = round_comparisons(store.table("benchmark_item_history"), table,
                                 HEADLINE_METRICS, seed)
    store.replace_table("round_comparisons", compared)
    order = {name: i for i, name in enumerate(models)}
    table = table.filter(pl.col("model").is_in(models)).with_columns(
        cell=pl.struct("value", "low", "high", "n").map_elements(
            format_estimate, return_dtype=pl.String) + pl.lit(" `") + pl.col("model_version")
        + pl.lit("`"))
    lines = []
    if table.height:
        rounds = sorted(table["round"].unique().to_list())
        lines += ["| model | metric | " + " | ".join(f"round {r}" for r in rounds) + " |",
                  "|:--|:--|" + "--:|" * len(rounds)]
        keys = sorted({(m, k) for m, k in table.select("model", "metric").iter_rows()},
                      key=lambda mk: (order.get(mk[0], 99), mk[1]))
        for model, metric in keys:
            cells = {r["round"]: r["cell"] for r in table.filter(
                (pl.col("model") == model) & (pl.col("metric") == metric)).iter_rows(named=True)}
            lines.append(f"| {model} | {metric} | "
                         + " | ".join(cells.get(r, "-") for r in rounds) + " |")
    compared = compared.filter(pl.col("model").is_in(models))
    if compared.height:
        lines += ["", "| model | metric | rounds | n | round a | round b | difference "
                  "(points) | 95% interval | p | significant |",
                  "|:--|:--|:--|--:|--:|--:|--:|--:|--:|:--|"]
        for r in compared.sort("model", "metric").iter_rows(named=True):
            lines.append(
                f"| {r['model']} | {r['metric']} | {r['round_a']} → {r['round_b']} | "
                f"{r['n']} | {r['value_a']:.1f} | {r['value_b']:.1f} | "
                f"{r['difference']:+.1f} | [{r['low']:+.1f}, {r['high']:+.1f}] | "
                f"{r['p_value']:.3g} | {'yes' if r['significant'] else 'no'} |")
    rm = store.query("SELECT * FROM reward_model_round_accuracy ORDER BY rm, round, "
                     "before_training DESC")
    if rm.height:
        lines += ["", "| RM | round | version | learned from rounds ≤ | pairs | accuracy % |",
                  "|:--|--:|:--|--:|:--|--:|"]
        for r in rm.iter_rows(named=True):
            what = "all, before training" if r["before_training"] else r["split"]
            lines.append(f"| {r['rm']} | {r['round']} | `{r['model_version']}` | "
                         f"{r['trained_through']} | {what} | "
                         + format_estimate({"value": 100 * r["accuracy"]
                                            if r["accuracy"] is not None else None,
                                            "low": 100 * r["low"], "high": 100 * r["high"],
                                            "n": r["n"]}) + " |")
    return "\n".join(lines) + "\n" if lines else "no versioned results yet\n"


@dg.asset(group_name="evaluation", deps=[benchmark_results], kinds={"duckdb"},
       description="Table 11's layout: a row per model family and size, and per pipeline "
                   "stage; TruthfulQA (higher is better) and ToxiGen (lower is better), with "
                   "MC1, MC2 and the independent judge's violation rate, each with its 95% "
                   "interval and n; every stage tested against the one before it, item by "
                   "item. Markdown, CSV, PNG and tables.")
def safety_benchmark_table(context: dg.AssetExecutionContext, config: ReportConfig,
                           model_store: ModelStoreResource, warehouse: WarehouseResource
                           ) -> dg.MaterializeResult:
    from safety_assets.evaluation import BenchmarkRow, benchmark_table
    from safety_assets.evaluation.report import PAPER_LLAMA2_CHAT

    results = warehouse.get().query(
        "SELECT r.*, m.family, m.size, m.stage FROM benchmark_results r "
        "JOIN eval_models m ON m.name = r.model WHERE r.grp = 'all'")
    if results.height == 0:
        raise ValueError("no benchmark results: materialize benchmark_results partitions first")
    rows = []
    violations = []
    order = {name: i for i, name in enumerate(PIPELINE_STAGES)}
    models = sorted(results["model"].unique().to_list(), key=lambda m: (order.get(m, -1), m))
    columns = {"truthfulqa_pct": "truthful_and_informative_pct", "toxigen_pct": "toxic_pct",
               "mc1_pct": "mc1_pct", "mc2_pct": "mc2_pct", "violation_pct": "violation_pct"}
    humans = _human_violation_rates(warehouse)
    for model in models:
        part = results.filter(pl.col("model") == model)
        found = {r["metric"]: r for r in part.iter_rows(named=True)}
        if model in humans:   # the paper's method: human ratings win when they exist
            found["violation_pct"] = humans[model]
        first = part.row(0, named=True)
        rows.append(BenchmarkRow(
            model=first["family"], size=first["size"], stage=first["stage"],
            **{column: found[metric]["value"] for column, metric in columns.items()
               if metric in found},
            intervals={column: (found[metric]["low"], found[metric]["high"],
                                found[metric]["n"])
                       for column, metric in columns.items() if metric in found}))
        violations.append({"model": model, "stage": first["stage"], **{
            metric: format_estimate(found[metric]) if metric in found else None
            for metric in ("violation_pct", "rm_violation_pct", "mean_judge_safety",
                           "mean_safety_score", "mean_helpfulness_score")}})
    if config.include_paper_reference:
        rows.extend(PAPER_LLAMA2_CHAT)
    out = model_store.root / "reports"
    table = benchmark_table(rows, out, stem="safety_benchmark_table")
    violation_frame = pl.DataFrame(violations, schema={
        "model": pl.String, "stage": pl.String, "violation_pct": pl.String,
        "rm_violation_pct": pl.String, "mean_judge_safety": pl.String,
        "mean_safety_score": pl.String, "mean_helpfulness_score": pl.String})
    scores = warehouse.get().table("benchmark_item_scores")
    comparisons = stage_comparisons(scores, models, HEADLINE_METRICS, seed=config.seed)
    warehouse.get().replace_table("safety_benchmark_table", table.frame)
    warehouse.get().replace_table("safety_violation_summary", violation_frame)
    warehouse.get().replace_table("stage_comparisons", comparisons)
    shown = comparisons.select(
        "metric", "model_a", "model_b", "n", pl.col("value_a").round(1),
        pl.col("value_b").round(1), pl.col("difference").round(1), pl.col("low").round(1),
        pl.col("high").round(1), pl.col("p_value").round(4), "significant")
    rounds = _by_round(warehouse, models, config.seed)
    (out / "safety_benchmark_by_round.md").write_text(rounds, encoding="utf-8")
    judge = latest_metadata(context, "safety_judge_validation")
    rated = sorted(set(humans) & set(models))
    human_note = (f" Human ratings (Likert 1-2 = violation) replace the judge for: "
                  f"{', '.join(rated)}." if rated else "")
    note = ("Violations: the independent judge (validated on held-out human labels: accuracy "
            f"{judge.get('accuracy')} against a majority baseline of "
            f"{judge.get('majority_baseline')}, p={judge.get('p_value_vs_majority')})."
            if judge.get("validated") else
            "Violations: the independent judge did NOT beat the majority label on held-out "
            "human labels; its violation rates are not evidence of anything.")
    return dg.MaterializeResult(metadata={
        "table": dg.MetadataValue.md(f"{table.markdown}\n{note}{human_note}\n"),
        "judge_validated": bool(judge.get("validated")),
        "violations": markdown_table(violation_frame),
        "stage_vs_stage": markdown_table(shown, 100),
        "significant_differences": int(comparisons["significant"].sum())
        if comparisons.height else 0,
        "seed": config.seed,
        "by_round": dg.MetadataValue.md(rounds),
        "plot": dg.MetadataValue.md(markdown_image(Path(table.png_path), "benchmark table")),
        "csv": dg.MetadataValue.path(str(table.csv_path)),
        "markdown": dg.MetadataValue.path(str(table.markdown_path)),
    })
