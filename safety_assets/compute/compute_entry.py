"""Run one compute job folder as its own process: ``python -m safety_assets.compute.compute_entry
--job DIR``. Launched by an asset through Dagster Pipes, it logs progress and reports its
summary as a Pipes custom message; run by hand, it prints them."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path

from safety_assets.ml.train_entry import PIPES_CONTEXT_ENV, stay_offline


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True, help="the job folder (holds job.json)")
    args = parser.parse_args(argv)
    stay_offline()
    from safety_assets.compute.job_folder import ComputeJob
    from safety_assets.compute.tasks import run_job

    job = ComputeJob(Path(args.job))
    if not os.environ.get(PIPES_CONTEXT_ENV):
        report = run_job(job, lambda line: print(line, flush=True))
        print("done: " + json.dumps(report, default=str), flush=True)
        return 0
    from dagster_pipes import open_dagster_pipes

    with open_dagster_pipes() as pipes:
        report = run_job(job, pipes.log.info)
        pipes.report_custom_message(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
