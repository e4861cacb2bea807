"""Annotation intake, free of Dagster: reading files as tools write them (parser), checking
each row (validation), staging a batch in a scratch DuckDB (staging), storing and validating
a batch in the warehouse (batch_store), the GX suites over a batch (suites, expectations),
the inbox folder, the HH-RLHF importer and the record schemas."""
