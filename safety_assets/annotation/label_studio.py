"""Comparison tasks in Label Studio's formats: the labelling config, the import JSON, and one
preference pair per exported task.

A task goes out as ``{"data": {...}}`` (the import format) and comes back as an element of the
JSON export: the task's ``id``, its ``data`` as imported, and ``annotations``, each with its
``id``, ``completed_by`` (a user id; a ``{"id", "email", ...}`` object when the export expands
it), ``was_cancelled`` and ``result`` (``from_name``, ``to_name``, ``type: "choices"``,
``value: {"choices": [...]}``); https://labelstud.io/guide/task_format and
https://labelstud.io/guide/export describe it.

What wins, when a task comes back with more than one answer:

* A cancelled annotation (``was_cancelled: true``: the annotator pressed Skip) says nothing
  about the responses and is ignored. A task every annotator skipped is an error ("skipped
  by every annotator"), and so is a task with no annotation at all ("not annotated").
* Annotations that agree on the better response make one pair. Its strength is the weakest
  any of them gave (the margin the reward model trains on is one all of them stand behind),
  and a response counts as safe only when every annotator called it safe (one "unsafe" is
  enough for safety data to treat it as unsafe).
* Annotations that disagree on the better response make no pair: no side wins, and the error
  ("annotators disagree") names each annotation, its annotator and its choice, so that the
  row goes to quarantine and a person resolves it.
* A missing or unknown label (no choice of the better response, a strength that is not one of
  the four, a missing safety label) is an error naming the field and the value found.
* Ground-truth annotations count like any other: agreement is required of them too.

Every error names the Label Studio task id, our comparison task id and the cause.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from safety_assets.taxonomy import PREFERENCE_STRENGTHS, STRENGTH_ALIASES

# Control tags: the ``from_name`` of each result the export carries.
PREFERRED = "preferred"
STRENGTH = "strength"
SAFE_A = "response_a_safety"
SAFE_B = "response_b_safety"

# Object tags: the ``to_name`` the controls point at.
HISTORY_TEXT = "history"
PROMPT_TEXT = "prompt"
RESPONSE_A_TEXT = "response_a"
RESPONSE_B_TEXT = "response_b"
AXIS_TEXT = "axis"

CHOICE_A = "A"
CHOICE_B = "B"
SAFE = "safe"
UNSAFE = "unsafe"
# The four strengths of Llama 2 section 3.2.1, as the annotator reads them.
STRENGTH_CHOICES: tuple[str, ...] = (
    "significantly better", "better", "slightly better", "negligibly better / unsure",
)
STRENGTH_NAMES: dict[str, str] = {label: STRENGTH_ALIASES[label] for label in STRENGTH_CHOICES}

# Task data fields (the ``data`` of an imported task); the same as comparisons.SHOWN_FIELDS.
COMPARISON_TASK_ID = "comparison_task_id"
ROUND = "round"
PROMPT_ID = "prompt_id"
PROMPT = "prompt"
HISTORY = "history_text"
RESPONSE_A = "response_a"
RESPONSE_B = "response_b"
AXIS = "axis"
TASK_FIELDS: tuple[str, ...] = (COMPARISON_TASK_ID, ROUND, PROMPT_ID, PROMPT, HISTORY,
                                RESPONSE_A, RESPONSE_B, AXIS)

ANNOTATOR_PREFIX = "label-studio:"


def _choices(name: str, to_name: str, values: Iterable[str], hint: str) -> str:
    options = "".join(f'\n      <Choice value="{v}"/>' for v in values)
    return (f'    <Choices name="{name}" toName="{to_name}" choice="single-radio" '
            f'required="true" requiredMessage="{hint}" showInline="true">{options}\n'
            f'    </Choices>')


# Choices rather than <Pairwise>: Pairwise has no ``required`` attribute (its parameters are
# name, toName and selectionStyle: https://labelstud.io/tags/pairwise), so an annotator could
# submit without choosing, and its result ("left"/"right", to_name a list) ties the answer to
# screen position. Choices A/B are required, name the response by the letter shown above it,
# and come back in the same shape as the strength and safety labels.
LABEL_CONFIG: str = f"""<View>
  <Header value="Earlier turns (if any)" size="5"/>
  <Text name="{HISTORY_TEXT}" value="${HISTORY}"/>
  <Header value="Prompt"/>
  <Text name="{PROMPT_TEXT}" value="${PROMPT}"/>
  <Header value="Judge on (safety or helpfulness):" size="5"/>
  <Text name="{AXIS_TEXT}" value="${AXIS}"/>
  <View style="display: grid; grid-template-columns: 1fr 1fr; column-gap: 1em">
    <View>
      <Header value="Response A"/>
      <Text name="{RESPONSE_A_TEXT}" value="${RESPONSE_A}"/>
{_choices(SAFE_A, RESPONSE_A_TEXT, (SAFE, UNSAFE), "Label response A safe or unsafe")}
    </View>
    <View>
      <Header value="Response B"/>
      <Text name="{RESPONSE_B_TEXT}" value="${RESPONSE_B}"/>
{_choices(SAFE_B, RESPONSE_B_TEXT, (SAFE, UNSAFE), "Label response B safe or unsafe")}
    </View>
  </View>
  <Header value="Which response is better?"/>
{_choices(PREFERRED, PROMPT_TEXT, (CHOICE_A, CHOICE_B), "Choose the better response")}
  <Header value="How much better is it?"/>
{_choices(STRENGTH, PROMPT_TEXT, STRENGTH_CHOICES, "Rate how much better it is")}
</View>
"""


class ExportTaskError(ValueError):
    """An exported task that cannot become a preference pair; the message says why."""


def import_tasks(tasks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio import JSON (``[{"data": {...}}, ...]``) for comparison tasks. Only the
    task fields go out: anything else a task carries (the models that answered) is never
    shown to an annotator."""
    entries: list[dict[str, Any]] = []
    for position, task in enumerate(tasks):
        name = task.get(COMPARISON_TASK_ID) or f"#{position}"
        for key in TASK_FIELDS:
            if key not in task:
                raise ValueError(f"comparison task {name}: missing key {key!r}")
        data = {key: task[key] for key in TASK_FIELDS}
        # An empty Text still renders; None would show as "null" to the annotator.
        if data[HISTORY] is None:
            data[HISTORY] = ""
        entries.append({"data": data})
    return entries


def is_export_task(payload: Mapping[str, Any]) -> bool:
    """True for an element of a Label Studio JSON export that answers one of our tasks."""
    if not isinstance(payload, Mapping):
        return False
    data = payload.get("data")
    return (isinstance(data, Mapping) and COMPARISON_TASK_ID in data
            and isinstance(payload.get("annotations"), list))


def _annotator(completed_by: Any) -> str:
    """``completed_by`` is a user id in the default export and a user object when expanded;
    the email is the readable name when there is one."""
    if isinstance(completed_by, Mapping):
        who = completed_by.get("email") or completed_by.get("id")
    else:
        who = completed_by
    return f"{ANNOTATOR_PREFIX}{who if who not in (None, '') else 'unknown'}"


class _Answer:
    """One annotation's labels, checked."""

    def __init__(self, annotation: Mapping[str, Any],
                 fail: Callable[[str], ExportTaskError]) -> None:
        self.id = annotation.get("id")
        self.annotator = _annotator(annotation.get("completed_by"))
        where = f"annotation {self.id} by {self.annotator}"
        found: dict[str, list[Any]] = {}
        result = annotation.get("result")
        if not isinstance(result, list):
            raise fail(f"{where}: result is {result!r}, not a list")
        for item in result:
            if isinstance(item, Mapping) and item.get("type") == "choices":
                value = item.get("value")
                choices = value.get("choices") if isinstance(value, Mapping) else None
                found.setdefault(item.get("from_name"), []).append(choices)

        def one(field: str, allowed: tuple[str, ...]) -> str:
            values = found.get(field)
            if not values:
                raise fail(f"{where}: no {field!r} label (result has "
                           f"{sorted(str(k) for k in found)})")
            if len(values) != 1 or not isinstance(values[0], list) or len(values[0]) != 1:
                raise fail(f"{where}: {field!r} must be one choice, found {values!r}")
            value = values[0][0]
            if value not in allowed:
                raise fail(f"{where}: unknown {field!r} value {value!r} "
                           f"(expected one of {list(allowed)})")
            return value

        self.preferred = one(PREFERRED, (CHOICE_A, CHOICE_B))
        self.strength = STRENGTH_NAMES[one(STRENGTH, STRENGTH_CHOICES)]
        self.safe = {CHOICE_A: one(SAFE_A, (SAFE, UNSAFE)) == SAFE,
                     CHOICE_B: one(SAFE_B, (SAFE, UNSAFE)) == SAFE}


def preference_from_export_task(payload: Mapping[str, Any]) -> dict[str, Any]:
    """One preference record (the intake's ``preference`` kind, with lineage) from one task
    of a Label Studio JSON export; the rules are in the module docstring."""
    ls_task = payload.get("id") if isinstance(payload, Mapping) else None
    data = payload.get("data") if isinstance(payload, Mapping) else None
    ours = data.get(COMPARISON_TASK_ID) if isinstance(data, Mapping) else None

    def fail(cause: str) -> ExportTaskError:
        return ExportTaskError(f"Label Studio task {ls_task} (comparison task {ours}): {cause}")

    if not is_export_task(payload):
        raise fail("not a task of a Label Studio JSON export for a comparison task "
                   "(needs data.comparison_task_id and an annotations list)")
    assert isinstance(data, Mapping)
    for key in TASK_FIELDS:
        if key not in data:
            raise fail(f"data has no {key!r}")
    annotations = payload["annotations"]
    if not annotations:
        raise fail("not annotated (the export has no annotation for it)")
    kept = [a for a in annotations if not (isinstance(a, Mapping) and a.get("was_cancelled"))]
    if not kept:
        skipped = ", ".join(str(a.get("id")) for a in annotations)
        raise fail(f"skipped by every annotator (cancelled annotations {skipped})")
    answers = []
    for annotation in kept:
        if not isinstance(annotation, Mapping):
            raise fail(f"annotation {annotation!r} is not an object")
        answers.append(_Answer(annotation, fail))

    preferred = {a.preferred for a in answers}
    if len(preferred) > 1:
        said = "; ".join(f"annotation {a.id} by {a.annotator} chose {a.preferred}"
                         for a in answers)
        raise fail(f"annotators disagree: {said}")
    (better,) = preferred
    worse = CHOICE_B if better == CHOICE_A else CHOICE_A
    text = {CHOICE_A: data[RESPONSE_A], CHOICE_B: data[RESPONSE_B]}
    # PREFERENCE_STRENGTHS runs strongest first: the weakest is the one furthest along.
    strength = max((a.strength for a in answers), key=PREFERENCE_STRENGTHS.index)
    try:
        round_ = int(data[ROUND])
    except (TypeError, ValueError):
        raise fail(f"round is {data[ROUND]!r}, not a whole number") from None
    return {
        "kind": "preference",
        "id": ours,
        "prompt_id": data[PROMPT_ID],
        "chosen": text[better],
        "rejected": text[worse],
        "strength": strength,
        "axis": data[AXIS],
        "chosen_safe": all(a.safe[better] for a in answers),
        "rejected_safe": all(a.safe[worse] for a in answers),
        "annotator": "+".join(sorted({a.annotator for a in answers})),
        COMPARISON_TASK_ID: ours,
        ROUND: round_,
        "label_studio_task": ls_task,
        "annotations": [a.id for a in answers],
    }
