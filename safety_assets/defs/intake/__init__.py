"""The intake stage: its assets, checks, partitions and sensors."""
