"""The distill stage: its assets, checks, partitions and sensors."""
