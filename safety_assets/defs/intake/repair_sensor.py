"""The quarantine repair sensor: a batch with repairs sent for it, or holding references that
now resolve, is validated again (its raw rows are kept, so nothing is read twice)."""

import dagster as dg

from safety_assets.defs.intake.batch_partitions import annotation_batches
from safety_assets.defs.jobs import annotation_revalidation_job
from safety_assets.defs.resources import WarehouseResource
from safety_assets.intake.repairs import batches_to_revalidate
from safety_assets.storage.warehouse import WarehouseBusy


@dg.sensor(
    job=annotation_revalidation_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Validates a batch again when repairs of its quarantined rows arrive (a repair "
                "file or the quarantine_releases asset), or when a prompt or rating task its "
                "refused records named has since landed.",
)
def quarantine_repair_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource
                             ) -> dg.SensorResult | dg.SkipReason:
    existing = set(context.instance.get_dynamic_partitions(annotation_batches.name))
    try:
        with warehouse.get().connect(wait=False) as con:
            wanted = batches_to_revalidate(con)
    except WarehouseBusy:
        return dg.SkipReason("the warehouse is busy with a run; looking again next tick")
    # The run key names the state that asks for the run, so each state asks once.
    runs = [dg.RunRequest(run_key=run_key, partition_key=batch,
                          tags={"safety_assets/revalidation": why})
            for batch, run_key, why in wanted if batch in existing]
    if not runs:
        return dg.SkipReason("no repairs pending and no refused reference resolves now")
    return dg.SensorResult(run_requests=runs)
