"""The test modules share helpers only through `tests/support/` and `tests/conftest.py`: no test
module imports another, so a test file can be read, moved or deleted on its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEST_MODULES = sorted((ROOT / "tests").rglob("test_*.py"))
IMPORTERS = [
    *TEST_MODULES,
    *(ROOT / "tests" / "support").glob("*.py"),
    *(ROOT / "bench").rglob("*.py"),
]


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    names |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    return {name for name in names if name}


@pytest.mark.parametrize("path", IMPORTERS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_test_module_is_imported_as_a_helper(path: Path) -> None:
    tests = {f"tests.{p.parent.name}.{p.stem}" for p in TEST_MODULES} | {
        p.stem for p in TEST_MODULES
    }
    assert not imported(path) & tests
