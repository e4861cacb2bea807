"""The inbox sensor: each new file (by content hash) becomes a batch partition and a run."""


import json

import dagster as dg

from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.defs.jobs import annotation_intake_job
from safety_assets.defs.resources import AnnotationInboxResource
from safety_assets.intake.inbox import batch_key, sha256_of


def _load_cursor(raw: str | None) -> dict[str, dict]:
    try:
        cursor = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        cursor = {}
    return {"hashes": dict(cursor.get("hashes", {})), "stats": dict(cursor.get("stats", {}))}


@dg.sensor(
    job=annotation_intake_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the annotation inbox; a file with new content becomes a batch.",
)
def annotation_inbox_sensor(context: dg.SensorEvaluationContext, inbox: AnnotationInboxResource
                            ) -> dg.SensorResult | dg.SkipReason:
    cursor = _load_cursor(context.cursor)
    hashes: dict[str, str] = cursor["hashes"]       # sha256 -> batch key
    stats: dict[str, list] = cursor["stats"]        # file name -> [size, mtime, sha256]
    existing = set(context.instance.get_dynamic_partitions(annotation_batches.name))
    new_keys: list[str] = []
    runs: list[dg.RunRequest] = []
    for found in inbox.ready_files():
        name = found.path.name
        try:
            cached = stats.get(name)
            if cached and cached[0] == found.size and cached[1] == found.mtime:
                digest = cached[2]
            else:
                digest = sha256_of(found.path)
                stats[name] = [found.size, found.mtime, digest]
        except OSError as error:  # vanished or unreadable: try again next tick
            context.log.warning(f"inbox file {name!r} skipped this tick: {error}")
            continue
        if digest in hashes:
            if hashes[digest] != batch_key(name, digest):
                context.log.info(f"{name!r} has the same content as batch {hashes[digest]!r}: "
                                 "not ingested twice")
            continue
        key = batch_key(name, digest)
        hashes[digest] = key
        if key not in existing:
            new_keys.append(key)
        runs.append(dg.RunRequest(run_key=key, partition_key=key,
                               tags={"safety_assets/file": name[:200]}))
    new_cursor = json.dumps({"hashes": hashes, "stats": stats})
    if not runs:
        return dg.SensorResult(skip_reason="no new files in the inbox", cursor=new_cursor)
    return dg.SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[annotation_batches.build_add_request(new_keys)],
        cursor=new_cursor,
    )
