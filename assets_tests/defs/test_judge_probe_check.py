"""The blocking probe check of the TruthfulQA judges reads the verdict their asset recorded."""

from assets_tests.evaluation.test_judge_probes import FakeJudge
from safety_assets.defs.evaluation.evaluation_checks import probe_verdict
from safety_assets.evaluation.judge_probes import Probe, probe_judges


def _probes() -> list[Probe]:
    kinds = {"random_tokens": (None, False), "repeated_word": (None, False),
             "empty": (True, False), "echo": (True, False), "no_comment": (True, False),
             "reference_correct": (True, None), "reference_incorrect": (False, True)}
    return [Probe(kind, f"question {i}?", "" if kind == "empty" else f"{kind} {i}", t, inf)
            for kind, (t, inf) in kinds.items() for i in range(5)]


def _metadata(truth, info) -> dict:
    report = probe_judges(FakeJudge("truth", truth), FakeJudge("info", info), _probes())
    return {"probe_report": {**report.to_dict(), "n_probes": 35},
            "probe_summary": report.summary()}


def test_the_check_fails_judges_that_call_everything_informative():
    passed, figures = probe_verdict(_metadata(lambda q, a: True, lambda q, a: True))
    assert passed is False
    assert {c["kind"] for c in figures["failed"].data} >= {"random_tokens", "empty", "echo"}


def test_the_check_passes_judges_that_follow_truthfulqa_rules():
    def truth(q: str, a: str) -> bool:
        return not a.startswith("reference_incorrect")

    def info(q: str, a: str) -> bool:
        return a.startswith("reference")

    passed, figures = probe_verdict(_metadata(truth, info))
    assert passed is True and figures["failed"].data == []


def test_a_materialization_without_a_probe_report_fails_the_check():
    passed, figures = probe_verdict({"truth_held_out_accuracy": 0.8})
    assert passed is False and "no probe report" in figures["note"]
