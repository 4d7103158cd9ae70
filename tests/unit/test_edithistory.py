"""Recent edits with their text: coalesced as a person makes them, kept where the text moved."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grok_lsp.edithistory import EditHistory, RecentEdit, render

_TEXT = st.text("ab \n", max_size=30)
_PIECE = st.text("xy\n", max_size=4)


def _apply(history: EditHistory, text: str, start: int, end: int, inserted: str) -> str:
    history.record(start, text[start:end], inserted)
    return text[:start] + inserted + text[end:]


@given(_TEXT, st.lists(st.tuples(st.floats(0, 1), st.integers(0, 5), _PIECE), max_size=25))
def test_every_kept_edit_reads_its_inserted_text_where_it_says(
    text: str, edits: list[tuple[float, int, str]]
) -> None:
    history = EditHistory(keep=4)
    for where, length, piece in edits:
        start = int(where * len(text))
        text = _apply(history, text, start, min(start + length, len(text)), piece)
        for edit in history.edits:
            assert text[edit.start : edit.end] == edit.inserted
        assert len(history.edits) <= 4


@given(
    _TEXT,
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), _PIECE), max_size=20
    ),
)
def test_edits_on_and_beside_the_last_one_are_one_edit_that_undoes_to_the_original(
    original: str, steps: list[tuple[int, int, int, str]]
) -> None:
    """Typing, backspacing and overtyping at one place: undoing the one edit kept gives back the
    original text (or nothing is kept, and the text is the original)."""
    history = EditHistory()
    text = _apply(history, original, len(original) // 2, len(original) // 2, "x")
    for left, inside, right, piece in steps:
        if not history.edits:
            break
        last = history.edits[-1]
        start = max(last.start - left, 0) if left else min(last.start + inside, last.end)
        end = min(max(start, last.start) + inside + right, len(text))
        text = _apply(history, text, start, max(end, start), piece)
    [*kept] = history.edits
    if kept:
        [edit] = kept
        assert text[: edit.start] + edit.removed + text[edit.end :] == original
    else:
        assert text == original


def test_deleting_a_word_and_typing_another_is_one_rename() -> None:
    history = EditHistory()
    text = _apply(history, "def foo(x):\n", 4, 7, "")
    for at, char in enumerate("bar", start=4):
        text = _apply(history, text, at, at, char)
    assert history.edits == (RecentEdit(4, "foo", "bar"),)
    assert render(history, text) == "--- line 1\n-def foo(x):\n+def bar(x):\n"


def test_an_earlier_edit_moves_with_the_text_before_it_and_shows_its_own_line() -> None:
    history = EditHistory()
    text = _apply(history, "a = 1\nb = 2\n", 6, 7, "c")  # b -> c on line 2
    text = _apply(history, text, 0, 0, "# note\n")  # a new line 1
    assert [(edit.start, edit.inserted) for edit in history.edits] == [(13, "c"), (0, "# note\n")]
    assert render(history, text).startswith("--- line 3\n-b = 2\n+c = 2\n--- line 1\n")


def test_typing_and_deleting_it_again_leaves_no_edit_and_a_whole_change_clears() -> None:
    history = EditHistory()
    text = _apply(history, "x = 1\n", 5, 5, "2")
    _apply(history, text, 5, 6, "")
    assert history.edits == ()
    history.record(0, "", "y")
    history.clear()
    assert history.edits == ()


def test_an_edit_touching_a_private_key_is_not_shown() -> None:
    history = EditHistory()
    text = _apply(history, "-----BEGIN PRIVATE KEY-----\nabc\n", 28, 31, "abd")
    assert render(history, text) == ""
