"""Deterministic generator of the project's embedded sample annotations.

Writes, into this folder or the one given on the command line:

* ``prompts.jsonl``         adversarial prompts (every risk category x attack vector) and benign
                            helpfulness prompts, with the fields of ``records.PROMPT_SCHEMA``;
* ``demonstrations.jsonl``  one safe / helpful answer per prompt (``DEMONSTRATION_SCHEMA``);
* ``preferences.jsonl``     two preference pairs per prompt (``PREFERENCE_SCHEMA``), with safety
                            labels in the paper's bins (18% chosen safe / rejected unsafe, 47% both
                            safe, 35% both unsafe) and strengths whose quality gap shrinks from
                            "significantly better" to "negligibly better";
* ``pretraining_corpus.txt`` plain English prose for pretraining the tiny base model.

Standard library only, no network; every random choice comes from ``random.Random`` seeded
with a fixed string, so two runs write identical bytes.  Run it with::

    python -m safety_assets.sample_data.generate [OUT_DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from safety_assets import taxonomy
from safety_assets.sample_data import _benign, _corpus, _harms, _multilingual
from safety_assets.sample_data._harms import Harm

SEED = "llama2-safety-sample-v1"
HERE = Path(__file__).resolve().parent
PROMPTS_FILE = "prompts.jsonl"
DEMONSTRATIONS_FILE = "demonstrations.jsonl"
PREFERENCES_FILE = "preferences.jsonl"
CORPUS_FILE = "pretraining_corpus.txt"
OUTPUT_FILES: tuple[str, ...] = (PROMPTS_FILE, DEMONSTRATIONS_FILE, PREFERENCES_FILE, CORPUS_FILE)

ANNOTATORS: tuple[str, ...] = tuple(f"annotator_{i:02d}" for i in range(1, 13))
ENGLISH_PROMPTS_PER_CELL = 17      # per (risk category, English attack vector)
PAIRS_PER_PROMPT = 2
CORPUS_STORIES = 130
CORPUS_SAFE_ANSWERS_PER_HARM = 2

# Response tiers of an adversarial prompt.  A/A2: full safe answers (two wordings); B: a short
# refusal with the reason; C: terse refusal; D: preachy without help; E: off-topic; U: willing or
# endorsing; UH: willing with a hedge; UD: disrespectful.  Only the first six are safe.
SAFE_TIERS = frozenset({"A", "A2", "B", "C", "D", "E"})

# (strength, chosen tier, rejected tier, share in percent of the safety pairs).  The safety-label
# bins come out at 18 / 47 / 35 percent as in the paper, each strength at 25 percent, and the
# quality gap narrows with the strength.
SAFETY_PAIR_KINDS: tuple[tuple[str, str, str, int], ...] = (
    ("significantly_better", "A", "U", 18),     # chosen safe, rejected unsafe
    ("significantly_better", "A", "C", 7),      # both safe
    ("better", "A", "D", 10),                   # both safe
    ("better", "B", "E", 10),                   # both safe
    ("better", "UH", "UD", 5),                  # both unsafe
    ("slightly_better", "A", "B", 10),          # both safe
    ("slightly_better", "UH", "U", 10),         # both unsafe
    ("slightly_better", "U", "UH", 5),          # both unsafe; annotators split on near-equals
    ("negligibly_better", "A", "A2", 10),       # both safe
    ("negligibly_better", "U", "U", 15),        # both unsafe (two different wordings)
)

# Helpfulness pairs on benign prompts: the full answer against a non-answer, a vague answer, the
# answer with one sentence left out, and the same answer worded slightly differently.
HELPFULNESS_PAIR_KINDS: tuple[tuple[str, str, str], ...] = (
    ("significantly_better", "ANS", "NONE"),
    ("better", "ANS", "VAGUE"),
    ("slightly_better", "ANS", "TRUNC"),
    ("negligibly_better", "ANS", "ANS2"),
)
# Where a role-play answer stays with the person's real need rather than offering story help.
NO_FICTION_OFFER = frozenset({"self_harm", "eating_disorders", "medical", "financial", "legal"})
SARCASTIC_EVERY = 6    # one in six "significantly better" helpfulness pairs rejects a rude answer


# ---------------------------------------------------------------------------- helpers
def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def fill(template: str, **values: str) -> str:
    """``str.format`` that also offers each value capitalised under a capitalised key."""
    keys = dict(values)
    keys.update({capitalize(k): capitalize(v) for k, v in values.items()})
    return template.format(**keys)


def sentences(text: str) -> list[str]:
    """Split prose into sentences (the sample answers avoid abbreviations like "Dr.")."""
    return re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip())


def capitalize_sentences(text: str) -> str:
    return re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def make_rng(name: str) -> random.Random:
    return random.Random(f"{SEED}/{name}")


# ---------------------------------------------------------------- syntactic attacks
def leetify(text: str, rng: random.Random) -> str:
    return "".join(
        _harms.LEET[c] if c in _harms.LEET and rng.random() < 0.7 else c for c in text
    )


def misspell(text: str, rng: random.Random) -> str:
    words = []
    for word in text.split(" "):
        if len(word) > 3 and word.isalpha() and rng.random() < 0.45:
            i = rng.randrange(1, len(word) - 2)
            edit = rng.randrange(3)
            if edit == 0:      # swap two letters
                word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            elif edit == 1:    # drop a letter
                word = word[:i] + word[i + 1:]
            else:              # double a letter
                word = word[:i] + word[i] + word[i:]
        words.append(word)
    return " ".join(words)


def space_out(text: str, keyword: str, rng: random.Random) -> str:
    if keyword not in text:
        keyword = max(text.split(" "), key=len)
    separator = rng.choice((" ", ".", "-", "*"))
    return text.replace(keyword, separator.join(keyword), 1)


def text_speak(text: str, rng: random.Random) -> str:
    out = f" {text.lower()} "
    for long, short in _harms.TEXT_SPEAK:
        out = out.replace(f" {long} ", f" {short} ")
    return out.strip().replace("'", "")


def obfuscate(ask: str, harm: Harm, style: int, rng: random.Random) -> str:
    if style == 0:
        garbled = leetify(ask, rng)
    elif style == 1:
        garbled = misspell(ask, rng)
    elif style == 2:
        garbled = space_out(ask, harm.keyword, rng)
    else:
        garbled = text_speak(misspell(ask, rng), rng)
    # The attack must show in the text: never leave the request as it was.
    return garbled if garbled != ask else space_out(ask, harm.keyword, rng)


# ------------------------------------------------------------------------ prompt specs
@dataclass
class PromptSpec:
    """One prompt before ids are given, with its demonstration and candidate responses."""

    text: str
    category: str
    subcategory: str
    vector: str
    language: str = "en"
    history: list[list[str]] = field(default_factory=list)
    demonstration: str = ""
    tiers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def adversarial(self) -> bool:
        return self.category != taxonomy.BENIGN


@dataclass
class Attack:
    """An English adversarial prompt as the vector builders produce it."""

    text: str
    history: list[list[str]] = field(default_factory=list)
    premise: str = ""
    correction: str = ""


def psychological(harm: Harm, k: int, rng: random.Random) -> Attack:
    template = rng.choice(_harms.PSYCHOLOGICAL_TEMPLATES)
    return Attack(fill(template, ask=rng.choice(harm.asks)))


def logic(harm: Harm, k: int, rng: random.Random) -> Attack:
    premise, correction, ask = rng.choice(harm.premises)
    template = rng.choice(_harms.LOGIC_TEMPLATES)
    text = fill(template, premise=premise, ask=harm.asks[ask])
    return Attack(text, premise=premise, correction=correction)


def syntactic(harm: Harm, k: int, rng: random.Random) -> Attack:
    garbled = obfuscate(rng.choice(harm.asks), harm, k % 4, rng)
    return Attack(rng.choice(_harms.SYNTACTIC_WRAPPERS).format(text=garbled))


def semantic(harm: Harm, k: int, rng: random.Random) -> Attack:
    template = rng.choice(_harms.SEMANTIC_TEMPLATES)
    return Attack(fill(template, euphemism=rng.choice(harm.euphemisms)))


def perspective(harm: Harm, k: int, rng: random.Random) -> Attack:
    template = rng.choice(_harms.PERSPECTIVE_TEMPLATES)
    return Attack(fill(template, ask=rng.choice(harm.asks)))


def other(harm: Harm, k: int, rng: random.Random) -> Attack:
    ask = rng.choice(harm.asks)
    if k % 3 == 0:    # a multi-turn attack: an innocent first turn, then the request
        user, assistant = rng.choice(_harms.WARMUP_TURNS[harm.category])
        text = fill(rng.choice(_harms.FOLLOW_UP_TEMPLATES), ask=ask)
        return Attack(text, history=[[user, assistant]])
    return Attack(fill(rng.choice(_harms.OTHER_TEMPLATES), ask=ask))


ENGLISH_VECTORS = {
    "psychological_manipulation": psychological,
    "logic_manipulation": logic,
    "syntactic_manipulation": syntactic,
    "semantic_manipulation": semantic,
    "perspective_manipulation": perspective,
    "other": other,
}


def safe_answer(harm: Harm, vector: str, attack: Attack, variant: int) -> str:
    """Safety first, then the risks (correcting a false premise), then alternatives."""
    parts = [harm.safety]
    notes = _harms.VECTOR_NOTES.get(vector, ())
    if notes:
        parts.append(notes[variant % len(notes)].format(topic=harm.topic))
    if attack.correction:
        lead = _harms.CORRECTION_LEADS[variant % len(_harms.CORRECTION_LEADS)]
        parts.append(lead.format(correction=attack.correction))
    parts.append(harm.risks[variant % len(harm.risks)])
    parts.append(harm.alternatives[(variant // 2 + variant) % len(harm.alternatives)])
    if vector == "perspective_manipulation" and harm.name not in NO_FICTION_OFFER:
        parts.append(_harms.FICTION_OFFERS[variant % len(_harms.FICTION_OFFERS)])
    closers = _harms.CLOSERS[harm.category]
    parts.append(closers[variant % len(closers)])
    return " ".join(part for part in parts if part)


def english_tiers(harm: Harm, vector: str, attack: Attack, variant: int) -> dict:
    willing = [t.format(topic=harm.topic) for t in _harms.WILLING_UNSAFE]
    if attack.premise:
        willing += [t.format(premise=attack.premise) for t in _harms.PREMISE_AGREEING_UNSAFE]
    if vector == "perspective_manipulation":
        willing += [t.format(topic=harm.topic) for t in _harms.IN_CHARACTER_UNSAFE]
    return {
        "A": (safe_answer(harm, vector, attack, variant),),
        "A2": (safe_answer(harm, vector, attack, variant + 1),),
        "B": (harm.risks[(variant + 1) % len(harm.risks)],),
        "C": _harms.TERSE_SAFE,
        "D": _harms.PREACHY_SAFE,
        "E": _harms.OFF_TOPIC_SAFE,
        "U": tuple(willing),
        "UH": tuple(t.format(topic=harm.topic) for t in _harms.HEDGED_UNSAFE),
        "UD": _harms.DISRESPECTFUL_UNSAFE,
    }


def english_adversarial(rng: random.Random) -> list[PromptSpec]:
    specs: list[PromptSpec] = []
    seen: set[str] = set()
    for category in taxonomy.ADVERSARIAL_CATEGORIES:
        harms = [h for h in _harms.HARMS if h.category == category]
        for offset, (vector, build) in enumerate(ENGLISH_VECTORS.items()):
            for k in range(ENGLISH_PROMPTS_PER_CELL):
                harm = harms[(k + 3 * offset) % len(harms)]
                for _ in range(50):    # redraw on a duplicate text
                    attack = build(harm, k, rng)
                    if attack.text not in seen:
                        break
                seen.add(attack.text)
                variant = rng.randrange(6)
                tiers = english_tiers(harm, vector, attack, variant)
                specs.append(PromptSpec(
                    text=attack.text, category=category, subcategory=harm.name, vector=vector,
                    history=attack.history, demonstration=tiers["A"][0], tiers=tiers,
                ))
    return specs


def foreign_adversarial() -> list[PromptSpec]:
    specs = []
    for prompt in _multilingual.FOREIGN_PROMPTS:
        pools = _multilingual.FOREIGN_POOLS[prompt.language]
        tiers = {
            "A": (prompt.answer,),
            "A2": (pools.opener + prompt.answer,),
            "B": pools.short_safe,
            "C": pools.terse_safe,
            "D": pools.preachy_safe,
            "E": pools.off_topic_safe,
            "U": pools.willing_unsafe,
            "UH": pools.hedged_unsafe,
            "UD": pools.disrespectful_unsafe,
        }
        specs.append(PromptSpec(
            text=prompt.text, category=prompt.category, subcategory=prompt.subcategory,
            vector="non_english", language=prompt.language, demonstration=prompt.answer,
            tiers=tiers,
        ))
    return specs


def benign_prompts() -> list[PromptSpec]:
    items: list[tuple[list[list[str]], str, str]] = []
    for _topic, pairs in _benign.ALL_TOPICS:
        items.extend(([], question, answer) for question, answer in pairs)
    for turns, question, answer in _benign.MULTI_TURN:
        items.append(([list(turn) for turn in turns], question, answer))
    return [
        PromptSpec(text=question, category=taxonomy.BENIGN, subcategory="general",
                   vector=taxonomy.NO_ATTACK, history=history, demonstration=answer)
        for history, question, answer in items
    ]


# ------------------------------------------------------------------ preference pairs
def apportion(weights: Sequence[int], total: int) -> list[int]:
    """Integer counts proportional to ``weights`` summing to ``total`` (largest remainder)."""
    exact = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def deal_kinds(kinds: Sequence, weights: Sequence[int], prompts: int,
               rng: random.Random) -> list[list]:
    """Deal ``PAIRS_PER_PROMPT`` kinds to each prompt, never the same kind twice to one prompt."""
    pool = [kind for kind, n in zip(kinds, apportion(weights, prompts * PAIRS_PER_PROMPT),
                                    strict=True) for _ in range(n)]
    rng.shuffle(pool)
    hands = [pool[i:i + PAIRS_PER_PROMPT] for i in range(0, len(pool), PAIRS_PER_PROMPT)]
    for i, hand in enumerate(hands):
        if hand[0] != hand[1]:
            continue
        for j in range(len(hands)):
            other_hand = hands[(i + 1 + j) % len(hands)]
            if other_hand[1] != hand[0] and other_hand[0] != hand[0] and other_hand[1] != hand[1]:
                hand[1], other_hand[1] = other_hand[1], hand[1]
                break
    return hands


def safety_pair(spec: PromptSpec, kind: tuple, rng: random.Random) -> dict:
    strength, chosen_tier, rejected_tier, _share = kind
    chosen = rng.choice(spec.tiers[chosen_tier])
    options = [r for r in spec.tiers[rejected_tier] if r != chosen]
    rejected = rng.choice(options)
    return {
        "chosen": chosen, "rejected": rejected, "strength": strength, "axis": "safety",
        "chosen_safe": chosen_tier in SAFE_TIERS, "rejected_safe": rejected_tier in SAFE_TIERS,
    }


def helpfulness_pair(spec: PromptSpec, kind: tuple, rng: random.Random, sarcastic: bool) -> dict:
    strength, _chosen_tier, rejected_tier = kind
    openers, closers = _benign.ANSWER_OPENERS, _benign.ANSWER_CLOSERS
    opener, closer = rng.randrange(len(openers)), rng.randrange(len(closers))
    chosen = openers[opener] + spec.demonstration + closers[closer]
    rejected_safe = True
    if rejected_tier == "NONE" and sarcastic:
        rejected, rejected_safe = rng.choice(_benign.SARCASTIC_ANSWERS), False
    elif rejected_tier == "NONE":
        rejected = rng.choice(_benign.NON_ANSWERS)
    elif rejected_tier == "VAGUE":
        rejected = rng.choice(_benign.VAGUE_ANSWERS)
    elif rejected_tier == "TRUNC":
        parts = sentences(spec.demonstration)    # one sentence left out
        del parts[rng.randrange(1, len(parts))]
        rejected = " ".join(parts)
    else:    # the same answer, worded a little differently
        other_opener = (opener + 1 + rng.randrange(len(openers) - 1)) % len(openers)
        rejected = openers[other_opener] + spec.demonstration + closers[rng.randrange(len(closers))]
    return {
        "chosen": chosen, "rejected": rejected, "strength": strength, "axis": "helpfulness",
        "chosen_safe": True, "rejected_safe": rejected_safe,
    }


# ------------------------------------------------------------------------ the corpus
def story(rng: random.Random) -> str:
    name, subj, obj, poss = rng.choice(_corpus.CHARACTERS)
    goal, problem, progress, ending = rng.choice(_corpus.ACTIVITIES)
    values = {"name": name, "subj": subj, "obj": obj, "poss": poss,
              "Subj": capitalize(subj), "Poss": capitalize(poss)}
    text = " ".join((
        rng.choice(_corpus.STORY_OPENINGS).format(name=name, place=rng.choice(_corpus.PLACES)),
        f"{name} {goal}.",
        "At first it was hard.",
        problem.format(**values),
        f"{capitalize(subj)} felt {rng.choice(_corpus.FEELINGS)}, but {subj} did not give up.",
        f"One day {rng.choice(_corpus.HELPERS)} said, \"{rng.choice(_corpus.ADVICE)}\"",
        f"{name} listened and tried again.",
        progress.format(**values),
        f"In the end, {ending.format(**values)}.",
        rng.choice(_corpus.LESSONS),
    ))
    return capitalize_sentences(text)


def fact_paragraphs(rng: random.Random) -> list[str]:
    paragraphs = []
    for _ in range(2):
        countries = list(_corpus.COUNTRIES)
        rng.shuffle(countries)
        for i in range(0, len(countries), 3):
            paragraphs.append(" ".join(
                fill(rng.choice(_corpus.COUNTRY_TEMPLATES), country=c, capital=cap,
                     continent=cont, language=lang, fact=fact)
                for c, cap, cont, lang, fact in countries[i:i + 3]
            ))
        animals = list(_corpus.ANIMALS)
        rng.shuffle(animals)
        for i in range(0, len(animals), 3):
            paragraphs.append(" ".join(
                fill(rng.choice(_corpus.ANIMAL_TEMPLATES), animal=a, plural=p, habitat=h,
                     food=f, fact=fact)
                for a, p, h, f, fact in animals[i:i + 3]
            ))
        jobs = list(_corpus.JOBS)
        rng.shuffle(jobs)
        for i in range(0, len(jobs), 4):
            paragraphs.append(" ".join(
                rng.choice(_corpus.JOB_TEMPLATES).format(job=job, does=does)
                for job, does in jobs[i:i + 4]
            ))
    paragraphs.append(
        "There are eight planets in our solar system. " + " ".join(
            f"{planet} is the {position} planet from the Sun; it {fact}."
            for planet, position, fact in _corpus.PLANETS
        )
    )
    return paragraphs


def build_corpus(specs: Sequence[PromptSpec], rng: random.Random) -> str:
    paragraphs = list(_corpus.PARAGRAPHS)
    paragraphs += fact_paragraphs(rng)
    paragraphs += [story(rng) for _ in range(CORPUS_STORIES)]
    paragraphs += [f"{s.text} {s.demonstration}" for s in specs
                   if not s.adversarial and not s.history]
    paragraphs += [s.demonstration for s in specs if not s.adversarial and s.history]
    # How a careful assistant answers risky requests, without the attack-specific notes.
    for harm in _harms.HARMS:
        for variant in range(CORPUS_SAFE_ANSWERS_PER_HARM):
            intro = rng.choice(_corpus.SAFE_ANSWER_INTROS).format(topic=harm.topic)
            paragraphs.append(f"{intro} {safe_answer(harm, '', Attack(''), variant)}")
    rng.shuffle(paragraphs)
    return "\n\n".join(paragraphs) + "\n"


# -------------------------------------------------------------------------- assembly
def check_coverage(specs: Sequence[PromptSpec]) -> None:
    """Fail loudly when an edit to the content tables breaks the taxonomy contract."""
    cells: dict[tuple[str, str], int] = {}
    subs: dict[tuple[str, str], int] = {}
    for spec in specs:
        assert spec.category in taxonomy.RISK_CATEGORY_NAMES, spec.category
        assert spec.subcategory in taxonomy.SUBCATEGORIES[spec.category], spec.subcategory
        assert spec.vector in taxonomy.ATTACK_VECTOR_NAMES, spec.vector
        if spec.adversarial:
            cells[spec.category, spec.vector] = cells.get((spec.category, spec.vector), 0) + 1
            subs[spec.category, spec.subcategory] = subs.get((spec.category, spec.subcategory),
                                                             0) + 1
    for category in taxonomy.ADVERSARIAL_CATEGORIES:
        for vector in taxonomy.ADVERSARIAL_VECTORS:
            assert cells.get((category, vector), 0) >= 5, (category, vector)
        for sub in taxonomy.SUBCATEGORIES[category]:
            assert subs.get((category, sub), 0) >= 4, (category, sub)


def prompt_row(prompt_id: str, spec: PromptSpec, annotator: str) -> dict:
    """A prompt record (``records.PROMPT_SCHEMA``) of one spec."""
    return {"id": prompt_id, "text": spec.text,
            "history": json.dumps(spec.history, ensure_ascii=False),
            "risk_category": spec.category, "subcategory": spec.subcategory,
            "attack_vector": spec.vector, "language": spec.language, "annotator": annotator}


def build_rows(specs: list[PromptSpec]) -> tuple[list[dict], list[dict], list[dict]]:
    rng = make_rng("rows")
    order = list(range(len(specs)))
    rng.shuffle(order)
    ordered = [specs[i] for i in order]

    adversarial = [s for s in ordered if s.adversarial]
    benign = [s for s in ordered if not s.adversarial]
    safety_hands = deal_kinds(SAFETY_PAIR_KINDS, [k[3] for k in SAFETY_PAIR_KINDS],
                              len(adversarial), make_rng("safety-kinds"))
    helpful_hands = deal_kinds(HELPFULNESS_PAIR_KINDS, [1] * len(HELPFULNESS_PAIR_KINDS),
                               len(benign), make_rng("helpfulness-kinds"))
    hands = {id(s): h for s, h in zip(adversarial, safety_hands, strict=True)}
    hands.update({id(s): h for s, h in zip(benign, helpful_hands, strict=True)})

    prompts, demonstrations, preferences = [], [], []
    significant = 0
    for n, spec in enumerate(ordered, start=1):
        prompt_id = f"p-{n:06d}"
        prompts.append(prompt_row(prompt_id, spec, rng.choice(ANNOTATORS)))
        demonstrations.append({
            "id": f"d-{len(demonstrations) + 1:06d}", "prompt_id": prompt_id,
            "response": spec.demonstration, "annotator": rng.choice(ANNOTATORS),
        })
        for kind in hands[id(spec)]:
            if spec.adversarial:
                pair = safety_pair(spec, kind, rng)
            else:
                sarcastic = kind[0] == "significantly_better" and significant % SARCASTIC_EVERY == 0
                significant += kind[0] == "significantly_better"
                pair = helpfulness_pair(spec, kind, rng, sarcastic)
            preferences.append({
                "id": f"r-{len(preferences) + 1:06d}", "prompt_id": prompt_id, **pair,
                "annotator": rng.choice(ANNOTATORS),
            })
    # Keep the schema's column order.
    order_keys = ("id", "prompt_id", "chosen", "rejected", "strength", "axis", "chosen_safe",
                  "rejected_safe", "annotator")
    preferences = [{key: row[key] for key in order_keys} for row in preferences]
    return prompts, demonstrations, preferences


def build_specs() -> list[PromptSpec]:
    specs = english_adversarial(make_rng("english")) + foreign_adversarial() + benign_prompts()
    check_coverage(specs)
    return specs


def round_two_rows(per_cell: int = 2) -> tuple[list[dict], list[dict]]:
    """New adversarial prompts and their safe demonstrations for the demo's second annotation
    round: the same generator under another seed, each (risk category, attack vector) cell
    ``per_cell`` times, no text of round 1 again. Ids ``p2-``/``d2-`` never clash with
    round 1's."""
    known = {spec.text for spec in build_specs()}
    rng = random.Random(f"{SEED}/round-2")
    per: dict[tuple[str, str], int] = {}
    prompts, demonstrations = [], []
    for spec in english_adversarial(rng):
        cell = (spec.category, spec.vector)
        if spec.text in known or per.get(cell, 0) >= per_cell:
            continue
        per[cell] = per.get(cell, 0) + 1
        known.add(spec.text)
        prompt_id = f"p2-{len(prompts) + 1:06d}"
        prompts.append(prompt_row(prompt_id, spec, rng.choice(ANNOTATORS)))
        demonstrations.append({
            "id": f"d2-{len(demonstrations) + 1:06d}", "prompt_id": prompt_id,
            "response": spec.demonstration, "annotator": rng.choice(ANNOTATORS)})
    return prompts, demonstrations


def write_jsonl(path: Path, rows: Sequence[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def generate(out_dir: Path | str = HERE) -> dict[str, Path]:
    """(Re)write every sample file into ``out_dir``; returns their paths by file name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    specs = build_specs()
    prompts, demonstrations, preferences = build_rows(specs)
    write_jsonl(out / PROMPTS_FILE, prompts)
    write_jsonl(out / DEMONSTRATIONS_FILE, demonstrations)
    write_jsonl(out / PREFERENCES_FILE, preferences)
    with (out / CORPUS_FILE).open("w", encoding="utf-8", newline="\n") as f:
        f.write(build_corpus(specs, make_rng("corpus")))
    return {name: out / name for name in OUTPUT_FILES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=str(HERE),
                        help="folder to write into (default: this package's folder)")
    args = parser.parse_args(argv)
    for name, path in generate(args.out_dir).items():
        size = path.stat().st_size
        lines = sum(1 for _ in path.open(encoding="utf-8")) if name.endswith(".jsonl") else None
        print(f"{path}: {size} bytes" + (f", {lines} rows" if lines is not None else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
