"""Early stop while streaming, and the trimming of what the model returned."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.completions.postprocess import CursorContext, StopRule, finish

MID_LINE = CursorContext(line_prefix="    total = compute(", line_suffix=")", following="")
END_OF_LINE = CursorContext(line_prefix="    return fib(n - 1) + ", line_suffix="", following="")
NEW_BLOCK = CursorContext(
    line_prefix="def fib(n: int) -> int:", line_suffix="", following="\n\ndef other():", max_lines=8
)
EMPTY_LINE = CursorContext(line_prefix="    ", line_suffix="", following="")


def feed_all(rule: StopRule, pieces: list[str]) -> int:
    """How many pieces were fed before the rule said stop (all of them if never)."""
    for index, piece in enumerate(pieces, 1):
        if rule.feed(piece):
            return index
    return len(pieces)


def test_single_line_stops_at_the_first_complete_line() -> None:
    rule = StopRule(END_OF_LINE)
    assert feed_all(rule, ["fib(", "n - 2)", "\n", "    # more", "\n"]) == 3
    assert finish(rule.cut(), END_OF_LINE) == "fib(n - 2)"


def test_a_block_stops_at_the_dedent() -> None:
    rule = StopRule(NEW_BLOCK)
    pieces = [
        "\n    if n < 2:\n",
        "        return n\n",
        "    return fib(n - 1)\n",
        "def x",
        "():\n",
    ]
    assert feed_all(rule, pieces) == 5
    assert (
        finish(rule.cut(), NEW_BLOCK) == "\n    if n < 2:\n        return n\n    return fib(n - 1)"
    )


def test_a_block_stops_at_the_line_cap() -> None:
    context = CursorContext(line_prefix="", line_suffix="", following="", max_lines=2)
    rule = StopRule(context)
    assert feed_all(rule, ["a = 1\n", "b = 2\n", "c = 3\n"]) == 2
    assert finish(rule.cut(), context) == "a = 1\nb = 2"


def test_fences_and_an_echoed_marker_are_removed() -> None:
    rule = StopRule(EMPTY_LINE)
    feed_all(rule, ["```python\n", "return n<|cursor|>\n", "```\n", "Hope this helps!"])
    assert finish(rule.cut(), EMPTY_LINE) == "return n"


def test_repeated_line_prefix_and_suffix_overlap_are_trimmed() -> None:
    assert finish("total = compute(a, b)", MID_LINE) == "a, b"
    assert finish("a, b)", MID_LINE) == "a, b"


def test_doubled_indentation_is_removed() -> None:
    assert finish("    return n", EMPTY_LINE) == "return n"


def test_lines_repeating_what_follows_the_cursor_are_dropped() -> None:
    context = CursorContext(line_prefix="", line_suffix="", following="    return x\n")
    assert finish("x = 1\n    return x", context) == "x = 1"


@given(st.text(max_size=80))
def test_never_blank_and_single_line_mid_line(raw: str) -> None:
    text = finish(raw, MID_LINE)
    assert text == "" or text.strip()
    assert "\n" not in text


BEFORE = "\n\ndef fib(n):\n    if n < 2:\n        return n"
AFTER_BLOCK = CursorContext(
    line_prefix="    return fib(n - 1) + ", line_suffix="", following="", preceding=BEFORE
)
REGION_TAG = '<cursor_region path="fib.py" language="python" start_line="1">'


def streamed(context: CursorContext, answer: str) -> str:
    """What the user sees of `answer` streamed in small pieces, as the pipeline does it."""
    rule = StopRule(context)
    feed_all(rule, [answer[i : i + 3] for i in range(0, len(answer), 3)])
    return finish(rule.cut(), context)


@pytest.mark.parametrize(
    "answer",
    [
        "fib(n - 2)",
        "Task: complete the code at the cursor.\nfib(n - 2)",
        f"{REGION_TAG}\n{BEFORE}\n    return fib(n - 1) + fib(n - 2)\n</cursor_region>",
        f"{BEFORE}\n    return fib(n - 1) + fib(n - 2)",
        f"{BEFORE}\n    return fib(n - 1) + <|cursor|>fib(n - 2)",
        "```python\nfib(n - 2)\n```",
        f"{REGION_TAG}fib(n - 2)",
    ],
)
def test_the_prompt_echoed_back_is_dropped(answer: str) -> None:
    assert streamed(AFTER_BLOCK, answer) == "fib(n - 2)"


@pytest.mark.parametrize(
    "answer", ["Task: complete the code at the cursor.", f"{REGION_TAG}\n{BEFORE}", BEFORE]
)
def test_an_answer_that_only_repeats_the_prompt_is_no_suggestion(answer: str) -> None:
    assert streamed(AFTER_BLOCK, answer) == ""


def test_a_line_like_an_earlier_one_but_not_ending_the_echo_is_kept() -> None:
    context = CursorContext(line_prefix="", line_suffix="", following="", preceding=BEFORE)
    assert streamed(context, "    if n < 2:\n        return 1") == "    if n < 2:\n        return 1"


def test_a_leading_line_break_after_a_blank_line_is_an_answer_not_an_echo() -> None:
    context = CursorContext(
        line_prefix="def f():", line_suffix="", following="", preceding="x = 1\n"
    )
    assert streamed(context, "\n    return 1\n") == "\n    return 1"
