"""Intake's partitions: one per annotation file dropped into the inbox (the sensor adds them)."""

import dagster as dg

annotation_batches = dg.DynamicPartitionsDefinition(name="annotation_batches")
