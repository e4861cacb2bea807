"""Peak memory of intake against file size: the raw stage (read + store, streamed in chunks)
and validation (which today holds a whole batch). Prints a table; not a test.

    python benchmarks/intake.py --sizes-mb 10 50 100
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
import polars as pl
from safety_assets.assets.intake import _raw_frames, _stored_rows
from safety_assets.intake_validation import validate_batch
from safety_assets.warehouse import Warehouse

path, stage, db = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
store = Warehouse(db)
started = time.time()
rows = 0
if stage == "raw":
    with store.connect() as con:
        for frame in _raw_frames(path, "b", 1_000_000):
            store.insert(con, "raw_records", frame)
            rows += frame.height
else:
    with store.connect() as con:
        raw = con.sql("SELECT * FROM raw_records WHERE batch_id = 'b' ORDER BY row_number").pl()
    result = validate_batch(_stored_rows(raw), batch_id="b", source_file=path.name)
    rows = result.n_rows
print(json.dumps({"rows": rows, "seconds": time.time() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_file(path: Path, megabytes: int) -> int:
    target = megabytes * 1_000_000
    written = rows = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < target:
            line = json.dumps({
                "kind": "prompt", "id": f"p-{rows:09d}", "risk_category": "benign",
                "attack_vector": "none", "annotator": "bench",
                "text": f"Question {rows}: how do I plan a week of healthy meals? " * 6,
            }) + "\n"
            handle.write(line)
            written += len(line)
            rows += 1
    return rows


def measure(path: Path, stage: str, db: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), stage, str(db)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[10, 50, 100])
    args = parser.parse_args()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'file MB':>8} {'rows':>9} {'stage':>9} {'seconds':>8} {'peak RSS MiB':>13}")
    for size in args.sizes_mb:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"batch-{size}mb.jsonl"
            write_file(path, size)
            db = Path(folder) / "warehouse.duckdb"
            for stage in ("raw", "validate"):
                result = measure(path, stage, db)
                print(f"{size:>8} {result['rows']:>9,} {stage:>9} {result['seconds']:>8.1f} "
                      f"{result['peak_mib']:>13,.0f}")
    print(f"(this process: {baseline:.0f} MiB; each stage runs in its own process)")


if __name__ == "__main__":
    main()
