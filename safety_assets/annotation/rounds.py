"""Annotation rounds (Llama 2 collected its preference data in weekly batches over rounds,
RLHF-V1 to V5): which round each intake batch belongs to.

A batch's round is, first, the round of the comparison tasks its pairs answer; else the round
its intake run was given; else the round it was given before (a batch validated again after a
repair stays in its round); else the latest round started (by a batch or a task export), or 1.
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

COMPARISON_TASKS = "comparison_tasks"
CONFIG = "config"
LATEST = "latest_round"


def latest_round(con: duckdb.DuckDBPyConnection) -> int:
    """The newest round started: by an intake batch or by an exported comparison task."""
    found = con.execute(
        "SELECT max(r) FROM (SELECT max(round) AS r FROM annotation_rounds "
        "UNION ALL SELECT max(round) FROM comparison_tasks)").fetchall()[0][0]
    return int(found) if found is not None else 1


def assign_round(con: duckdb.DuckDBPyConnection, batch_id: str,
                 configured: int | None = None) -> tuple[int, str]:
    """Record and return the batch's round and where it came from (see the module doc)."""
    answered = con.execute(
        "SELECT max(t.round) FROM preference_pairs p JOIN comparison_tasks t "
        "ON t.task_id = p.id WHERE p.batch_id = ?", [batch_id]).fetchall()[0][0]
    before = con.execute("SELECT round, source FROM annotation_rounds WHERE batch_id = ?",
                         [batch_id]).fetchall()
    if answered is not None:
        chosen = (int(answered), COMPARISON_TASKS)
    elif configured is not None:
        if configured < 1:
            raise ValueError(f"round must be 1 or more, got {configured}")
        chosen = (configured, CONFIG)
    elif before:
        chosen = (int(before[0][0]), before[0][1])
    else:
        chosen = (latest_round(con), LATEST)
    if before and (int(before[0][0]), before[0][1]) == chosen:
        return chosen    # validated again in the same round: it keeps when it arrived
    con.execute("DELETE FROM annotation_rounds WHERE batch_id = ?", [batch_id])
    con.execute("INSERT INTO annotation_rounds VALUES (?, ?, ?, ?)",
                [batch_id, chosen[0], chosen[1], datetime.now(UTC).replace(tzinfo=None)])
    return chosen
