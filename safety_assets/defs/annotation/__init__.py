"""The annotation loop stage: comparison tasks out to annotators, in rounds."""
