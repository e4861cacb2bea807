"""safety-assets: the Llama 2 safety fine-tuning pipeline as a Dagster asset graph."""
