"""Where the evaluation reads its public data sets (configured; never copied into the project).

The layout is that of ``shared/data`` (see its README): ``truthfulqa/TruthfulQA.csv``,
``truthfulqa/finetune_{truth,info}.jsonl`` and ``toxigen/prompts/*.txt``. The root is, in order:
an explicit argument, ``$SAFETY_ASSETS_EVAL_DATA``, or ``../shared/data`` beside the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "SAFETY_ASSETS_EVAL_DATA"
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_data_root() -> Path:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return Path(explicit).expanduser()
    return (REPO_ROOT.parent / "shared" / "data").resolve()


@dataclass(frozen=True)
class EvalDataPaths:
    root: Path

    @classmethod
    def from_root(cls, root: str | Path | None = None) -> EvalDataPaths:
        return cls(Path(root).expanduser() if root is not None else default_data_root())

    @property
    def truthfulqa_csv(self) -> Path:
        return self.root / "truthfulqa" / "TruthfulQA.csv"

    @property
    def finetune_truth(self) -> Path:
        return self.root / "truthfulqa" / "finetune_truth.jsonl"

    @property
    def finetune_info(self) -> Path:
        return self.root / "truthfulqa" / "finetune_info.jsonl"

    def judge_file(self, kind: str) -> Path:
        return {"truth": self.finetune_truth, "info": self.finetune_info}[kind]

    @property
    def hh_rlhf_harmless(self) -> Path:
        """Anthropic's HH-RLHF harmless test pairs (RM accuracy on text nobody here wrote)."""
        return self.root / "hh_rlhf" / "harmless-base-test.jsonl.gz"

    @property
    def toxigen_prompts(self) -> Path:
        return self.root / "toxigen" / "prompts"

    def missing(self) -> list[Path]:
        """The expected files and folders that are not there (empty when all are)."""
        paths = [self.truthfulqa_csv, self.finetune_truth, self.finetune_info,
                 self.toxigen_prompts]
        return [p for p in paths if not p.exists()]
