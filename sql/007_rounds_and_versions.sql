-- The annotation loop (Llama 2 collected its safety data in rounds, RLHF-V1 to V5) and lineage
-- by version: every checkpoint version is kept beside the others, and a benchmark result
-- names the checkpoint version it measured, so a later round never overwrites an earlier one.

-- The round each annotation batch belongs to: from the comparison tasks it answers, from the
-- intake run's config, or else the latest round started.
CREATE TABLE IF NOT EXISTS annotation_rounds (
    batch_id      VARCHAR PRIMARY KEY,
    round         INTEGER NOT NULL,
    source        VARCHAR NOT NULL,   -- comparison_tasks | config | latest_round
    assigned_at   TIMESTAMP NOT NULL
);

-- Every checkpoint version ever registered; model_registry holds the current one per name.
-- version is the training job's hash (its folder name). parents is JSON: parent models as
-- {model, version}, datasets as their batches with row counts and rounds.
CREATE TABLE IF NOT EXISTS model_versions (
    name          VARCHAR NOT NULL,
    version       VARCHAR NOT NULL,
    stage         VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    parents       VARCHAR NOT NULL,
    config        VARCHAR NOT NULL,
    data_hash     VARCHAR,
    n_parameters  BIGINT,
    tokens_seen   BIGINT,
    final_loss    DOUBLE,
    round         INTEGER,            -- the newest annotation round in its lineage
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version)
);
ALTER TABLE model_registry ADD COLUMN IF NOT EXISTS version VARCHAR;
-- The current results name the checkpoint version they measured, as the history does.
ALTER TABLE benchmark_results ADD COLUMN IF NOT EXISTS model_version VARCHAR;

-- benchmark_results for every checkpoint version measured (benchmark_results: the current).
CREATE TABLE IF NOT EXISTS benchmark_history (
    model         VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    benchmark     VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    grp           VARCHAR NOT NULL,
    value         DOUBLE,
    n             BIGINT,
    low           DOUBLE,
    high          DOUBLE,
    method        VARCHAR,
    seed          BIGINT,
    recorded_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (model, model_version, benchmark, metric, grp)
);

-- Comparison tasks sent to annotators: two responses to one prompt from two model versions or
-- settings. A pair that answers a task has the task's id as its own id.
CREATE TABLE IF NOT EXISTS comparison_tasks (
    task_id        VARCHAR PRIMARY KEY,
    round          INTEGER NOT NULL,
    prompt_id      VARCHAR NOT NULL,
    axis           VARCHAR NOT NULL,
    risk_category  VARCHAR NOT NULL,
    response_a     VARCHAR NOT NULL,
    model_a        VARCHAR NOT NULL,
    version_a      VARCHAR NOT NULL,
    settings_a     VARCHAR NOT NULL,   -- JSON: temperature, top_p, seed, max_new_tokens
    response_b     VARCHAR NOT NULL,
    model_b        VARCHAR NOT NULL,
    version_b      VARCHAR NOT NULL,
    settings_b     VARCHAR NOT NULL,
    export_version VARCHAR NOT NULL,   -- the outbox folder outbox/comparisons/<version>/
    exported_at    TIMESTAMP NOT NULL
);

-- Each reward-model version's accuracy on one round's pairs (the paper's RM accuracy per
-- batch): `before_training` when that round was newer than every batch the version saw.
CREATE TABLE IF NOT EXISTS reward_model_round_accuracy (
    rm              VARCHAR NOT NULL,
    round           INTEGER NOT NULL,
    model_version   VARCHAR NOT NULL,
    trained_through INTEGER,
    before_training BOOLEAN NOT NULL,
    split           VARCHAR NOT NULL,   -- held_out, or 'all' for a round the version never saw
    n               BIGINT NOT NULL,
    correct         BIGINT NOT NULL,
    accuracy        DOUBLE,
    low             DOUBLE,
    high            DOUBLE,
    PRIMARY KEY (rm, round, model_version, split)
);

-- benchmark_item_scores for every checkpoint version measured: what a paired test of two
-- versions of one model (round against round) reads.
CREATE TABLE IF NOT EXISTS benchmark_item_history (
    model         VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    benchmark     VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    item          VARCHAR NOT NULL,
    grp           VARCHAR,
    value         DOUBLE
);
