"""Chat prompts whose leading bytes stay identical from keystroke to keystroke.

Layers, most stable first (see "The cacheable prompt" in DESIGN.md):
1. the system message — constant bytes, shared by completions and code actions;
2. project context — other open files, in URI order, frozen when the snapshot is taken;
3. a snapshot of the current file — re-taken only when the ranges changed since it add up to
   more than a threshold (`drift.py`: two edits far apart count as their own sizes, not the
   distance between them) or the cursor leaves the snapshot's window (large files get a
   window aligned to fixed line boundaries, so it does not slide with the cursor);
4. the volatile tail — each range changed since the snapshot (as whole lines), the cursor
   region with a marker, and the task.
Every piece of every layer is scrubbed (`redaction`: credentials out) before it is cut to its
budget or the cursor marker is put in, so no cut and no marker splits a secret.
The `window` layout (a cursor-centred window) is kept only to measure against.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from grok_lsp.completions.postprocess import COMPLETION_TASK, CURSOR_MARKER
from grok_lsp.drift import Drift, EditMark
from grok_lsp.redaction import KEY_MARK, encodable, scrub, scrub_around, scrub_slice

if TYPE_CHECKING:  # the settings (pydantic) load after `initialize` is answered: see server.py
    from grok_lsp.settings import PromptSettings

CHARS_PER_TOKEN = 3  # a conservative estimate for code
WINDOW_ALIGN_LINES = 256
_MARK_LINES = 512  # a snapshot remembers where every this-many-th line starts
# At least this many lines before the cursor, and more (up to the maximum) until what the region
# shows before the marker occurs once in the file: then a model can tell where the cursor is from
# the region alone. Three unique lines say that as well as six did, in a shorter uncached tail.
REGION_LINES_BEFORE = 3
REGION_LINES_BEFORE_MAX = 24
REGION_LINES_AFTER = 3
# Shares of the budget, in percent, for the volatile tail's two parts (the snapshot has 60,
# the project context 15).
REGION_SHARE = 10
EDITS_SHARE = 12
EDIT_REACH = 512  # an edit is widened to whole lines, but by at most this many characters

SYSTEM = (
    "You are grok-lsp, a coding assistant embedded in a code editor.\n"
    "The user message layers are: <project_context> (other open files), <file_snapshot> (the "
    "current file as it was a moment ago), <edits_since_snapshot> (what changed since: each "
    "block gives the changed lines' numbers in the snapshot and in the file now), and a task. "
    "Trust the edits over the snapshot.\n"
    "Tasks:\n"
    "- Completion: the <cursor_region> is an excerpt of the file as it is now (the snapshot "
    "with the edits applied), not of the snapshot; its start_line and cursor_line count lines "
    f"of the file now. The cursor is where {CURSOR_MARKER} stands, on line cursor_line; the "
    "lines before it in the region occur only there in the file. Reply with only the "
    "text to insert at the cursor: no explanation, no markdown fences, nothing repeated from "
    "before or after the cursor. Match the surrounding indentation and style. Prefer a short, "
    "likely completion: finish the current line, or write the block the line opens.\n"
    "- Edit: an <edit_target> holds whole lines of the file (start_line to end_line) and comes "
    "with a <diagnostic> to fix or an <instruction>. Reply "
    'with only a JSON object {"replacement": "<the new text of exactly those lines>", '
    '"summary": "<one line>"}.\n'
    "- Explain: an <explain_target> holds a <diagnostic>. Reply in short Markdown: what it "
    "means, why it happens here, how to fix it.\n"
)

Message = dict[str, str]


@dataclass(frozen=True, slots=True)
class FileView:
    uri: str
    path: str  # as shown to the model: relative to the workspace when possible
    language_id: str
    text: str
    edits: EditMark | None = None  # where `text` is in its document's log of splices


@dataclass(frozen=True, slots=True)
class _Snapshot:
    text: str  # the whole file when taken
    first_line: int  # the shown window, [first_line, end_line)
    end_line: int
    shown: str  # layers 2 and 3 as sent
    marks: tuple[int, ...] = (0,)  # marks[k]: where line k * _MARK_LINES of `text` starts
    mentions_keys: bool = False  # `redaction.KEY_MARK in text`

    def line_of(self, offset: int) -> int:
        r"""`text.count("\n", 0, offset)`, counting from the nearest mark before `offset`."""
        mark = bisect_right(self.marks, offset) - 1
        return mark * _MARK_LINES + self.text.count("\n", self.marks[mark], offset)


class PromptBuilder:
    def __init__(self, settings: PromptSettings) -> None:
        self._settings = settings
        self._snapshots: dict[str, tuple[_Snapshot, Drift]] = {}

    @property
    def budget_chars(self) -> int:
        return self._settings.budget_tokens * CHARS_PER_TOKEN

    def forget(self, uri: str) -> None:
        self._snapshots.pop(uri, None)

    def completion(
        self, file: FileView, offset: int, others: Sequence[FileView], layout: str = "layered"
    ) -> list[Message]:
        if layout == "window":
            return self._window(file, offset)

        region_chars = self.budget_chars * REGION_SHARE // 100

        def task(cursor_line: int, mentions_keys: bool) -> str:
            region = _cursor_region(file, offset, cursor_line, mentions_keys, region_chars)
            return f"{COMPLETION_TASK}\n{region}"

        return self._layered(file, offset, others, task)

    def with_stable_layers(
        self, file: FileView, offset: int, others: Sequence[FileView], task: str
    ) -> list[Message]:
        """Layers 1-3 for `file`, then `task` after what changed since the snapshot."""
        scrubbed = scrub(task)
        return self._layered(file, offset, others, lambda _line, _keys: scrubbed)

    def _layered(
        self,
        file: FileView,
        offset: int,
        others: Sequence[FileView],
        task: Callable[[int, bool], str],
    ) -> list[Message]:
        """`task(cursor_line, mentions_keys)`: the last part of the tail, scrubbed."""
        snapshot, drift, cursor_line = self._current_snapshot(file, offset, others)
        mentions_keys = _mentions_keys(snapshot, drift)
        edits_chars = self.budget_chars * EDITS_SHARE // 100
        tail = _edits_since(snapshot, drift, mentions_keys, edits_chars) + task(
            cursor_line, mentions_keys
        )
        # One user message: strict chat templates (Gemma 3's, ...) refuse two user turns in a
        # row. The snapshot still leads it, so the leading bytes are as stable as before.
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": snapshot.shown + tail},
        ]

    def _current_snapshot(
        self, file: FileView, offset: int, others: Sequence[FileView]
    ) -> tuple[_Snapshot, Drift, int]:
        """The snapshot to send, how the live text differs from it, and the cursor's line.

        Per keystroke this costs the document's edits since the last prompt (one comparison of
        the two texts, at C speed, when the document cannot supply them) and line counts over
        the changed text only; a new snapshot (rare) costs a pass over the whole file.
        """
        current = self._snapshots.get(file.uri)
        if current is not None:
            snapshot, drift = current
            drift.update(file.text, file.edits)
            cursor_line = drift.live_line_of(offset, snapshot.line_of)
            in_window = snapshot.first_line <= cursor_line < snapshot.end_line
            if in_window and drift.size <= self._settings.snapshot_drift_chars:
                return snapshot, drift, cursor_line
        else:
            cursor_line = file.text.count("\n", 0, offset)
        snapshot = self._take_snapshot(file, cursor_line, others)
        drift = Drift(file.text, file.edits)
        self._snapshots[file.uri] = snapshot, drift
        return snapshot, drift, cursor_line

    def _take_snapshot(
        self, file: FileView, cursor_line: int, others: Sequence[FileView]
    ) -> _Snapshot:
        lines = file.text.split("\n")
        snapshot_chars = self.budget_chars * 6 // 10
        first, end = 0, len(lines)
        if len(file.text) > snapshot_chars:
            average = max(len(file.text) // max(len(lines), 1), 1)
            span = max(snapshot_chars // average, WINDOW_ALIGN_LINES)
            first = max((cursor_line - span // 2) // WINDOW_ALIGN_LINES * WINDOW_ALIGN_LINES, 0)
            end = min(first + span + WINDOW_ALIGN_LINES, len(lines))
        begin = len("\n".join(lines[:first])) + (1 if first else 0)
        mentions_keys = KEY_MARK in file.text
        window_end = begin + min(len("\n".join(lines[first:end])), max(snapshot_chars, 0))
        body = scrub_slice(file.text, begin, window_end, mentions_keys=mentions_keys)
        context = _project_context(file, others, self.budget_chars * 15 // 100)
        shown = (
            f"{context}<file_snapshot {_attributes(file)} "
            f'first_line="{first + 1}">\n{body}\n</file_snapshot>\n'
        )
        return _Snapshot(file.text, first, end, shown, _marks(lines), mentions_keys)

    def _window(self, file: FileView, offset: int) -> list[Message]:
        """The usual layout: N lines before the cursor and M after, in one message."""
        budget = self.budget_chars * 85 // 100
        before = file.text[:offset].split("\n")
        kept_before: list[str] = []
        size = 0
        for line in reversed(before):
            size += len(line) + 1
            if size > budget * 3 // 4:
                break
            kept_before.insert(0, line)
        first_line = len(before) - len(kept_before)
        start = offset - len("\n".join(kept_before))
        end = min(offset + max(budget - size, 0), len(file.text))
        region = (
            f'<cursor_region {_attributes(file)} start_line="{first_line + 1}">\n'
            f"{_marked(file.text, start, offset, end, None)}\n</cursor_region>\n"
        )
        return [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{COMPLETION_TASK}\n{region}"},
        ]


def _cursor_region(
    file: FileView, offset: int, cursor_line: int, mentions_keys: bool, chars: int
) -> str:
    """The lines around the cursor with the marker, at most `chars` of them (three quarters
    before the cursor: a minified file's one line is cut around it); `cursor_line` (the number
    of line breaks before `offset`) saves counting them from the top of the file,
    `mentions_keys` searching the whole file for a private key."""
    floor = max(offset - chars * 3 // 4, 0)
    line_start = max(file.text.rfind("\n", floor, offset) + 1, floor)
    start = line_start
    for count in range(REGION_LINES_BEFORE_MAX):
        if start <= floor or (count >= REGION_LINES_BEFORE and _once_in(file.text, start, offset)):
            break
        start = max(file.text.rfind("\n", floor, start - 1) + 1, floor)
    ceiling = min(offset + chars - (offset - start), len(file.text))
    end = offset
    for _ in range(REGION_LINES_AFTER + 1):
        found = file.text.find("\n", end, ceiling)
        if found < 0:
            end = ceiling
            break
        end = found + 1
    first_line = cursor_line - file.text.count("\n", start, offset)
    text = _marked(file.text, start, offset, end, mentions_keys).rstrip("\n")
    return (
        f'<cursor_region {_attributes(file)} start_line="{first_line + 1}" '
        f'cursor_line="{cursor_line + 1}">\n{text}\n</cursor_region>\n'
    )


def _marked(text: str, start: int, offset: int, end: int, mentions_keys: bool | None) -> str:
    """`text[start:end]` scrubbed, then the cursor marker put at `offset`: right after the
    placeholder of a secret the cursor is inside of (the marker is never swallowed)."""
    before, after = scrub_around(text, start, offset, end, mentions_keys=mentions_keys)
    return before + CURSOR_MARKER + after


def _attributes(file: FileView) -> str:
    return f'path="{encodable(file.path)}" language="{encodable(file.language_id)}"'


def _once_in(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` occurs in `text` only at `start` (two C-speed searches)."""
    found = text.find(text[start:end])
    return found == start and text.find(text[start:end], start + 1) < 0


def _marks(lines: list[str]) -> tuple[int, ...]:
    r"""Where every `_MARK_LINES`-th line starts, for the text `"\n".join(lines)`."""
    marks = [0]
    for end in range(_MARK_LINES, len(lines), _MARK_LINES):
        block = lines[end - _MARK_LINES : end]
        marks.append(marks[-1] + sum(map(len, block)) + _MARK_LINES)
    return tuple(marks)


def _mentions_keys(snapshot: _Snapshot, drift: Drift) -> bool:
    """Whether the live text holds `KEY_MARK`. Outside the changed ranges it reads as the
    snapshot did, so when the snapshot holds none, a mark in the live text overlaps a range:
    only the ranges, widened by a mark's length, are searched (not the whole file)."""
    if snapshot.mentions_keys:
        return True
    reach = len(KEY_MARK)
    live = drift.live
    return any(
        KEY_MARK in live[max(hunk.live_start - reach, 0) : hunk.live_end + reach]
        for hunk in drift.hunks
    )


def _edits_since(snapshot: _Snapshot, drift: Drift, mentions_keys: bool, chars: int) -> str:
    """One block per changed range, each widened to whole lines so the model reads lines, not
    fragments (but by at most `EDIT_REACH` characters either side: one line of a minified
    file is not repeated whole); the unchanged lines between two ranges are not repeated.
    Ranges past `chars` in all are left out, and said to be."""
    if not drift.hunks:
        return ""
    live = drift.live
    blocks: list[str] = []
    used = 0
    for shown, hunk in enumerate(drift.hunks):
        if used >= chars:
            blocks.append(f"({len(drift.hunks) - shown} more changed ranges, over the budget)\n")
            break
        # Outside a hunk the texts agree, so the widening is the same on both sides.
        floor = max(hunk.live_start - EDIT_REACH, 0)
        live_from = max(live.rfind("\n", floor, hunk.live_start) + 1, floor)
        live_to = _line_end(live, hunk.live_end, min(hunk.live_end + EDIT_REACH, len(live)))
        first = snapshot.line_of(hunk.old_start - (hunk.live_start - live_from)) + 1
        last = snapshot.line_of(hunk.old_end + (live_to - hunk.live_end)) + 1
        live_from = max(live_from, live_to - (chars - used))  # the latest text is kept
        body = scrub_slice(live, live_from, live_to, mentions_keys=mentions_keys)
        used += len(body)
        now = drift.live_line_of(live_from, snapshot.line_of) + 1
        now_last = now + live.count("\n", live_from, live_to)
        header = f"Snapshot lines {first}-{last}, now lines {now}-{now_last} of the file:"
        blocks.append(f"{header}\n{body}\n")
    return "<edits_since_snapshot>\n" + "".join(blocks) + "</edits_since_snapshot>\n"


def _line_end(text: str, offset: int, limit: int) -> int:
    found = text.find("\n", offset, limit)
    return limit if found < 0 else found


def _project_context(file: FileView, others: Sequence[FileView], chars: int) -> str:
    parts: list[str] = []
    used = 0
    for other in sorted(others, key=lambda view: view.uri):
        if other.uri == file.uri or other.language_id != file.language_id:
            continue
        body = scrub_slice(other.text, 0, min(max(chars - used, 0), len(other.text)))
        if not body:
            break
        parts.append(f'<file path="{encodable(other.path)}">\n{body}\n</file>\n')
        used += len(body)
    return f"<project_context>\n{''.join(parts)}</project_context>\n" if parts else ""
