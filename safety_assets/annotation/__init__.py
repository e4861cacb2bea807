"""The annotation loop: comparison tasks out to annotators, their answers back, in rounds."""
