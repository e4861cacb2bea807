"""Datasets over all batches: prompt splits, the SFT mixture, reward-model pair sets."""


import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    asset,
    asset_check,
)
from pydantic import Field

from safety_assets import expectations as ex
from safety_assets import reward_data, splits
from safety_assets.assets.metadata import counts, markdown_table
from safety_assets.resources import WarehouseResource
from safety_assets.taxonomy import ADVERSARIAL_CATEGORIES, RISK_CATEGORIES


class SplitConfig(Config):
    held_out_fraction: float = Field(
        default=0.1, description="Share of prompts held out of all training (evaluation).")
    seed: int = 0


class SFTMixtureConfig(Config):
    safety_share: float | None = Field(
        default=None, description="Share of safety demonstrations in the mixture; None keeps "
                                  "every demonstration (the paper folds them all in).")
    seed: int = 0


class SafetyRMPairsConfig(Config):
    helpfulness_share: float = Field(
        default=0.1, description="Share of helpfulness pairs in the safety RM data (paper: 10%).")
    seed: int = 0


class HelpfulnessRMPairsConfig(Config):
    safety_share: float = Field(
        default=0.5, description="Safety pairs added, as a share of the helpfulness pairs.")
    seed: int = 0


_ADVERSARIAL_SQL = ", ".join(f"('{c.name}', {str(c.adversarial).upper()})"
                             for c in RISK_CATEGORIES)


@asset(group_name="intake", deps=["prompts"], kinds={"duckdb"},
       description="Train / held-out split per prompt, by a hash of its id: stable as batches "
                   "arrive, and a prompt's demonstrations and pairs share its split.")
def prompt_splits(config: SplitConfig, warehouse: WarehouseResource) -> MaterializeResult:
    store = warehouse.get()
    with store.connect() as con:
        prompts = con.sql("SELECT id, risk_category FROM prompts").pl()
        assigned = splits.assign_splits(prompts["id"], config.held_out_fraction, config.seed)
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM prompt_splits")
        store.insert(con, "prompt_splits", assigned)
        con.execute("COMMIT")
    joined = prompts.unique("id").join(assigned, left_on="id", right_on="prompt_id")
    return MaterializeResult(metadata={
        "prompts": assigned.height,
        "held_out": assigned.filter(pl.col("split") == splits.HELD_OUT).height,
        "by_split_and_category": markdown_table(counts(joined, ["split", "risk_category"])),
    })


@asset_check(asset=prompt_splits, blocking=True,
             description="No prompt id appears in both splits, and every prompt has a split.")
def prompt_splits_disjoint(warehouse: WarehouseResource) -> AssetCheckResult:
    leaks = warehouse.get().query(
        "SELECT prompt_id FROM prompt_splits GROUP BY prompt_id HAVING count(DISTINCT split) > 1")
    missing = warehouse.get().query(
        "SELECT p.id FROM prompts p LEFT JOIN prompt_splits s ON p.id = s.prompt_id "
        "WHERE s.prompt_id IS NULL")
    return AssetCheckResult(passed=leaks.height == 0 and missing.height == 0, metadata={
        "prompts_in_both_splits": leaks.height, "prompts_without_split": missing.height})


@asset_check(asset=prompt_splits,
             description="Warning: held-out prompts cover every adversarial risk category.")
def held_out_covers_categories(warehouse: WarehouseResource) -> AssetCheckResult:
    present = set(warehouse.get().query(
        "SELECT DISTINCT p.risk_category FROM prompts p JOIN prompt_splits s "
        "ON p.id = s.prompt_id WHERE s.split = 'held_out'")["risk_category"].to_list())
    missing = sorted(set(ADVERSARIAL_CATEGORIES) - present)
    return AssetCheckResult(passed=not missing, severity=AssetCheckSeverity.WARN,
                            metadata={"missing_categories": ", ".join(missing) or "none"})


@asset(group_name="sft", deps=["demonstrations", prompt_splits], kinds={"duckdb"},
       description="Helpfulness and safety demonstrations mixed for supervised fine-tuning, "
                   "with the split of their prompt.")
def sft_mixture(context: AssetExecutionContext, config: SFTMixtureConfig,
                warehouse: WarehouseResource) -> MaterializeResult:
    store = warehouse.get()
    with store.connect() as con:
        demos = con.sql(f"""
            SELECT d.id, d.prompt_id, d.batch_id, s.split, p.text, p.history, d.response,
                   p.risk_category, p.attack_vector, c.adversarial
            FROM demonstrations d
            JOIN prompts p ON p.id = d.prompt_id
            JOIN prompt_splits s ON s.prompt_id = d.prompt_id
            JOIN (VALUES {_ADVERSARIAL_SQL}) c(name, adversarial) ON c.name = p.risk_category
        """).pl()
        mixture = splits.mix_demonstrations(demos, config.safety_share, config.seed)
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM sft_mixture")
        store.insert(con, "sft_mixture", mixture)
        con.execute("COMMIT")
    batches = sorted(mixture["batch_id"].unique().to_list())
    context.log.info(f"SFT mixture: {mixture.height} demonstrations from {len(batches)} batches")
    return MaterializeResult(metadata={
        "rows": mixture.height,
        "safety_demonstrations": mixture.filter(pl.col("adversarial")).height,
        "helpfulness_demonstrations": mixture.filter(~pl.col("adversarial")).height,
        "batches": ", ".join(batches),
        "by_split_and_category": markdown_table(counts(mixture, ["split", "risk_category"])),
    })


@asset_check(asset=sft_mixture, blocking=True,
             description="GX: responses present within bounds, ids unique, one split per prompt.")
def sft_mixture_suite(warehouse: WarehouseResource) -> AssetCheckResult:
    frame = warehouse.get().table("sft_mixture")
    outcome = ex.run_suite("sft_mixture", frame, ex.demonstration_expectations())
    leaks = frame.group_by("prompt_id").agg(pl.col("split").n_unique().alias("n"))
    leaked = leaks.filter(pl.col("n") > 1).height
    return AssetCheckResult(passed=outcome.success and leaked == 0,
                            metadata={**outcome.metadata(), "prompts_in_both_splits": leaked})


def _pairs_with_prompts(store: WarehouseResource) -> pl.DataFrame:
    return store.get().query("""
        SELECT r.id, r.prompt_id, r.batch_id, s.split, p.text, p.history, r.chosen, r.rejected,
               r.strength, r.axis, r.chosen_safe, r.rejected_safe, p.risk_category,
               p.attack_vector
        FROM preference_pairs r
        JOIN prompts p ON p.id = r.prompt_id
        JOIN prompt_splits s ON s.prompt_id = r.prompt_id
    """)


def _store_rm_pairs(store: WarehouseResource, rm: str, frame: pl.DataFrame) -> None:
    warehouse = store.get()
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM reward_model_pairs WHERE rm = ?", [rm])
        warehouse.insert(con, "reward_model_pairs", frame.with_columns(rm=pl.lit(rm)))
        con.execute("COMMIT")


def _rm_metadata(frame: pl.DataFrame) -> dict[str, object]:
    return {
        "rows": frame.height,
        "train": frame.filter(pl.col("split") == splits.TRAIN).height,
        "held_out": frame.filter(pl.col("split") == splits.HELD_OUT).height,
        "batches": ", ".join(sorted(frame["batch_id"].unique().to_list())),
        "by_axis_and_strength": markdown_table(counts(frame, ["axis", "strength"])),
    }


@asset(group_name="reward", deps=["preference_pairs", prompt_splits], kinds={"duckdb"},
       description="Safety reward model data: safety pairs with 10% helpfulness pairs; pairs "
                   "with an unsafe chosen and a safe rejected response are left out.")
def safety_rm_pairs(config: SafetyRMPairsConfig, warehouse: WarehouseResource
                    ) -> MaterializeResult:
    frame = reward_data.safety_rm_pairs(_pairs_with_prompts(warehouse),
                                        config.helpfulness_share, config.seed)
    _store_rm_pairs(warehouse, "safety", frame)
    return MaterializeResult(metadata=_rm_metadata(frame))


@asset(group_name="reward", deps=["preference_pairs", prompt_splits], kinds={"duckdb"},
       description="Helpfulness reward model data: all helpfulness pairs plus a share of "
                   "safety pairs.")
def helpfulness_rm_pairs(config: HelpfulnessRMPairsConfig, warehouse: WarehouseResource
                         ) -> MaterializeResult:
    frame = reward_data.helpfulness_rm_pairs(_pairs_with_prompts(warehouse),
                                             config.safety_share, config.seed)
    _store_rm_pairs(warehouse, "helpfulness", frame)
    return MaterializeResult(metadata=_rm_metadata(frame))


def _rm_pairs_check(warehouse: WarehouseResource, rm: str) -> AssetCheckResult:
    frame = warehouse.get().query("SELECT * FROM reward_model_pairs WHERE rm = ?", [rm])
    outcome = ex.run_suite(f"{rm}_rm_pairs", ex.preference_frame(frame),
                           ex.preference_expectations())
    return AssetCheckResult(passed=outcome.success and frame.height > 0,
                            metadata={**outcome.metadata(), "rows": frame.height})


@asset_check(asset=safety_rm_pairs, blocking=True,
             description="GX: chosen != rejected, strength and axis domains, unique ids.")
def safety_rm_pairs_suite(warehouse: WarehouseResource) -> AssetCheckResult:
    return _rm_pairs_check(warehouse, "safety")


@asset_check(asset=helpfulness_rm_pairs, blocking=True,
             description="GX: chosen != rejected, strength and axis domains, unique ids.")
def helpfulness_rm_pairs_suite(warehouse: WarehouseResource) -> AssetCheckResult:
    return _rm_pairs_check(warehouse, "helpfulness")
