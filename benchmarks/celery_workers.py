"""A sampling backfill over the five risk categories on dagster-celery with 1 worker against
2 workers: wall time side by side.

Small models are trained once (in-process, as the ops tests do) into a template home. For each
worker count a fresh copy of that home gets its own Redis (loopback, free port), that many
``dagster-celery worker start`` workers (one pool process each) and ``dagster dev`` with
``SAFETY_ASSETS_EXECUTOR=celery``; the ``sample_and_score`` backfill is launched through
GraphQL and timed from launch to the end of its last run. The runs' own start and end times
give the sum of run time, so the table shows how much of it overlapped.

    python benchmarks/celery_workers.py              # K=4, 12 new tokens, workers 1 and 2
    python benchmarks/celery_workers.py --k 8 --max-new-tokens 32 --workers 1 2 4

Needs redis-server (Debian's package) and dagster-celery[redis] (the dev extra). Not a test:
it asserts nothing. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets_tests.ops.ops_support import (  # noqa: E402
    INSTANCE_YAML,
    CeleryWorker,
    DagsterServer,
    RedisServer,
    ensure_redis,
    launch_backfill,
    train_small_models,
    wait_for_partitions,
)


def one_setting(template: Path, root: Path, workers: int, run_config: dict,
                categories: list[str], threads: int) -> dict:
    from safety_assets.defs.executors import BACKEND_ENV, BROKER_ENV, EXECUTOR_ENV

    home = root / f"home-{workers}"
    shutil.copytree(template, home)
    with RedisServer(root / f"redis-{workers}") as redis:
        config_yaml = root / f"celery-{workers}.yaml"
        config_yaml.write_text(json.dumps({"execution": {"config": {
            "broker": f"{redis.url}/0", "backend": f"{redis.url}/1"}}}))
        env = {EXECUTOR_ENV: "celery", BROKER_ENV: f"{redis.url}/0",
               BACKEND_ENV: f"{redis.url}/1", "OMP_NUM_THREADS": str(threads)}
        pool = [CeleryWorker(home, f"w{i + 1}", config_yaml, env) for i in range(workers)]
        for worker in pool:
            worker.start()
        try:
            with DagsterServer(home, env=env) as server:
                launched = time.time()
                launch_backfill(server.url, "sample_and_score", categories, run_config,
                                f"sampling on {workers} celery workers")
                runs = wait_for_partitions(server, "sample_and_score", categories, 3600)
                ended = max(run["endTime"] for run in runs)
        finally:
            for worker in pool:
                worker.stop()
    failed = sum(run["status"] != "SUCCESS" for run in runs)
    busy = sum(run["endTime"] - run["startTime"] for run in runs)
    return {"workers": workers, "threads": threads, "wall_s": ended - launched,
            "run_s_sum": busy, "runs": len(runs), "failed": failed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads-per-job", type=int, default=None, help=(
        "OMP threads of each compute job (default: the cores shared out over the workers, "
        "as a deployment would give each worker its share)"))
    args = parser.parse_args()
    ensure_redis()
    from safety_assets.defs.rlhf.category_partitions import risk_categories

    categories = risk_categories.get_partition_keys()
    run_config = {"ops": {"sampled_responses": {"config": {
        "k": args.k, "max_new_tokens": args.max_new_tokens}}}}
    with tempfile.TemporaryDirectory(prefix="celery-bench-") as tmp:
        root = Path(tmp)
        template = root / "template"
        template.mkdir()
        shutil.copy(INSTANCE_YAML, template / "dagster.yaml")
        began = time.time()
        train_small_models(template)
        print(f"small models trained in {time.time() - began:.0f} s", flush=True)
        cores = os.cpu_count() or 1
        rows = [one_setting(template, root, n, run_config, categories,
                            args.threads_per_job or max(1, cores // n))
                for n in args.workers]
    print(f"\nsample_and_score backfill, {len(categories)} risk categories, K={args.k}, "
          f"{args.max_new_tokens} new tokens")
    print(f"{os.cpu_count()} cores")
    print("| workers | threads per job | wall time (s) | sum of run durations (s) | runs "
          "| failed | speed-up |")
    print("|---|---|---|---|---|---|---|")
    base = rows[0]["wall_s"]
    for row in rows:
        print(f"| {row['workers']} | {row['threads']} | {row['wall_s']:.0f} | "
              f"{row['run_s_sum']:.0f} | {row['runs']} | {row['failed']} | "
              f"{base / row['wall_s']:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
