"""The changed ranges since a snapshot, held to their definitions over random edit sequences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from grok_lsp import drift
from grok_lsp.drift import Drift, EditLog, changed_span

_LINES = st.lists(st.sampled_from(["", "a", "bc\n", "\n", "def f():\n", "x" * 300]), max_size=40)
_PIECES = st.sampled_from(["", "a", "b", "\n", "xy\n", "\n\n\n\n"])
# An edit: replace text[start:start + length] (positions as fractions of the text's length).
_EDIT = st.tuples(st.floats(0, 1), st.integers(0, 8), _PIECES)


@given(_LINES.map("".join), _LINES.map("".join), st.sampled_from([1, 2, 256]))
def test_changed_span_is_common_prefix_and_suffix(old: str, new: str, block: int) -> None:
    saved = drift._FIRST_BLOCK, drift._MAX_BLOCK
    drift._FIRST_BLOCK, drift._MAX_BLOCK = block, block * 4
    try:
        start, end_old = changed_span(old, new)
    finally:
        drift._FIRST_BLOCK, drift._MAX_BLOCK = saved
    limit = min(len(old), len(new))
    prefix = next((i for i in range(limit) if old[i] != new[i]), limit)
    suffix = next(
        (i for i in range(limit - prefix) if old[len(old) - 1 - i] != new[len(new) - 1 - i]),
        limit - prefix,
    )
    assert (start, end_old) == (prefix, len(old) - suffix)


def _rebuilt(tracked: Drift) -> str:
    """The snapshot with every hunk's live text put in: must be the live text."""
    parts, at = [], 0
    for hunk in tracked.hunks:
        parts += [
            tracked.snapshot[at : hunk.old_start],
            tracked.live[hunk.live_start : hunk.live_end],
        ]
        at = hunk.old_end
    return "".join([*parts, tracked.snapshot[at:]])


@settings(max_examples=300)
@given(
    _LINES.map("".join),
    st.lists(st.lists(_EDIT, min_size=1, max_size=3), max_size=12),
    st.sampled_from(["log", "compare", "log, small"]),
)
def test_hunks_describe_the_live_text_exactly(
    snapshot: str, requests: list[list[tuple[float, int, str]]], source: str
) -> None:
    """Whether the edits come from the document's log (which may have forgotten some: "small"
    keeps 2) or from comparing texts, the hunks rebuild the live text from the snapshot."""
    log = EditLog(keep=2 if source == "log, small" else 256) if source != "compare" else None
    tracked = Drift(snapshot, log.mark() if log else None)
    live = snapshot
    for edits in requests:  # several edits may land between two updates
        for where, length, inserted in edits:
            start = int(where * len(live))
            end = min(start + length, len(live))
            live = live[:start] + inserted + live[end:]
            if log:
                log.add((start, end, start + len(inserted)))
        tracked.update(live, log.mark() if log else None)
        assert tracked.live == live and _rebuilt(tracked) == live
        for earlier, later in zip(tracked.hunks, tracked.hunks[1:], strict=False):
            gap = live[earlier.live_end : later.live_start]
            assert gap.count("\n") >= drift.MERGE_LINE_BREAKS
            assert gap == snapshot[earlier.old_end : later.old_start]
        for hunk in tracked.hunks:
            assert hunk.size > 0
        assert tracked.size == sum(h.size for h in tracked.hunks)
        if not tracked.hunks:
            assert live == snapshot
        line_of_snapshot = lambda offset: snapshot.count("\n", 0, offset)  # noqa: E731
        for offset in {0, len(live) // 3, len(live) // 2, len(live)}:
            expected = live.count("\n", 0, offset)
            assert tracked.live_line_of(offset, line_of_snapshot) == expected


def test_two_far_edits_are_two_small_hunks() -> None:
    snapshot = "".join(f"line {i}\n" for i in range(1000))
    tracked = Drift(snapshot)
    live = snapshot.replace("line 3\n", "line 3 changed\n")
    tracked.update(live)
    live = live.replace("line 900\n", "line 900 changed\n")
    tracked.update(live)
    assert len(tracked.hunks) == 2
    assert tracked.size == 2 * len(" changed")


def test_the_log_keeps_edits_apart_and_a_whole_text_change_is_compared() -> None:
    snapshot = "".join(f"line {i}\n" for i in range(1000))
    log = EditLog()
    tracked = Drift(snapshot, log.mark())
    top = snapshot.replace("line 3\n", "line 3!\n")
    bottom = top.replace("line 900\n", "line 900!\n")
    log.add((top.index("!"), top.index("!"), top.index("!") + 1))
    log.add(
        (bottom.index("line 900") + 8, bottom.index("line 900") + 8, bottom.index("!\n", 100) + 1)
    )
    tracked.update(bottom, log.mark())  # two edits between two updates: two hunks, not one
    assert [h.size for h in tracked.hunks] == [1, 1]
    log.replace_all()
    whole = bottom.replace("line 500\n", "line 500?\n")
    tracked.update(whole, log.mark())  # the log cannot say: compared instead
    assert _rebuilt(tracked) == whole and len(tracked.hunks) == 3


def test_typing_and_deleting_it_again_leaves_no_hunk() -> None:
    snapshot = "a = 1\nb = 2\n"
    tracked = Drift(snapshot)
    tracked.update("a = 1\nb = 23\n")
    tracked.update(snapshot[:])
    assert tracked.hunks == ()
