"""Model code with no knowledge of Dagster: tokenizer, models, losses, training loops."""
