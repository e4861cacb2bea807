"""The compute tasks: what a job folder's ``task`` names, run on its staged inputs.

Each takes the job and a ``log`` for progress lines (Dagster's log in process, Pipes' log in
a launched job), writes its outputs into the job folder and returns what it reports. None of
them opens the warehouse: every path they read (models, judges, benchmark data) is in the
job's parameters and every row in its staged inputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from safety_assets.compute.job_folder import ComputeJob

Log = Callable[[str], None]


def open_backend(backend: dict[str, Any], model_path: str | Path,
                 precision: str = "float32") -> Any:
    """The generation backend that ``backend`` (the ``GenerationBackendResource``'s fields)
    describes, on ``model_path``; ``precision``: the hf backend's sampling precision (vLLM
    keeps its own rule, ``dtype="auto"``)."""
    from safety_assets.rlhf.generation import make_backend

    name = backend.get("backend", "hf")
    if name == "vllm":
        return make_backend("vllm", str(model_path),
                            tensor_parallel_size=backend.get("tensor_parallel_size", 1),
                            gpu_memory_utilization=backend.get("gpu_memory_utilization", 0.85))
    return make_backend(name, str(model_path), batch_size=backend.get("batch_size", 32),
                        device=backend.get("device"), precision=precision)


def sample(job: ComputeJob, log: Log) -> dict[str, Any]:
    """K samples per staged prompt (``prompts``: id, text, history) in the policy's own chat
    format, or as given where ``prompts`` has a ``rendered`` column (a preprompted prompt),
    with ``presence_penalty`` where the params give one, and in ``sampling_precision``
    (float32 where they give none; see ``HFBackend``);
    output ``samples``: prompt_id, sample_index, response, finished (False: cut at
    max_new_tokens without EOS), in the prompts' order. Generated in chunks of
    ``progress_every`` prompts, each with its own seed derived from the configured one, so
    long sampling shows progress."""
    params = job.params
    prompts = job.input("prompts")
    backend = open_backend(params["backend"], params["model_path"],
                           params.get("sampling_precision", "float32"))
    texts = (prompts["rendered"].to_list() if "rendered" in prompts.columns else
             [backend.render_prompt(r["text"], r["history"])
              for r in prompts.iter_rows(named=True)])
    k, chunk = int(params["k"]), max(1, int(params["progress_every"]))
    tokenizer = getattr(backend, "tokenizer", None)  # vLLM keeps its own: count words then
    unit = "tokens" if tokenizer is not None else "words"
    rows: list[dict[str, Any]] = []
    started, tokens, done = time.time(), 0, 0
    for index, first in enumerate(range(0, len(texts), chunk)):
        ids = prompts["id"][first:first + chunk].to_list()
        result = backend.generate_with_status(
            texts[first:first + chunk], n=k, max_new_tokens=params["max_new_tokens"],
            temperature=params["temperature"], top_p=params["top_p"],
            seed=params["seed"] + index,
            presence_penalty=params.get("presence_penalty", 0.0))
        for prompt_id, answers, flags in zip(ids, result.texts, result.finished, strict=True):
            rows.extend({"prompt_id": prompt_id, "sample_index": i, "response": answer,
                         "finished": bool(flag)}
                        for i, (answer, flag) in enumerate(zip(answers, flags, strict=True)))
        answers = [answer for group in result.texts for answer in group]
        tokens += (sum(len(t) for t in tokenizer(answers, add_special_tokens=False)["input_ids"])
                   if tokenizer is not None and answers
                   else sum(len(answer.split()) for answer in answers))
        done += len(ids)
        elapsed = time.time() - started
        rate = done / elapsed if elapsed else 0.0
        eta = (len(texts) - done) / rate if rate else 0.0
        log(f"sampled {done}/{len(texts)} prompts x {k}: "
            f"{tokens / max(elapsed, 1e-9):,.0f} {unit}/s, ETA {eta:.0f}s")
    job.write_output("samples", pl.DataFrame(rows, schema={
        "prompt_id": pl.String, "sample_index": pl.Int32, "response": pl.String,
        "finished": pl.Boolean}))
    elapsed = time.time() - started
    dtype = getattr(backend, "sample_dtype", None)
    return {"prompts": len(texts), "samples": len(rows), unit: tokens,
            "sampling_dtype": str(dtype).removeprefix("torch.") if dtype else "backend's",
            "seconds": round(elapsed, 2), f"{unit}_per_second": round(tokens / elapsed, 1)
            if elapsed else 0.0}


def score(job: ComputeJob, log: Log) -> dict[str, Any]:
    """Each reward model of ``scorers`` (name: folder) scores every staged sample (``samples``:
    text, history, response, finished) as generation tokenized it: the prompt in the RM's chat
    format, the answer's tokens after it, and EOS only where the answer finished. Output
    ``scores``: one raw-score column per scorer name, in the samples' order."""
    from safety_assets.rlhf.generation import reward_model_scorer

    samples = job.input("samples")
    columns: dict[str, list[float]] = {}
    started = time.time()
    for name, folder in sorted(job.params["scorers"].items()):
        scorer = reward_model_scorer(folder)
        prompts = [scorer.render_prompt(r["text"], r["history"])
                   for r in samples.iter_rows(named=True)]
        columns[name] = (scorer(prompts, samples["response"].to_list(),
                                finished=samples["finished"].to_list()).tolist()
                         if samples.height else [])
        log(f"scored {samples.height} samples with {name} ({time.time() - started:.0f}s)")
    job.write_output("scores", pl.DataFrame(
        {name: pl.Series(values, dtype=pl.Float64) for name, values in columns.items()}))
    return {"samples": samples.height, "scorers": sorted(columns),
            "seconds": round(time.time() - started, 2)}


def benchmark(job: ComputeJob, log: Log) -> dict[str, Any]:
    """One benchmark of one model (``safety_assets.evaluation.benchmark_runs``); outputs
    ``outcomes`` (per item and metric) and ``generations``. The safety benchmark's prompts
    are the staged ``prompts``."""
    from safety_assets.evaluation.benchmark_runs import BenchmarkSettings, run_benchmark

    params = job.params
    started = time.time()
    name = params["benchmark"]

    def path(key: str) -> Path | None:
        return Path(params[key]) if params.get(key) else None

    log(f"{name}: generating with {params['model_path']}")
    outcomes, generations = run_benchmark(
        name, BenchmarkSettings.from_dict(params["settings"]), Path(params["model_path"]),
        open_backend(params["backend"], params["model_path"]),
        judges_dir=path("judges_dir"), classifier_dir=path("classifier_dir"),
        truthfulqa_csv=path("truthfulqa_csv"), toxigen_prompts=path("toxigen_prompts"),
        prompts=job.input("prompts") if name == "safety" else None,
        scorers={k: Path(v) for k, v in (params.get("scorers") or {}).items()},
        threshold=float(params.get("threshold", 0.5)))
    job.write_output("outcomes", outcomes)
    job.write_output("generations", generations)
    log(f"{name}: {generations.height} items in {time.time() - started:.0f}s")
    return {"benchmark": name, "items": generations.height,
            "seconds": round(time.time() - started, 2)}


TASKS: dict[str, Callable[[ComputeJob, Log], dict[str, Any]]] = {
    "sample": sample, "score": score, "benchmark": benchmark}


def run_job(job: ComputeJob, log: Log) -> dict[str, Any]:
    """Run the job's task and mark it done; a finished job is not run again."""
    if job.finished:
        log(f"{job.folder}: finished before; outputs reused")
        return job.report()
    task = job.task
    if task not in TASKS:
        raise ValueError(f"{job.folder}: unknown compute task {task!r} "
                         f"(known: {', '.join(sorted(TASKS))})")
    report = TASKS[task](job, log)
    job.mark_done(report)
    return report
