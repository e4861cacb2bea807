"""The content hash that names job folders (training and compute): the files' bytes, then
the job's fields as sorted JSON. Kept apart from the model store so that a compute job can
hash without importing the warehouse."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def hash_files(paths: Iterable[Path], extra: Mapping[str, Any] | None = None) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    if extra:
        digest.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return digest.hexdigest()
