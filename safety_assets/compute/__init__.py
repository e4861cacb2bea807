"""Heavy steps as jobs that never touch the warehouse: sampling, reward scoring and benchmark
generation read their inputs from files the asset staged in a hash-named job folder and write
their outputs there. The asset process alone reads and writes DuckDB, so a job can run on a
node that has only the model store and a scratch folder (see the README's GPU cluster design).
No Dagster here; ``compute_entry`` speaks Dagster Pipes when launched by an asset.
"""
