"""A compute job's folder: ``<root>/<task>/<hash>/`` holding ``job.json`` (the task and its
parameters), one Parquet file per staged input, and, once the job finished, one Parquet file
per output and ``done.json`` (what the job reports).

The folder's name is the hash of the task, its parameters and its inputs' bytes, so the same
work staged twice lands in the same folder: a job that finished before the asset could store
its outputs (the asset's process died, a worker was lost) is picked up, not recomputed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from safety_assets.storage.file_hashes import hash_files

SPEC_FILE = "job.json"
DONE_FILE = "done.json"


@dataclass(frozen=True)
class ComputeJob:
    folder: Path

    @cached_property
    def spec(self) -> dict[str, Any]:
        # job.json never changes once the folder exists (stage_job moves it in whole).
        return json.loads((self.folder / SPEC_FILE).read_text())

    @property
    def task(self) -> str:
        return str(self.spec["task"])

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.spec["params"])

    @property
    def finished(self) -> bool:
        return (self.folder / DONE_FILE).exists()

    def input(self, name: str) -> pl.DataFrame:
        if name not in self.spec["inputs"]:
            raise KeyError(f"{self.folder}: no staged input {name!r} "
                           f"(staged: {', '.join(self.spec['inputs']) or 'none'})")
        return pl.read_parquet(self.folder / f"in-{name}.parquet")

    def output(self, name: str) -> pl.DataFrame:
        path = self.folder / f"out-{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{self.folder}: the job wrote no output {name!r}")
        return pl.read_parquet(path)

    def report(self) -> dict[str, Any]:
        return json.loads((self.folder / DONE_FILE).read_text())

    def write_output(self, name: str, frame: pl.DataFrame) -> None:
        _write_atomically(self.folder / f"out-{name}.parquet", frame.write_parquet)

    def mark_done(self, report: dict[str, Any]) -> None:
        """The last thing a job does: outputs written first, so ``done.json`` means all of
        them are there."""
        _write_atomically(self.folder / DONE_FILE,
                          lambda path: Path(path).write_text(json.dumps(report, default=str)))


def _write_atomically(target: Path, write: Any) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def stage_job(root: Path, task: str, params: dict[str, Any],
              inputs: dict[str, pl.DataFrame] | None = None) -> ComputeJob:
    """Write ``inputs`` and the spec, and return the job (its folder named by their hash).
    An existing folder of the same hash is returned as it is, finished or not."""
    inputs = inputs or {}
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".staging-{task}-"))
    try:
        files = []
        for name, frame in sorted(inputs.items()):
            path = staging / f"in-{name}.parquet"
            frame.write_parquet(path)
            files.append(path)
        spec = {"task": task, "params": params, "inputs": sorted(inputs)}
        digest = hash_files(files, {"task": task, "params": params,
                                    "schemas": {n: str(f.schema) for n, f in inputs.items()}})
        folder = root / task / digest[:16]
        if not (folder / SPEC_FILE).exists():
            (staging / SPEC_FILE).write_text(json.dumps(spec, indent=1, default=str))
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(staging, folder)     # atomic: a folder is whole or absent
            except OSError:
                if not (folder / SPEC_FILE).exists():   # not a concurrent twin: a real error
                    raise
        return ComputeJob(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
