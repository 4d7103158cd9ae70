"""The emulator's next edits: rename propagation, a new parameter at the call sites, a repeated
change; the region unchanged when no rule fits."""

from __future__ import annotations

import json

import pytest

from grok_lsp.emulator.completer import answer


def ask(region: str, was: str, now: str) -> dict[str, str]:
    message = (
        "<file_snapshot>\nignored <editable_region x>\n</file_snapshot>\n"
        f"Task: predict.\n<recent_edits>\n--- line 1\n-{was}\n+{now}\n</recent_edits>\n"
        f'<editable_region path="a.py" start_line="1" end_line="9">\n{region}\n</editable_region>\n'
    )
    got = answer([{"role": "user", "content": message}], [], 8)
    assert got.kind == "next_edit"
    value = json.loads(got.content)
    assert isinstance(value, dict)
    return value


@pytest.mark.parametrize(
    ("region", "was", "now", "expected"),
    [
        pytest.param(
            "def bar<|cursor|>(x):\n    return x\nprint(foo(1), food)",
            "def foo(x):",
            "def bar(x):",
            "def bar(x):\n    return x\nprint(bar(1), food)",
            id="rename",
        ),
        pytest.param(
            "def f(a, b, c<|cursor|>):\n    pass\nf(1, 2)\nf(g(3), [4, 5])\nf(1, 2, 3)",
            "def f(a, b):",
            "def f(a, b, c):",
            "def f(a, b, c):\n    pass\nf(1, 2, c)\nf(g(3), [4, 5], c)\nf(1, 2, 3)",
            id="new parameter",
        ),
        pytest.param(
            "    def m(self, x, y):\nobj.m(1)",
            "    def m(self, x):",
            "    def m(self, x, y):",
            "    def m(self, x, y):\nobj.m(1, y)",
            id="new parameter of a method",
        ),
        pytest.param(
            "        self._a<|cursor|> = a\n        self.b = b\n        self._c = c",
            "        self.a = a",
            "        self._a = a",
            "        self._a = a\n        self._b = b\n        self._c = c",
            id="repeated change",
        ),
    ],
)
def test_the_pattern_of_the_latest_edit_is_continued(
    region: str, was: str, now: str, expected: str
) -> None:
    assert ask(region, was, now)["replacement"] == expected


@pytest.mark.parametrize(
    ("was", "now"),
    [
        ("def foo(x):", "def bar(x):"),  # no other `foo` in the region
        ("def f(a):", "def f(a, b=None):"),  # a default asks nothing of the callers
        ("x = 1", "x = 1  # note"),  # a trailing comment: nothing similar follows
    ],
)
def test_nothing_follows_and_the_region_comes_back_unchanged(was: str, now: str) -> None:
    region = "x = 1  # note<|cursor|>\ny = 2\nf(1)"
    assert ask(region, was, now) == {
        "replacement": "x = 1  # note\ny = 2\nf(1)",
        "summary": "no edit follows",
    }


def test_the_latest_of_several_recent_edits_decides() -> None:
    message = (
        "<recent_edits>\n--- line 1\n-def amount(items):\n+def total(items):\n"
        "--- line 5\n-x = 1\n+x = 2\n--- line 4\n-print(amount(1))\n+print(total(1))\n"
        "</recent_edits>\n"
        '<editable_region path="a.py" start_line="1" end_line="3">\n'
        "print(total(1))<|cursor|>\ny = amount(2)\n</editable_region>\n"
    )
    got = json.loads(answer([{"role": "user", "content": message}], [], 8).content)
    assert got["replacement"] == "print(total(1))\ny = total(2)"
