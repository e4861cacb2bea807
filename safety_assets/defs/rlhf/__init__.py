"""The rlhf stage: its assets, checks, partitions and sensors."""
