"""Compute jobs: sampling and scoring staged in hash-named folders, run in the asset's process
or as a Pipes job, and the job's process never loads the warehouse or Dagster itself."""

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from safety_assets.compute import tasks
from safety_assets.compute.job_folder import ComputeJob, stage_job
from safety_assets.compute.tasks import run_job
from safety_assets.defs.resources import ComputeResource, TrainingLauncherResource

K = 3
BACKEND = {"backend": "hf", "batch_size": 4, "device": "cpu"}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    from safety_assets.rlhf.tiny import char_tokenizer, tiny_llama, tiny_reward_model

    root = tmp_path_factory.mktemp("models")
    tokenizer = char_tokenizer()
    folders = {"policy": root / "policy", "rm": root / "rm"}
    tiny_llama(tokenizer, seed=0).save_pretrained(folders["policy"])
    tiny_reward_model(tokenizer, seed=1).save_pretrained(folders["rm"])
    for folder in folders.values():
        tokenizer.save_pretrained(folder)
    return folders


def _prompts() -> pl.DataFrame:
    users = ["hi", "How do I pick a lock?", "What is the capital of France?", "Tell me a joke"]
    return pl.DataFrame({"id": [f"p{i}" for i in range(len(users))], "text": users,
                         "history": ["[]"] * len(users)})


def _sample_params(models: dict[str, Path], seed: int = 0) -> dict:
    return {"model_path": str(models["policy"]), "backend": BACKEND, "k": K,
            "max_new_tokens": 6, "temperature": 1.0, "top_p": 0.9, "seed": seed,
            "progress_every": 2}


def test_the_same_work_stages_into_one_folder_and_other_work_into_another(tmp_path, models):
    first = stage_job(tmp_path, "sample", _sample_params(models), {"prompts": _prompts()})
    again = stage_job(tmp_path, "sample", _sample_params(models), {"prompts": _prompts()})
    other_seed = stage_job(tmp_path, "sample", _sample_params(models, seed=1),
                           {"prompts": _prompts()})
    other_rows = stage_job(tmp_path, "sample", _sample_params(models),
                           {"prompts": _prompts().head(2)})
    assert first.folder == again.folder
    assert len({first.folder, other_seed.folder, other_rows.folder}) == 3
    assert first.input("prompts").equals(_prompts())
    assert not first.finished
    assert not list(tmp_path.glob(".staging-*")), "staging folders are cleaned up"


def test_a_finished_job_is_reused_not_run_again(tmp_path, models, monkeypatch):
    job = stage_job(tmp_path, "sample", _sample_params(models), {"prompts": _prompts()})
    report = run_job(job, lambda line: None)
    samples = job.output("samples")
    assert samples.height == K * _prompts().height and report["samples"] == samples.height

    def must_not_run(*_):
        raise AssertionError("a finished job ran again")

    monkeypatch.setitem(tasks.TASKS, "sample", must_not_run)
    restaged = stage_job(tmp_path, "sample", _sample_params(models), {"prompts": _prompts()})
    assert run_job(restaged, lambda line: None) == report
    assert restaged.output("samples").equals(samples)


def test_an_unknown_task_and_a_missing_input_name_the_job_folder(tmp_path):
    job = stage_job(tmp_path, "transmogrify", {}, {"rows": pl.DataFrame({"a": [1]})})
    with pytest.raises(ValueError, match=rf"{job.folder}.*unknown compute task 'transmogrify'"):
        run_job(job, print)
    with pytest.raises(KeyError, match=r"no staged input 'prompts' \(staged: rows\)"):
        job.input("prompts")
    with pytest.raises(FileNotFoundError, match="wrote no output 'samples'"):
        job.output("samples")


def test_scoring_scores_every_sample_in_order_as_the_reward_model_does(tmp_path, models):
    from safety_assets.rlhf.generation import reward_model_scorer

    samples = pl.DataFrame({"text": ["hi", "hi", "How do I pick a lock?"],
                            "history": ["[]"] * 3,
                            "response": ["hello there", "go away", "I can't help with that."],
                            "finished": [True, False, True]})
    job = stage_job(tmp_path, "score", {"scorers": {"safety": str(models["rm"])}},
                    {"samples": samples})
    run_job(job, lambda line: None)
    scorer = reward_model_scorer(models["rm"])
    expected = scorer([scorer.render_prompt(t, "[]") for t in samples["text"]],
                      samples["response"].to_list(), finished=samples["finished"].to_list())
    assert job.output("scores")["safety"].to_list() == pytest.approx(expected.tolist())


def _materialize_sampling(instance: dg.DagsterInstance, scratch: Path, models: dict[str, Path],
                          in_process: bool) -> tuple[dg.ExecuteInProcessResult, ComputeJob]:
    found: dict[str, ComputeJob] = {}

    @dg.asset
    def samples(context: dg.AssetExecutionContext, compute: ComputeResource
                ) -> dg.MaterializeResult:
        found["job"] = compute.run(context, "sample", _sample_params(models),
                                   {"prompts": _prompts()})
        return dg.MaterializeResult(metadata={"samples": found["job"].output("samples").height})

    compute = ComputeResource(launcher=TrainingLauncherResource(), scratch_path=str(scratch),
                              in_process=in_process)
    result = dg.materialize([samples], resources={"compute": compute}, instance=instance)
    return result, found["job"]


def test_a_pipes_job_gives_what_the_in_process_task_gives_and_logs_progress(tmp_path, models):
    instance = dg.DagsterInstance.ephemeral()
    in_process, local = _materialize_sampling(instance, tmp_path / "local", models, True)
    piped, remote = _materialize_sampling(instance, tmp_path / "pipes", models, False)
    assert in_process.success and piped.success
    assert remote.folder.parent.parent == tmp_path / "pipes"
    assert remote.output("samples").equals(local.output("samples"))
    messages = [entry.user_message for entry in instance.all_logs(piped.run_id)]
    assert any("launching" in m and "compute_entry" in m for m in messages), messages
    assert any(f"sampled 4/4 prompts x {K}" in m for m in messages), messages
    # The Pipes job's report arrives as its custom message and in done.json.
    assert remote.report()["samples"] == K * 4


def test_the_job_process_loads_neither_dagster_nor_the_warehouse(tmp_path, models):
    job = stage_job(tmp_path, "sample", _sample_params(models), {"prompts": _prompts()})
    code = ("import runpy, sys, json\n"
            f"sys.argv = ['compute_entry', '--job', {str(job.folder)!r}]\n"
            "try:\n"
            "    runpy.run_module('safety_assets.compute.compute_entry', run_name='__main__')\n"
            "except SystemExit as done:\n"
            "    assert not done.code, done.code\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in\n"
            "                ('dagster', 'duckdb') or m == 'safety_assets.storage.warehouse')\n"
            "print(json.dumps(loaded))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert job.finished and job.output("samples").height == K * 4


def test_a_sampling_job_reports_the_dtype_it_sampled_in(tmp_path, models):
    jobs = {precision: stage_job(tmp_path, "sample",
                                 {**_sample_params(models), "sampling_precision": precision},
                                 {"prompts": _prompts()})
            for precision in ("float32", "bfloat16")}
    reports = {precision: run_job(job, lambda _: None) for precision, job in jobs.items()}
    assert reports["float32"]["sampling_dtype"] == "float32"
    assert reports["bfloat16"]["sampling_dtype"] == "bfloat16"
    assert jobs["bfloat16"].folder != jobs["float32"].folder
    assert jobs["bfloat16"].output("samples").height == K * 4
