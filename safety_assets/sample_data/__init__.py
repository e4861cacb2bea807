"""The project's own embedded sample annotations, written by ``generate.py``.

Run ``python -m safety_assets.sample_data.generate`` to (re)write the files in this folder.
"""
