"""The next-edit replay's hunks: a session's edits grouped as the server's history groups them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.replay.nextedit import hunks
from bench.replay.script import edit_script

_TEXT = st.lists(st.sampled_from(["def foo(x):\n", "    return x\n", "foo(1)\n", "\n", "y = 2\n"]))


@given(_TEXT.map("".join), _TEXT.map("".join))
def test_the_hunks_applied_in_order_turn_before_into_after(before: str, after: str) -> None:
    text = before
    for hunk in hunks(before, edit_script(before, after)):
        assert text[hunk.start : hunk.start + len(hunk.removed)] == hunk.removed
        text = text[: hunk.start] + hunk.inserted + text[hunk.start + len(hunk.removed) :]
    assert text == after


def test_a_rename_in_two_places_is_two_hunks() -> None:
    before = "def foo(x):\n    return x\n\n\nprint(foo(1))\n"
    steps = hunks(before, edit_script(before, before.replace("foo", "bar")))
    assert [(hunk.removed, hunk.inserted) for hunk in steps] == [("foo", "bar"), ("foo", "bar")]
