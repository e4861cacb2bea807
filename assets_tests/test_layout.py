"""The layout keeps its two promises: the domain packages know nothing of Dagster (only the
trainers' entry points may speak Pipes), and no module name is used twice."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "safety_assets"
DOMAIN = ("intake", "storage", "datasets", "ml", "rlhf", "evaluation", "annotation",
          "compute")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module)
    return roots


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_package_source_never_imports_dagster(package):
    offenders = {}
    for path in sorted((PACKAGE / package).rglob("*.py")):
        bad = {name for name in _imported_roots(path)
               if name == "dagster" or (name.startswith(("dagster.", "dagster_"))
                                        and not name.startswith("dagster_pipes"))}
        bad |= {name for name in _imported_roots(path) if name.startswith("safety_assets.defs")}
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert not offenders, f"domain modules import Dagster: {offenders}"


def test_importing_every_domain_module_loads_no_dagster():
    # The static check above misses an import hidden in a dependency; this one does not.
    modules = sorted(
        ".".join(("safety_assets", *path.relative_to(PACKAGE).with_suffix("").parts))
        .removesuffix(".__init__")
        for package in DOMAIN for path in (PACKAGE / package).rglob("*.py"))
    code = ("import importlib, sys\n"
            f"for name in {modules!r}:\n    importlib.import_module(name)\n"
            "loaded = sorted(m for m in sys.modules\n"
            "                if m == 'dagster' or m.startswith('dagster.'))\n"
            "print(len(loaded)); sys.exit(1 if loaded else 0)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"dagster loaded by domain modules:\n{done.stdout}{done.stderr}"


def test_no_module_name_is_used_twice():
    names = Counter(path.stem for path in PACKAGE.rglob("*.py")
                    if path.stem not in ("__init__",) and "sample_data" not in path.parts)
    repeated = sorted(name for name, count in names.items() if count > 1)
    assert not repeated, f"module names used twice: {repeated}"
