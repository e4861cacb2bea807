"""Training datasets from the validated records, free of Dagster: stable train / held-out
splits by prompt, the SFT mixture and the reward models' pair sets."""
