"""The datasets stage: its assets, checks, partitions and sensors."""
