"""A home with the small models trained and the evaluation prepared once per session, for the
server-side tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assets_tests.ops.ops_support import (
    EVALUATED,
    INSTANCE_YAML,
    prepare_small_evaluation,
    train_small_models,
)


@pytest.fixture(scope="session")
def _small_models_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained home, kept as a template beside the path the tests use."""
    base = tmp_path_factory.mktemp("ops-home")
    home = base / "home"
    home.mkdir()
    shutil.copy(INSTANCE_YAML, home / "dagster.yaml")
    train_small_models(home)
    prepare_small_evaluation(home, [EVALUATED])
    shutil.copytree(home, base / "template", symlinks=True)
    return home


@pytest.fixture
def trained_home(_small_models_home: Path) -> Path:
    """A fresh copy of the session's trained home (the instance, the warehouse and the
    models), at the path it was trained at: the model registry and the instance's records
    hold absolute paths, so a copy elsewhere would point back at the template. The tests
    that use it run one after another in one process, each on its own fresh copy."""
    home = _small_models_home
    shutil.rmtree(home)
    shutil.copytree(home.with_name("template"), home, symlinks=True)
    return home
