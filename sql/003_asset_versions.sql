-- The input fingerprint each derived partition was last computed from (see
-- safety_assets/asset_versions.py). Written in the same transaction as the partition's rows,
-- so a fingerprint is only ever recorded beside the rows it describes.
CREATE TABLE IF NOT EXISTS asset_versions (
    asset         VARCHAR NOT NULL,
    partition     VARCHAR NOT NULL,     -- '' for an unpartitioned asset
    version       VARCHAR NOT NULL,
    rows          BIGINT NOT NULL,
    run_id        VARCHAR,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (asset, partition)
);
