"""Resources: every external thing the assets touch (warehouse, inbox, model store, ...)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from safety_assets import inbox as inbox_files
from safety_assets.intake_parser import DEFAULT_MAX_ROW_BYTES
from safety_assets.intake_validation import HHImportConfig, IntakeLimits
from safety_assets.paths import default_path
from safety_assets.warehouse import Warehouse


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file (default: $DAGSTER_HOME/warehouse.duckdb)."""

    path: str = Field(default_factory=lambda: default_path("SAFETY_WAREHOUSE",
                                                           "warehouse.duckdb"))

    def get(self) -> Warehouse:
        return Warehouse(self.path)


class AnnotationInbox(ConfigurableResource):
    """The folder annotators drop files into, and intake's limits for their rows."""

    path: str = Field(default_factory=lambda: default_path("SAFETY_INBOX", "inbox"))
    archive_path: str = Field(
        default_factory=lambda: default_path("SAFETY_ARCHIVE", "storage/batches"),
        description="Where each ingested file is copied, keyed by batch.")
    min_age_seconds: float = Field(
        default=2.0, description="Skip files modified more recently (still being copied).")
    max_text_chars: int = IntakeLimits.max_text_chars
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
    hh_axis: str = Field(default="safety", description="Axis given to imported HH-RLHF pairs.")
    hh_strength: str = Field(default="better",
                             description="Strength given to imported HH-RLHF pairs.")

    @property
    def folder(self) -> Path:
        return Path(self.path)

    @property
    def archive(self) -> Path:
        return Path(self.archive_path)

    def ready_files(self) -> list[inbox_files.InboxFile]:
        return inbox_files.ready_files(self.folder, self.min_age_seconds)

    def locate(self, batch_key: str) -> Path:
        return inbox_files.locate_batch(batch_key, self.folder, self.archive)

    def limits(self) -> IntakeLimits:
        return IntakeLimits(max_text_chars=self.max_text_chars)

    def hh_import(self) -> HHImportConfig:
        return HHImportConfig(axis=self.hh_axis, strength=self.hh_strength)
