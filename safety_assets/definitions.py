"""The code location: every definition under safety_assets/defs/, loaded by `dg`'s autoloader
(assets, checks, sensors and partitions in the stage folders, jobs in defs/jobs.py, the
resource set in defs/resources.py)."""

from pathlib import Path

import dagster as dg

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)
