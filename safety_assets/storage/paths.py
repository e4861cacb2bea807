"""Where runtime state lives: under $DAGSTER_HOME (the repository's dagster_home/ when the
demo or the Makefile runs it)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def dagster_home() -> Path:
    """$DAGSTER_HOME, else the repository's dagster_home/ (the command-line runners only: the
    code location reads its home through a resource, at run time)."""
    return Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / "dagster_home")


def located(home: str | None, path: str) -> Path:
    """``path`` as given when absolute, else under ``home``. A relative path with no home is
    refused rather than resolved against whatever folder the process started in."""
    given = Path(path).expanduser()
    if given.is_absolute():
        return given
    if not home:
        raise ValueError(f"{path!r} is relative and no home folder is configured: set "
                         "DAGSTER_HOME, or give an absolute path")
    return Path(home).expanduser() / given
