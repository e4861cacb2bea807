"""Dagster assets, one module per stage group: thin wrappers over the pure modules."""
