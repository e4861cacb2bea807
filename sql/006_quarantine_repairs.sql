-- A repairable quarantine: each quarantined record has an id a person quotes to repair it, and
-- every repair submitted (from a repair file in the inbox or from the launchpad) is kept, with
-- where it came from and what became of it: the lineage of a repaired record is its batch and
-- row here.
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS quarantine_id VARCHAR;

CREATE SEQUENCE IF NOT EXISTS quarantine_repair_seq;

CREATE TABLE IF NOT EXISTS quarantine_repairs (
    repair_seq     BIGINT NOT NULL DEFAULT nextval('quarantine_repair_seq'),
    quarantine_id  VARCHAR NOT NULL,
    batch_id       VARCHAR NOT NULL,   -- the original batch, where the repaired row lands
    row_number     BIGINT NOT NULL,    -- its row there, whose fields the repair replaces
    payload        VARCHAR,            -- corrected fields as JSON; NULL: re-check as it was
    submitted_by   VARCHAR NOT NULL,   -- the repair file, or the launchpad run
    source_batch   VARCHAR,            -- the repair file's own batch (NULL: launchpad)
    source_row     BIGINT,
    submitted_at   TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,   -- pending | landed | quarantined (at the last validation)
    outcome        VARCHAR,            -- the reason, while the row is still quarantined
    applied_run_id VARCHAR,
    applied_at     TIMESTAMP
);

-- Records quarantined before ids existed get the id a re-validation of their batch would give
-- them (its place among its row's records, in the order they were stored).
UPDATE quarantine AS q SET quarantine_id = n.quarantine_id
FROM (SELECT rowid AS stored_at,
             'q-' || left(sha256(batch_id || chr(0) || coalesce(row_number::VARCHAR, 'file')
                  || chr(0) || (row_number() OVER (PARTITION BY batch_id, row_number
                                                   ORDER BY rowid))::VARCHAR), 16)
             AS quarantine_id
      FROM quarantine WHERE quarantine_id IS NULL) n
WHERE q.rowid = n.stored_at;
