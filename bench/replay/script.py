"""What the simulated user does: the edits that turn a session's `before` into its `after`.

`edit_script` diffs lines first, then characters inside each changed block, and returns the
edits top to bottom in the coordinates of the document as it is when each one is made:
deletions as one range edit, insertions as text to type. `keys` splits typed text into
keystrokes: one per character, except that Enter takes the next line's indentation with it and
an indentation run at the start of a line is one key (the editor's auto-indent, or a Tab).
`Pace` draws human delays from a seeded generator.
"""

from __future__ import annotations

import difflib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

# Char-level diffs leave tiny islands of "equal" text between edits ("foo(a, b)" -> "bar(a,
# c)"); a person retypes across islands shorter than this instead of skipping over them.
_MIN_KEPT_RUN = 4
# Below this similarity a changed block is deleted whole and typed afresh.
_MIN_BLOCK_RATIO = 0.5


@dataclass(frozen=True, slots=True)
class Session:
    index: int
    repo: str
    commit: str
    path: str
    before: str
    after: str

    @property
    def name(self) -> str:
        return f"s{self.index:02d} {self.path}@{self.commit[:7]}"


@dataclass(frozen=True, slots=True)
class Edit:
    kind: Literal["delete", "type"]
    offset: int  # in the document as it is when this edit starts
    text: str  # deleted text ("delete") or text to type ("type")


def load_sessions(path: Path) -> list[Session]:
    sessions: list[Session] = []
    with path.open(encoding="utf-8") as lines:
        for index, line in enumerate(lines):
            if line.strip():
                row = json.loads(line)
                sessions.append(
                    Session(
                        index, row["repo"], row["commit"], row["path"], row["before"], row["after"]
                    )
                )
    return sessions


def edit_script(before: str, after: str) -> list[Edit]:
    old_lines = before.splitlines(keepends=True)
    new_lines = after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits: list[Edit] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        start = sum(len(line) for line in new_lines[:j1])  # everything above is already final
        old, new = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        edits.extend(_block_edits(start, old, new))
    return edits


def _block_edits(start: int, old: str, new: str) -> Iterator[Edit]:
    if not old or not new:
        if old:
            yield Edit("delete", start, old)
        if new:
            yield Edit("type", start, new)
        return
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    if matcher.ratio() < _MIN_BLOCK_RATIO:
        yield Edit("delete", start, old)
        yield Edit("type", start, new)
        return
    for i1, i2, j1, j2 in _merged_changes(matcher.get_opcodes()):
        at = start + j1  # text before j1 in the new block is final
        if i2 > i1:
            yield Edit("delete", at, old[i1:i2])
        if j2 > j1:
            yield Edit("type", at, new[j1:j2])


def _merged_changes(
    opcodes: Sequence[tuple[str, int, int, int, int]],
) -> list[tuple[int, int, int, int]]:
    """Changed spans (i1, i2, j1, j2), with short equal runs between two changes absorbed."""
    changes: list[tuple[int, int, int, int]] = []
    pending_equal: tuple[int, int, int, int] | None = None
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            pending_equal = (i1, i2, j1, j2)
            continue
        short = pending_equal is not None and pending_equal[1] - pending_equal[0] < _MIN_KEPT_RUN
        if changes and short:
            a1, _, b1, _ = changes.pop()
            changes.append((a1, i2, b1, j2))
        else:
            changes.append((i1, i2, j1, j2))
        pending_equal = None
    return changes


def apply_script(before: str, edits: list[Edit]) -> str:
    """The document after every edit, for checking a script."""
    text = before
    for edit in edits:
        if edit.kind == "delete":
            assert text[edit.offset : edit.offset + len(edit.text)] == edit.text
            text = text[: edit.offset] + text[edit.offset + len(edit.text) :]
        else:
            text = text[: edit.offset] + edit.text + text[edit.offset :]
    return text


def next_key(remaining: str, at_line_start: bool) -> str:
    """The next keystroke's text when `remaining` is still to be typed."""
    if remaining.startswith("\n"):
        return "\n" + _indent_run(remaining[1:])
    if at_line_start and remaining[0] in " \t":
        return _indent_run(remaining) or remaining[0]
    return remaining[0]


def _indent_run(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))] if text.strip(" \t") else ""


def keys(text: str, at_line_start: bool) -> list[str]:
    found: list[str] = []
    while text:
        key = next_key(text, at_line_start)
        found.append(key)
        at_line_start = key.endswith("\n") or key.startswith("\n")
        text = text[len(key) :]
    return found


class Pace:
    """Human delays, in seconds of real time, from a seeded generator."""

    def __init__(
        self,
        seed: str,
        key_ms: tuple[float, float] = (80, 250),
        pause_ms: tuple[float, float] = (500, 2000),
        pause_chance: float = 0.3,
        move_ms: tuple[float, float] = (500, 1500),
    ) -> None:
        self._random = random.Random(seed)
        self._key_ms = key_ms
        self._pause_ms = pause_ms
        self._pause_chance = pause_chance
        self._move_ms = move_ms

    def after_key(self, key: str) -> float:
        """The delay after typing `key`: a keystroke, sometimes a pause when a line ends."""
        if "\n" in key and self._random.random() < self._pause_chance:
            return self._random.uniform(*self._pause_ms) / 1000
        return self._random.uniform(*self._key_ms) / 1000

    def move(self) -> float:
        """Moving the cursor to the next place to edit."""
        return self._random.uniform(*self._move_ms) / 1000
