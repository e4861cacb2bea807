"""Where state lives, free of Dagster: the DuckDB warehouse, the model store and its registry,
input fingerprints (asset versions) and the runtime paths."""
