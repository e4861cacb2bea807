-- Measurements a reviewer can check: where each RM pair came from, a 95% interval and the seed
-- behind every benchmark figure, and each item's outcome (for paired stage-vs-stage tests).
-- ADD COLUMN IF NOT EXISTS: warehouses made before these columns gain them on first use.
ALTER TABLE reward_model_pairs ADD COLUMN IF NOT EXISTS annotator VARCHAR;
ALTER TABLE benchmark_results ADD COLUMN IF NOT EXISTS low DOUBLE;
ALTER TABLE benchmark_results ADD COLUMN IF NOT EXISTS high DOUBLE;
ALTER TABLE benchmark_results ADD COLUMN IF NOT EXISTS method VARCHAR;
ALTER TABLE benchmark_results ADD COLUMN IF NOT EXISTS seed BIGINT;

-- One row per (model, benchmark, metric, item): 1/0 for a proportion, the score for a mean.
CREATE TABLE IF NOT EXISTS benchmark_item_scores (
    model         VARCHAR NOT NULL,
    benchmark     VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    item          VARCHAR NOT NULL,
    grp           VARCHAR,
    value         DOUBLE
);

-- Whether each sample ended with EOS (False: cut at max_new_tokens, not a finished answer).
ALTER TABLE sampled_responses ADD COLUMN IF NOT EXISTS finished BOOLEAN;
