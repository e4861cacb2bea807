"""The code location's executor, a deploy-time choice: Dagster's default (each step its own
process on the run's machine) unless ``SAFETY_ASSETS_EXECUTOR=celery``, which sends every step
to dagster-celery workers over a broker (``SAFETY_ASSETS_CELERY_BROKER``, results in
``SAFETY_ASSETS_CELERY_BACKEND``, e.g. ``redis://host:6379/0`` and ``/1``). Workers run
``dagster-celery worker start -A dagster_celery.app -y celery.yaml`` with the same broker.

A worker lost mid-step fails its Celery task (``WorkerLostError``), so the run fails and
names the step; Dagster's run retries (``run_retries`` in dagster.yaml, the
``dagster/max_retries`` tag on the heavy jobs) re-execute it from failure on a live worker.
Every heavy asset replaces its partition's rows in one transaction, so a retried step never
doubles them.
"""

import os

import dagster as dg

EXECUTOR_ENV = "SAFETY_ASSETS_EXECUTOR"
BROKER_ENV = "SAFETY_ASSETS_CELERY_BROKER"
BACKEND_ENV = "SAFETY_ASSETS_CELERY_BACKEND"


def celery_settings() -> dict:
    """The celery executor's config: broker and backend from the environment when a run
    starts (Dagster resolves ``{"env": ...}`` then, not when the code loads)."""
    return {
        "broker": {"env": BROKER_ENV},
        "backend": {"env": BACKEND_ENV},
        # One step at a time per worker process, taken only when it is free: steps are long
        # (sampling, scoring, benchmarks), so prefetching would queue them behind a busy one.
        "config_source": {"worker_prefetch_multiplier": 1, "task_track_started": True},
    }


@dg.definitions
def executor() -> dg.Definitions:
    choice = os.environ.get(EXECUTOR_ENV, "").strip().lower()
    if choice in ("", "default", "multiprocess"):
        return dg.Definitions()
    if choice != "celery":
        raise ValueError(f"{EXECUTOR_ENV}={choice!r}: expected 'celery' or unset")
    try:
        from dagster_celery import celery_executor
    except ImportError as error:
        raise ImportError(f"{EXECUTOR_ENV}=celery needs dagster-celery: "
                          "pip install 'safety-assets[celery]'") from error
    return dg.Definitions(executor=celery_executor.configured(celery_settings()))
