"""The reward stage: its assets, checks, partitions and sensors."""
