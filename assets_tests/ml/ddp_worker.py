"""Run under ``accelerate launch``: train one spec, then write this rank's weight hash.

Usage: accelerate launch --num_processes 2 --cpu ddp_worker.py SPEC.json OUT_DIR
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from safety_assets.ml.train_entry import close_process_group
from safety_assets.ml.trainer import Trainer, TrainSpec


def main() -> None:
    spec = TrainSpec.from_json(sys.argv[1])
    out = Path(sys.argv[2])
    trainer = Trainer(spec)
    metrics = trainer.run()
    accelerator = trainer.accelerator
    model = accelerator.unwrap_model(trainer.model)
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    (out / f"rank{accelerator.process_index}.json").write_text(json.dumps({
        "hash": digest.hexdigest(),
        "num_processes": accelerator.num_processes,
        "distributed_type": str(accelerator.distributed_type),
        "backend": str(accelerator.state.backend),
        "steps": metrics["steps"],
    }))
    close_process_group(finished=True)


if __name__ == "__main__":
    main()
