"""The Dagster definitions, one folder per asset group (intake, datasets, sft, reward, rlhf,
distill, evaluation), plus the jobs and the resources. Loaded by safety_assets/definitions.py."""
