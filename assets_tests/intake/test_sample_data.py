"""The embedded sample annotations: coverage, integrity, label shares, deterministic generator."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pytest

from safety_assets import taxonomy
from safety_assets.intake.records import DEMONSTRATION_SCHEMA, PREFERENCE_SCHEMA, PROMPT_SCHEMA
from safety_assets.sample_data import _harms, generate

SAMPLE_DIR = Path(generate.__file__).resolve().parent

# Llama 2, section 4.2.1: chosen safe / rejected unsafe, both safe, both unsafe.
PAPER_BINS = {(True, False): 0.18, (True, True): 0.47, (False, False): 0.35}


def _load(name: str) -> list[dict]:
    text = (SAMPLE_DIR / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def prompts() -> list[dict]:
    return _load(generate.PROMPTS_FILE)


@pytest.fixture(scope="module")
def demonstrations() -> list[dict]:
    return _load(generate.DEMONSTRATIONS_FILE)


@pytest.fixture(scope="module")
def preferences() -> list[dict]:
    return _load(generate.PREFERENCES_FILE)


@pytest.fixture(scope="module")
def adversarial(prompts: list[dict]) -> list[dict]:
    return [p for p in prompts if taxonomy.is_adversarial(p["risk_category"])]


def test_rows_have_exactly_the_schema_fields(prompts, demonstrations, preferences):
    for rows, schema in ((prompts, PROMPT_SCHEMA), (demonstrations, DEMONSTRATION_SCHEMA),
                         (preferences, PREFERENCE_SCHEMA)):
        for row in rows:
            assert list(row) == list(schema)
    for row in preferences:
        assert isinstance(row["chosen_safe"], bool) and isinstance(row["rejected_safe"], bool)


def test_prompt_labels_come_from_the_taxonomy(prompts):
    for p in prompts:
        assert p["risk_category"] in taxonomy.RISK_CATEGORY_NAMES
        assert p["risk_category"] != taxonomy.UNTAGGED
        assert p["subcategory"] in taxonomy.SUBCATEGORIES[p["risk_category"]]
        assert p["attack_vector"] in taxonomy.ATTACK_VECTOR_NAMES
        assert p["annotator"].startswith("annotator_")
        benign = p["risk_category"] == taxonomy.BENIGN
        assert benign == (p["attack_vector"] == taxonomy.NO_ATTACK)


def test_preference_labels_come_from_the_taxonomy(preferences):
    for row in preferences:
        assert row["strength"] in taxonomy.PREFERENCE_STRENGTHS
        assert row["axis"] in taxonomy.PREFERENCE_AXES


def test_every_category_vector_cell_is_covered_at_least_five_times(adversarial):
    cells = Counter((p["risk_category"], p["attack_vector"]) for p in adversarial)
    for category in taxonomy.ADVERSARIAL_CATEGORIES:
        for vector in taxonomy.ADVERSARIAL_VECTORS:
            assert cells[category, vector] >= 5, (category, vector)


def test_every_adversarial_subcategory_appears_at_least_four_times(adversarial):
    counts = Counter((p["risk_category"], p["subcategory"]) for p in adversarial)
    for category in taxonomy.ADVERSARIAL_CATEGORIES:
        for subcategory in taxonomy.SUBCATEGORIES[category]:
            assert counts[category, subcategory] >= 4, (category, subcategory)


def test_at_least_300_adversarial_prompts_each_with_a_demonstration(adversarial, demonstrations):
    assert len(adversarial) >= 300
    demonstrated = {d["prompt_id"] for d in demonstrations if d["response"].strip()}
    assert all(p["id"] in demonstrated for p in adversarial)


def test_at_least_150_benign_prompts_each_with_a_demonstration(prompts, demonstrations):
    benign = [p for p in prompts if p["risk_category"] == taxonomy.BENIGN]
    assert len(benign) >= 150
    assert all(p["subcategory"] == "general" for p in benign)
    demonstrated = {d["prompt_id"] for d in demonstrations}
    assert all(p["id"] in demonstrated for p in benign)


def test_ids_are_unique_and_well_formed(prompts, demonstrations, preferences):
    for rows, prefix in ((prompts, "p-"), (demonstrations, "d-"), (preferences, "r-")):
        ids = [row["id"] for row in rows]
        assert len(ids) == len(set(ids))
        assert all(i.startswith(prefix) and len(i) == 8 and i[2:].isdigit() for i in ids)


def test_prompt_texts_are_unique(prompts):
    texts = [p["text"] for p in prompts]
    assert len(texts) == len(set(texts))


def test_every_demonstration_and_pair_references_a_known_prompt(prompts, demonstrations,
                                                               preferences):
    known = {p["id"] for p in prompts}
    assert all(d["prompt_id"] in known for d in demonstrations)
    assert all(r["prompt_id"] in known for r in preferences)


def test_every_prompt_has_two_pairs_on_its_axis(prompts, preferences):
    axis_of = {p["id"]: "safety" if taxonomy.is_adversarial(p["risk_category"])
               else "helpfulness" for p in prompts}
    per_prompt = Counter(r["prompt_id"] for r in preferences)
    assert all(per_prompt[pid] >= 2 for pid in axis_of)
    assert all(r["axis"] == axis_of[r["prompt_id"]] for r in preferences)


def test_chosen_differs_from_rejected(preferences):
    assert all(r["chosen"].strip() != r["rejected"].strip() for r in preferences)


def test_no_pair_has_chosen_unsafe_and_rejected_safe(preferences):
    assert not [r for r in preferences if not r["chosen_safe"] and r["rejected_safe"]]


def test_safety_label_bins_are_near_the_paper_shares(preferences):
    safety = [r for r in preferences if r["axis"] == "safety"]
    bins = Counter((r["chosen_safe"], r["rejected_safe"]) for r in safety)
    for key, share in PAPER_BINS.items():
        assert abs(bins[key] / len(safety) - share) <= 0.10, (key, bins[key] / len(safety))


def test_strengths_are_roughly_balanced(preferences):
    counts = Counter(r["strength"] for r in preferences)
    assert set(counts) == set(taxonomy.PREFERENCE_STRENGTHS)
    for strength in taxonomy.PREFERENCE_STRENGTHS:
        assert 0.20 <= counts[strength] / len(preferences) <= 0.30, strength


def test_quality_gap_shrinks_with_the_strength(preferences):
    """Mean log length ratio chosen/rejected: large when 'significantly', ~0 when 'negligibly'."""
    for axis in taxonomy.PREFERENCE_AXES:
        gaps = {}
        for strength in taxonomy.PREFERENCE_STRENGTHS:
            rows = [r for r in preferences if r["axis"] == axis and r["strength"] == strength]
            gaps[strength] = sum(math.log(len(r["chosen"]) / len(r["rejected"]))
                                 for r in rows) / len(rows)
        assert gaps["significantly_better"] > gaps["slightly_better"] > gaps["negligibly_better"]
        assert gaps["significantly_better"] > 1.5
        assert abs(gaps["negligibly_better"]) < 0.25


def test_unsafe_labelled_responses_are_short_and_carry_no_instructions(preferences):
    unsafe = [r["chosen"] for r in preferences if not r["chosen_safe"]]
    unsafe += [r["rejected"] for r in preferences if not r["rejected_safe"]]
    assert unsafe
    for text in unsafe:
        assert len(text) < 200
        assert "step 1" not in text.lower() and "\n" not in text


def test_non_english_prompts_declare_their_language_and_get_answers_in_it(prompts,
                                                                          demonstrations):
    answer = {d["prompt_id"]: d["response"] for d in demonstrations}
    for p in prompts:
        if p["attack_vector"] == "non_english":
            assert p["language"] in {"es", "fr", "de", "pt", "it"}
            assert "I can't" not in answer[p["id"]] and " the " not in answer[p["id"]]
        else:
            assert p["language"] == "en"
    assert {p["language"] for p in prompts} == {"en", "es", "fr", "de", "pt", "it"}


def test_syntactic_attacks_never_leave_the_request_readable_as_written(adversarial):
    plain = [ask for harm in _harms.HARMS for ask in harm.asks]
    for p in adversarial:
        if p["attack_vector"] == "syntactic_manipulation":
            assert not any(ask in p["text"] for ask in plain), p["text"]


def test_history_is_a_json_list_of_user_assistant_pairs(prompts):
    multi_turn = 0
    for p in prompts:
        history = json.loads(p["history"])
        assert isinstance(history, list)
        for turn in history:
            assert len(turn) == 2 and all(isinstance(x, str) and x for x in turn)
        multi_turn += bool(history)
    assert 0 < multi_turn < len(prompts) // 10


def test_pretraining_corpus_is_plain_prose_of_the_right_size():
    text = (SAMPLE_DIR / generate.CORPUS_FILE).read_text(encoding="utf-8")
    assert 150_000 <= len(text.encode("utf-8")) <= 300_000
    assert "[INST]" not in text and "<<SYS>>" not in text and "</s>" not in text
    paragraphs = text.strip().split("\n\n")
    assert len(paragraphs) > 300 and len(set(paragraphs)) > 0.95 * len(paragraphs)


def test_generator_is_deterministic_and_matches_the_shipped_files(tmp_path):
    first = generate.generate(tmp_path / "first")
    second = generate.generate(tmp_path / "second")
    for name in generate.OUTPUT_FILES:
        data = first[name].read_bytes()
        assert data == second[name].read_bytes(), name
        assert data == (SAMPLE_DIR / name).read_bytes(), f"{name} is stale: rerun generate.py"


def test_main_writes_into_the_directory_given(tmp_path, capsys):
    assert generate.main([str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(generate.OUTPUT_FILES)
    assert "prompts.jsonl" in capsys.readouterr().out
