"""From the model's rewrite of the editable region to the one edit offered."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.codeactions.plan import Edit
from grok_lsp.nextedit import in_word, line_by_line, narrow, offered, target, task

SOURCE = "def foo(x):\n    return x\n\n\nprint(foo(1))\ny = foo(2)\n"
_LINES = st.lists(
    st.sampled_from(["", "a", "ab", "x = 1", "foo(a)", "  b"]), min_size=1, max_size=8
)


def applied(source: str, edit: Edit) -> str:
    return source[: edit.start] + edit.new_text + source[edit.end :]


def test_the_nearest_change_after_the_cursor_is_offered_narrowed_to_its_word() -> None:
    rewrite = SOURCE.replace("foo", "bar")
    edit = offered(SOURCE, target(SOURCE, 7), rewrite)  # the cursor after `def foo`
    assert edit == Edit(SOURCE.index("foo(1)"), SOURCE.index("foo(1)") + 3, "bar")


def test_nothing_at_the_cursor_and_the_nearest_before_it_when_none_follows() -> None:
    cursor = SOURCE.index("foo(2)") + 3
    edit = offered(SOURCE, target(SOURCE, cursor), SOURCE.replace("foo", "bar"))
    assert edit is not None and edit.start == SOURCE.index("foo(1)")  # `foo(2)` holds the cursor
    assert offered(SOURCE, target(SOURCE, 3), SOURCE.replace("<|cursor|>", "")) is None
    only_here = SOURCE.replace("foo(2)", "bar(2)")
    assert offered(SOURCE, target(SOURCE, cursor), only_here) is None


@given(_LINES, _LINES, st.integers(0, 60))
def test_the_edit_offered_never_touches_the_cursor_and_moves_toward_the_rewrite(
    old: list[str], new: list[str], cursor_at: int
) -> None:
    source = "\n".join(old) + "\n"
    cursor = min(cursor_at, len(source))
    at = target(source, cursor)
    rewrite = "\n".join(new) + "\n"
    edit = offered(source, at, rewrite)
    if edit is None:
        return
    assert not edit.start <= cursor <= edit.end
    assert applied(source, edit) != source


@given(st.text("ab\n", max_size=6), st.text("ab\n", max_size=6), st.text("ab", max_size=3))
def test_narrowing_and_splitting_an_edit_change_nothing_it_does(
    old: str, new: str, around: str
) -> None:
    source = around + old + around
    edit = Edit(len(around), len(around) + len(old), new)
    assert applied(source, narrow(source, edit)) == applied(source, edit)
    pieces = line_by_line(source, edit)
    result = source
    for piece in reversed(pieces):
        result = applied(result, piece)
    assert result == applied(source, edit)


def test_in_a_word_is_between_two_word_characters() -> None:
    assert in_word("foo_bar", 3) and not in_word("foo bar", 3) and not in_word("foo", 3)
    assert not in_word("foo(", 3) and not in_word("", 0)


def test_the_task_marks_the_cursor_in_the_region_and_numbers_its_lines() -> None:
    text = task("demo.py", "python", SOURCE, target(SOURCE, 7), "--- line 1\n", False)
    assert '<editable_region path="demo.py" language="python" start_line="1" end_line="7">' in text
    assert "def foo<|cursor|>(x):" in text
    assert "<recent_edits>\n--- line 1\n</recent_edits>" in text
