"""Where runtime state lives: under $DAGSTER_HOME, the repository's dagster_home/ by default."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / "dagster_home")


def default_path(env_var: str, relative: str) -> str:
    """An explicit environment variable wins; else a path under DAGSTER_HOME."""
    return os.environ.get(env_var) or str(dagster_home() / relative)
