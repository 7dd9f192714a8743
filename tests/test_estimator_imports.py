"""The estimator package stands alone: its modules import nothing of rsmine but the
estimator itself and rsmine.errors (the references, which read stores and analyses, live
in rsmine.references)."""

from __future__ import annotations

import ast
from pathlib import Path

ESTIMATOR = Path(__file__).resolve().parents[1] / "rsmine" / "estimator"
ALLOWED = ("rsmine.estimator", "rsmine.errors")


def _rsmine_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name == "rsmine" or name.startswith("rsmine.")}


def _outside(names: set[str]) -> set[str]:
    return {n for n in names if not any(n == a or n.startswith(a + ".") for a in ALLOWED)}


def test_the_estimator_imports_only_itself_and_errors():
    found = {
        str(p.relative_to(ESTIMATOR)): _outside(_rsmine_imports(p)) for p in ESTIMATOR.rglob("*.py")
    }
    assert len(found) > 10  # every module was read
    assert {path: names for path, names in found.items() if names} == {}


def test_the_import_check_has_power(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from rsmine.analysis.dimers.pristine import to_grid\nimport rsmine.errors\n")
    assert _outside(_rsmine_imports(module)) == {"rsmine.analysis.dimers.pristine"}
