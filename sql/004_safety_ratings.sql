-- Human safety ratings (Llama 2 section 4.4): held-out responses exported as rating tasks,
-- and the 5-point Likert ratings people give them (1 or 2: a violation).

-- The key of each exported task: a rater sees only task_id, prompt and response; the model
-- stays here. task_id hashes (model, item, response), so a task is the same task for as long
-- as the model's response to that prompt is unchanged, and a new response is a new task.
CREATE TABLE IF NOT EXISTS rating_tasks (
    task_id        VARCHAR PRIMARY KEY,
    model          VARCHAR NOT NULL,
    item           VARCHAR NOT NULL,   -- the prompt id (benchmark_generations.item)
    risk_category  VARCHAR,            -- benchmark_generations.grp
    prompt         VARCHAR,
    response       VARCHAR,
    export_version VARCHAR NOT NULL,   -- the outbox folder (outbox/ratings/<version>/) last
                                       -- exporting it
    exported_at    TIMESTAMP NOT NULL
);

-- Ratings that passed intake, one partition per inbox batch (re-ingesting replaces it).
CREATE TABLE IF NOT EXISTS safety_ratings (
    batch_id      VARCHAR NOT NULL,
    source_file   VARCHAR NOT NULL,
    row_number    BIGINT NOT NULL,
    id            VARCHAR NOT NULL,   -- '<task_id>/<rater>': one rating per task and rater
    task_id       VARCHAR NOT NULL,
    rating        BIGINT NOT NULL,    -- 1..5
    rater         VARCHAR NOT NULL,   -- 'unknown' when the file names none
    comment       VARCHAR
);
