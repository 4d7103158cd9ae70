"""Deterministic answers: inline completions, edit JSON, explanations."""

from __future__ import annotations

import json

import pytest

from grok_lsp.emulator.completer import CHAT_ANSWER, Answer, answer, reasoning_tokens

ORACLE = '''import os


def load_config(path: str) -> dict[str, str]:
    """Read KEY=VALUE lines."""
    result: dict[str, str] = {}
    with open(path) as handle:
        for line in handle:
            key, _, value = line.partition("=")
            result[key.strip()] = value.strip()
    return result


def main() -> None:
    print(load_config(os.environ["CONFIG"]))
'''


def inline(
    region: str, oracle: tuple[str, ...] = (), system: str = "", lang: str = "python"
) -> str:
    messages = [{"role": "system", "content": system}] if system else []
    text = f'<cursor_region path="a.py" language="{lang}">\n{region}\n</cursor_region>'
    messages.append({"role": "user", "content": "Complete at the cursor.\n" + text})
    result = answer(messages, list(oracle), 6)
    assert result.kind == "inline"
    return result.content


def test_same_prompt_same_answer() -> None:
    region = "def helper(a, b):\n    total = a + b\n    return <|cursor|>"
    assert inline(region) == inline(region) == "total"


def test_oracle_continues_the_line() -> None:
    region = "    with open(path) as handle:\n        for line in <|cursor|>"
    assert inline(region, (ORACLE,)) == "handle:"


def test_oracle_gives_a_block_at_a_line_start_and_stops_at_the_dedent() -> None:
    region = "        for line in handle:\n            <|cursor|>"
    assert inline(region, (ORACLE,)) == (
        'key, _, value = line.partition("=")\n            result[key.strip()] = value.strip()'
    )


def test_oracle_drops_what_the_suffix_already_has() -> None:
    region = '    print(load_config(os.environ["CONF<|cursor|>"]))'
    assert inline(region, (ORACLE,)) == "IG"


def test_a_block_stops_where_the_suffix_goes_on() -> None:
    region = (
        "        for line in handle:\n<|cursor|>\n"
        "            result[key.strip()] = value.strip()\n    return result"
    )
    assert inline(region, (ORACLE,)) == '            key, _, value = line.partition("=")'


def test_oracle_needs_a_long_enough_tail() -> None:
    assert inline("x = <|cursor|>", ("x = 42\n",)) == ""


def test_the_prompt_itself_is_a_source() -> None:
    system = "The file as last saved:\n" + ORACLE
    assert inline("def main() -> None:\n    print(load_con<|cursor|>", system=system) == (
        'fig(os.environ["CONFIG"]))'
    )


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("def helper(a, b):\n    return <|cursor|>", "a"),
        ("def f(items):\n    for <|cursor|>", "item in items:"),
        ("def f(x):\n    if <|cursor|>", "x is not None:"),
        ("def run(<|cursor|>", "):\n    pass"),
        ("class A:\n    def run(<|cursor|>", "self):\n        pass"),
        ("import os\n\nimport <|cursor|>", "sys"),
        ("from pathlib import <|cursor|>", "Path"),
        ("def f(x):<|cursor|>", "\n    pass"),
        ("print(foo(1, [2, 'a<|cursor|>", "']))"),
        ("def f(x):\n    return foo(<|cursor|>)", ""),  # never types over the rest of a line
    ],
)
def test_python_templates(region: str, expected: str) -> None:
    assert inline(region) == expected


def test_generic_bracket_closing() -> None:
    assert inline("console.log(foo(<|cursor|>", lang="javascript") == "))"


def test_cursor_without_a_region_uses_the_whole_message() -> None:
    result = answer([{"role": "user", "content": "total = sum(values<|cursor|>"}], [], 6)
    assert result == Answer("inline", ")")


QUOTED = (
    "<file_snapshot>\n"
    '    "- Edit: an <edit_target> holds numbered lines and a <diagnostic> or <instruction>."\n'
    "    f'<cursor_region path=\"{file.path}\">\\n{text}\\n</cursor_region>'\n"
    '    CURSOR_MARKER = "<|cursor|>"\n'
    "</file_snapshot>\n"
)


def test_tags_quoted_earlier_in_a_file_do_not_confuse_the_task() -> None:
    region = (
        '<cursor_region path="a.py" language="python">\n'
        "def f(x):\n    if <|cursor|>\n</cursor_region>"
    )
    assert answer([{"role": "user", "content": QUOTED + region}], [], 6) == Answer(
        "inline", "x is not None:"
    )
    task = (
        '<edit_target path="a.py" start_line="1" end_line="1">\nimport os\n</edit_target>\n'
        + diagnostic("F401", "`os` imported but unused")
    )
    result = answer([{"role": "user", "content": QUOTED + task}], [], 6)
    assert result.kind == "edit"
    assert json.loads(result.content)["replacement"] == ""


def test_anything_else_says_it_is_the_emulator() -> None:
    assert answer([{"role": "user", "content": "hello"}], [], 6) == Answer("chat", CHAT_ANSWER)
    assert "emulator" in CHAT_ANSWER


def test_reasoning_has_the_requested_length() -> None:
    assert len(reasoning_tokens(37)) == 37
    assert reasoning_tokens(5) == reasoning_tokens(5)


def edit(lines: str, tail: str) -> dict[str, str]:
    message = f'<edit_target path="a.py" start_line="3" end_line="5">\n{lines}\n</edit_target>\n'
    result = answer([{"role": "user", "content": message + tail}], [], 6)
    assert result.kind == "edit"
    parsed: dict[str, str] = json.loads(result.content)
    assert set(parsed) == {"replacement", "summary"}
    return parsed


def diagnostic(code: str, message: str, source: str = "ruff") -> str:
    return f'<diagnostic code="{code}" source="{source}">{message}</diagnostic>'


@pytest.mark.parametrize(
    ("lines", "tail", "expected"),
    [
        ("import os", diagnostic("F401", "`os` imported but unused"), ""),
        ("import os, sys", diagnostic("F401", "`sys` imported but unused"), "import os"),
        (
            "from typing import Any, List  # types",
            diagnostic("F401", "`typing.List` imported but unused"),
            "from typing import Any  # types",
        ),
        ("import numpy as np", diagnostic("", "'numpy as np' imported but unused", "pyflakes"), ""),
        (
            "    if x == None:\n        return",
            diagnostic("E711", "Comparison to `None` should be `cond is None`"),
            "    if x is None:\n        return",
        ),
        ("if y != None:", diagnostic("E711", "x"), "if y is not None:"),
        (
            "    result = compute(a, b)",
            diagnostic("F841", "Local variable `result` is assigned to but never used"),
            "    compute(a, b)",
        ),
        (
            "    count = 0",
            diagnostic("F841", "Local variable `count` is assigned to but never used"),
            "",
        ),
        ("if ok == True:", diagnostic("E712", "Avoid equality comparisons to `True`"), "if ok:"),
        ("if ok() == False:", diagnostic("E712", "x"), "if not ok():"),
        (
            "import os, sys",
            diagnostic("E401", "Multiple imports on one line"),
            "import os\nimport sys",
        ),
    ],
)
def test_diagnostic_fixes(lines: str, tail: str, expected: str) -> None:
    result = edit(lines, tail)
    assert result["replacement"] == expected
    assert result["summary"] != "no change suggested"


@pytest.mark.parametrize(
    ("lines", "instruction", "expected"),
    [
        (
            "def parse_config(path):\n    return load(path)",
            "Add a docstring",
            'def parse_config(path):\n    """Parse config."""\n    return load(path)',
        ),
        (
            "def log(msg):\n    print(msg)\n\ndef get(x):\n    return x",
            "Add type hints",
            "def log(msg) -> None:\n    print(msg)\n\ndef get(x):\n    return x",
        ),
        ("if done == True:", "simplify", "if done:"),
    ],
)
def test_instructions(lines: str, instruction: str, expected: str) -> None:
    assert edit(lines, f"<instruction>{instruction}</instruction>")["replacement"] == expected


@pytest.mark.parametrize(
    "tail",
    [
        "<instruction>make it faster</instruction>",
        diagnostic("XYZ123", "something odd"),
        diagnostic("F401", "`json` imported but unused"),  # not in the target lines
    ],
)
def test_no_invented_edits(tail: str) -> None:
    lines = "import os\nx = compute(os.sep)"
    assert edit(lines, tail) == {"replacement": lines, "summary": "no change suggested"}


def test_explain_known_code_quotes_the_line() -> None:
    message = '<explain_target path="a.py" line="3">\nimport os\n</explain_target>\n' + diagnostic(
        "F401", "`os` imported but unused"
    )
    result = answer([{"role": "user", "content": message}], [], 6)
    assert result.kind == "explain"
    assert result.content.startswith("### F401")
    assert "`import os`" in result.content
    assert "**How to fix.**" in result.content


def test_explain_unknown_code_is_generic() -> None:
    message = (
        '<explain_target path="a.py" line="7">\nreturn foo(x)\n</explain_target>\n'
        + diagnostic("arg-type", 'Argument 1 to "foo" has incompatible type', "mypy")
    )
    content = answer([{"role": "user", "content": message}], [], 6).content
    assert content.startswith("### arg-type (mypy)")
    assert "`return foo(x)`" in content


def test_the_document_continues_from_an_earlier_occurrence_not_the_cursors_own_copy() -> None:
    """The file snapshot repeats the cursor's own lines with nothing after them; an earlier,
    similar loop is what the prompt itself suggests."""
    snapshot = (
        "<file_snapshot>\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n"
        "        a, b = b, a + b\n    return a\n\ndef table(n):\n    a, b = 0, 1\n"
        "    for _ in range(n):\n</file_snapshot>\n"
    )
    region = "def table(n):\n    a, b = 0, 1\n    for _ in range(n):<|cursor|>"
    messages = [
        {"role": "user", "content": snapshot},
        {"role": "user", "content": f'<cursor_region path="a.py">\n{region}\n</cursor_region>'},
    ]
    assert answer(messages, [], 6).content == "\n        a, b = b, a + b"
