"""Shared fixtures: a throw-away Dagster home (instance, warehouse, inbox) per test."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from safety_assets.assets.intake import raw_annotations, validated_annotations
from safety_assets.inbox import batch_key, sha256_of
from safety_assets.partitions import annotation_batches
from safety_assets.resources import AnnotationInbox, WarehouseResource
from safety_assets.warehouse import Warehouse

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
    instance: DagsterInstance
    warehouse: WarehouseResource
    inbox: AnnotationInbox

    @property
    def resources(self) -> dict[str, object]:
        return {"warehouse": self.warehouse, "inbox": self.inbox}

    @property
    def store(self) -> Warehouse:
        return self.warehouse.get()

    def drop(self, name: str, content: bytes | str) -> Path:
        path = self.inbox.folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def ingest(self, path: Path, raise_on_error: bool = True):
        key = batch_key(path.name, sha256_of(path))
        self.instance.add_dynamic_partitions(annotation_batches.name, [key])
        result = materialize([raw_annotations, validated_annotations], partition_key=key,
                             resources=self.resources, instance=self.instance,
                             raise_on_error=raise_on_error)
        return key, result


def build_home(root: Path) -> Home:
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return Home(
        root=root,
        instance=DagsterInstance.ephemeral(),
        warehouse=WarehouseResource(path=str(root / "warehouse.duckdb")),
        inbox=AnnotationInbox(path=str(inbox), archive_path=str(root / "archive"),
                              min_age_seconds=0),
    )


@pytest.fixture(scope="session")
def make_home():
    return build_home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    return build_home(tmp_path)
