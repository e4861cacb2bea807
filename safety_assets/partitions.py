"""Partitions, declared once."""

from dagster import DynamicPartitionsDefinition

# One partition per annotation file dropped into the inbox (the sensor adds them).
annotation_batches = DynamicPartitionsDefinition(name="annotation_batches")
