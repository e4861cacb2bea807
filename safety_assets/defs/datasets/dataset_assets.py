"""Datasets over all batches: prompt splits, the SFT mixture, reward-model pair sets."""


import dagster as dg
import polars as pl
from pydantic import Field

from safety_assets.datasets import reward_pairs, splits
from safety_assets.defs.metadata import counts, markdown_table
from safety_assets.defs.resources import WarehouseResource
from safety_assets.taxonomy import RISK_CATEGORIES


class SplitConfig(dg.Config):
    held_out_fraction: float = Field(
        default=0.1, description="Share of prompts held out of all training (evaluation).")
    judge_fraction: float = Field(
        default=0.1, description="Share of prompts whose pairs train only the independent "
                                 "safety judge (no stage sees them).")
    seed: int = 0


class SFTMixtureConfig(dg.Config):
    safety_share: float | None = Field(
        default=None, description="Share of safety demonstrations in the mixture; None keeps "
                                  "every demonstration (the paper folds them all in).")
    seed: int = 0


class SafetyRMPairsConfig(dg.Config):
    helpfulness_share: float = Field(
        default=0.1, description="Share of helpfulness pairs in the safety RM data (paper: 10%).")
    seed: int = 0


class HelpfulnessRMPairsConfig(dg.Config):
    safety_share: float = Field(
        default=0.5, description="Safety pairs added, as a share of the helpfulness pairs.")
    seed: int = 0


_ADVERSARIAL_SQL = ", ".join(f"('{c.name}', {str(c.adversarial).upper()})"
                             for c in RISK_CATEGORIES)


@dg.asset(group_name="datasets", deps=["prompts"], kinds={"duckdb"},
       description="Train / held-out / judge split per prompt, by a hash of its id: stable as "
                   "batches arrive, and a prompt's demonstrations and pairs share its split.")
def prompt_splits(config: SplitConfig, warehouse: WarehouseResource) -> dg.MaterializeResult:
    store = warehouse.get()
    with store.connect() as con:
        prompts = con.sql("SELECT id, risk_category FROM prompts").pl()
        assigned = splits.assign_splits(prompts["id"], config.held_out_fraction, config.seed,
                                        config.judge_fraction)
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM prompt_splits")
        store.insert(con, "prompt_splits", assigned)
        con.execute("COMMIT")
    joined = prompts.unique("id").join(assigned, left_on="id", right_on="prompt_id")
    return dg.MaterializeResult(metadata={
        "prompts": assigned.height,
        "held_out": assigned.filter(pl.col("split") == splits.HELD_OUT).height,
        "judge": assigned.filter(pl.col("split") == splits.JUDGE).height,
        "by_split_and_category": markdown_table(counts(joined, ["split", "risk_category"])),
    })


@dg.asset(group_name="datasets", deps=["demonstrations", prompt_splits], kinds={"duckdb"},
       description="Helpfulness and safety demonstrations mixed for supervised fine-tuning, "
                   "with the split of their prompt.")
def sft_mixture(context: dg.AssetExecutionContext, config: SFTMixtureConfig,
                warehouse: WarehouseResource) -> dg.MaterializeResult:
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
    return dg.MaterializeResult(metadata={
        "rows": mixture.height,
        "safety_demonstrations": mixture.filter(pl.col("adversarial")).height,
        "helpfulness_demonstrations": mixture.filter(~pl.col("adversarial")).height,
        "batches": ", ".join(batches),
        "by_split_and_category": markdown_table(counts(mixture, ["split", "risk_category"])),
    })


def _pairs_with_prompts(store: WarehouseResource) -> pl.DataFrame:
    return store.get().query("""
        SELECT r.id, r.prompt_id, r.batch_id, s.split, p.text, p.history, r.chosen, r.rejected,
               r.strength, r.axis, r.chosen_safe, r.rejected_safe, p.risk_category,
               p.attack_vector, r.annotator
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


@dg.asset(group_name="datasets", deps=["preference_pairs", prompt_splits], kinds={"duckdb"},
       description="Safety reward model data: safety pairs with 10% helpfulness pairs; pairs "
                   "with an unsafe chosen and a safe rejected response are left out.")
def safety_rm_pairs(config: SafetyRMPairsConfig, warehouse: WarehouseResource
                    ) -> dg.MaterializeResult:
    frame = reward_pairs.safety_rm_pairs(_pairs_with_prompts(warehouse),
                                        config.helpfulness_share, config.seed)
    _store_rm_pairs(warehouse, "safety", frame)
    return dg.MaterializeResult(metadata=_rm_metadata(frame))


@dg.asset(group_name="datasets", deps=["preference_pairs", prompt_splits], kinds={"duckdb"},
       description="Helpfulness reward model data: all helpfulness pairs plus a share of "
                   "safety pairs.")
def helpfulness_rm_pairs(config: HelpfulnessRMPairsConfig, warehouse: WarehouseResource
                         ) -> dg.MaterializeResult:
    frame = reward_pairs.helpfulness_rm_pairs(_pairs_with_prompts(warehouse),
                                             config.safety_share, config.seed)
    _store_rm_pairs(warehouse, "helpfulness", frame)
    return dg.MaterializeResult(metadata=_rm_metadata(frame))
