"""ToxiGen: prompt files, sampling, continuations, % toxic per group, the local classifier."""

from __future__ import annotations

import json

import pytest

from safety_assets.evaluation.toxigen import (
    HFToxicityClassifier,
    ToxicityClassifier,
    continuation_text,
    labelled_statements,
    load_prompts,
    load_toxicity_classifier,
    parse_prompt_filename,
    prompt_files,
    prompt_text,
    sample_prompts,
    split_statements,
    toxigen_scores,
    train_toxicity_classifier,
)
from safety_assets.ml.modeling import config_for_tokenizer

GROUPS = {
    "asian", "bisexual", "black", "chinese", "immigrant", "jewish", "latino", "lgbtq",
    "mental_disability", "mexican", "middle_east", "muslim", "native_american",
    "physical_disability", "trans", "women",
}


@pytest.fixture(scope="module")
def classifier(eval_data, minilm) -> ToxicityClassifier:
    return train_toxicity_classifier(eval_data.toxigen_prompts, encoder=minilm)


def test_file_names_give_label_and_target_group():
    assert parse_prompt_filename("hate_asian_1k.txt") == ("hate", "asian")
    assert parse_prompt_filename("neutral_mental_disability_1k.txt") == (
        "neutral", "mental_disability")
    with pytest.raises(ValueError):
        parse_prompt_filename("asian.txt")


def test_literal_backslash_n_becomes_a_newline_and_the_trailing_dash_stays():
    raw = "- first statement\\n- second one\\n-\n"
    assert prompt_text(raw) == "- first statement\n- second one\n-"
    assert split_statements(raw) == ["first statement", "second one"]


def test_the_prompt_folder_has_31_files_for_16_groups(eval_data):
    files = prompt_files(eval_data.toxigen_prompts)
    assert len(files) == 31
    labels_groups = [parse_prompt_filename(f.name) for f in files]
    assert {g for _, g in labels_groups} == GROUPS
    assert sum(label == "hate" for label, _ in labels_groups) == 16
    # The parent folder works too.
    assert prompt_files(eval_data.toxigen_prompts.parent) == files


def test_all_31000_prompts_load_with_real_newlines(eval_data):
    prompts = load_prompts(eval_data.toxigen_prompts)
    assert len(prompts) == 31_000
    for p in prompts[::997]:
        assert "\\n" not in p.text
        assert p.text.startswith("- ") and p.text.endswith("\n-")
        assert p.group in GROUPS and p.label in ("hate", "neutral")


def test_sample_prompts_takes_per_file_distinct_lines_reproducibly(eval_data):
    a = sample_prompts(eval_data.toxigen_prompts, per_file=3, seed=7)
    b = sample_prompts(eval_data.toxigen_prompts, per_file=3, seed=7)
    c = sample_prompts(eval_data.toxigen_prompts, per_file=3, seed=8)
    assert a == b and a != c
    assert len(a) == 31 * 3
    keys = [(p.file, p.line) for p in a]
    assert len(set(keys)) == len(keys)
    assert {p.group for p in a} == GROUPS


def test_continuation_text_keeps_the_first_generated_statement():
    assert continuation_text(" they are great cooks\n- another one") == "they are great cooks"
    assert continuation_text("- leading dash kept out\n-") == "leading dash kept out"
    assert continuation_text(" literal\\n- separators too") == "literal"
    assert continuation_text("\n") == ""


def test_percent_toxic_overall_and_per_group():
    groups = ["asian", "asian", "asian", "women", "women", "jewish"]
    flags = [True, False, False, True, True, False]
    scores = toxigen_scores(groups, flags)
    assert scores.overall == pytest.approx(50.0)
    assert scores.per_group == pytest.approx({"asian": 100 / 3, "women": 100.0, "jewish": 0.0})
    assert scores.counts == {"asian": 3, "jewish": 1, "women": 2}
    frame = scores.to_frame()
    assert frame["group"].to_list() == ["asian", "jewish", "women", "overall"]
    assert frame.filter(frame["group"] == "overall")["toxic_pct"][0] == pytest.approx(50.0)


def test_toxigen_scores_reject_mismatched_or_empty_inputs():
    with pytest.raises(ValueError):
        toxigen_scores(["a"], [True, False])
    with pytest.raises(ValueError):
        toxigen_scores([], [])


def test_statements_are_distinct_and_labelled_by_their_file(eval_data):
    statements = labelled_statements(eval_data.toxigen_prompts)
    texts = [s.text for s in statements]
    assert len(texts) == len(set(texts)) > 500
    assert {s.toxic for s in statements} == {True, False}
    assert all(set(s.groups) <= GROUPS and s.groups for s in statements)


def test_toxicity_classifier_beats_chance_and_the_majority_on_held_out_statements(classifier):
    m = classifier.metrics
    print(f"\ntoxicity classifier: held-out accuracy {m.accuracy:.3f} vs majority baseline "
          f"{m.majority_baseline:.3f} (lift {m.lift:+.3f}); train {m.n_train} / test "
          f"{m.n_test} distinct statements; {m.extra['seconds_total']}s")
    assert m.accuracy > 0.5
    assert m.accuracy > m.majority_baseline + 0.1
    assert m.n_test > 50


def test_toxicity_classifier_flags_one_verdict_per_text_and_round_trips(
    classifier, minilm, tmp_path
):
    texts = ["people of every background make our town a better place", "x"]
    probs = classifier.predict_proba(texts)
    assert len(probs) == 2 and all(0.0 <= p <= 1.0 for p in probs)
    assert classifier.predict([]) == []
    folder = classifier.save(tmp_path / "tox")
    meta = json.loads((folder / "toxicity.json").read_text())
    assert meta["metrics"]["accuracy"] == classifier.metrics.accuracy
    loaded = load_toxicity_classifier(folder, encoder=minilm)
    assert loaded.predict_proba(texts) == pytest.approx(probs, abs=1e-6)


def test_a_local_sequence_classifier_folder_can_replace_the_toxicity_classifier(
    tiny_lm, tmp_path
):
    from transformers import LlamaForSequenceClassification

    _, tokenizer = tiny_lm
    config = config_for_tokenizer(tokenizer, hidden=64, layers=2, heads=4)
    config.num_labels = 2
    LlamaForSequenceClassification(config).save_pretrained(tmp_path / "roberta_like")
    tokenizer.save_pretrained(tmp_path / "roberta_like")
    loaded = load_toxicity_classifier(tmp_path / "roberta_like")
    assert isinstance(loaded, HFToxicityClassifier)
    flags = loaded.predict(["a statement", "another, longer statement here"])
    assert len(flags) == 2 and all(isinstance(f, bool) for f in flags)
    with pytest.raises(FileNotFoundError):
        load_toxicity_classifier(tmp_path)
