"""The sft stage: its assets, checks, partitions and sensors."""
