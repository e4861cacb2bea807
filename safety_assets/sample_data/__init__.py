"""The project's own embedded sample annotations, written by ``generate.py``.

Run ``python -m safety_assets.sample_data.generate`` to (re)write the files in this folder.
"""

from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent
# The tiny profile's pretraining text (the base model learns English from it).
CORPUS = SAMPLE_DIR / "pretraining_corpus.txt"
