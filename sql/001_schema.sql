-- Warehouse schema. Every statement is idempotent: the warehouse resource runs these
-- files in name order each time it opens a fresh database.

CREATE TABLE IF NOT EXISTS risk_categories (
    name          VARCHAR PRIMARY KEY,
    label         VARCHAR NOT NULL,
    adversarial   BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS risk_subcategories (
    risk_category VARCHAR NOT NULL,
    name          VARCHAR NOT NULL,
    PRIMARY KEY (risk_category, name)
);

CREATE TABLE IF NOT EXISTS attack_vectors (
    name          VARCHAR PRIMARY KEY,
    label         VARCHAR NOT NULL,
    example       VARCHAR NOT NULL
);

-- One row per ingested inbox file (a batch = a dynamic partition).
CREATE TABLE IF NOT EXISTS processed_files (
    batch_id      VARCHAR PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    n_rows        BIGINT NOT NULL,
    n_valid       BIGINT NOT NULL,
    n_quarantined BIGINT NOT NULL,
    run_id        VARCHAR,
    ingested_at   TIMESTAMP NOT NULL
);

-- Every row as it was read, parse errors included.
CREATE TABLE IF NOT EXISTS raw_records (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT,             -- NULL: the whole file could not be read
    payload       VARCHAR,
    parse_error   VARCHAR
);

CREATE TABLE IF NOT EXISTS prompts (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    id            VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    history       VARCHAR NOT NULL,
    risk_category VARCHAR NOT NULL,
    subcategory   VARCHAR,
    attack_vector VARCHAR NOT NULL,
    language      VARCHAR NOT NULL,
    annotator     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS demonstrations (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    id            VARCHAR NOT NULL,
    prompt_id     VARCHAR NOT NULL,
    response      VARCHAR NOT NULL,
    annotator     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS preference_pairs (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    id            VARCHAR NOT NULL,
    prompt_id     VARCHAR NOT NULL,
    chosen        VARCHAR NOT NULL,
    rejected      VARCHAR NOT NULL,
    strength      VARCHAR NOT NULL,
    axis          VARCHAR NOT NULL,
    chosen_safe   BOOLEAN,
    rejected_safe BOOLEAN,
    annotator     VARCHAR NOT NULL
);

-- Rows (or whole files) that intake refused, with the reason.
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT,
    kind          VARCHAR,
    record_id     VARCHAR,
    reason        VARCHAR NOT NULL,
    payload       VARCHAR
);

-- Which prompts are for training and which are held out (never both).
CREATE TABLE IF NOT EXISTS prompt_splits (
    prompt_id     VARCHAR PRIMARY KEY,
    split         VARCHAR NOT NULL
);

-- Every checkpoint the pipeline writes, with its lineage.
CREATE TABLE IF NOT EXISTS model_registry (
    name          VARCHAR PRIMARY KEY,
    stage         VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    parents       VARCHAR NOT NULL,   -- JSON: parent models and dataset partitions
    config        VARCHAR NOT NULL,   -- JSON
    data_hash     VARCHAR,
    n_parameters  BIGINT,
    tokens_seen   BIGINT,
    final_loss    DOUBLE,
    created_at    TIMESTAMP NOT NULL
);

-- The SFT mixture: helpfulness and safety demonstrations with the prompt they answer.
CREATE TABLE IF NOT EXISTS sft_mixture (
    id            VARCHAR PRIMARY KEY,
    prompt_id     VARCHAR NOT NULL,
    batch_id      VARCHAR NOT NULL,
    split         VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    history       VARCHAR NOT NULL,
    response      VARCHAR NOT NULL,
    risk_category VARCHAR NOT NULL,
    attack_vector VARCHAR NOT NULL,
    adversarial   BOOLEAN NOT NULL
);

-- Training pairs of each reward model (rm = 'safety' or 'helpfulness').
CREATE TABLE IF NOT EXISTS reward_model_pairs (
    rm            VARCHAR NOT NULL,
    id            VARCHAR NOT NULL,
    prompt_id     VARCHAR NOT NULL,
    batch_id      VARCHAR NOT NULL,
    split         VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    history       VARCHAR NOT NULL,
    chosen        VARCHAR NOT NULL,
    rejected      VARCHAR NOT NULL,
    strength      VARCHAR NOT NULL,
    axis          VARCHAR NOT NULL,
    chosen_safe   BOOLEAN,
    rejected_safe BOOLEAN,
    risk_category VARCHAR NOT NULL,
    attack_vector VARCHAR NOT NULL,
    PRIMARY KEY (rm, id)
);

-- K samples per prompt from a policy (partitioned by risk category).
CREATE TABLE IF NOT EXISTS sampled_responses (
    risk_category VARCHAR NOT NULL,
    prompt_id     VARCHAR NOT NULL,
    sample_index  INTEGER NOT NULL,
    response      VARCHAR NOT NULL,
    model         VARCHAR NOT NULL,
    model_path    VARCHAR NOT NULL,
    backend       VARCHAR NOT NULL,
    seed          BIGINT NOT NULL,
    temperature   DOUBLE NOT NULL,
    top_p         DOUBLE NOT NULL,
    PRIMARY KEY (prompt_id, sample_index)
);

-- Both reward models' scores of every sample, and the combined reward R_c.
CREATE TABLE IF NOT EXISTS reward_scores (
    risk_category    VARCHAR NOT NULL,
    prompt_id        VARCHAR NOT NULL,
    sample_index     INTEGER NOT NULL,
    adversarial      BOOLEAN NOT NULL,
    safety_score     DOUBLE NOT NULL,   -- the RM's scalar output
    helpful_score    DOUBLE NOT NULL,
    safety_prob      DOUBLE NOT NULL,   -- sigmoid of it, as the 0.15 rule reads it
    helpful_prob     DOUBLE NOT NULL,
    combined_reward  DOUBLE NOT NULL,   -- R_c
    PRIMARY KEY (prompt_id, sample_index)
);

-- Models under evaluation: pipeline checkpoints and configured local folders.
CREATE TABLE IF NOT EXISTS eval_models (
    name          VARCHAR PRIMARY KEY,   -- the partition key
    family        VARCHAR NOT NULL,
    size          VARCHAR NOT NULL,
    stage         VARCHAR NOT NULL,
    path          VARCHAR NOT NULL
);

-- One row per (model, benchmark, metric); `grp` breaks a metric down (a target group,
-- a risk category), 'all' otherwise.
CREATE TABLE IF NOT EXISTS benchmark_results (
    model         VARCHAR NOT NULL,
    benchmark     VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    grp           VARCHAR NOT NULL,
    value         DOUBLE,
    n             BIGINT,
    PRIMARY KEY (model, benchmark, metric, grp)
);

-- Each generation judged, for inspection.
CREATE TABLE IF NOT EXISTS benchmark_generations (
    model         VARCHAR NOT NULL,
    benchmark     VARCHAR NOT NULL,
    item          VARCHAR NOT NULL,
    grp           VARCHAR,
    prompt        VARCHAR,
    generation    VARCHAR,
    verdict       VARCHAR
);
