"""Reward models (Llama 2 section 3.2.2): the helpfulness and safety RMs, trained from the SFT
checkpoint with a margin ranking loss, and their held-out accuracy."""

from typing import Any

import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.datasets.splits import HELD_OUT, TRAIN
from safety_assets.defs.metadata import markdown_table
from safety_assets.defs.resources import (
    EvalDataResource,
    ModelStoreResource,
    SafetyRulesResource,
    TrainingResource,
    WarehouseResource,
)
from safety_assets.defs.sft.sft_assets import batches_of, fine_tune_spec
from safety_assets.defs.sft.training_configs import RewardModelConfig
from safety_assets.evaluation.calibration import (
    expected_calibration_error,
    labelled_responses,
    reliability_table,
    score_labelled,
    threshold_quality,
)
from safety_assets.evaluation.intervals import wilson_interval
from safety_assets.evaluation.reward_accuracy import (
    RewardScores,
    accuracy_table,
    binomial_p_value,
    external_pairs,
    pairwise_accuracy,
    round_accuracy,
)
from safety_assets.plots import grouped_bars, markdown_image, reliability_diagram

# The safety RM learns from the per-response safe/unsafe labels too (safe-rlhf's sign term):
# the ranking loss alone sees only differences and leaves the level of sigmoid(r) free, yet the
# combined reward's 0.15 switch and the 0.5 violation rule both read that level. The
# calibration report of reward_model_eval measures whether the anchor holds on held-out labels.
SAFETY_SIGN_COEF = 1.0


def rm_rows(warehouse: WarehouseResource, rm: str, split: str) -> list[dict[str, Any]]:
    """Reward-model training rows of one pair set and split, with the safety labels (null
    where an annotator gave none: the sign term skips those)."""
    frame = warehouse.get().query(
        "SELECT text, history, chosen, rejected, strength, chosen_safe, rejected_safe "
        "FROM reward_model_pairs WHERE rm = ? AND split = ? ORDER BY id", [rm, split])
    return [{"prompt": r["text"], "history": r["history"], "chosen": r["chosen"],
             "rejected": r["rejected"], "strength": r["strength"],
             "chosen_safe": r["chosen_safe"], "rejected_safe": r["rejected_safe"]}
            for r in frame.iter_rows(named=True)]


def _reward_model(rm: str, context: dg.AssetExecutionContext, config: RewardModelConfig,
                  training: TrainingResource, warehouse: WarehouseResource
                  ) -> dg.MaterializeResult:
    pairs = warehouse.get().query("SELECT batch_id FROM reward_model_pairs WHERE rm = ?", [rm])
    sign = {"sign_coef": SAFETY_SIGN_COEF} if rm == "safety" else {}
    return training.train(context, name=f"{rm}_reward_model", stage="reward",
                          spec=fine_tune_spec(config, training, "sft_model", task="reward",
                                              **sign),
                          train_rows=rm_rows(warehouse, rm, TRAIN),
                          eval_rows=rm_rows(warehouse, rm, HELD_OUT),
                          parents={"sft_model": "sft_model",
                                   f"{rm}_rm_pairs": batches_of(pairs)})


@dg.asset(group_name="reward", deps=["sft_model", "helpfulness_rm_pairs"], kinds={"pytorch"},
          description="Helpfulness RM: the SFT checkpoint with a scalar head, binary ranking "
                      "loss with a margin by preference strength.")
def helpfulness_reward_model(context: dg.AssetExecutionContext, config: RewardModelConfig,
                             training: TrainingResource, warehouse: WarehouseResource
                             ) -> dg.MaterializeResult:
    return _reward_model("helpfulness", context, config, training, warehouse)


@dg.asset(group_name="reward", deps=["sft_model", "safety_rm_pairs"], kinds={"pytorch"},
          description="Safety RM: the SFT checkpoint with a scalar head, trained on safety "
                      "pairs mixed with 10% helpfulness pairs.")
def safety_reward_model(context: dg.AssetExecutionContext, config: RewardModelConfig,
                        training: TrainingResource, warehouse: WarehouseResource
                        ) -> dg.MaterializeResult:
    return _reward_model("safety", context, config, training, warehouse)


class RewardModelEvalConfig(dg.Config):
    batch_size: int = 16
    significance: float = Field(
        default=0.01, description="One-sided binomial p-value under which an RM beats chance "
                                  "(the check `reward_models_beat_chance` reads it).")
    max_ece: float = Field(
        default=0.15, description="Expected calibration error of the safety RM's sigmoid on "
                                  "held-out safety labels above which `safety_rm_calibrated` "
                                  "fails: over it, the 0.15 and 0.5 rules read an arbitrary "
                                  "level.")
    bins: int = Field(default=10, description="Reliability-diagram bins.")
    external_pairs: int = Field(
        default=200, description="HH-RLHF harmless test pairs (a fixed random sample, never "
                                 "trained on) to measure both RMs on text this project did "
                                 "not write; 0 skips.")
    seed: int = 0


@dg.asset(group_name="reward", deps=[helpfulness_reward_model, safety_reward_model],
          kinds={"pytorch", "duckdb"},
          description="Held-out accuracy of each reward model by preference strength, risk "
                      "category and attack vector.")
def reward_model_eval(context: dg.AssetExecutionContext, config: RewardModelEvalConfig,
                      model_store: ModelStoreResource, safety_rules: SafetyRulesResource,
                      eval_data: EvalDataResource, warehouse: WarehouseResource
                      ) -> dg.MaterializeResult:
    frames = []
    # The same held-out responses are asked about again per round and for calibration.
    scores = RewardScores(config.batch_size)
    for rm in ("safety", "helpfulness"):
        pairs = warehouse.get().query(f"{_PAIRS_WITH_ROUND} AND p.split = ?", [rm, HELD_OUT])
        correct = pairwise_accuracy(model_store.path_of(f"{rm}_reward_model"), pairs,
                                    config.batch_size, scores)
        frames.append(pairs.with_columns(rm=pl.lit(rm), correct=pl.Series(correct)))
        context.log.info(f"{rm} RM: held-out accuracy {sum(correct) / max(1, len(correct)):.3f}"
                         f" on {len(correct)} pairs")
    accuracy = accuracy_table(pl.concat(frames))
    warehouse.get().replace_table("reward_model_eval", accuracy)
    by_strength: dict[str, dict[str, float]] = {}
    for row in accuracy.filter(pl.col("dimension") == "strength").iter_rows(named=True):
        by_strength.setdefault(row["value"], {})[f"{row['rm']} RM"] = row["accuracy"]
    plot = grouped_bars(by_strength, model_store.root / "reward_model_eval" / "by_strength.png",
                        "Held-out RM accuracy by preference strength", "accuracy", 0.5)
    metadata: dict[str, Any] = {
        "accuracy_table": markdown_table(accuracy, 200),
        "by_strength_plot": dg.MetadataValue.md(markdown_image(plot, "accuracy by strength")),
        "significance": config.significance,
    }
    for row in accuracy.filter(pl.col("dimension") == "overall").iter_rows(named=True):
        metadata[f"{row['rm']}_rm_accuracy"] = row["accuracy"]
        metadata[f"{row['rm']}_rm_pairs"] = row["n"]
        metadata[f"{row['rm']}_rm_p_value"] = binomial_p_value(row["correct"], row["n"])
    metadata.update(_round_accuracy(config, model_store, warehouse, scores))
    metadata.update(_calibration(config, model_store, safety_rules, warehouse, scores))
    metadata.update(_external_accuracy(config, model_store, eval_data, warehouse, scores))
    metadata["texts_scored"] = dg.MetadataValue.json(
        {"asked": scores.asked, "through_a_model": scores.scored})
    return dg.MaterializeResult(metadata=metadata)


# An RM's pairs with the annotation round of their batch (a batch from before rounds were
# recorded counts as round 1).
_PAIRS_WITH_ROUND = ("SELECT p.*, coalesce(r.round, 1) AS round FROM reward_model_pairs p "
                     "LEFT JOIN annotation_rounds r ON r.batch_id = p.batch_id WHERE p.rm = ?")


def _round_accuracy(config: RewardModelEvalConfig, model_store: ModelStoreResource,
                    warehouse: WarehouseResource, scores: RewardScores) -> dict[str, Any]:
    """Each RM per annotation round: the current version on each round's held-out pairs, and
    the version before each round on that round's pairs, before it was trained on (the
    paper's accuracy on the newest batch)."""
    store = warehouse.get()
    rows: list[dict[str, Any]] = []
    for rm in ("safety", "helpfulness"):
        pairs = store.query(_PAIRS_WITH_ROUND, [rm])
        history = store.query(
            "SELECT version, round, path FROM model_versions WHERE name = ? "
            "ORDER BY created_at", [f"{rm}_reward_model"])
        current = store.query("SELECT version FROM model_registry WHERE name = ?",
                              [f"{rm}_reward_model"])
        if current.height == 0 or history.height == 0:
            continue
        entries = list(history.iter_rows(named=True))
        # The registry's current version last, wherever it was first registered.
        entries.sort(key=lambda v: v["version"] == current["version"][0])
        rows += round_accuracy(rm, pairs, entries, lambda path, subset: pairwise_accuracy(
            path, subset, config.batch_size, scores), HELD_OUT)
    frame = pl.DataFrame(rows, schema={
        "rm": pl.String, "round": pl.Int32, "model_version": pl.String,
        "trained_through": pl.Int32, "before_training": pl.Boolean, "split": pl.String,
        "n": pl.Int64, "correct": pl.Int64, "accuracy": pl.Float64, "low": pl.Float64,
        "high": pl.Float64})
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.from_arrow(frame.to_arrow()).query(
            "_measured", "DELETE FROM reward_model_round_accuracy a WHERE EXISTS (SELECT 1 "
                         "FROM _measured m WHERE m.rm = a.rm AND m.round = a.round AND "
                         "m.model_version = a.model_version AND m.split = a.split)")
        store.insert(con, "reward_model_round_accuracy", frame)
        con.execute("COMMIT")
    shown = store.query(
        "SELECT rm, round, model_version, trained_through, before_training, split, n, "
        "round(100 * accuracy, 1) AS accuracy_pct, round(100 * low, 1) AS low, "
        "round(100 * high, 1) AS high FROM reward_model_round_accuracy "
        "ORDER BY rm, round, before_training DESC, model_version")
    figures: dict[str, Any] = {"accuracy_by_round": markdown_table(shown, 100)}
    bars: dict[str, dict[str, float]] = {}
    for row in frame.filter(pl.col("accuracy").is_not_null()).iter_rows(named=True):
        series = (f"{row['rm']} RM, before training" if row["before_training"]
                  else f"{row['rm']} RM, held out")
        bars.setdefault(f"round {row['round']}", {})[series] = row["accuracy"]
    if bars:
        plot = grouped_bars(bars, model_store.root / "reward_model_eval" / "by_round.png",
                            "RM accuracy per annotation round", "accuracy", 0.5)
        figures["accuracy_by_round_plot"] = dg.MetadataValue.md(
            markdown_image(plot, "accuracy by round"))
    newest = frame.filter(pl.col("before_training")).sort("round")
    for row in newest.group_by("rm").agg(pl.all().last()).iter_rows(named=True):
        figures[f"{row['rm']}_rm_accuracy_newest_round_before_training"] = (
            f"{row['accuracy']:.3f} [{row['low']:.3f}, {row['high']:.3f}] (n={row['n']}, "
            f"round {row['round']}, version {row['model_version']})")
    return figures


def _external_accuracy(config: RewardModelEvalConfig, model_store: ModelStoreResource,
                       eval_data: EvalDataResource, warehouse: WarehouseResource,
                       scores: RewardScores) -> dict[str, Any]:
    """Both RMs on HH-RLHF pairs no stage trained on: the accuracy to quote, as the project's
    own pairs share the sample generator's surface cues."""
    if config.external_pairs <= 0:
        return {}
    imported = frozenset(warehouse.get().query(
        "SELECT id FROM prompts WHERE id LIKE 'hh-%'")["id"].to_list())
    pairs = external_pairs(eval_data.paths().hh_rlhf_harmless, config.external_pairs,
                           config.seed, imported)
    figures: dict[str, Any] = {"external_pairs": pairs.height}
    for rm in ("safety", "helpfulness"):
        correct = pairwise_accuracy(model_store.path_of(f"{rm}_reward_model"), pairs,
                                    config.batch_size, scores)
        hits, n = sum(correct), len(correct)
        low, high = wilson_interval(hits, n) if n else (float("nan"), float("nan"))
        figures[f"{rm}_rm_accuracy_hh_rlhf"] = (
            f"{hits / n:.3f} [{low:.3f}, {high:.3f}] (n={n}, seed={config.seed})" if n
            else "n/a")
    return figures


def _calibration(config: RewardModelEvalConfig, model_store: ModelStoreResource,
                 safety_rules: SafetyRulesResource, warehouse: WarehouseResource,
                 scores: RewardScores) -> dict[str, Any]:
    """The safety RM's sigmoid against the held-out per-response safety labels: reliability
    table and diagram, ECE, and the precision and recall for "unsafe" of both thresholds."""
    pairs = warehouse.get().query(
        "SELECT * FROM reward_model_pairs WHERE rm = 'safety' AND split = ?", [HELD_OUT])
    labelled = labelled_responses(pairs)
    probs = score_labelled(str(model_store.path_of("safety_reward_model")), labelled,
                           config.batch_size, scores)
    labels = labelled["is_safe"].to_list() if labelled.height else []
    table = reliability_table(probs, labels, config.bins)
    warehouse.get().replace_table("reward_model_calibration",
                                  table.with_columns(rm=pl.lit("safety")))
    ece = expected_calibration_error(probs, labels, config.bins)
    plot = reliability_diagram(
        {"safety RM": table}, model_store.root / "reward_model_eval" / "reliability.png",
        "Safety RM: reliability on held-out labels",
        {f"R_s switch {safety_rules.safety_threshold}": safety_rules.safety_threshold,
         f"violation {safety_rules.violation_threshold}": safety_rules.violation_threshold})
    figures: dict[str, Any] = {
        "safety_rm_labelled_responses": len(probs),
        "safety_rm_ece": round(ece, 4) if ece == ece else None,
        "max_ece": config.max_ece,
        "reliability_table": markdown_table(table),
        "reliability_plot": dg.MetadataValue.md(markdown_image(plot, "reliability diagram")),
    }
    for name, threshold in (("switch", safety_rules.safety_threshold),
                            ("violation", safety_rules.violation_threshold)):
        quality = threshold_quality(probs, labels, threshold)
        figures[f"unsafe_at_{name}_threshold"] = dg.MetadataValue.json(
            {k: (None if isinstance(v, float) and v != v else v)
             for k, v in quality.as_dict().items()})
    return figures
