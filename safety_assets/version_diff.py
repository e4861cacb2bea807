"""`python -m safety_assets.version_diff NAME [OLD] [NEW]`: what changed between two versions
of a checkpoint (parent versions, annotation batches with their rows and rounds, settings).

A version is a version id or a prefix of one, ``latest``, ``previous``, or ``round:N`` (the
newest version whose lineage reaches round N at most); the default is previous -> latest.
``--list`` lists the versions of NAME. The warehouse is $DAGSTER_HOME's (or ``--home``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="a checkpoint name: sft_model, safety_reward_model, ...")
    parser.add_argument("old", nargs="?", default="previous")
    parser.add_argument("new", nargs="?", default="latest")
    parser.add_argument("--home", type=Path, default=None, help="DAGSTER_HOME to read")
    parser.add_argument("--list", action="store_true", help="list the versions instead")
    args = parser.parse_args(argv)
    if args.home:
        os.environ["DAGSTER_HOME"] = str(args.home.resolve())
    from safety_assets.defs.resources import build_resources
    from safety_assets.storage.lineage import diff_versions, render_diff, versions

    store = build_resources()["warehouse"].get()
    if args.list:
        table = versions(store, args.name)
        if table.height == 0:
            print(f"no version of {args.name!r} is registered", file=sys.stderr)
            return 1
        for row in table.iter_rows(named=True):
            print(f"{row['version']}  round {row['round']}  {row['created_at']:%Y-%m-%d %H:%M}"
                  f"  {row['path']}")
        return 0
    try:
        print(render_diff(diff_versions(store, args.name, args.old, args.new)))
    except LookupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
