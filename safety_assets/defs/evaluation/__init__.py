"""The evaluation stage: its assets, checks, partitions and sensors."""
