"""Reading a checker's report and judging an edit by it: pure parts of verify.py."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.verify import (
    DEFAULT_CHECKERS,
    Checker,
    Finding,
    find_checker,
    matches,
    problems_left,
    read_report,
    syntax_findings,
)

F401 = ("F401", "`os` imported but unused")


def test_reports_of_ruff_mypy_and_tsc_are_read_and_other_files_ignored(tmp_path: Path) -> None:
    path = tmp_path / "demo.py"
    output = (
        "demo.py:1:8: F401 [*] `os` imported but unused\n"
        f'{path}:3: error: Name "y" is not defined  [name-defined]\n'
        f"{path}:4: note: See https://mypy.rtfd.io\n"
        "demo.py(5,3): error TS2304: Cannot find name 'x'.\n"
        f'  {path}:6:5 - warning: Import "yaml" could not be resolved\n'
        "other.py:1:1: F401 `re` imported but unused\n"
        "Found 3 errors.\n"
    )
    found = list(read_report(output, path, None, tmp_path))
    assert [(f.line, f.error) for f in found] == [
        (0, True),
        (2, True),
        (3, False),
        (4, True),
        (5, False),
    ]
    assert matches(found[0], *F401) and matches(found[1], "name-defined", "")
    assert matches(found[3], "2304", "") and not matches(found[0], "F40", "")


def test_the_diagnostic_gone_and_nothing_new_on_the_touched_lines_is_verified() -> None:
    before = [Finding(0, "F401 `os` imported but unused"), Finding(9, "E711 comparison")]
    after = [Finding(8, "E711 comparison")]  # moved up a line by the edit: not new
    assert problems_left(before, after, F401, range(0, 1)) == []


def test_the_diagnostic_still_there_or_a_new_error_on_the_edited_lines_fails() -> None:
    before = [Finding(0, "F401 `os` imported but unused")]
    still = [Finding(1, "F401 `os` imported but unused")]
    assert problems_left(before, still, F401, range(0, 2)) == still
    broke = [Finding(0, "invalid-syntax: Expected an expression")]
    assert problems_left(before, broke, F401, range(0, 1)) == broke
    elsewhere = [Finding(7, "E501 line too long")]
    assert problems_left(before, elsewhere, F401, range(0, 1)) == []
    note = [Finding(0, "note: revealed type")]
    assert problems_left(before, note, F401, range(0, 1)) == []


def test_a_diagnostic_the_tool_does_not_report_cannot_be_judged() -> None:
    assert problems_left([], [], F401, range(0, 1)) is None


@given(st.lists(st.builds(Finding, st.integers(0, 20), st.sampled_from(["a", "b", "E1 c"]))))
def test_an_unchanged_report_never_blames_the_edit(findings: list[Finding]) -> None:
    assert problems_left(findings, findings, None, range(0, 21)) == []


def test_syntax_errors_are_found_with_their_line() -> None:
    assert syntax_findings("def f():\n    return 1\n", "x.py") == []
    [error] = syntax_findings("def f():\nreturn 1\n", "x.py")
    assert error.line == 1 and error.message.startswith("SyntaxError")
    assert syntax_findings("a = '\0'\x00", "x.py")[0].message.startswith("SyntaxError")


def test_checkers_come_from_the_setting_then_the_workspace_then_path(tmp_path: Path) -> None:
    tools = tmp_path / ".venv" / "bin"
    tools.mkdir(parents=True)
    (tools / "ruff").write_text("#!/bin/sh\n")
    (tools / "ruff").chmod(0o755)
    found = find_checker("Ruff", {}, [tmp_path])
    assert found == Checker("ruff", (str(tools / "ruff"), *DEFAULT_CHECKERS["ruff"][1:]))
    configured = find_checker("ruff", {"RUFF": [str(tools / "ruff"), "{copy}"]}, [])
    assert configured == Checker("ruff", (str(tools / "ruff"), "{copy}"))
    assert find_checker("eslint", {}, [tmp_path]) == (
        "no checker for `eslint` (set grok.actions.verify)"
    )
    assert find_checker("mypy", {"mypy": ["no-such-mypy-here"]}, [tmp_path]) == (
        "no-such-mypy-here was not found"
    )
