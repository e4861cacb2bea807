"""The annotation inbox: which files are ready, their content hash and their batch key.

File names come from a directory listing and are only ever joined back onto the inbox
folder after checking that they name a plain file inside it, so a hostile name cannot
reach outside.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from safety_assets.intake.parser import SUPPORTED_SUFFIXES

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
BATCH_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{12}")
_IN_PROGRESS = (".tmp", ".part", ".partial", ".crdownload")


@dataclass(frozen=True)
class InboxFile:
    path: Path
    size: int
    mtime: float


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def batch_key(file_name: str, sha256: str) -> str:
    """A partition key that names the file and its content: '<safe name>-<hash prefix>'."""
    safe = _UNSAFE.sub("_", file_name).strip("._-")[:80] or "file"
    return f"{safe}-{sha256[:12]}"


def ready_files(inbox: Path, min_age_seconds: float = 0.0) -> list[InboxFile]:
    """Plain files in the inbox (no links, no hidden or half-copied files), oldest first.

    Files of unsupported types are included: intake quarantines them with a clear reason
    rather than ignoring them silently.
    """
    if not inbox.is_dir():
        return []
    now = time.time()
    found = []
    for entry in inbox.iterdir():
        name = entry.name
        if name.startswith(".") or name.lower().endswith(_IN_PROGRESS):
            continue
        if entry.is_symlink() or not entry.is_file():
            continue
        stat = entry.stat()
        if now - stat.st_mtime < min_age_seconds:
            continue  # still being written, most likely
        found.append(InboxFile(entry, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda f: (f.mtime, f.path.name))


def is_supported(path: Path) -> bool:
    return path.name.lower().endswith(SUPPORTED_SUFFIXES)


def archive_batch(source: Path, archive_root: Path, key: str) -> Path:
    """Copy the file into ``archive_root/key/`` once, so a batch stays readable after the
    inbox file is moved or replaced."""
    target_dir = archive_root / key
    target = target_dir / source.name
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    partial = target_dir / f".{source.name}.partial"
    shutil.copyfile(source, partial)
    partial.replace(target)
    return target


def locate_batch(key: str, inbox: Path, archive_root: Path) -> Path:
    """The file behind a batch key: the archived copy, else the inbox file with that hash.

    Partition keys can be added by hand (UI, API), so a key that is not of the form
    :func:`batch_key` makes is refused before it is joined onto any folder.
    """
    if not BATCH_KEY.fullmatch(key):
        raise FileNotFoundError(f"{key!r} is not a batch key (<safe file name>-<12 hex digits>)")
    archived = archive_root / key
    if archived.is_dir():
        files = [p for p in archived.iterdir() if p.is_file() and not p.name.startswith(".")]
        if files:
            return files[0]
    prefix = key.rsplit("-", 1)[-1]
    for candidate in ready_files(inbox):
        if batch_key(candidate.path.name, "0" * 12)[:-12] == key[:-12] and \
                sha256_of(candidate.path).startswith(prefix):
            return candidate.path
    raise FileNotFoundError(
        f"batch {key!r}: no file with this name and content hash in the archive "
        f"({archive_root}) or the inbox ({inbox})")
