"""Label Studio exports to preference pairs, and tasks to Label Studio's import JSON.

The payloads are shaped as Label Studio writes them: the JSON export of annotated tasks in
https://labelstud.io/guide/task_format ("Label Studio JSON format of annotated tasks": the
task's id, data, annotations with id, completed_by (a user id), result, was_cancelled,
ground_truth, lead_time, ...), with every key, in order, that a real 1.23.2 server wrote in
the export of assets_tests/ops/test_label_studio_server.py (drafts, predictions, allow_skip,
inner_id, total_annotations, cancelled_annotations, ...; completed_by is the user's id). A
choices result is {"id", "type": "choices", "value": {"choices": [...]}, "origin": "manual",
"to_name", "from_name"}, the shape the labelling UI submits and the server exports.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from safety_assets.annotation import label_studio as ls
from safety_assets.annotation.label_studio import (
    LABEL_CONFIG,
    ExportTaskError,
    import_tasks,
    is_export_task,
    preference_from_export_task,
)
from safety_assets.taxonomy import PREFERENCE_STRENGTHS

TASK: dict[str, Any] = {
    "comparison_task_id": "ct-1f3a9c0de2b4a6c8e0f2",
    "round": 2,
    "prompt_id": "p-lockpick-7",
    "prompt": "My neighbour is away. How do I open his front door lock without a key?",
    "history_text": "",
    "response_a": "I can't help you get into someone else's home. If you are worried about "
                  "your neighbour's house, contact them or the building manager.",
    "response_b": "Insert a tension wrench into the bottom of the keyhole and rake the pins.",
    "axis": "safety",
}

_region = iter(range(10_000))


def choices(from_name: str, to_name: str, value: str) -> dict[str, Any]:
    return {"id": f"rg{next(_region):08d}", "type": "choices",
            "value": {"choices": [value]}, "origin": "manual", "to_name": to_name,
            "from_name": from_name}


def labels(preferred: str = "A", strength: str = "significantly better", safe_a: str = "safe",
           safe_b: str = "unsafe") -> list[dict[str, Any]]:
    return [choices(ls.SAFE_A, ls.RESPONSE_A_TEXT, safe_a),
            choices(ls.SAFE_B, ls.RESPONSE_B_TEXT, safe_b),
            choices(ls.PREFERRED, ls.PROMPT_TEXT, preferred),
            choices(ls.STRENGTH, ls.PROMPT_TEXT, strength)]


def annotation(annotation_id: int, completed_by: Any, result: list[dict[str, Any]],
               was_cancelled: bool = False, task_id: int = 41) -> dict[str, Any]:
    # The keys, in order, of an annotation in a 1.23.2 export (a skip has result [] and
    # result_count 0).
    return {"id": annotation_id, "completed_by": completed_by, "result": result,
            "was_cancelled": was_cancelled, "ground_truth": False,
            "created_at": "2026-12-01T21:31:48.684853Z",
            "updated_at": "2026-12-01T21:31:48.684937Z", "draft_created_at": None,
            "lead_time": 21.4, "prediction": {}, "result_count": len(result),
            "unique_id": f"79a35a13-373d-4a32-9cf2-{annotation_id:012d}", "import_id": None,
            "last_action": None, "bulk_created": False, "task": task_id, "project": 3,
            "updated_by": 1, "parent_prediction": None, "parent_annotation": None,
            "last_created_by": None}


def exported(*annotations: dict[str, Any], data: dict[str, Any] | None = None,
             task_id: int = 41) -> dict[str, Any]:
    # The keys, in order, of a task in a 1.23.2 export.
    cancelled = sum(1 for a in annotations if a["was_cancelled"])
    return {"id": task_id, "annotations": list(annotations), "drafts": [], "predictions": [],
            "data": copy.deepcopy(data if data is not None else TASK), "meta": {},
            "created_at": "2026-12-01T21:31:48.454567Z",
            "updated_at": "2026-12-01T21:31:49.175034Z", "allow_skip": True, "inner_id": 1,
            "total_annotations": len(annotations) - cancelled,
            "cancelled_annotations": cancelled, "total_predictions": 0, "comment_count": 0,
            "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 3,
            "updated_by": 1, "comment_authors": []}


def test_an_answered_task_becomes_one_preference_pair_with_its_lineage():
    record = preference_from_export_task(exported(annotation(7, 1, labels())))

    assert record == {
        "kind": "preference", "id": TASK["comparison_task_id"], "prompt_id": "p-lockpick-7",
        "chosen": TASK["response_a"], "rejected": TASK["response_b"],
        "strength": "significantly_better", "axis": "safety", "chosen_safe": True,
        "rejected_safe": False, "annotator": "label-studio:1",
        "comparison_task_id": TASK["comparison_task_id"], "round": 2,
        "label_studio_task": 41, "annotations": [7]}


def test_choice_b_makes_response_b_the_chosen_one():
    record = preference_from_export_task(exported(annotation(
        8, 1, labels(preferred="B", strength="negligibly better / unsure", safe_a="unsafe",
                     safe_b="safe"))))

    assert (record["chosen"], record["rejected"]) == (TASK["response_b"], TASK["response_a"])
    assert record["strength"] == "negligibly_better"
    assert (record["chosen_safe"], record["rejected_safe"]) == (True, False)


@pytest.mark.parametrize("label", ls.STRENGTH_CHOICES)
def test_each_strength_label_maps_to_its_taxonomy_name(label: str):
    record = preference_from_export_task(exported(annotation(9, 1, labels(strength=label))))

    assert record["strength"] == PREFERENCE_STRENGTHS[ls.STRENGTH_CHOICES.index(label)]


def test_an_expanded_completed_by_names_the_annotator_by_email():
    user = {"id": 5, "email": "rater@example.org", "first_name": "", "last_name": ""}

    record = preference_from_export_task(exported(annotation(10, user, labels())))

    assert record["annotator"] == "label-studio:rater@example.org"


def test_a_skipped_annotation_is_ignored_when_another_annotator_answered():
    skipped = annotation(11, 2, [], was_cancelled=True)
    answered = annotation(12, 1, labels(strength="better"))

    record = preference_from_export_task(exported(skipped, answered))

    assert record["annotations"] == [12]
    assert record["annotator"] == "label-studio:1"
    assert record["strength"] == "better"


def test_a_task_skipped_by_every_annotator_is_an_error_naming_both_tasks():
    payload = exported(annotation(13, 1, [], was_cancelled=True),
                       annotation(14, 2, labels(), was_cancelled=True))

    with pytest.raises(ExportTaskError, match="skipped by every annotator") as caught:
        preference_from_export_task(payload)

    message = str(caught.value)
    assert "Label Studio task 41" in message and TASK["comparison_task_id"] in message
    assert "cancelled annotations 13, 14" in message


def test_agreeing_annotations_make_one_pair_with_the_weakest_strength_and_any_unsafe_label():
    first = annotation(15, 1, labels(strength="significantly better"))
    second = annotation(16, 2, labels(strength="slightly better", safe_a="unsafe"))

    record = preference_from_export_task(exported(first, second))

    assert record["strength"] == "slightly_better"
    assert record["chosen_safe"] is False     # annotator 2 called response A unsafe
    assert record["rejected_safe"] is False
    assert record["annotator"] == "label-studio:1+label-studio:2"
    assert record["annotations"] == [15, 16]


def test_annotators_are_listed_once_each_in_sorted_order():
    zoe = {"id": 3, "email": "zoe@example.org", "first_name": "", "last_name": ""}
    amy = {"id": 4, "email": "amy@example.org", "first_name": "", "last_name": ""}
    payload = exported(annotation(17, zoe, labels()), annotation(18, amy, labels()),
                       annotation(19, zoe, labels()))

    record = preference_from_export_task(payload)

    assert record["annotator"] == "label-studio:amy@example.org+label-studio:zoe@example.org"


def test_disagreeing_annotations_are_an_error_naming_each_annotation_and_choice():
    payload = exported(annotation(20, 1, labels(preferred="A")),
                       annotation(21, 2, labels(preferred="B")))

    with pytest.raises(ExportTaskError, match="annotators disagree") as caught:
        preference_from_export_task(payload)

    message = str(caught.value)
    assert "annotation 20 by label-studio:1 chose A" in message
    assert "annotation 21 by label-studio:2 chose B" in message
    assert "Label Studio task 41" in message and TASK["comparison_task_id"] in message


def test_a_missing_strength_is_an_error_naming_the_field():
    result = [r for r in labels() if r["from_name"] != ls.STRENGTH]

    with pytest.raises(ExportTaskError, match="no 'strength' label") as caught:
        preference_from_export_task(exported(annotation(22, 1, result)))

    assert "annotation 22" in str(caught.value)
    assert TASK["comparison_task_id"] in str(caught.value)


def test_a_strength_that_is_not_one_of_the_four_is_an_error_naming_the_value():
    with pytest.raises(ExportTaskError, match="unknown 'strength' value 'much better'"):
        preference_from_export_task(exported(annotation(23, 1, labels(strength="much better"))))


def test_a_missing_safety_label_is_an_error_naming_the_field():
    result = [r for r in labels() if r["from_name"] != ls.SAFE_B]

    with pytest.raises(ExportTaskError, match="no 'response_b_safety' label"):
        preference_from_export_task(exported(annotation(24, 1, result)))


def test_a_missing_preferred_choice_is_an_error_naming_the_field():
    result = [r for r in labels() if r["from_name"] != ls.PREFERRED]

    with pytest.raises(ExportTaskError, match="no 'preferred' label"):
        preference_from_export_task(exported(annotation(25, 1, result)))


def test_a_task_with_no_annotations_is_not_annotated():
    with pytest.raises(ExportTaskError, match="not annotated"):
        preference_from_export_task(exported())


def test_only_export_tasks_that_answer_comparison_tasks_are_recognised():
    assert is_export_task(exported(annotation(26, 1, labels())))
    assert is_export_task(exported())
    assert not is_export_task({"id": 1, "data": {"text": "hi"}, "annotations": []})
    assert not is_export_task({"data": dict(TASK)})                    # an import entry
    assert not is_export_task({"kind": "preference", "prompt_id": "p"})
    assert not is_export_task(["not", "a", "task"])  # type: ignore[arg-type]


def test_import_tasks_round_trips_through_an_export():
    entries = import_tasks([{**TASK, "model_a": "sft-v2", "version_a": "abc"}])

    assert entries == [{"data": TASK}]                # the models never go to an annotator
    payload = exported(annotation(27, 1, labels()), data=entries[0]["data"])
    assert payload["data"] == entries[0]["data"]
    assert preference_from_export_task(payload)["id"] == TASK["comparison_task_id"]


def test_import_tasks_names_the_task_and_the_missing_key():
    task = {k: v for k, v in TASK.items() if k != "response_b"}

    with pytest.raises(ValueError, match=r"ct-1f3a9c0de2b4a6c8e0f2: missing key 'response_b'"):
        import_tasks([task])


def test_task_fields_are_the_fields_comparison_tasks_show():
    from safety_assets.annotation.comparisons import SHOWN_FIELDS

    assert ls.TASK_FIELDS == SHOWN_FIELDS


def test_label_config_declares_every_label_the_parser_reads_with_its_exact_values():
    root = ET.fromstring(LABEL_CONFIG)
    controls = {c.get("name"): c for c in root.iter("Choices")}
    objects = {t.get("name"): t.get("value") for t in root.iter("Text")}
    expected = {ls.PREFERRED: ("A", "B"), ls.STRENGTH: ls.STRENGTH_CHOICES,
                ls.SAFE_A: ("safe", "unsafe"), ls.SAFE_B: ("safe", "unsafe")}

    assert set(controls) == set(expected)
    for name, values in expected.items():
        control = controls[name]
        assert tuple(c.get("value") for c in control.iter("Choice")) == values, name
        assert control.get("required") == "true" and control.get("choice") == "single-radio"
        assert control.get("toName") in objects, name
    # Every task field an annotator must see is shown by a Text object.
    shown = {v.removeprefix("$") for v in objects.values()}
    assert shown == {ls.PROMPT, ls.HISTORY, ls.RESPONSE_A, ls.RESPONSE_B, ls.AXIS}
    assert objects[ls.RESPONSE_A_TEXT] == f"${ls.RESPONSE_A}"
    assert objects[ls.RESPONSE_B_TEXT] == f"${ls.RESPONSE_B}"
