"""Shared fixtures: a throw-away Dagster home (instance, warehouse, inbox) per test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.defs.intake.intake_assets import raw_annotations, validated_annotations
from safety_assets.defs.resources import (
    AnnotationInboxResource,
    WarehouseResource,
    build_resources,
)
from safety_assets.intake.inbox import batch_key, sha256_of
from safety_assets.storage.warehouse import Warehouse

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the reference data is missing: expected {SHARED_DATA} (see README)")
    return SHARED_DATA


@dataclass
class Home:
    root: Path
    instance: dg.DagsterInstance
    warehouse: WarehouseResource
    inbox: AnnotationInboxResource

    @property
    def resources(self) -> dict[str, object]:
        return {"warehouse": self.warehouse, "inbox": self.inbox}

    def pipeline_resources(self, **overrides: object) -> dict[str, object]:
        """The code location's whole resource set under this home (models in ``models/``),
        with this home's inbox; ``overrides`` replace entries (``profile``, ``launcher``
        and ``generation`` among them)."""
        return {**build_resources(home=str(self.root), **overrides), "inbox": self.inbox}

    @property
    def store(self) -> Warehouse:
        return self.warehouse.get()

    def drop(self, name: str, content: bytes | str) -> Path:
        path = self.inbox.folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def ingest(self, path: Path, raise_on_error: bool = True, round_: int | None = None):
        """Intake of one file as its own batch (in annotation round ``round_`` if given)."""
        key = batch_key(path.name, sha256_of(path))
        self.instance.add_dynamic_partitions(annotation_batches.name, [key])
        config = ({"ops": {"validated_annotations": {"config": {"round": round_}}}}
                  if round_ is not None else None)
        result = dg.materialize([raw_annotations, validated_annotations], partition_key=key,
                             resources=self.resources, instance=self.instance,
                             raise_on_error=raise_on_error, run_config=config)
        return key, result


def build_home(root: Path) -> Home:
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return Home(
        root=root,
        instance=dg.DagsterInstance.ephemeral(),
        warehouse=WarehouseResource(path=str(root / "warehouse.duckdb")),
        inbox=AnnotationInboxResource(path=str(inbox), archive_path=str(root / "archive"),
                                      outbox_path=str(root / "outbox"), min_age_seconds=0),
    )


@pytest.fixture(scope="session")
def make_home():
    return build_home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return build_home(tmp_path)
