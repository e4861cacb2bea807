"""Resources: every external thing the assets touch (warehouse, inbox, model store, ...)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster import ConfigurableResource, PipesSubprocessClient
from pydantic import Field

from safety_assets import inbox as inbox_files
from safety_assets.intake_parser import DEFAULT_MAX_ROW_BYTES
from safety_assets.intake_validation import HHImportConfig, IntakeLimits
from safety_assets.model_store import ModelStore
from safety_assets.paths import default_path
from safety_assets.rlhf.generation import GenerationBackend, make_backend
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


class ModelStoreResource(ConfigurableResource):
    """Where checkpoints are written (default: $DAGSTER_HOME/models)."""

    path: str = Field(default_factory=lambda: default_path("SAFETY_MODELS", "models"))

    def get(self) -> ModelStore:
        return ModelStore(self.path)


class TrainingLauncher(ConfigurableResource):
    """How a training job is started: `accelerate launch` of the trainer entry point as its
    own process, watched through Dagster Pipes.

    To run training elsewhere (a Kubernetes pod, a Slurm node), swap the Pipes client in
    :meth:`pipes_client` (e.g. ``PipesK8sClient``) and keep the same command.
    """

    num_processes: int = Field(default=1, description="Processes per node (one per GPU).")
    cpu: bool = Field(default=True, description="Force CPU (the embedded default).")
    mixed_precision: str = Field(default="no", description="no | bf16 | fp16")
    use_accelerate: bool = Field(
        default=True, description="Launch through `accelerate launch` (else plain python).")

    def command(self, spec_path: Path, asset_key: str | None = None) -> list[str]:
        from safety_assets.ml.train_entry import launch_command

        if not self.use_accelerate or self.num_processes > 1:
            # Several processes: torchrun through `accelerate launch --multi_gpu`, which also
            # works on CPU over gloo (accelerate 1.15's --cpu launcher starts one process).
            return launch_command(spec_path, self.num_processes if self.use_accelerate else 1,
                                  asset_key=asset_key,
                                  threads_per_process=self.threads_per_process())
        launch = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1",
                  "--num_machines", "1", "--mixed_precision", self.mixed_precision,
                  "--dynamo_backend", "no"]
        if self.cpu:
            launch.append("--cpu")
        entry = ["-m", "safety_assets.ml.train_entry", "--spec", str(spec_path)]
        return [*launch, *entry, *(["--asset-key", asset_key] if asset_key else [])]

    def threads_per_process(self) -> int:
        return max(1, (os.cpu_count() or 1) // max(1, self.num_processes))

    def pipes_client(self) -> PipesSubprocessClient:
        return PipesSubprocessClient(env={
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                              str(self.threads_per_process())),
        })


class GenerationBackendResource(ConfigurableResource):
    """How samples are generated: ``hf`` (transformers, batched, CPU or GPU) or ``vllm``
    (GPU only; needs the optional extra ``pip install 'safety-assets[gpu]'``)."""

    backend: str = Field(default="hf", description="hf | vllm")
    batch_size: int = Field(default=32, description="Prompts per generate call (hf).")
    device: str | None = Field(default=None, description="hf: cpu, cuda, ... (None: auto).")
    tensor_parallel_size: int = Field(default=1, description="vllm: GPUs per model.")
    gpu_memory_utilization: float = Field(default=0.85, description="vllm only.")

    def open(self, model_path: str | Path) -> GenerationBackend:
        if self.backend == "vllm":
            return make_backend("vllm", str(model_path),
                                tensor_parallel_size=self.tensor_parallel_size,
                                gpu_memory_utilization=self.gpu_memory_utilization)
        return make_backend(self.backend, str(model_path), batch_size=self.batch_size,
                            device=self.device)
