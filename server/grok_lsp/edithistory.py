"""A document's latest edits with their text, in the order made: what next-edit prediction reads.

`drift.EditLog` keeps where each splice was, for the prompt's snapshot; this keeps what each
replaced and inserted, coalesced the way a person thinks of an edit: typing a word character
by character, or deleting a selection and typing over it, is one edit (`foo` became `bar`),
not four. Positions are kept up to date as later edits move the text, so each edit can be shown
as the lines it changed, as they read before and as they read now.
"""

from __future__ import annotations

from dataclasses import dataclass

from grok_lsp.redaction import KEY_MARK, excerpt

KEEP = 8  # edits remembered per document
_SHOWN_LINES = 12  # lines of each side of one edit shown at most


@dataclass(slots=True)
class RecentEdit:
    """`removed` (of the text before) now reads `inserted`, at `start` of the live text."""

    start: int
    removed: str
    inserted: str

    @property
    def end(self) -> int:
        return self.start + len(self.inserted)


class EditHistory:
    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._edits: list[RecentEdit] = []

    @property
    def edits(self) -> tuple[RecentEdit, ...]:
        """Oldest first."""
        return tuple(self._edits)

    def clear(self) -> None:
        """The whole text was replaced: no earlier edit's position means anything now."""
        self._edits.clear()

    def record(self, start: int, removed: str, inserted: str) -> None:
        """The live text's `[start, start + len(removed))`, which read `removed`, now reads
        `inserted`."""
        if not removed and not inserted:
            return
        end_before = start + len(removed)
        last = self._edits.pop() if self._edits else None
        if last is not None and start <= last.end and end_before >= last.start:
            merged = _merged(last, start, removed, inserted)
        else:
            if last is not None:
                self._edits.append(last)
            merged = RecentEdit(start, removed, inserted)
        delta = len(inserted) - len(removed)
        kept: list[RecentEdit] = []
        for edit in self._edits:
            if edit.start >= end_before:
                edit.start += delta
            elif edit.end > start:  # overwritten in part: its text is no longer where it was
                continue
            kept.append(edit)
        if merged.removed != merged.inserted:  # typed and deleted again: no edit
            kept.append(merged)
        self._edits = kept[-self._keep :]


def _merged(last: RecentEdit, start: int, removed: str, inserted: str) -> RecentEdit:
    """`last` and a new edit that overlaps or touches its live text, as one edit."""
    end_before = start + len(removed)
    before = removed[: max(last.start - start, 0)]  # original text left of `last`, removed now
    after = removed[len(removed) - max(end_before - last.end, 0) :]  # and right of it
    text = last.inserted[: max(start - last.start, 0)] + inserted
    text += last.inserted[max(end_before - last.start, 0) :]
    return RecentEdit(min(start, last.start), before + last.removed + after, text)


def render(history: EditHistory, live: str) -> str:
    """The edits as unified-diff-like hunks, oldest first: whole lines before (`-`) and now
    (`+`), each headed by its line in the live text. Edits touching a private key block (in the
    live text, or in what they removed) are left out."""
    hunks: list[str] = []
    keys = KEY_MARK in live
    for edit in history.edits:
        line_from = live.rfind("\n", 0, edit.start) + 1
        line_to = live.find("\n", edit.end)
        line_to = len(live) if line_to < 0 else line_to
        now = live[line_from:line_to]
        was = live[line_from : edit.start] + edit.removed + live[edit.end : line_to]
        if KEY_MARK in was or (
            keys and excerpt(live, line_from, line_to, mentions_keys=True) != now
        ):
            continue
        line = live.count("\n", 0, line_from) + 1
        hunks.append(f"--- line {line}\n{_side('-', was)}{_side('+', now)}")
    return "".join(hunks)


def _side(sign: str, text: str) -> str:
    lines = text.split("\n")
    shown = lines[:_SHOWN_LINES]
    if len(lines) > _SHOWN_LINES:
        shown.append(f"… {len(lines) - _SHOWN_LINES} more lines")
    return "".join(f"{sign}{line}\n" for line in shown)
