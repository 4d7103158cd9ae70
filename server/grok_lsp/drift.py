"""How a file's live text differs from its snapshot: separate changed ranges, kept up to date.

A session that touches an import at the top and then a function 800 lines below has changed
two small ranges, not the 800 lines between them. `Drift` keeps such edits apart, so that the
prompt repeats only the changed lines, and measures the drift as the sum of their sizes.

An update is given the edits since the previous one by the document's `EditLog` (what each
`didChange` replaced), so it costs work in proportion to the changed text and the number of
ranges, whatever the file's size. Without them (a whole-text change, or more edits than the
log keeps) it compares the previous and the new text once, at C speed: the edits between the
two are then one range, from the first change to the last.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

MERGE_LINE_BREAKS = 3
"""Ranges with fewer line breaks than this between them are kept (and shown) as one."""

Edit = tuple[int, int, int]
"""`(start, end_before, end_after)`: `text[start:end_before]` became `text[start:end_after]`."""


class EditLog:
    """A document's latest edits, numbered in order; older ones are forgotten past `keep`."""

    def __init__(self, keep: int = 256) -> None:
        self.count = 0
        self._recent: deque[Edit] = deque(maxlen=keep)
        self._known_from = 0  # edits before this one are unknown (a whole-text change)

    def add(self, edit: Edit) -> None:
        self._recent.append(edit)
        self.count += 1

    def replace_all(self) -> None:
        """The whole text was replaced: no edit list leads from an earlier text to this one."""
        self._recent.clear()
        self.count += 1
        self._known_from = self.count

    def mark(self) -> EditMark:
        """Where the text is now, to find the edits made after it."""
        return EditMark(self, self.count)

    def between(self, first: int, end: int) -> list[Edit] | None:
        """Edits `first` to `end` (excluded), or None when they are not all known."""
        oldest = self.count - len(self._recent)
        if first < max(oldest, self._known_from) or not first <= end <= self.count:
            return None
        return list(self._recent)[first - oldest : end - oldest]


@dataclass(frozen=True, slots=True)
class EditMark:
    """A text's place in its document's edit log: the first `count` edits made it."""

    log: EditLog
    count: int


@dataclass(frozen=True, slots=True)
class Hunk:
    """`snapshot[old_start:old_end]` now reads `live[live_start:live_end]`."""

    old_start: int
    old_end: int
    live_start: int
    live_end: int

    @property
    def size(self) -> int:
        return (self.old_end - self.old_start) + (self.live_end - self.live_start)

    @property
    def shift(self) -> int:
        """How far text after this hunk moved: live offset minus snapshot offset."""
        return self.live_end - self.old_end


class Drift:
    """The changed ranges between `snapshot` and the last text given to `update`, in order;
    outside them (before, between and after) the two texts are equal."""

    def __init__(self, snapshot: str, mark: EditMark | None = None) -> None:
        self.snapshot = snapshot
        self.live = snapshot
        self.hunks: tuple[Hunk, ...] = ()
        self._mark = mark

    @property
    def size(self) -> int:
        """Characters changed: the replaced and the replacing text of every range."""
        return sum(hunk.size for hunk in self.hunks)

    def update(self, live: str, mark: EditMark | None = None) -> None:
        """Catch up with `live`, from the edit log when `mark` places it in the same log as
        the previous text; else by comparing the two."""
        edits = None
        seen, self._mark = self._mark, mark
        if mark is not None and seen is not None and mark.log is seen.log:
            edits = mark.log.between(seen.count, mark.count)
        grown = sum(after - before for _, before, after in edits or ())
        if edits is not None and len(self.live) + grown != len(live):
            edits = None  # not the edits that made this text: compare instead
        if edits is None:
            if live is self.live or live == self.live:
                return
            start, end_before = changed_span(self.live, live)
            edits = [(start, end_before, end_before + len(live) - len(self.live))]
        hunks = self.hunks
        for edit in edits:
            hunks = _with_edit(hunks, edit)
        trimmed = [part for hunk in hunks for part in _trimmed(self.snapshot, live, hunk)]
        self.hunks = _joined(live, trimmed)
        self.live = live

    def live_line_of(self, offset: int, snapshot_line_of: Callable[[int], int]) -> int:
        r"""`live.count("\n", 0, offset)`, given the same count for the snapshot's offsets:
        only the changed text is counted here."""
        at = bisect_right([h.live_start for h in self.hunks], offset) - 1
        if at < 0:
            return snapshot_line_of(offset)
        hunk = self.hunks[at]
        if offset <= hunk.live_end:
            base = snapshot_line_of(hunk.old_start) + self._line_change(self.hunks[:at])
            return base + self.live.count("\n", hunk.live_start, offset)
        old_offset = offset - hunk.shift
        return snapshot_line_of(old_offset) + self._line_change(self.hunks[: at + 1])

    def _line_change(self, hunks: tuple[Hunk, ...]) -> int:
        """Line breaks gained (or lost, if negative) by these hunks."""
        return sum(
            self.live.count("\n", h.live_start, h.live_end)
            - self.snapshot.count("\n", h.old_start, h.old_end)
            for h in hunks
        )


def _with_edit(hunks: tuple[Hunk, ...], edit: Edit) -> tuple[Hunk, ...]:
    """`hunks` after `edit`: the hunks it overlaps or touches merge with it; later ones move."""
    start, end_before, end_after = edit
    delta = end_after - end_before
    first = next((i for i, h in enumerate(hunks) if h.live_end >= start), len(hunks))
    last = first
    while last < len(hunks) and hunks[last].live_start <= end_before:
        last += 1
    touched = hunks[first:last]
    shift_before = hunks[first - 1].shift if first else 0
    if touched and touched[0].live_start <= start:
        old_start, live_start = touched[0].old_start, touched[0].live_start
    else:
        old_start, live_start = start - shift_before, start
    if touched and touched[-1].live_end >= end_before:
        old_end, live_end = touched[-1].old_end, touched[-1].live_end + delta
    else:
        shift_after = touched[-1].shift if touched else shift_before
        old_end, live_end = end_before - shift_after, end_after
    moved = tuple(
        replace(h, live_start=h.live_start + delta, live_end=h.live_end + delta)
        for h in hunks[last:]
    )
    return (*hunks[:first], Hunk(old_start, old_end, live_start, live_end), *moved)


def _trimmed(old: str, live: str, hunk: Hunk) -> list[Hunk]:
    """`hunk` without what its two sides share at either end; none if they read the same
    (the user typed and deleted it again)."""
    limit = min(hunk.old_end - hunk.old_start, hunk.live_end - hunk.live_start)
    head = _common_prefix(
        old[hunk.old_start : hunk.old_end], live[hunk.live_start : hunk.live_end], limit
    )
    old_rest = old[hunk.old_start + head : hunk.old_end]
    live_rest = live[hunk.live_start + head : hunk.live_end]
    tail = _common_suffix(old_rest, live_rest, min(len(old_rest), len(live_rest)))
    trimmed = Hunk(
        hunk.old_start + head, hunk.old_end - tail, hunk.live_start + head, hunk.live_end - tail
    )
    return [trimmed] if trimmed.size else []


def _joined(live: str, hunks: list[Hunk]) -> tuple[Hunk, ...]:
    """Neighbours with fewer than `MERGE_LINE_BREAKS` line breaks between them, merged."""
    joined: list[Hunk] = []
    for hunk in hunks:
        if joined and not _has_line_breaks(live, joined[-1].live_end, hunk.live_start):
            joined[-1] = Hunk(
                joined[-1].old_start, hunk.old_end, joined[-1].live_start, hunk.live_end
            )
        else:
            joined.append(hunk)
    return tuple(joined)


def _has_line_breaks(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` holds `MERGE_LINE_BREAKS` line breaks (looks no further)."""
    at = start
    for _ in range(MERGE_LINE_BREAKS):
        found = text.find("\n", at, end)
        if found < 0:
            return False
        at = found + 1
    return True


def changed_span(old: str, new: str) -> tuple[int, int]:
    """(start, end_in_old) of the region that differs, by common prefix and suffix."""
    limit = min(len(old), len(new))
    start = _common_prefix(old, new, limit)
    tail_limit = limit - start
    suffix = _common_suffix(old, new, tail_limit) if tail_limit else 0
    return start, len(old) - suffix


# Texts are compared in slices (C speed) of growing size, then the first differing slice is
# halved down to the character: a few dozen comparisons, whatever the file's size.
_FIRST_BLOCK = 256
_MAX_BLOCK = 1 << 16


def _common_prefix(a: str, b: str, limit: int) -> int:
    """Length of the common prefix of `a` and `b`, at most `limit`."""
    equal, step = 0, _FIRST_BLOCK
    while equal < limit:
        end = min(equal + step, limit)
        if a[equal:end] != b[equal:end]:
            break
        equal, step = end, min(step * 2, _MAX_BLOCK)
    else:
        return limit
    while end - equal > 1:  # a[:equal] == b[:equal]; they differ before `end`
        middle = (equal + end) // 2
        if a[equal:middle] == b[equal:middle]:
            equal = middle
        else:
            end = middle
    return equal


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of `a` and `b`, at most `limit`."""
    size_a, size_b = len(a), len(b)
    equal, step = 0, _FIRST_BLOCK
    while equal < limit:
        end = min(equal + step, limit)
        if a[size_a - end : size_a - equal] != b[size_b - end : size_b - equal]:
            break
        equal, step = end, min(step * 2, _MAX_BLOCK)
    else:
        return limit
    while end - equal > 1:  # the last `equal` characters agree; they differ within `end`
        middle = (equal + end) // 2
        if a[size_a - middle : size_a - equal] == b[size_b - middle : size_b - equal]:
            equal = middle
        else:
            end = middle
    return equal
