"""Peak memory of intake against file size: the raw stage (read + store, streamed in chunks)
and validation (the asset's path: raw rows staged in a scratch DuckDB, pass 1 per chunk,
pass 2 and the partition replacement in SQL, metadata aggregates, GX suites per chunk).
Each stage runs in a fresh process; ``imports`` is a process that only imports what the
validation stage imports, the floor under both. ``read_json`` is the yardstick beside them:
DuckDB's own reader loading the same file into a table (unreadable lines skipped), with no
validation at all; the last column is each size's intake time (raw + validate) over it.
With ``--repeats N`` each stage runs N times, interleaved (read_json, raw, validate, then
again), and the table gives the median seconds with the fastest and slowest run beside it,
so that a ratio is not one run's noise over another's. Prints a table; not a test.

    python benchmarks/intake.py --sizes-mb 10 100 500 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path

from safety_assets.defs.intake.intake_assets import _partition_metadata
from safety_assets.intake.batch_store import (
    store_raw_rows,
    stored_batch_suites,
    validate_stored_batch,
)
from safety_assets.storage.warehouse import Warehouse

path, stage, db, chunk_rows = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
suite_rows = int(sys.argv[5]) or None   # 0: the suites size their chunks (the default)
store = Warehouse(db)
started = time.time()
rows = 0
if stage == "raw":
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        rows = store_raw_rows(store, con, path, "b", 1_000_000)[0]
        con.execute("COMMIT")
elif stage == "validate":
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as folder:
        batch = validate_stored_batch(store, "b", Path(folder), chunk_rows=chunk_rows)
        with store.connect() as con:
            _partition_metadata(con, batch)
        suites = stored_batch_suites(batch, chunk_rows=suite_rows)
        assert suites.prompts.success and suites.preference_pairs.success, suites
        rows = batch.n_rows
elif stage == "read_json":
    import duckdb
    with duckdb.connect(db + ".read_json") as con:
        con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_json(?, format = "
                    "'newline_delimited', ignore_errors = true)", [str(path)])
        rows = con.sql("SELECT count(*) FROM t").fetchall()[0][0]
print(json.dumps({"rows": rows, "seconds": time.time() - started,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_file(path: Path, megabytes: int) -> int:
    """A JSONL batch of about ``megabytes`` MB: prompts, preference pairs answering the
    previous prompt, demonstrations, and one unreadable line in ten thousand."""
    target = megabytes * 1_000_000
    written = rows = 0
    with open(path, "w", encoding="utf-8") as handle:
        while written < target:
            rows += 1
            if rows % 10_000 == 0:
                line = "{not json\n"
            elif rows % 10 in (3, 6, 9):
                line = json.dumps({
                    # the prompt just before (row 6's neighbour is a demonstration)
                    "kind": "preference", "prompt_id": f"p-{rows - 1 - (rows % 10 == 6):09d}",
                    "axis": "safety",
                    "chosen": f"I can't help with that, but here is a safer idea ({rows}).",
                    "rejected": f"Sure, here is how ({rows}).", "strength": "better",
                    "chosen_safe": True, "rejected_safe": rows % 2 == 0,
                }) + "\n"
            elif rows % 10 == 5:
                line = json.dumps({
                    "kind": "demonstration", "prompt_id": f"p-{rows - 1:09d}",
                    "response": f"A balanced week of meals starts with a plan ({rows}). " * 4,
                }) + "\n"
            else:
                line = json.dumps({
                    "kind": "prompt", "id": f"p-{rows:09d}", "risk_category": "benign",
                    "attack_vector": "none", "annotator": "bench",
                    "text": f"Question {rows}: how do I plan a week of healthy meals? " * 6,
                }) + "\n"
            handle.write(line)
            written += len(line)
    return rows


def measure(path: Path, stage: str, db: Path, chunk_rows: int,
            suite_rows: int = 0) -> dict[str, float]:
    if stage == "imports":
        code = ("import json, resource; import duckdb; "
                "import safety_assets.defs.intake.intake_assets; "
                "print(json.dumps({'rows': 0, 'seconds': 0.0, 'peak_mib': "
                "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
        command = [sys.executable, "-c", code]
    else:
        command = [sys.executable, "-c", CHILD, str(path), stage, str(db), str(chunk_rows),
                   str(suite_rows)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{stage} failed ({out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--chunk-rows", type=int, default=10_000)
    parser.add_argument("--suite-chunk-rows", type=int, default=0,
                        help="rows per GX chunk (default 0: sized by the rows' length, as the "
                             "asset does); 10000 is the fixed size before that")
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs of each stage per size, interleaved; the table gives "
                             "the median and the range")
    parser.add_argument("--tmp", type=Path, default=None,
                        help="where the batch file, warehouse and scratch go (default: TMPDIR)")
    args = parser.parse_args()
    imports = measure(Path(), "imports", Path(), args.chunk_rows)
    print(f"{'file MB':>8} {'rows':>11} {'stage':>9} {'seconds':>8} {'range':>11} "
          f"{'peak RSS MiB':>13} {'x read_json':>11}")
    print(f"{'-':>8} {'-':>11} {'imports':>9} {'-':>8} {'':>11} {imports['peak_mib']:>13,.0f}",
          flush=True)
    stages = ("read_json", "raw", "validate")
    for size in args.sizes_mb:
        with tempfile.TemporaryDirectory(dir=args.tmp) as folder:
            path = Path(folder) / f"batch-{size}mb.jsonl"
            write_file(path, size)
            db = Path(folder) / "warehouse.duckdb"
            runs: dict[str, list[dict[str, float]]] = {stage: [] for stage in stages}
            for _ in range(args.repeats):
                for stage in stages:   # validate reads what this round's raw stage stored
                    runs[stage].append(measure(path, stage, db, args.chunk_rows,
                                               args.suite_chunk_rows))
            seconds = {}
            for stage in stages:
                times = sorted(run["seconds"] for run in runs[stage])
                seconds[stage] = statistics.median(times)
                peak = max(run["peak_mib"] for run in runs[stage])
                print(f"{size:>8} {runs[stage][0]['rows']:>11,} {stage:>9} "
                      f"{seconds[stage]:>8.2f} {f'{times[0]:.2f}-{times[-1]:.2f}':>11} "
                      f"{peak:>13,.0f}", flush=True)
            intake = seconds["raw"] + seconds["validate"]
            print(f"{size:>8} {'':>11} {'intake':>9} {intake:>8.2f} {'':>11} {'':>13} "
                  f"{intake / max(seconds['read_json'], 1e-9):>11.1f}", flush=True)
    print(f"(medians of {args.repeats} run(s) per stage; this process: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
          f"MiB; each stage runs in its own process)")


if __name__ == "__main__":
    main()
